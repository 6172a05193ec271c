// Reliability, signals and timing (docs/reliability.md). SIGTERM/SIGINT during the hold and during event/next,
// repeated and contradictory messages, `ready` racing the timeout, and a function whose event
// loop is blocked (the extension is a separate process and must release on time regardless).
import t from 'tap'
import { matchList } from './assert'
import fs from 'node:fs'
import path from 'node:path'
import { runLifecycle, type LifecycleDeps, type Listener } from '../../extension-src/lifecycle'
import { parseConfig } from '../../extension-src/config'
import type { Signal } from '../../protocol/signal-protocol'
import type { LambdaEvent } from '../../extension-src/extensions-api'
import {
  closeClean, extensionLines, extensionOf, layerSandbox, nowMs, outcomeLines, runBinary, scriptedApi, sleep, startHolding, talk,
  tempDir, waitForLine, waitForPath,
} from './helpers'

const outcomes = (lines: string[]) => lines.filter((l) => /init outcome=/.test(l)).map((l) => l.replace(/^.*init outcome=(\S+).*$/, '$1'))

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`${signal} during the hold: exit 0 at once, socket removed`, async (t) => {
    const sb = layerSandbox(t, { env: { WARMING_TIMEOUT: '8000' } })
    const h = await startHolding(sb)
    const sentAt = nowMs()
    process.kill(h.pid, signal)
    await h.init
    const ext = extensionOf(sb)
    t.equal(ext.exitCode, 0, 'exit code 0')
    t.equal(ext.exitSignal, null, 'exited by itself, not killed by the signal')
    t.ok(ext.exitAt! - sentAt < 500, `exited ${Math.round(ext.exitAt! - sentAt)} ms after ${signal}`)
    t.notOk(fs.existsSync(h.socketPath), 'socket removed')
    await closeClean(t, sb)
  })

  t.test(`${signal} while blocked in event/next: exit 0 at once`, async (t) => {
    const sb = layerSandbox(t, { env: { WARMING_TIMEOUT: '8000', SIGNAL_MODE: 'messages' } })
    const init = await sb.init() // on-demand: not frozen after Init, the extension sits in event/next
    t.notOk(init.failed)
    const ext0 = extensionOf(sb)
    const sentAt = nowMs()
    process.kill(ext0.pid!, signal)
    for (let i = 0; i < 200 && extensionOf(sb).exitAt === null; i++) await sleep(10)
    const ext = extensionOf(sb)
    t.equal(ext.exitCode, 0, 'exit code 0')
    t.ok(ext.exitAt! - sentAt < 500, `exited ${Math.round(ext.exitAt! - sentAt)} ms after ${signal}`)
    await closeClean(t, sb)
  })
}

t.test('ready twice (two connections): both answered ok, one release, one outcome line', async (t) => {
  const sb = layerSandbox(t, { mode: 'provisioned', env: { WARMING_TIMEOUT: '8000' } })
  const h = await startHolding(sb)
  const [a, b] = await Promise.all([talk(h.socketPath, ['ready\n']), talk(h.socketPath, ['READY\n'])])
  t.same([a.reply, b.reply], ['ok\n', 'ok\n'])
  const init = await h.init
  t.notOk(init.failed)
  t.same(outcomes(extensionLines(extensionOf(sb))), ['ready'])
  await closeClean(t, sb)
})

t.test('on one connection: ready then error → "too late"; Init succeeds, no init/error', async (t) => {
  const sb = layerSandbox(t, { mode: 'provisioned', env: { WARMING_TIMEOUT: '8000' } })
  const h = await startHolding(sb)
  const r = await talk(h.socketPath, ['ready\nerror: changed my mind\n'])
  t.equal(r.reply, 'ok\nerror: too late, Init was already released\n')
  const init = await h.init
  t.notOk(init.failed, 'Init succeeded')
  t.same(sb.report().errors, [], 'no init/error posted')
  const lines = extensionLines(extensionOf(sb))
  t.same(outcomes(lines), ['ready'])
  t.ok(lines.some((l) => /"error" arrived after Init was released; ignored/.test(l)), 'the late error is logged as ignored')
  await closeClean(t, sb)
})

