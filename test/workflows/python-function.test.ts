// A Python function with the layer: the real SEA and the layer's python/wait_for_init client, in
// the sandbox under a Python custom runtime (python3 stands for Lambda's python3.x runtimes).
import path from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { outcomeLines, ours } from '../integration/harness'
import { python3, startPythonSandbox } from './python-helpers'

const FUNCTION_DIR = path.join(__dirname, 'fixtures', 'python-client')
const python = python3()

interface State { warm: boolean; result: string | null; mode: string; client: string; value?: string }

const start = (t: Test, env: Record<string, string>, mode: 'provisioned' | 'rie' = 'provisioned') =>
  startPythonSandbox(t, python!, FUNCTION_DIR, env, mode)

if (!python) t.plan(0, 'python3 not installed')
else {
  for (const mode of ['signal-ready', 'hold', 'hold-async']) {
    t.test(`${mode}: warm on the first invoke`, async (t) => {
      const sb = await start(t, { WARMING_TIMEOUT: '5000', CLIENT_MODE: mode })
      if (!sb) return
      const init = await sb.init()
      t.notOk(init.failed, 'Init ok')
      await sb.idle(300)
      const state = (await sb.invoke({})).result as State
      t.equal(state.client, '/opt/python/wait_for_init/__init__.py', 'the layer\'s client')
      t.equal(state.warm, true, 'warm on the first invoke')
      t.equal(state.result, 'accepted')
      const outcome = outcomeLines(ours(sb.report()))
      t.match(outcome[0], /outcome=ready/)
      const held = Number(/held=(\d+)ms/.exec(outcome[0])?.[1])
      t.ok(held >= 900 && held < 4000, `held ${held} ms ≈ the 1 s warm-up`)
    })
  }

  t.test('without WARMING_TIMEOUT: no hold, the first invoke is cold', async (t) => {
    const sb = await start(t, { CLIENT_MODE: 'signal-ready' })
    if (!sb) return
    t.notOk((await sb.init()).failed)
    await sb.idle(300)
    const state = (await sb.invoke({})).result as State
    t.equal(state.warm, false, 'frozen before the warm-up finished')
    t.match(outcomeLines(ours(sb.report()))[0], /outcome=no-hold/)
  })

  for (const mode of ['signal-failure', 'hold-raises']) {
    t.test(`${mode}: Init fails with the reason`, async (t) => {
      const reason = 'database unreachable: 10.0.0.5:5432 — timeout\nretry later'
      const sb = await start(t, { WARMING_TIMEOUT: '5000', CLIENT_MODE: mode, FAILURE_REASON: reason })
      if (!sb) return
      const init = await sb.init()
      t.ok(init.failed, 'Init failed')
      t.notOk(init.timedOut, 'because of the signal, not a timeout')
      const r = sb.report()
      t.same(r.errors.map((e) => e.errorType), ['Extension.FunctionInitFailed'])
      const outcome = outcomeLines(ours(r))
      t.match(outcome[0], /outcome=failed/)
      t.ok(outcome[0].includes('database unreachable: 10.0.0.5:5432 — timeout retry later'), `the reason, one line: ${outcome[0]}`)
    })
  }

  t.test('sam local (rie mode): a failed Python Init answers 502 with an empty body', async (t) => {
    const sb = await start(t, { WARMING_TIMEOUT: '5000', CLIENT_MODE: 'signal-failure', FAILURE_REASON: 'no config' }, 'rie')
    if (!sb) return
    const inv = await sb.invoke({})
    t.equal(inv.httpStatus, 502)
    t.equal(inv.rawResponse, '')
  })
}
