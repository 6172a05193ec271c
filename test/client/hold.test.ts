// holdInitUntil: signals after the work settles and hands back the work's own promise; the
// signals go to the extension's real readiness listener.
import t from 'tap'
import path from 'node:path'
import { holdInitUntil } from '../../client/src/index'
import type { SignalResult } from '../../client/src/index'
import { startRealListener } from '../contract/real-listener'
import { collectLog, holdingEnv, tempDir } from './helpers'

function resultPromise(): { onResult: (r: SignalResult) => void; result: Promise<SignalResult> } {
  let onResult: (r: SignalResult) => void = () => {}
  const result = new Promise<SignalResult>((resolve) => { onResult = resolve })
  return { onResult, result }
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

t.test('a promise that resolves: same promise back, ready sent after it settled', async (t) => {
  const sock = path.join(tempDir(t), 'h.sock')
  const server = await startRealListener(t, sock)
  let settledAt = 0
  const work = pause(200).then(() => { settledAt = Date.now(); return 42 })
  const { onResult, result } = resultPromise()
  const returned = holdInitUntil(work, { socketPath: sock, env: holdingEnv(), onResult })
  t.equal(returned, work, 'the work\'s own promise is returned')
  t.equal(await returned, 42)
  t.equal(await result, 'accepted')
  t.same(server.signals, [{ kind: 'ready' }])
  t.ok(server.arrivals[0] >= settledAt, 'ready arrived after the work settled')
})

t.test('an async function: called once, its value comes back, ready sent', async (t) => {
  const sock = path.join(tempDir(t), 'h.sock')
  const server = await startRealListener(t, sock)
  let calls = 0
  const { onResult, result } = resultPromise()
  const value = await holdInitUntil(async () => { calls++; await pause(100); return 'warm' }, { socketPath: sock, env: holdingEnv(), onResult })
  t.equal(value, 'warm')
  t.equal(calls, 1)
  t.equal(await result, 'accepted')
  t.same(server.signals, [{ kind: 'ready' }])
})

t.test('a rejecting promise: the original error comes back and the reason is signalled', async (t) => {
  const sock = path.join(tempDir(t), 'h.sock')
  const server = await startRealListener(t, sock)
  const err = new Error('database unreachable')
  const work = pause(100).then(() => { throw err })
  const { onResult, result } = resultPromise()
  const returned = holdInitUntil(work, { socketPath: sock, env: holdingEnv(), onResult })
  await t.rejects(returned, err)
  await returned.then(() => t.fail('resolved'), (e: unknown) => t.equal(e, err, 'the very same error object'))
  t.equal(await result, 'accepted')
  t.same(server.signals, [{ kind: 'failed', reason: 'database unreachable' }])
})

t.test('a rejection with a long accented message still fails Init, its reason cut by bytes', async (t) => {
  const server = await startRealListener(t, path.join(tempDir(t), 'h.sock'))
  const { onResult, result } = resultPromise()
  const { lines, log } = collectLog()
  const err = new Error('base de données injoignable: ' + 'é'.repeat(2000))
  const returned = holdInitUntil(pause(50).then(() => { throw err }), { socketPath: server.path, env: holdingEnv(), onResult, log })
  await t.rejects(returned, err)
  t.equal(await result, 'accepted')
  t.equal(server.signals.length, 1)
  t.match(server.signals[0], { kind: 'failed', reason: /^base de données injoignable: é+…$/ })
  t.same(lines, [], 'accepted: nothing for the client to log')
})

t.test('an async function that throws, and a plain function that throws synchronously', async (t) => {
  const sock = path.join(tempDir(t), 'h.sock')
  const server = await startRealListener(t, sock)
  const other = await startRealListener(t, path.join(tempDir(t), 'h2.sock'))
  const env = holdingEnv()
  const a = resultPromise()
  await t.rejects(holdInitUntil(async () => { throw new Error('async boom') }, { socketPath: sock, env, onResult: a.onResult }), { message: 'async boom' })
  t.equal(await a.result, 'accepted')
  const b = resultPromise()
  const sync = (): Promise<number> => { throw new Error('sync boom') }
  await t.rejects(holdInitUntil(sync, { socketPath: other.path, env, onResult: b.onResult }), { message: 'sync boom' })
  t.equal(await b.result, 'accepted')
  t.same(server.signals, [{ kind: 'failed', reason: 'async boom' }])
  t.same(other.signals, [{ kind: 'failed', reason: 'sync boom' }])
})

t.test('invalid work: a TypeError naming the argument, and a failure signal', async (t) => {
  const sock = path.join(tempDir(t), 'h.sock')
  const server = await startRealListener(t, sock)
  const { onResult, result } = resultPromise()
  const { lines, log } = collectLog()
  const bad = holdInitUntil(undefined as unknown as Promise<void>, { socketPath: sock, env: holdingEnv(), onResult, log })
  await t.rejects(bad, { name: 'TypeError', message: /holdInitUntil\(work\): work must be a promise or a function returning one, got undefined$/ })
  t.equal(await result, 'accepted')
  t.equal(server.signals.length, 1)
  t.match(server.signals[0], { kind: 'failed', reason: /^holdInitUntil\(work\): work must be a promise or a function returning one, got undefined$/ })
  t.same(lines, [], 'accepted failures are the extension\'s to report')
})

t.test('a failure with no extension is logged, not swallowed', async (t) => {
  const { onResult, result } = resultPromise()
  const { lines, log } = collectLog()
  const returned = holdInitUntil(Promise.reject(new Error('cache warm-up failed')), { env: {}, onResult, log })
  await t.rejects(returned, { message: 'cache warm-up failed' })
  t.equal(await result, 'no-extension')
  t.match(lines.join('\n'), /holdInitUntil failed \(signal result: no-extension\): Error: cache warm-up failed/)
})

t.test('a throwing onResult callback does not escape', async (t) => {
  const sock = path.join(tempDir(t), 'h.sock')
  const server = await startRealListener(t, sock)
  let called = false
  const onResult = () => { called = true; throw new Error('callback exploded') }
  await holdInitUntil(Promise.resolve(1), { socketPath: sock, env: holdingEnv(), onResult })
  for (let i = 0; i < 50 && !called; i++) await pause(20)
  t.ok(called, 'the callback ran')
  await pause(50) // an escaped error would surface as a tap failure here
})
