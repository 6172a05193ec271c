// The client library (from the built layer) against the real extension binary in the sandbox,
// and the sample function end to end.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Sandbox } from '../sandbox'
import { FIXTURES, ROOT, ours, outcomeLines, requireLayer, sandboxWithLayer } from './harness'

const CLIENT_FUNCTION = path.join(FIXTURES, 'functions', 'client-signal')
const SAMPLE = path.join(ROOT, 'examples', 'get-default')
type ClientResults = { scenario: string; results: { result: string; atMs: number }[] }

/** The layer without its extension: the client alone, as if the extension were not attached. */
function clientOnlyLayer(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-clientonly-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.cpSync(path.join(requireLayer(), 'nodejs'), path.join(dir, 'nodejs'), { recursive: true })
  return dir
}

t.test('holdInitUntil → accepted, Init held until the work settled', async (t) => {
  const sb = sandboxWithLayer(t, { functionDir: CLIENT_FUNCTION, env: { WARMING_TIMEOUT: '8000', CLIENT_SCENARIO: 'ready' } })
  const init = await sb.init()
  t.notOk(init.failed)
  t.ok(init.heldMs >= 200, `held ${init.heldMs} ms for 400 ms of work`)
  const out = (await sb.invoke({})).result as ClientResults
  t.same(out.results.map((r) => r.result), ['accepted'])
  t.match(outcomeLines(ours(sb.report()))[0], /outcome=ready/)
})

t.test('holdInitUntil with a rejected work → signalFailure → init/error with the message', async (t) => {
  const sb = sandboxWithLayer(t, { functionDir: CLIENT_FUNCTION, env: { WARMING_TIMEOUT: '8000', CLIENT_SCENARIO: 'fail' } })
  const init = await sb.init()
  t.ok(init.failed, 'Init failed')
  const posted = sb.report().errors.find((e) => e.api === 'extension/init/error')
  t.equal(posted?.errorType, 'Extension.FunctionInitFailed')
  t.match(JSON.stringify(posted?.body), /pool exhausted/)
})

t.test('a signal after WARMING_TIMEOUT ran out → too-late, quickly', async (t) => {
  const sb = sandboxWithLayer(t, { functionDir: CLIENT_FUNCTION, env: { WARMING_TIMEOUT: '500', CLIENT_SCENARIO: 'late', LATE_MS: '1500' } })
  await sb.init()
  const out = (await sb.invoke({})).result as ClientResults
  t.equal(out.results.length, 1)
  t.equal(out.results[0].result, 'too-late')
  t.ok(out.results[0].atMs < 1500 + 1500, `answered ${out.results[0].atMs} ms after load (work took 1500 ms)`)
})

t.test('20 concurrent signals: Init released once, every call resolved, none lost', async (t) => {
  const sb = sandboxWithLayer(t, { functionDir: CLIENT_FUNCTION, env: { WARMING_TIMEOUT: '8000', CLIENT_SCENARIO: 'concurrent' } })
  const init = await sb.init()
  t.notOk(init.failed)
  const out = (await sb.invoke({})).result as ClientResults
  t.equal(out.results.length, 20)
  t.ok(out.results.some((r) => r.result === 'accepted'), 'at least one accepted')
  t.notOk(out.results.some((r) => r.result === 'no-extension'), 'none thought the extension absent')
  t.equal(outcomeLines(ours(sb.report())).length, 1, 'one outcome')
})

t.test('no extension attached: the client returns no-extension within its retry bound', async (t) => {
  const layer = clientOnlyLayer(t)
  const sb = new Sandbox({ functionDir: CLIENT_FUNCTION, layers: [layer], env: { WARMING_TIMEOUT: '8000', CLIENT_SCENARIO: 'ready' } })
  t.teardown(() => sb.close())
  const init = await sb.init()
  t.notOk(init.failed)
  const out = (await sb.invoke({})).result as ClientResults
  t.equal(out.results[0]?.result, 'no-extension')
  t.ok(out.results[0].atMs < 400 + 1000 + 1500, `gave up ${out.results[0].atMs} ms after load (retry budget 1000 ms)`)
})

t.test('sample function, provisioned: warm on the first invoke with the layer, not without the hold', async (t) => {
  const held = sandboxWithLayer(t, { functionDir: SAMPLE, mode: 'provisioned', env: { WARMING_TIMEOUT: '8000' } })
  await held.init()
  await held.idle(500)
  const warm = (await held.invoke({})).result as { warm: boolean; initSignal: string }
  t.equal(warm.warm, true, 'with the layer: warm')
  t.equal(warm.initSignal, 'accepted')

  const unheld = sandboxWithLayer(t, { functionDir: SAMPLE, mode: 'provisioned', env: {} })
  await unheld.init()
  await unheld.idle(500)
  const cold = (await unheld.invoke({})).result as { warm: boolean; initSignal: string }
  t.equal(cold.warm, false, 'layer without WARMING_TIMEOUT: the freeze caught the warm-up half done')
  t.not(cold.initSignal, 'accepted', `signal state at the first invoke: ${cold.initSignal}`)

  const noExtension = new Sandbox({ functionDir: SAMPLE, layers: [clientOnlyLayer(t)], mode: 'provisioned', env: { WARMING_TIMEOUT: '8000' } })
  t.teardown(() => noExtension.close())
  await noExtension.init()
  await noExtension.idle(500)
  const alsoCold = (await noExtension.invoke({})).result as { warm: boolean }
  t.equal(alsoCold.warm, false, 'no extension in the layer: not warm')
})
