// Init ordering and completion, INVOKE vs SHUTDOWN-only, environments, shutdown (docs/lambda-lifecycle.md §5, §9).
import t from 'tap'
import { matchList } from '../hardening/assert'
import { Sandbox } from '../sandbox'
import { RUNTIME_ONLY } from '../sandbox/environment'
import { closeAndCheck, echoHandler, ext, extOut, sandbox, writeFunction, writeLayer } from './helpers'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

t.test('launch order, runtime after every registration, Init gated by a SHUTDOWN-only next (§9 4, 7, 15, 16)', async (t) => {
  const D = 1000
  const layer = writeLayer(t, {
    // 'B' (0x42) sorts before 'a' (0x61): byte-wise order
    'B-delay': `await sleep(500); const id = await register(['SHUTDOWN']); await sleep(${D}); await loop(id)`,
    'a-quick': `const id = await register(['INVOKE', 'SHUTDOWN']); await loop(id)`,
  })
  const sb = sandbox(t, { functionDir: writeFunction(t, echoHandler()), layers: [layer] })
  const init = await sb.init()
  t.equal(init.failed, false, 'Init completes')
  const inv = await sb.invoke({ n: 1 })
  t.equal(inv.ok, true)
  await sb.shutdown()
  const r = await closeAndCheck(t, sb)
  const b = ext(r, 'B-delay')
  const a = ext(r, 'a-quick')
  t.ok(b.spawnAt! < a.spawnAt!, 'B-delay launched before a-quick (byte-wise name order)')
  t.ok(a.spawnAt! < b.registerAt!, 'the second launch did not wait for the first registration')
  t.ok(a.registerAt! < b.registerAt!, 'registration order is independent of launch order')
  const rt = r.runtimes[0]
  t.ok(rt.spawnAt! >= b.registerAt! && rt.spawnAt! >= a.registerAt!, 'runtime started only after every extension registered')
  t.ok(rt.firstNextAt! < b.firstNextAt!, 'the runtime was ready before B-delay called event/next')
  t.ok(init.completedAt! >= b.firstNextAt!, 'Init completed only after the SHUTDOWN-only extension called event/next')
  t.ok(b.firstNextAt! - b.registerAt! >= D - 20, `B-delay waited ${D} ms before its first next`)
  t.ok(Math.abs(init.heldMs - (init.completedAt! - rt.firstNextAt!)) < 1, `Init held ${Math.round(init.heldMs)} ms after the runtime was ready`)
  t.ok(init.heldMs > 0)
  t.ok(inv.deliveredAt! >= init.completedAt!, 'first INVOKE reached the runtime only after Init completed')
  t.ok(b.startupToRegisterMs! >= 490, 'startupToRegisterMs measures spawn → register')
  t.ok(r.logs.some((l) => l.source === 'platform' && /^EXTENSION\tName: B-delay\tState: Ready\tEvents: \[SHUTDOWN\]/.test(l.text)), 'per-extension Init log line (§9 41)')
  t.ok(a.rssAfterInitKb! > 1000 && a.vmHwmKb! >= a.rssAfterInitKb!, 'RSS/VmHWM after Init recorded')
})

t.test('CPU time used by each extension up to register and up to its first event/next (all threads)', async (t) => {
  // Busy loops that stop after 300 ms of the process's own CPU time (process.cpuUsage, so a
  // loaded machine cannot shorten them), not sleeps: only CPU burnt by the process counts.
  // 'idle' sleeps instead and must show far less CPU than 'busy'.
  const burn = (ms: number) => `{ const from = process.cpuUsage(); while (process.cpuUsage(from).user < ${ms * 1000}) {} }`
  const layer = writeLayer(t, {
    busy: `${burn(300)}; const id = await register(['SHUTDOWN']); ${burn(300)}; await loop(id)`,
    idle: `await sleep(300); const id = await register(['SHUTDOWN']); await sleep(300); await loop(id)`,
  })
  const sb = sandbox(t, { functionDir: writeFunction(t, echoHandler()), layers: [layer] })
  t.equal((await sb.init()).failed, false)
  await sb.shutdown()
  const r = await closeAndCheck(t, sb)
  const busy = ext(r, 'busy')
  const idle = ext(r, 'idle')
  t.ok(busy.cpuAtRegisterMs! >= 280, `busy: ${busy.cpuAtRegisterMs} ms of CPU at register (≥ its 300 ms loop)`)
  t.ok(busy.cpuAtFirstNextMs! - busy.cpuAtRegisterMs! >= 280, `busy: ${busy.cpuAtFirstNextMs} ms at its first event/next (a second 300 ms loop after register)`)
  t.ok(idle.cpuAtRegisterMs! > 0 && idle.cpuAtFirstNextMs! >= idle.cpuAtRegisterMs!, 'idle: CPU recorded, and it only grows')
  t.ok(idle.cpuAtFirstNextMs! < busy.cpuAtRegisterMs! - 100, `idle used less CPU in all (${idle.cpuAtFirstNextMs} ms) than busy before register: sleeping is not counted`)
})

