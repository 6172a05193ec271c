// The built wait-for-init SEA in the local Lambda sandbox: its behaviour as the README describes it.
// Bounds are loose on purpose (a noisy 2-core machine); timing figures live in `make bench`.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import os from 'node:os'
import { sandboxWithLayer, ours, outcomeLines, extensionLines, WarmupState, requireLayer, FIXTURES } from './harness'
import { Sandbox } from '../sandbox'
import { matchList } from '../hardening/assert'

const SOCKET = '/tmp/wait-for-init.sock'

t.test('without WARMING_TIMEOUT: no hold, no socket, and the freeze leaves the warm-up unfinished', async (t) => {
  const sb = sandboxWithLayer(t, { mode: 'provisioned', env: { SIGNAL_MODE: 'never' } })
  const init = await sb.init()
  t.notOk(init.failed, 'Init succeeded')
  t.notOk(fs.existsSync(sb.hostPath(SOCKET)), 'no socket created')
  await sb.idle(300)
  const inv = await sb.invoke({})
  const state = inv.result as WarmupState
  t.equal(state.warm, false, 'first invoke sees the warm-up unfinished (nothing held Init)')
  await sb.shutdown('spindown')
  const ext = ours(sb.report())
  t.same(ext.registeredEvents, ['SHUTDOWN'])
  t.same(outcomeLines(ext).map((l) => l.replace(/^.*(init outcome=.*)$/, '$1')), ['init outcome=no-hold by=none held=0ms: WARMING_TIMEOUT not set'])
  t.ok(init.heldMs < 1500, `extensions held Init only ${init.heldMs} ms after the runtime was ready`)
})

t.test('WARMING_TIMEOUT set: Init is held until the function says ready; the first invoke is warm', async (t) => {
  const sb = sandboxWithLayer(t, { mode: 'provisioned', env: { WARMING_TIMEOUT: '8000' } })
  const init = await sb.init()
  t.notOk(init.failed)
  t.notOk(fs.existsSync(sb.hostPath(SOCKET)), 'socket removed after release')
  await sb.idle(300)
  const state = (await sb.invoke({})).result as WarmupState
  t.equal(state.warm, true, 'warm-up finished inside Init')
  t.equal(state.reply, 'ok\n', 'the extension answered ok')
  t.ok(state.signalledAt! <= init.completedAt!, 'Init completed after the signal')
  t.ok(init.heldMs >= 1000, `held ${init.heldMs} ms after the runtime was ready (warm-up ≈ 2 s)`)
  t.ok(init.durationMs < 8000, `released by the signal, not the timeout (${init.durationMs} ms)`)
  await sb.shutdown('spindown')
  const ext = ours(sb.report())
  t.equal(outcomeLines(ext).length, 1, 'exactly one outcome line')
  t.match(outcomeLines(ext)[0], /init outcome=ready by=ready held=\d+ms/)
  t.equal(ext.exitCode, 0)
})

t.test('no signal: the hold ends at WARMING_TIMEOUT after the extension started', async (t) => {
  const sb = sandboxWithLayer(t, { mode: 'provisioned', env: { WARMING_TIMEOUT: '1500', SIGNAL_MODE: 'never', WARMUP_STEPS: '60' } })
  const init = await sb.init()
  t.notOk(init.failed)
  const ext = ours(sb.report())
  const heldFromSpawn = ext.firstNextAt! - ext.spawnAt!
  t.ok(heldFromSpawn >= 1500 && heldFromSpawn < 4000, `first event/next ${Math.round(heldFromSpawn)} ms after spawn`)
  matchList(t, outcomeLines(ext), [/init outcome=timeout by=timeout held=1[5-9]\d\dms|init outcome=timeout by=timeout held=[2-3]\d\d\dms/])
  const state = (await sb.invoke({})).result as WarmupState
  t.equal(state.warm, false, 'warm-up (6 s) still unfinished: the timeout released Init')
})

t.test('a signal at module load releases at once', async (t) => {
  const sb = sandboxWithLayer(t, { mode: 'provisioned', env: { WARMING_TIMEOUT: '8000', SIGNAL_MODE: 'at-load' } })
  const init = await sb.init()
  t.notOk(init.failed)
  t.ok(init.heldMs < 1500, `held ${init.heldMs} ms`)
  matchList(t, outcomeLines(ours(sb.report())), [/outcome=ready/])
})

t.test("the original sample's raw protocol (write 'ready', close) releases Init", async (t) => {
  const sb = sandboxWithLayer(t, { mode: 'provisioned', env: { WARMING_TIMEOUT: '8000', SIGNAL_MODE: 'original' } })
  const init = await sb.init()
  t.notOk(init.failed)
  t.ok(init.durationMs < 8000)
  const state = (await sb.invoke({})).result as WarmupState
  t.equal(state.warm, true)
  t.equal(state.signalError, null)
})

