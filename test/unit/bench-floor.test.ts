// bench/floor: the floor extension the bench compares against really does wait-for-init's job in
// the local sandbox, run directly by the node binary next to it (the process is node itself, not
// a shell): registers for SHUTDOWN only, holds Init until the function's `ready`, answers `ok`,
// removes its socket, exits 0 on SHUTDOWN; and fails the Init with init/error on `error`. The
// minimal floor (the same script under another name) registers before it listens.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isolationSupport } from '../sandbox/isolation'
import { runHold } from '../../bench/scenarios'
import { prepareFloor, FLOOR_NAME, MINIMAL_NAME } from '../../bench/subjects'
import { FUNCTION_DIR } from '../../bench/paths'
import { Sandbox } from '../sandbox'
import { WARMUP_FUNCTION } from '../integration/harness'

// Any node 24 stands in for the embedded one here: the build cache's, else the host's.
const cached = path.join(os.homedir(), '.cache', 'wait-for-init', 'node-v24.21.0-linux-x64', 'node.stripped')
const NODE = fs.existsSync(cached) ? cached : process.execPath

function floorLayer(t: { teardown(fn: () => void): void }, name: typeof FLOOR_NAME | typeof MINIMAL_NAME = FLOOR_NAME) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-floor-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return prepareFloor(path.join(dir, 'floor'), { node: NODE, execArgv: ['--max-semi-space-size=1'], isolated: isolationSupport().ok, name })
}

t.test('the floor holds until ready, is node itself, and exits 0 on SHUTDOWN', async (t) => {
  const floor = floorLayer(t)
  t.match(fs.readFileSync(floor.script, 'utf8').split('\n')[0], /^#!\S+\/wait-for-init-floor\/node --max-semi-space-size=1$/, 'the #! line names the copied node and the flag')

  const hold = await runHold(floor.subject, { signalAfterMs: 200, invokes: 1 })
  t.ok(hold.signalToNextMs >= 0 && hold.signalToNextMs < 1000, `released ${hold.signalToNextMs.toFixed(1)} ms after the signal`)

  const sb = new Sandbox({ functionDir: FUNCTION_DIR, layers: [floor.subject.layerDir], env: { WARMING_TIMEOUT: '5000', BENCH_SIGNAL_AFTER_MS: '100' }, isolate: floor.subject.isolate })
  t.teardown(() => sb.close())
  const init = await sb.init()
  t.notOk(init.failed, 'Init succeeded')
  const ext = sb.report().extensions.find((e) => e.name === FLOOR_NAME)
  t.ok(ext?.pid, 'running')
  t.match(fs.readlinkSync(`/proc/${ext!.pid}/exe`), /\/wait-for-init-floor\/node$/, 'the process is the node binary itself (no launcher)')
  t.same(ext?.registeredEvents, ['SHUTDOWN'])
  t.match((await sb.invoke({})).result, { reply: 'ok\n' }, 'the function was answered ok')
  await sb.shutdown('spindown')
  const after = sb.report().extensions.find((e) => e.name === FLOOR_NAME)
  t.equal(after?.exitCode, 0, 'exit 0 on SHUTDOWN')
  t.notOk(fs.existsSync(sb.hostPath('/tmp/wait-for-init.sock')), 'socket removed after release')
})

t.test('the floor reports `error` with init/error and fails the Init', async (t) => {
  const floor = floorLayer(t)
  const sb = new Sandbox({ functionDir: WARMUP_FUNCTION, layers: [floor.subject.layerDir], env: { WARMING_TIMEOUT: '5000', WARMUP_STEPS: '1', SIGNAL_MODE: 'error', SIGNAL_MESSAGE: 'db down' }, isolate: floor.subject.isolate })
  t.teardown(() => sb.close())
  const init = await sb.init()
  t.ok(init.failed, 'Init failed')
  t.equal(sb.report().errors.length, 1, 'init/error posted once')
})

t.test('the floor listens before register; the minimal floor registers first, then holds until ready', async (t) => {
  const REGISTER_DELAY_MS = 700
  for (const name of [FLOOR_NAME, MINIMAL_NAME] as const) {
    const floor = floorLayer(t, name)
    t.equal(floor.subject.key, name === FLOOR_NAME ? 'floor' : 'minimal')
    const sb = new Sandbox({ functionDir: FUNCTION_DIR, layers: [floor.subject.layerDir], env: { WARMING_TIMEOUT: '5000', BENCH_SIGNAL_AFTER_MS: '100' }, isolate: floor.subject.isolate })
    t.teardown(() => sb.close())
    // Register is answered late, so "socket before register" and "socket after register" are
    // hundreds of ms apart; the socket's first appearance is polled meanwhile.
    sb.faults.add({ api: 'extension/register', action: { delayMs: REGISTER_DELAY_MS } })
    let socketAt: number | null = null
    const poll = setInterval(() => {
      try {
        if (socketAt === null && fs.existsSync(sb.hostPath('/tmp/wait-for-init.sock'))) socketAt = performance.timeOrigin + performance.now()
      } catch { /* not started yet */ }
    }, 5)
    const init = await sb.init()
    clearInterval(poll)
    t.notOk(init.failed, `${name}: Init succeeded`)
    const registerArrived = sb.report().faultHits.find((h) => h.api === 'extension/register')!.at
    t.ok(socketAt !== null, `${name}: the socket was seen`)
    if (name === FLOOR_NAME) t.ok(socketAt! < registerArrived, `${name}: socket before register`)
    else t.ok(socketAt! >= registerArrived + REGISTER_DELAY_MS - 50, `${name}: socket only after register was answered (${Math.round(socketAt! - registerArrived)} ms after it arrived)`)
    const ext = sb.report().extensions.find((e) => e.name === name)!
    t.ok(ext.firstNextAt! - ext.spawnAt! < 5000, `${name}: released by the signal, not the timeout`)
    t.match((await sb.invoke({})).result, { reply: 'ok\n' }, `${name}: the function was answered ok`)
  }
})

t.test('more than one flag cannot ride on a #! line: a clear error', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-floor-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  t.throws(() => prepareFloor(dir, { node: NODE, execArgv: ['--a', '--b'], isolated: false }), { message: /at most one Node flag/ })
  t.throws(() => prepareFloor(dir, { node: path.join(dir, 'missing'), execArgv: [], isolated: false }), { message: /floor's node .* is missing/ })
})