t.test('INVOKE extensions add per-invoke time, SHUTDOWN-only ones none (§9 21, 24, 25, 26)', async (t) => {
  const layer = writeLayer(t, {
    inv: `const id = await register(['INVOKE', 'SHUTDOWN']); await loop(id, async (ev) => { if (ev.eventType === 'INVOKE') await sleep(300) })`,
    shut: `const id = await register(['SHUTDOWN']); await loop(id)`,
  })
  const sb = sandbox(t, { functionDir: writeFunction(t, echoHandler()), layers: [layer] })
  t.equal((await sb.init()).failed, false)
  const i1 = await sb.invoke({ n: 1 })
  const i2 = await sb.invoke({ n: 2 })
  await sb.shutdown()
  const r = await closeAndCheck(t, sb)
  for (const i of [i1, i2]) {
    t.equal(i.ok, true)
    // The INVOKE extension sleeps 300 ms from delivery; the time the runtime itself took overlaps
    // that sleep (a loaded machine makes it long), so the bounds are relative to delivery.
    const runtimeDone = Math.max(i.responseAt!, i.runtimeDoneAt ?? i.responseAt!)
    t.ok(i.completedAt! - i.deliveredAt! >= 290, `the invoke lasted the extension's 300 ms (${Math.round(i.completedAt! - i.deliveredAt!)} ms from delivery)`)
    t.ok(i.extensionOverheadMs > 0 && Math.abs(i.extensionOverheadMs - (i.completedAt! - runtimeDone)) < 1, `invoke waited ${Math.round(i.extensionOverheadMs)} ms for the INVOKE extension after the runtime was done`)
    t.ok(i.responseAt! < i.completedAt!, 'the response was available before the INVOKE extension returned to next')
  }
  t.ok(i2.deliveredAt! >= i1.completedAt!, 'second invoke delivered only after the first completed')
  const invEvents = extOut(r, 'inv').filter((o) => o.t === 'event').map((o) => o as unknown as { event: Record<string, unknown>; eventId: string | null })
  t.same(invEvents.map((e) => e.event.eventType), ['INVOKE', 'INVOKE', 'SHUTDOWN'])
  invEvents.slice(0, 2).forEach((e, n) => {
    const i = [i1, i2][n]
    t.equal(e.event.requestId, i.requestId, 'INVOKE carries the request id')
    t.equal(e.event.deadlineMs, i.deadlineMs, 'INVOKE deadlineMs is the absolute invoke deadline')
    t.match(e.event.invokedFunctionArn, /^arn:aws:lambda:us-east-1:123456789012:function:/)
    t.notOk('tracing' in e.event, 'tracing omitted without a trace header')
    t.match(e.eventId, UUID, 'Lambda-Extension-Event-Identifier is a UUID')
  })
  const shutEvents = extOut(r, 'shut').filter((o) => o.t === 'event').map((o) => (o.event as { eventType: string }).eventType)
  t.same(shutEvents, ['SHUTDOWN'], 'the SHUTDOWN-only extension stayed blocked through both invokes')
})

t.test('a SHUTDOWN-only extension adds no per-invoke time', async (t) => {
  const layer = writeLayer(t, { shut: `const id = await register(['SHUTDOWN']); await loop(id)` })
  const sb = sandbox(t, { functionDir: writeFunction(t, echoHandler()), layers: [layer] })
  await sb.init()
  for (let n = 0; n < 3; n++) {
    const i = await sb.invoke({ n })
    t.equal(i.ok, true)
    t.ok(i.extensionOverheadMs < 50, `overhead ${i.extensionOverheadMs.toFixed(2)} ms`)
  }
  await closeAndCheck(t, sb)
})

