// Failure rows of docs/lambda-lifecycle.md §8 and the reset/retry behaviour of §5.4–§5.5 (§9 items 5, 6, 17–20, 29–31, 38).
import fs from 'node:fs'
import t from 'tap'
import { matchList } from '../hardening/assert'
import { closeAndCheck, echoHandler, ext, extOut, sandbox, sandboxTmpFile, writeFunction, writeLayer } from './helpers'

const REGISTER_AND_LOOP = `const id = await register(['INVOKE', 'SHUTDOWN']); await loop(id)`

t.test('Extension.LaunchError for empty, non-executable and .gitkeep entries; later files not launched (§9 5)', async (t) => {
  const cases: [string, { raw: string; mode: number }, string][] = [
    ['.gitkeep', { raw: '', mode: 0o644 }, 'PermissionDenied'],
    ['m-empty-exec', { raw: '', mode: 0o755 }, 'UnknownError'],
    ['m-noexec', { raw: '#!/bin/sh\nexit 0\n', mode: 0o644 }, 'PermissionDenied'],
    ['m-bad-interp', { raw: '#!/no/such/interpreter\n', mode: 0o755 }, 'UnknownError'],
  ]
  for (const [name, spec, agentError] of cases) {
    const layer = writeLayer(t, { [name]: spec, 'a-first': REGISTER_AND_LOOP, 'z-after': REGISTER_AND_LOOP })
    const sb = sandbox(t, { functionDir: writeFunction(t, echoHandler()), layers: [layer] })
    const init = await sb.init()
    const r = await closeAndCheck(t, sb)
    t.equal(init.failed, true, `${name}: Init fails`)
    t.equal(init.errorType, 'Extension.LaunchError', `${name}: Extension.LaunchError`)
    t.equal(ext(r, name).state, 'LaunchError')
    t.match(ext(r, name).launchError, new RegExp(`^${agentError}`), `${name}: ${agentError}`)
    t.equal(ext(r, 'z-after').spawnAt, null, `${name}: the file sorted after it was not launched`)
    t.equal(r.runtimes[0].spawnAt, null, `${name}: the runtime never started`)
    if (name !== '.gitkeep') t.ok(ext(r, 'a-first').spawnAt !== null, 'files sorted before it were launched')
  }
})

t.test('an 11th extension fails Init with Extension.LaunchError (§9 6)', async (t) => {
  const exts: Record<string, { sh: string }> = {}
  for (let i = 0; i < 11; i++) exts[`e${String(i).padStart(2, '0')}`] = { sh: 'exec sleep 30' }
  const sb = sandbox(t, { functionDir: writeFunction(t, echoHandler()), layers: [writeLayer(t, exts)] })
  const init = await sb.init()
  const r = await closeAndCheck(t, sb)
  t.equal(init.errorType, 'Extension.LaunchError')
  t.match(ext(r, 'e10').launchError, /^TooManyExtensions/)
  t.equal(r.extensions.filter((e) => e.spawnAt !== null).length, 10)
})

t.test('Extension.Crash: exit before registering (code 0) or after registering (§9 17, §8 rows 11–12)', async (t) => {
  for (const [label, body] of [
    ['before register, exit 0', `await sleep(400); process.exit(0)`],
    ['after register, before next', `await register(['SHUTDOWN']); await sleep(100); process.exit(1)`],
  ]) {
    const layer = writeLayer(t, { crashy: body, other: REGISTER_AND_LOOP })
    const sb = sandbox(t, { functionDir: writeFunction(t, echoHandler()), layers: [layer] })
    const init = await sb.init()
    const r = await closeAndCheck(t, sb)
    t.equal(init.errorType, 'Extension.Crash', label)
    t.equal(r.shutdowns[0]?.reason, 'failure', `${label}: sandbox reset with reason failure`)
    const other = ext(r, 'other')
    const ev = extOut(r, 'other').find((o) => o.t === 'event')?.event as { shutdownReason?: string } | undefined
    if (other.registerAt !== null && other.registerAt < r.shutdowns[0].startedAt) {
      t.equal(ev?.shutdownReason, 'failure', `${label}: the other (registered) extension got SHUTDOWN failure`)
    } else {
      t.equal(other.exitSignal, 'SIGKILL', `${label}: the other extension had not registered yet and was SIGKILLed`)
    }
  }
})