t.test('on one connection: error then ready → "already reported as failed"; Init fails once', async (t) => {
  const sb = layerSandbox(t, { mode: 'provisioned', env: { WARMING_TIMEOUT: '8000' } })
  const h = await startHolding(sb)
  const r = await talk(h.socketPath, ['error: db down\nready\n'])
  t.equal(r.reply, 'ok\nerror: initialization was already reported as failed\n')
  const init = await h.init
  t.ok(init.failed, 'Init failed')
  const posted = sb.report().errors.filter((e) => e.api === 'extension/init/error')
  t.equal(posted.length, 1, 'init/error posted once')
  t.same(outcomes(extensionLines(extensionOf(sb))), ['failed'])
  await closeClean(t, sb)
})

t.test('ready after error and error after ready from the function, on separate connections', async (t) => {
  for (const [messages, expected] of [['error: boom|ready', 'failed'], ['ready|error: boom', 'ready']] as const) {
    const sb = layerSandbox(t, { mode: 'provisioned', env: { WARMING_TIMEOUT: '8000', SIGNAL_MODE: 'messages', MESSAGES: messages } })
    const init = await sb.init()
    t.equal(init.failed, expected === 'failed', `${messages}: Init ${expected === 'failed' ? 'failed' : 'succeeded'}`)
    t.same(outcomes(extensionLines(extensionOf(sb))), [expected], `${messages}: one outcome line, ${expected}`)
    t.equal(sb.report().errors.length, expected === 'failed' ? 1 : 0, `${messages}: init/error posted ${expected === 'failed' ? 'once' : 'never'}`)
    await closeClean(t, sb)
  }
})

// ---- ready racing the timeout ----------------------------------------------------------------