t.test('environments: extensions get the filtered set, the runtime everything (§9 1, 2)', async (t) => {
  const layer = writeLayer(t, { envdump: `out('env', { env: process.env }); const id = await register([]); await loop(id)` })
  const fn = writeFunction(t, { 'index.js': 'exports.handler = async () => ({ env: process.env })\n' })
  const sb = sandbox(t, { functionDir: fn, layers: [layer], mode: 'provisioned', env: { MY_SETTING: 'v1', _PRIVATE: 'p' } })
  await sb.init()
  const inv = await sb.invoke()
  const r = await closeAndCheck(t, sb)
  const extEnv = extOut(r, 'envdump').find((o) => o.t === 'env')!.env as Record<string, string>
  const rtEnv = (inv.result as { env: Record<string, string> }).env
  t.match(rtEnv.AWS_LAMBDA_RUNTIME_API, /^127\.0\.0\.1:\d+$/, 'host:port, no scheme')
  t.equal(extEnv.AWS_LAMBDA_RUNTIME_API, rtEnv.AWS_LAMBDA_RUNTIME_API, 'same API address for both')
  for (const k of RUNTIME_ONLY) {
    t.notOk(k in extEnv, `extension lacks ${k}`)
    t.ok(k in rtEnv, `runtime has ${k}`)
  }
  t.same(Object.keys(extEnv).filter((k) => k.startsWith('_')), [], 'no _-prefixed variable reaches an extension')
  t.equal(rtEnv._PRIVATE, 'p')
  t.equal(rtEnv._HANDLER, 'index.handler')
  for (const env of [extEnv, rtEnv]) {
    t.equal(env.MY_SETTING, 'v1')
    t.equal(env.AWS_LAMBDA_INITIALIZATION_TYPE, 'provisioned-concurrency')
    t.equal(env.AWS_REGION, 'us-east-1')
    t.ok(env.AWS_LAMBDA_FUNCTION_NAME && env.AWS_LAMBDA_FUNCTION_VERSION && env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE)
    t.notOk('NODE_OPTIONS' in env, 'nothing leaks from the emulator process environment')
  }
})

t.test('reserved variables in the function configuration are refused by name', async (t) => {
  const fn = writeFunction(t, echoHandler())
  t.throws(() => new Sandbox({ functionDir: fn, env: { _HANDLER: 'x.y' } }), /env: _HANDLER is reserved/)
  t.throws(() => new Sandbox({ functionDir: fn, env: { 'BAD-NAME': '1' } }), /env: invalid variable name "BAD-NAME"/)
  t.throws(() => new Sandbox({ functionDir: fn, mode: 'lazy' as never }), /mode must be .* got "lazy"/)
  t.throws(() => new Sandbox({ functionDir: fn, initTimeoutMs: -5 }), /initTimeoutMs must be a positive number of ms, got -5/)
})

const SIGTERM_FN = {
  'index.js': `process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0) })
exports.handler = async () => 'ok'
`,
}

t.test('no extension: the runtime is SIGKILLed at once, never SIGTERM (§9 32, 37)', async (t) => {
  const sb = sandbox(t, { functionDir: writeFunction(t, SIGTERM_FN) })
  await sb.init()
  await sb.invoke()
  const s = await sb.shutdown()
  const r = await closeAndCheck(t, sb)
  t.equal(s.budgetMs, 0)
  t.equal(s.runtimeSignal, 'SIGKILL')
  t.equal(r.runtime!.exitSignal, 'SIGKILL')
  t.notOk(r.runtime!.logs.some((l) => l.text === 'got SIGTERM'), 'no SIGTERM handler ran')
})

