// `sam local` / AWS's Runtime Interface Emulator (docs/lambda-lifecycle.md §11), reproduced by the
// sandbox's rie mode with the real SEA: no AWS_LAMBDA_INITIALIZATION_TYPE, Init inside the first
// invoke and counted against the function timeout (SAM's default: 3 s).
import t from 'tap'
import path from 'node:path'
import { Sandbox } from '../sandbox'
import { extensionLines, outcomeLines, ours, requireLayer, WARMUP_FUNCTION } from '../integration/harness'

const ENV_ECHO = path.join(__dirname, 'fixtures', 'env-echo')

// A function that never signals, and a hold longer than the whole function timeout.
const forgotten = { WARMING_TIMEOUT: '5000', SIGNAL_MODE: 'never', WARMUP_STEPS: '1' }

function rieSandbox(t: { teardown(fn: () => unknown): void }, env: Record<string, string>, extra: { hideFunctionTimeout?: boolean; functionTimeoutMs?: number } = {}): Sandbox {
  const sb = new Sandbox({ functionDir: WARMUP_FUNCTION, layers: [requireLayer()], mode: 'rie', functionTimeoutMs: 3000, env, ...extra })
  t.teardown(() => sb.close())
  return sb
}

t.test('rie mode: no init type, the function timeout in the environment, no Init ahead of traffic', async (t) => {
  const sb = new Sandbox({ functionDir: ENV_ECHO, mode: 'rie', functionTimeoutMs: 3000 })
  t.teardown(() => sb.close())
  await t.rejects(sb.init(), /Init inside the first invoke/)
  const first = await sb.invoke({})
  t.equal(first.httpStatus, 200)
  t.ok(first.initInline, 'Init ran inside the first invoke')
  t.same(first.result, { AWS_LAMBDA_INITIALIZATION_TYPE: null, AWS_LAMBDA_FUNCTION_TIMEOUT: '3' })
  const second = await sb.invoke({})
  t.notOk(second.initInline)
  const r = sb.report()
  t.equal(r.inits.length, 1, 'one Init for two invokes')
  t.equal(r.freezes.length, 0, 'the RIE never freezes')
})

t.test('sam local, forgotten signal: WARMING_TIMEOUT=5000 with a 3 s timeout still answers 200 (the cap)', async (t) => {
  const sb = rieSandbox(t, forgotten)
  const first = await sb.invoke({})
  const second = await sb.invoke({})
  for (const [i, inv] of [first, second].entries()) {
    t.equal(inv.httpStatus, 200, `invoke ${i + 1}: 200`)
    t.ok(inv.ok, `invoke ${i + 1}: ok (${inv.rawResponse})`)
    t.notOk(inv.timedOut, `invoke ${i + 1}: no timeout`)
  }
  t.ok(first.initInline, 'Init in the first invoke')
  t.notOk(second.initInline, 'the second invoke finds the environment initialized')
  t.ok(first.responseMs !== null && first.responseMs < 3000, `first invoke answered after ${Math.round(first.responseMs!)} ms, inside the 3 s timeout`)
  const r = sb.report()
  t.equal(r.inits.length, 1, 'Init ran once')
  const ext = ours(r)
  const outcome = outcomeLines(ext)
  t.equal(outcome.length, 1)
  const held = Number(/held=(\d+)ms/.exec(outcome[0])?.[1])
  t.match(outcome[0], /outcome=timeout/)
  t.ok(held >= 1800 && held < 2500, `held ${held} ms ≈ 2000 ms (3 s minus the handler's 1 s)`)
  const warnings = extensionLines(ext).filter((l) => /AWS_LAMBDA_FUNCTION_TIMEOUT/.test(l))
  t.equal(warnings.length, 1, 'one warning')
  t.match(warnings[0], /WARMING_TIMEOUT=5000/)
  t.match(warnings[0], /AWS_LAMBDA_FUNCTION_TIMEOUT=3\b/)
})

t.test('control: without the cap (timeout hidden from the extension) the same setup times out on every invoke', async (t) => {
  const sb = rieSandbox(t, forgotten, { hideFunctionTimeout: true })
  const first = await sb.invoke({})
  const second = await sb.invoke({})
  for (const [i, inv] of [first, second].entries()) {
    t.ok(inv.timedOut, `invoke ${i + 1}: timed out`)
    t.equal(inv.httpStatus, 200)
    t.equal(inv.rawResponse, 'Task timed out after 3.00 seconds')
    t.equal(inv.resetReason, 'timeout')
    t.ok(inv.initInline, `invoke ${i + 1}: Init starts over`)
  }
  const r = sb.report()
  t.equal(r.inits.length, 2, 'a fresh Init per invoke')
  t.ok(r.inits.every((i) => i.timedOut), 'each Init was cut by the function timeout')
  // The first generation was still holding at the timeout: it got no SHUTDOWN (it was not in
  // event/next) and never finished Init inside the invoke.
  const gen0 = r.extensions.find((e) => e.name === 'wait-for-init' && e.generation === 0)!
  t.equal(gen0.shutdownEventAt, null, 'no SHUTDOWN for the holding extension')
  t.ok(gen0.exitAt !== null, 'and it is gone')
  // As with a SIGTERM to the emulator during a hold (docs/local-development.md): SHUTDOWN is only
  // ever an answer to event/next, so the holding extension is killed at the reset deadline.
  t.equal(gen0.exitSignal, 'SIGKILL', 'SIGKILLed, not a clean exit')
  t.equal(gen0.exitCode, null)
})

t.test('sam local, failed Init: 502 with an empty body, and the next invoke runs a fresh Init', async (t) => {
  const sb = rieSandbox(t, { WARMING_TIMEOUT: '5000', SIGNAL_MODE: 'error', WARMUP_STEPS: '2', SIGNAL_MESSAGE: 'database unreachable' }, { functionTimeoutMs: 10_000 })
  const first = await sb.invoke({})
  const second = await sb.invoke({})
  for (const [i, inv] of [first, second].entries()) {
    t.equal(inv.httpStatus, 502, `invoke ${i + 1}: 502`)
    t.equal(inv.rawResponse, '', `invoke ${i + 1}: empty body`)
    t.ok(inv.initInline, `invoke ${i + 1}: Init inside the invoke`)
  }
  const r = sb.report()
  t.equal(r.inits.length, 2, 'a fresh Init for the second invoke')
  t.ok(r.inits.every((i) => i.failed && !i.timedOut))
  t.same(r.errors.map((e) => e.errorType), ['Extension.FunctionInitFailed', 'Extension.FunctionInitFailed'], 'what the extension posted')
  t.ok(r.inits.every((i) => i.errorType === 'Extension.InitError'), 'recorded as Extension.InitError, like the RIE')
  t.match(outcomeLines(ours(r))[0], /outcome=failed.*database unreachable/)
})