t.test('init/error: header required, 202, next refused, Init fails with Extension.InitError when the extension exits (§9 18)', async (t) => {
  const layer = writeLayer(t, {
    bad: `const id = await register(['SHUTDOWN'])
      const h = { 'Lambda-Extension-Identifier': id }
      const a = await call('POST', '/2020-01-01/extension/init/error', { headers: h, body: '{}' })
      out('noheader', { status: a.status, errorType: a.json.errorType })
      const b = await call('POST', '/2020-01-01/extension/init/error', { headers: { ...h, 'Lambda-Extension-Function-Error-Type': 'Extension.ConfigInvalid' }, body: JSON.stringify({ errorMessage: 'bad config', errorType: 'Extension.ConfigInvalid' }) })
      out('posted', { status: b.status, body: b.json })
      const c = await call('GET', '/2020-01-01/extension/event/next', { headers: h })
      out('next', { status: c.status, errorType: c.json.errorType })
      await sleep(400)
      out('exiting')
      process.exit(1)`,
  })
  const sb = sandbox(t, { functionDir: writeFunction(t, echoHandler()), layers: [layer] })
  const init = await sb.init()
  const r = await closeAndCheck(t, sb)
  const o = extOut(r, 'bad')
  t.match(o.find((x) => x.t === 'noheader'), { status: 403, errorType: 'Extension.MissingHeader' })
  t.match(o.find((x) => x.t === 'posted'), { status: 202, body: { status: 'OK' } })
  t.match(o.find((x) => x.t === 'next'), { status: 403, errorType: 'Extension.InvalidExtensionState' })
  t.equal(init.errorType, 'Extension.InitError')
  const exitingAt = o.find((x) => x.t === 'exiting')!.at
  t.ok(init.completedAt! >= exitingAt - 5, 'Init failed only when the extension exited, not at the post')
  matchList(t, r.errors, [{ api: 'extension/init/error', errorType: 'Extension.ConfigInvalid', source: 'bad' }])
})

t.test('exit/error during an invoke fails it with Extension.ExitError and resets (§9 20, 29)', async (t) => {
  const layer = writeLayer(t, {
    quitter: `const id = await register(['INVOKE', 'SHUTDOWN'])
      await loop(id, async (ev) => {
        if (ev.eventType !== 'INVOKE') return
        const r = await call('POST', '/2020-01-01/extension/exit/error', { headers: { 'Lambda-Extension-Identifier': id, 'Lambda-Extension-Function-Error-Type': 'Extension.Broken' } })
        out('exit-error', { status: r.status, body: r.json })
        process.exit(0)
      })`,
  })
  const sb = sandbox(t, { functionDir: writeFunction(t, echoHandler()), layers: [layer] })
  await sb.init()
  const inv = await sb.invoke()
  const r = await closeAndCheck(t, sb)
  t.match(extOut(r, 'quitter').find((x) => x.t === 'exit-error'), { status: 202, body: { status: 'OK' } })
  t.equal(inv.failed, true)
  t.equal(inv.error?.errorType, 'Extension.ExitError')
  t.equal(inv.resetReason, 'failure')
})

t.test('runtime exit during Init: Runtime.ExitError with the exit reason (§8 row 18)', async (t) => {
  for (const [code, message] of [[0, 'Runtime exited without providing a reason'], [3, 'Runtime exited with error: exit status 3']] as const) {
    const fn = writeFunction(t, { 'index.js': `process.exit(${code})\n` })
    const sb = sandbox(t, { functionDir: fn })
    const init = await sb.init()
    await closeAndCheck(t, sb)
    t.equal(init.errorType, 'Runtime.ExitError')
    t.equal(init.errorMessage, message)
  }
})

t.test('runtime init/error: 202, Init fails, the first invoke retries Init inline and gets the document (§9 28, §8 row 19)', async (t) => {
  const fn = writeFunction(t, { 'index.js': 'exports.notTheHandler = () => 1\n' })
  const sb = sandbox(t, { functionDir: fn })
  const init = await sb.init()
  t.equal(init.errorType, 'Runtime.HandlerNotFound')
  const inv = await sb.invoke()
  const r = await closeAndCheck(t, sb)
  t.equal(inv.initInline, true)
  t.equal(inv.error?.errorType, 'Runtime.HandlerNotFound')
  t.match(inv.error?.payload, { errorType: 'Runtime.HandlerNotFound', errorMessage: /index\.handler is undefined/ })
  t.equal(r.errors.filter((e) => e.api === 'runtime/init/error').length, 2, 'posted in both Inits')
  t.notOk(r.rejections.some((x) => x.path.endsWith('/init/error')), 'accepted (202) before next')
})