t.test('with an extension: SIGTERM to the runtime first, SHUTDOWN only after it is gone (§9 33–35)', async (t) => {
  const layer = writeLayer(t, {
    sub: `const id = await register(['SHUTDOWN']); await loop(id)`,
    nosub: `const id = await register(['INVOKE']); await loop(id)`,
  })
  const sb = sandbox(t, { functionDir: writeFunction(t, SIGTERM_FN), layers: [layer] })
  await sb.init()
  await sb.invoke()
  const s = await sb.shutdown('spindown')
  const r = await closeAndCheck(t, sb)
  t.equal(s.budgetMs, 2000)
  t.equal(s.runtimeSignal, 'SIGTERM')
  t.ok(r.runtime!.logs.some((l) => l.text === 'got SIGTERM'), "the function's SIGTERM handler ran")
  t.equal(r.runtime!.exitCode, 0)
  const sub = ext(r, 'sub')
  t.ok(sub.shutdownEventAt! >= r.runtime!.exitAt!, 'SHUTDOWN delivered after the runtime exited')
  const ev = extOut(r, 'sub').find((o) => o.t === 'event' && (o.event as { eventType: string }).eventType === 'SHUTDOWN')!.event
  t.same(ev, { eventType: 'SHUTDOWN', deadlineMs: s.deadlineMs, shutdownReason: 'spindown' })
  t.ok(s.deadlineMs > 1.7e12, 'deadlineMs is absolute epoch ms')
  t.equal(sub.exitCode, 0)
  t.equal(sub.state, 'Exited')
  const nosub = ext(r, 'nosub')
  t.equal(nosub.exitSignal, 'SIGKILL', 'an extension not subscribed to SHUTDOWN is SIGKILLed')
  t.notOk(extOut(r, 'nosub').some((o) => o.t === 'event' && (o.event as { eventType: string } | null)?.eventType === 'SHUTDOWN'), 'and gets no event')
})

t.test('shutdown deadline: a stubborn runtime and extension are SIGKILLed (§9 33, 36, §8 rows 16–17)', async (t) => {
  const layer = writeLayer(t, {
    // after SHUTDOWN it calls next again: that call blocks until the process is killed
    stubborn: `const id = await register(['SHUTDOWN']); const ev = await next(id); out('got', { ev }); await next(id); out('next returned')`,
  })
  const fn = writeFunction(t, { 'index.js': `process.on('SIGTERM', () => console.log('ignoring SIGTERM'))\nexports.handler = async () => 'ok'\n` })
  const sb = sandbox(t, { functionDir: fn, layers: [layer] })
  await sb.init()
  await sb.invoke()
  const s = await sb.shutdown()
  const r = await closeAndCheck(t, sb)
  t.equal(s.runtimeSignal, 'SIGTERM,SIGKILL', 'runtime ignored SIGTERM and was SIGKILLed')
  t.ok(s.runtimeGoneAt! - s.startedAt >= 550 && s.runtimeGoneAt! - s.startedAt < 1500, `runtime killed after its share (${Math.round(s.runtimeGoneAt! - s.startedAt)} ms)`)
  const st = ext(r, 'stubborn')
  t.same(s.killedAtDeadline, ['stubborn'])
  t.equal(st.exitSignal, 'SIGKILL')
  t.equal(st.state, 'ShutdownFailed')
  t.ok(st.exitAt! >= s.deadlineMs - 5 && st.exitAt! < s.deadlineMs + 500, 'killed at deadlineMs')
  t.ok(s.durationMs >= 1950 && s.durationMs < 3000, `total shutdown ${Math.round(s.durationMs)} ms ≈ 2000 ms budget`)
  t.notOk(extOut(r, 'stubborn').some((o) => o.t === 'next returned'), 'event/next after SHUTDOWN never returned')
})

t.test('internal extension only: 500 ms shutdown budget, the runtime still gets SIGTERM (§9 37)', async (t) => {
  const fn = writeFunction(t, {
    // ES module: the top-level await guarantees the registration precedes the runtime's first next
    'index.mjs': `import http from 'node:http'
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':')
const call = (method, path, headers, body) => new Promise((resolve) => {
  const req = http.request({ host, port, method, path, headers, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res)) })
  req.end(body)
})
const reg = await call('POST', '/2020-01-01/extension/register', { 'Lambda-Extension-Name': 'in-process' }, '{"events":[]}')
if (reg.statusCode !== 200) throw new Error('internal registration failed: ' + reg.statusCode)
call('GET', '/2020-01-01/extension/event/next', { 'Lambda-Extension-Identifier': reg.headers['lambda-extension-identifier'] })
process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0) })
export const handler = async () => 'ok'
`,
  })
  const sb = sandbox(t, { functionDir: fn })
  const init = await sb.init()
  t.equal(init.failed, false)
  await sb.invoke()
  const s = await sb.shutdown()
  const r = await closeAndCheck(t, sb)
  matchList(t, r.extensions, [{ name: 'in-process', internal: true }])
  t.same(r.extensions[0].registeredEvents, [], 'registered for no event')
  t.equal(s.budgetMs, 500)
  t.equal(s.runtimeSignal, 'SIGTERM')
  t.ok(r.runtime!.logs.some((l) => l.text === 'got SIGTERM'))
})