/** The lifecycle with a hand-driven timer and listener: both can fire in the same tick. */
function racingLifecycle(t: { teardown(fn: () => void): void }) {
  const dir = tempDir(t, 'race')
  const { config } = parseConfig({ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:1', WARMING_TIMEOUT: '1000', WAIT_FOR_INIT_SOCKET: path.join(dir, 's.sock') })
  const log: string[] = []
  const calls: string[] = []
  let fireTimer: () => void = () => {}
  let sendSignal: (s: Signal) => void = () => {}
  let shutdown: (e: LambdaEvent) => void = () => {}
  const shutdownEvent = new Promise<LambdaEvent>((r) => (shutdown = r))
  let released = false
  const listener: Listener = { start: async () => {}, bound: true, close: () => void calls.push('close'), markReleased: () => void (released = true) }
  const deps: LifecycleDeps = {
    config,
    extensionName: 'wait-for-init',
    api: {
      register: async () => {
        calls.push('register')
        return { identifier: 'id', nextEvent: () => { calls.push('next'); return shutdownEvent }, initError: async () => { calls.push('initError') } }
      },
    },
    log: { debug: () => {}, info: (m) => void log.push(m), warn: (m) => void log.push(m), error: (m) => void log.push(m) },
    createListener: (onSignal) => { sendSignal = onSignal; return listener },
    elapsedMs: () => 1000,
    setTimer: (_ms, fn) => { fireTimer = fn; return { cancel: () => calls.push('cancel') } },
  }
  const run = runLifecycle(deps)
  return { run, log, calls, fire: () => fireTimer(), signal: (s: Signal) => sendSignal(s), shutdown: () => shutdown({ eventType: 'SHUTDOWN' }), released: () => released }
}

t.test('ready and the timeout in the same tick (both orders): one outcome, one event/next', async (t) => {
  for (const order of ['timer-first', 'ready-first'] as const) {
    const r = racingLifecycle(t)
    await sleep(5) // let the lifecycle reach the race
    if (order === 'timer-first') { r.fire(); r.signal({ kind: 'ready' }) } else { r.signal({ kind: 'ready' }); r.fire() }
    await sleep(5)
    r.shutdown()
    t.equal(await r.run, 0, `${order}: exit code 0`)
    const outs = r.log.filter((l) => /init outcome=/.test(l))
    t.equal(outs.length, 1, `${order}: one outcome line: ${outs[0]}`)
    t.match(outs[0], order === 'timer-first' ? /outcome=timeout/ : /outcome=ready/)
    t.equal(r.calls.filter((c) => c === 'next').length, 1, `${order}: one event/next`)
    t.equal(r.released(), order === 'timer-first', `${order}: a late ready is answered as released only after a timeout`)
  }
})

t.test('error and the timeout in the same tick: the timeout wins, no init/error, Init released', async (t) => {
  const r = racingLifecycle(t)
  await sleep(5)
  r.fire()
  r.signal({ kind: 'failed', reason: 'late' })
  await sleep(5)
  r.shutdown()
  t.equal(await r.run, 0)
  t.notOk(r.calls.includes('initError'), 'no init/error after the release')
  matchList(t, r.log.filter((l) => /init outcome=/.test(l)), [/outcome=timeout/])
})

t.test('the built binary: ready written around the moment the timeout fires, 12 runs', async (t) => {
  const holdMs = 600
  const results: string[] = []
  for (let i = 0; i < 12; i++) {
    const offset = -30 + i * 5 // ms around the nominal deadline
    const api = await scriptedApi(t)
    const sock = path.join(tempDir(t, 'rt'), 's.sock')
    const run = runBinary(t, { AWS_LAMBDA_RUNTIME_API: api.address, WARMING_TIMEOUT: String(holdMs), WAIT_FOR_INIT_SOCKET: sock })
    await waitForPath(sock)
    await sleep(Math.max(0, run.startedAt + holdMs + offset - nowMs()))
    const reply = await talk(sock, ['ready\n'], { timeoutMs: 2000 })
    await waitForLine(run, /init outcome=/)
    await api.waitFor('/event/next')
    await sleep(50)
    api.shutdown()
    const exit = await run.exited
    const outs = outcomes(run.lines.map((l) => l.text))
    t.equal(outs.length, 1, `offset ${offset}: exactly one outcome line (${outs[0]}), reply ${JSON.stringify(reply.reply || reply.error)}`)
    t.equal(exit.code, 0, `offset ${offset}: exit 0`)
    t.equal(api.count('/event/next'), 1, `offset ${offset}: one event/next`)
    // A ready that won the race is answered ok; one that lost it finds the socket gone (or, while
    // the listener is closing, still gets ok: a ready after the release is harmless). A connection
    // still queued in the kernel's accept backlog when the listener closes is reset by the kernel
    // (ECONNRESET): never accepted, so never an open socket. Never an error answer, never silence
    // on an accepted connection.
    if (outs[0] === 'ready') t.equal(reply.reply, 'ok\n', `offset ${offset}: the ready that released Init was answered ok`)
    else t.ok(reply.reply === 'ok\n' || (reply.reply === '' && ['ENOENT', 'ECONNREFUSED', 'ECONNRESET'].includes(reply.error ?? '')), `offset ${offset}: after the timeout the client got ok, found the socket gone or was never accepted (${JSON.stringify(reply)})`)
    t.notOk(fs.existsSync(sock), `offset ${offset}: socket removed`)
    results.push(outs[0])
  }
  t.comment(`outcomes across the sweep: ${results.join(', ')}`)
})

// ---- a function whose event loop is blocked --------------------------------------------------

t.test('function blocked for 3 s at load, no signal: the extension still releases at WARMING_TIMEOUT', async (t) => {
  const sb = layerSandbox(t, { mode: 'provisioned', env: { WARMING_TIMEOUT: '1500', BLOCK_MS: '3000' } })
  const init = await sb.init()
  t.notOk(init.failed)
  const ext = extensionOf(sb)
  const released = ext.firstNextAt! - ext.spawnAt!
  t.ok(released >= 1500 && released < 2500, `released ${Math.round(released)} ms after spawn, while the function was still blocked`)
  t.ok(init.runtimeReadyAt! - ext.firstNextAt! > 500, 'the runtime reached next only after its block, later than the release')
  matchList(t, outcomeLines(ext), [/outcome=timeout/])
  await closeClean(t, sb)
})

t.test('function signals ready then blocks its event loop for 1 s: released at once, not after the block', async (t) => {
  const sb = layerSandbox(t, { mode: 'provisioned', env: { WARMING_TIMEOUT: '8000', SIGNAL_MODE: 'messages', BLOCK_MS: '1000', BLOCK_AT: 'after-signal' } })
  const init = await sb.init()
  t.notOk(init.failed)
  const inv = await sb.invoke({})
  const state = inv.result as { blockedFrom: number; blockedTo: number }
  const ext = extensionOf(sb)
  t.ok(state.blockedTo - state.blockedFrom >= 1000, 'the function really was blocked for 1 s')
  t.ok(ext.firstNextAt! < state.blockedTo, `released ${Math.round(state.blockedTo - ext.firstNextAt!)} ms before the function's block ended`)
  matchList(t, outcomeLines(ext), [/outcome=ready/])
  await closeClean(t, sb)
})