t.test('Init timeout: abandoned, SHUTDOWN timeout, retried inside the first invoke; /tmp survives the reset (§9 31, 38, §8 row 26)', async (t) => {
  // Init timeout 2 s (room for the runtime to load the function on a loaded machine, so the first
  // Init does write /tmp); the extension's 3 s sleep outlasts it.
  const layer = writeLayer(t, { slow: `const id = await register(['SHUTDOWN']); await sleep(3000); await loop(id)` })
  const fn = writeFunction(t, {
    'index.js': `const fs = require('fs')
const f = process.env.INITS_FILE
const n = (fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8')) : 0) + 1
fs.writeFileSync(f, String(n))
exports.handler = async () => ({ inits: n })
`,
  })
  const sb = sandbox(t, { functionDir: fn, layers: [layer], initTimeoutMs: 2000, functionTimeoutMs: 8000, env: { INITS_FILE: sandboxTmpFile(t, 'inits') } })
  const init = await sb.init()
  t.equal(init.timedOut, true)
  t.equal(init.failed, true)
  t.ok(init.durationMs >= 1980 && init.durationMs < 3500, `abandoned after ${Math.round(init.durationMs)} ms`)
  const inv = await sb.invoke()
  t.equal(inv.ok, true, 'the invoke succeeds after the inline Init')
  t.equal(inv.initInline, true)
  t.equal(inv.init?.failed, false)
  t.ok(inv.init!.durationMs >= 2980, 'the inline Init waited for the extension again')
  t.ok(inv.deliveredAt! - inv.startedAt >= 2980, 'the Init time came out of the invoke')
  t.same(inv.result, { inits: 2 }, '/tmp written by the first Init survived the reset')
  const r = await closeAndCheck(t, sb)
  t.equal(r.shutdowns[0].reason, 'timeout')
  const ev = extOut(r, 'slow', 0).find((o) => o.t === 'event')?.event as { shutdownReason?: string } | undefined
  t.equal(ev?.shutdownReason, 'timeout', 'the abandoned extension got SHUTDOWN timeout')
  t.ok(ext(r, 'slow', 1).registerAt !== null, 'the extension was launched again and registered again')
  t.equal(r.ok, false, 'a failed first Init makes the report not ok')
})

t.test('invoke timeouts: slow handler, and an INVOKE extension overrunning after the response (§9 30, §8 rows 15, 25)', async (t) => {
  const fn = writeFunction(t, { 'index.js': `exports.handler = async (e) => { if (e.slow) await new Promise((r) => setTimeout(r, 3000)); return 'done' }\n` })
  const layer = writeLayer(t, {
    lingering: `const id = await register(['INVOKE', 'SHUTDOWN']); await loop(id, async (ev) => { if (ev.eventType === 'INVOKE' && !globalThis.seen) { globalThis.seen = 1; return } if (ev.eventType === 'INVOKE') await sleep(3000) })`,
  })
  const sb = sandbox(t, { functionDir: fn, layers: [layer], functionTimeoutMs: 700 })
  await sb.init()
  const fast = await sb.invoke({})
  t.equal(fast.ok, true)
  const slowExt = await sb.invoke({})
  t.equal(slowExt.result, 'done', 'the caller got the response')
  t.equal(slowExt.timedOut, true, 'but the invoke timed out waiting for the extension')
  t.equal(slowExt.resetReason, 'timeout')
  const slowFn = await sb.invoke({ slow: true })
  t.equal(slowFn.initInline, true, 'Init re-ran after the reset')
  t.equal(slowFn.timedOut, true)
  t.equal(slowFn.error?.errorType, 'Sandbox.Timedout')
  t.match(slowFn.error?.errorMessage, /Task timed out after 0\.70 seconds/)
  t.ok(slowFn.durationMs >= 690 && slowFn.durationMs < 1500)
  const r = await closeAndCheck(t, sb)
  t.same(r.shutdowns.map((s) => s.reason), ['timeout', 'timeout'])
})