t.test('error: <reason> posts init/error and fails Init', async (t) => {
  const sb = sandboxWithLayer(t, { mode: 'provisioned', env: { WARMING_TIMEOUT: '8000', SIGNAL_MODE: 'error', SIGNAL_MESSAGE: 'database unreachable', WARMUP_STEPS: '3' } })
  const init = await sb.init()
  t.ok(init.failed, 'Init failed')
  const report = sb.report()
  const posted = report.errors.find((e) => e.api === 'extension/init/error')
  t.ok(posted, 'init/error posted')
  t.equal(posted?.errorType, 'Extension.FunctionInitFailed')
  t.match(JSON.stringify(posted?.body), /database unreachable/)
  t.equal(init.errorType, 'Extension.InitError', 'Lambda reports the extension init error (docs/lambda-lifecycle.md §8 row 13)')
  const ext = ours(report)
  t.equal(ext.exitCode, 1)
  matchList(t, outcomeLines(ext), [/init outcome=failed by=error held=\d+ms: the function reported: database unreachable/])
})

t.test('SHUTDOWN: exits 0 well inside the 2 000 ms budget', async (t) => {
  const sb = sandboxWithLayer(t, { env: { WARMING_TIMEOUT: '5000', SIGNAL_MODE: 'at-load' } })
  await sb.init()
  await sb.invoke({})
  const shutdown = await sb.shutdown('spindown')
  const ext = ours(sb.report())
  t.equal(ext.exitCode, 0)
  t.equal(ext.exitSignal, null)
  t.same(shutdown.killedAtDeadline, [], 'nothing had to be killed')
  t.ok(ext.shutdownMs! < 1000, `exited ${ext.shutdownMs} ms after SHUTDOWN`)
  t.same(shutdown.leftovers, [])
})

t.test('register refused: clear message and non-zero exit, quickly', async (t) => {
  for (const action of [{ status: 403, errorType: 'Extension.InvalidExtensionName' }, { status: 500, errorType: 'InternalServerError' }, 'reset' as const]) {
    const sb = sandboxWithLayer(t, { env: { WARMING_TIMEOUT: '5000' } })
    sb.faults.add({ api: 'extension/register', action })
    const init = await sb.init()
    t.ok(init.failed, `Init failed (${JSON.stringify(action)})`)
    const ext = ours(sb.report())
    t.equal(ext.exitCode, 1, 'exit code 1')
    t.ok(ext.exitAt! - ext.spawnAt! < 3000, `exited ${Math.round(ext.exitAt! - ext.spawnAt!)} ms after spawn`)
    const why = typeof action === 'object' ? `register answered HTTP ${action.status}` : 'register failed'
    t.ok(extensionLines(ext).some((l) => l.includes(`could not register with the Extensions API: ${why}`)), `says why: ${why}`)
    t.notOk(fs.existsSync(sb.hostPath(SOCKET)), 'socket cleaned up')
    await sb.close()
  }
})

t.test('invalid WARMING_TIMEOUT values: one error line naming the variable and value, then no hold', async (t) => {
  for (const value of ['abc', '-5', '1.5', '1e99', '0x10', 'Infinity', '0', '99999999999']) {
    const sb = sandboxWithLayer(t, { env: { WARMING_TIMEOUT: value, SIGNAL_MODE: 'never' } })
    const init = await sb.init()
    t.notOk(init.failed, `${value}: Init fine`)
    const lines = extensionLines(ours(sb.report()))
    const errors = lines.filter((l) => /ERROR/.test(l))
    t.equal(errors.length, 1, `${value}: one error line`)
    t.ok(errors[0].includes(`WARMING_TIMEOUT=${JSON.stringify(value)}`), `${value}: names variable and value: ${errors[0]}`)
    t.same(outcomeLines(ours(sb.report())).map((l) => l.replace(/^.*init outcome=(\S+).*$/, '$1')), ['no-hold'], `${value}: exactly one outcome line: no hold`)
    await sb.close()
  }
})

t.test("the function's NODE_OPTIONS never reaches the extension", async (t) => {
  const sb = sandboxWithLayer(t, {
    functionDir: path.join(FIXTURES, 'functions', 'with-tracer'),
    env: { WARMING_TIMEOUT: '5000', NODE_OPTIONS: '--require /var/task/tracer.js' },
  })
  const init = await sb.init()
  const report = sb.report()
  t.ok(report.runtime!.logs.some((l) => /TRACER LOADED/.test(l.text)), 'the runtime loaded the tracer')
  t.notOk(ours(report).logs.some((l) => /TRACER LOADED/.test(l.text)), 'the extension did not')
  t.notOk(init.failed)
  matchList(t, outcomeLines(ours(report)), [/outcome=ready/])

  const broken = sandboxWithLayer(t, { env: { WARMING_TIMEOUT: '1000', NODE_OPTIONS: '--require /nonexistent.js' } })
  await broken.init()
  const ext = ours(broken.report())
  t.ok(ext.registerAt, 'extension registered despite --require of a missing file')
  t.notOk(ext.logs.some((l) => /Cannot find module/.test(l.text)), 'no module error from the extension')
})