t.test('runtime or extension exit during an invoke fails it and resets with failure (§9 29)', async (t) => {
  const layer = writeLayer(t, {
    watcher: `const id = await register(['INVOKE', 'SHUTDOWN']); await loop(id, async (ev) => { if (ev.eventType === 'INVOKE' && process.env.CRASH_EXT && !globalThis.n) { process.exit(4) } })`,
  })
  const fn = writeFunction(t, { 'index.js': `exports.handler = async (e) => { if (e.crash) process.exit(5); return 'fine' }\n` })
  const sb = sandbox(t, { functionDir: fn, layers: [layer] })
  await sb.init()
  const crash = await sb.invoke({ crash: true })
  t.equal(crash.failed, true)
  t.equal(crash.error?.errorType, 'Runtime.ExitError')
  t.equal(crash.error?.errorMessage, 'Runtime exited with error: exit status 5')
  t.equal(crash.resetReason, 'failure')
  const after = await sb.invoke({})
  t.equal(after.ok, true, 'the next invoke works after an inline Init')
  t.equal(after.initInline, true)
  const r = await closeAndCheck(t, sb)
  const ev = extOut(r, 'watcher', 0).filter((o) => o.t === 'event').map((o) => o.event as { eventType: string; shutdownReason?: string })
  t.same(ev.map((e) => e.shutdownReason ?? e.eventType), ['INVOKE', 'failure'])

  const sb2 = sandbox(t, { functionDir: fn, layers: [layer], env: { CRASH_EXT: '1' } })
  await sb2.init()
  const extCrash = await sb2.invoke({})
  t.equal(extCrash.failed, true)
  t.equal(extCrash.error?.errorType, 'Extension.Crash')
  t.equal(extCrash.resetReason, 'failure')
  await closeAndCheck(t, sb2)
})

t.test('close() is safe at any point and idempotent', async (t) => {
  const layer = writeLayer(t, { hang: `await register(['SHUTDOWN']); await sleep(60000)` })
  const sb = sandbox(t, { functionDir: writeFunction(t, echoHandler()), layers: [layer], initTimeoutMs: 60000 })
  const pending = sb.init()
  await new Promise((r) => setTimeout(r, 300))
  await closeAndCheck(t, sb)
  const init = await pending
  t.equal(init.failed, true, 'the interrupted Init reports failure')
  await sb.close()
  t.rejects(sb.invoke(), /sandbox is closed/)
  t.notOk(fs.existsSync(sb.tempDir))
})

t.test('an extension that never registers, or registers under another name, holds Init until its limit (§9 12, §8 rows 3–4)', async (t) => {
  for (const [label, body] of [
    ['never registers', `await sleep(60000)`],
    ['wrong name, INVOKE only (treated as internal)', `const id = await register(['INVOKE'], 'someone-else'); out('internal-id', { id }); await loop(id)`],
  ]) {
    const layer = writeLayer(t, { silent: body })
    const sb = sandbox(t, { functionDir: writeFunction(t, echoHandler()), layers: [layer], initTimeoutMs: 600 })
    const init = await sb.init()
    const r = await closeAndCheck(t, sb)
    t.equal(init.timedOut, true, `${label}: Init timed out`)
    t.equal(r.runtimes[0].spawnAt, null, `${label}: the runtime never started`)
    if (label.startsWith('wrong')) t.match(extOut(r, 'silent').find((o) => o.t === 'register'), { status: 200 }, 'the internal registration itself succeeded')
  }
})

t.test('a wrapper that backgrounds the real program and exits counts as a crash; leftovers are killed (§8 row 12a)', {
  skip: process.getuid?.() === 0 ? false : 'needs root for isolation (private /tmp)',
}, async (t) => {
  const layer = writeLayer(t, { wrapper: { sh: 'sleep 30 &\necho $! > /tmp/wfi-bg-pid\nexit 0' } })
  const sb = sandbox(t, { functionDir: writeFunction(t, echoHandler()), layers: [layer], isolate: true })
  const init = await sb.init()
  const bg = Number(fs.readFileSync(sb.hostPath('/tmp/wfi-bg-pid'), 'utf8'))
  const r = await closeAndCheck(t, sb)
  t.equal(init.errorType, 'Extension.Crash')
  t.match(init.errorMessage, /wrapper: exit status 0/)
  t.ok(r.shutdowns[0].leftovers.includes(bg), 'the backgrounded process was found in the session and SIGKILLed')
})