t.test('runs where no node is on PATH (isolated sandbox) and under a renamed file name', async (t) => {
  const sb = sandboxWithLayer(t, { env: { WARMING_TIMEOUT: '5000', SIGNAL_MODE: 'at-load' } })
  await sb.init()
  const report = sb.report()
  if (!report.isolation.enabled) {
    t.skip(`sandbox isolation unavailable: ${report.isolation.reason}`, () => {})
  } else {
    const probe = report.extensions.find((e) => e.name === 'wait-for-init')!
    t.ok(probe.registerAt, 'registered with node masked')
  }
  // A renamed copy registers under its own file name (docs/lambda-lifecycle.md §2.2 step 4).
  const renamed = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-renamed-'))
  t.teardown(() => fs.rmSync(renamed, { recursive: true, force: true }))
  fs.mkdirSync(path.join(renamed, 'extensions'))
  fs.copyFileSync(path.join(requireLayer(), 'extensions', 'wait-for-init'), path.join(renamed, 'extensions', 'my-gate'))
  fs.chmodSync(path.join(renamed, 'extensions', 'my-gate'), 0o755)
  const sb2 = new Sandbox({ functionDir: path.join(FIXTURES, 'functions', 'warmup'), layers: [renamed], env: { WARMING_TIMEOUT: '5000', SIGNAL_MODE: 'at-load' } })
  t.teardown(() => sb2.close())
  const init2 = await sb2.init()
  t.notOk(init2.failed, 'Init succeeded with the renamed extension')
  t.ok(ours(sb2.report(), 'my-gate').registerAt, 'registered as my-gate')
})

t.test('no per-invoke overhead: SHUTDOWN-only, never part of an invoke', async (t) => {
  const sb = sandboxWithLayer(t, { env: { WARMING_TIMEOUT: '5000', SIGNAL_MODE: 'at-load' } })
  await sb.init()
  for (let i = 0; i < 5; i++) {
    const inv = await sb.invoke({ i })
    t.ok(inv.ok, `invoke ${i} ok`)
    t.equal(inv.extensionOverheadMs, 0, `invoke ${i}: zero time spent waiting for extensions`)
  }
})

t.test('AWS_LAMBDA_LOG_FORMAT=JSON: every line is a JSON object', async (t) => {
  const sb = sandboxWithLayer(t, { env: { WARMING_TIMEOUT: 'abc', AWS_LAMBDA_LOG_FORMAT: 'JSON' } })
  await sb.init()
  const lines = extensionLines(ours(sb.report())).filter((l) => l.trim() !== '')
  t.ok(lines.length >= 2)
  for (const line of lines) {
    const parsed = JSON.parse(line)
    t.ok(parsed.timestamp && parsed.level && parsed.message, `structured: ${line}`)
  }
  t.ok(lines.map((l) => JSON.parse(l)).some((p) => p.outcome === 'no-hold'), 'outcome as a field')
})

t.test('works the same under a non-Node runtime (a Python custom runtime)', async (t) => {
  const python = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => fs.existsSync(p)) ??
    require('node:child_process').spawnSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).stdout.trim()
  if (!python) return t.skip('python3 not installed', () => {})
  const functionDir = path.join(FIXTURES, 'functions', 'python')
  for (const [env, expectWarm] of [[{ WARMING_TIMEOUT: '5000' }, true], [{}, false]] as const) {
    const sb = new Sandbox({ functionDir, layers: [requireLayer()], mode: 'provisioned', env, runtimeCommand: [python, '/var/task/bootstrap.py'] })
    t.teardown(() => sb.close())
    const report = sb.report.bind(sb)
    const init = await sb.init()
    if (init.failed && !report().isolation.enabled) {
      await sb.close()
      return t.skip(`needs the isolated sandbox (/var/task): ${report().isolation.reason}`, () => {})
    }
    t.notOk(init.failed, `Init ok (${JSON.stringify(env)})`)
    await sb.idle(300)
    const state = (await sb.invoke({})).result as { warm: boolean; reply: string | null }
    t.equal(state.warm, expectWarm, `${JSON.stringify(env)}: warm=${expectWarm}`)
    if (expectWarm) t.equal(state.reply, 'ok\n')
    await sb.close()
  }
})
