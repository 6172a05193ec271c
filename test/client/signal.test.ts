// signalReady / signalFailure: the decision rules (retry, budgets, too-late evidence, bad
// settings) and the server behaviours only a fake can produce (silence, hang-up, EOF reader).
// Signals, answers and limits against the extension's real listener: test/contract/.
import t from 'tap'
import fs from 'node:fs'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { signalFailure, signalReady } from '../../client/src/index'
import { sendSignal } from '../../client/src/signal'
import { probe } from '../../client/src/evidence'
import { startFakeListener } from './fake-listener'
import { startRealListener } from '../contract/real-listener'
import { MAX_MESSAGE_BYTES, MAX_REASON_BYTES } from '../../protocol/signal-protocol'
import { collectLog, elapsedSince, holdingEnv, tempDir } from './helpers'

const quickDeps = { uptimeMs: () => 0, nowMs: () => Date.now() }

t.test('what goes on the wire for a failure: one line, cut by bytes to fit the extension', async (t) => {
  const sock = path.join(tempDir(t), 's.sock')
  const server = await startFakeListener({ path: sock })
  t.teardown(() => server.close())
  const env = holdingEnv()
  t.equal(await signalFailure('db down', { socketPath: sock, env }), 'accepted')
  t.equal(await signalFailure(new Error('line one\nline two'), { socketPath: sock, env }), 'accepted')
  t.equal(await signalFailure(undefined, { socketPath: sock, env }), 'accepted')
  t.equal(await signalFailure('x'.repeat(5000), { socketPath: sock, env }), 'accepted')
  t.equal(await signalFailure('é'.repeat(5000), { socketPath: sock, env }), 'accepted')
  t.same(server.messages, [
    'error: db down', 'error: line one line two', 'error',
    `error: ${'x'.repeat(MAX_REASON_BYTES - 3)}…`,
    `error: ${'é'.repeat(Math.floor((MAX_REASON_BYTES - 3) / 2))}…`,
  ])
  t.equal(Buffer.byteLength(`${server.messages[4]}\n`), MAX_MESSAGE_BYTES - 1, 'the accented one: as many whole é as fit')
  t.equal(server.tooLong, 0, 'nothing exceeded the byte limit')
})

t.test('the reader that answers only after EOF still answers (client half-closes)', async (t) => {
  const sock = path.join(tempDir(t), 'eof.sock')
  const server = await startFakeListener({ path: sock, waitForEof: true })
  t.teardown(() => server.close())
  t.equal(await signalReady({ socketPath: sock, env: holdingEnv(), attemptTimeoutMs: 3000 }), 'accepted')
  t.same(server.messages, ['ready'])
})

t.test('no extension: WARMING_TIMEOUT unset or blank returns at once without touching the socket', async (t) => {
  const sock = path.join(tempDir(t), 'untouched.sock')
  const server = await startFakeListener({ path: sock })
  t.teardown(() => server.close())
  for (const env of [{}, { WARMING_TIMEOUT: '' }, { WARMING_TIMEOUT: '   ' }]) {
    const start = Date.now()
    t.equal(await signalReady({ socketPath: sock, env }), 'no-extension', JSON.stringify(env))
    t.ok(elapsedSince(start) < 500, 'fast')
  }
  t.equal(server.connections, 0, 'the socket was never connected to')
})

t.test('no extension: WARMING_TIMEOUT set but no socket ends within the retry budget', async (t) => {
  const sock = path.join(tempDir(t), 'never.sock')
  const { lines, log } = collectLog()
  let start = Date.now()
  t.equal(await sendSignal('ready', { socketPath: sock, env: holdingEnv(), retryMs: 300, log }, quickDeps), 'no-extension')
  const short = elapsedSince(start)
  t.ok(short >= 250 && short < 3000, `bounded by the 300 ms budget (took ${short} ms)`)
  t.match(lines.join('\n'), /WARMING_TIMEOUT is set .*never\.sock.*layer attached/)
  start = Date.now()
  t.equal(await sendSignal('ready', { socketPath: sock, env: holdingEnv(), log: null }, quickDeps), 'no-extension')
  const dflt = elapsedSince(start)
  t.ok(dflt >= 900 && dflt < 4000, `default budget is about 1 s (took ${dflt} ms)`)
})

t.test('budget from WAIT_FOR_INIT_CLIENT_RETRY_MS; bad values are named and replaced by defaults', async (t) => {
  const sock = path.join(tempDir(t), 'never.sock')
  let start = Date.now()
  const env = holdingEnv({ WAIT_FOR_INIT_CLIENT_RETRY_MS: '0' })
  t.equal(await sendSignal('ready', { socketPath: sock, env, log: null }, quickDeps), 'no-extension')
  t.ok(elapsedSince(start) < 500, 'a zero budget makes a single attempt')
  const { lines, log } = collectLog()
  start = Date.now()
  const bad = holdingEnv({ WAIT_FOR_INIT_CLIENT_RETRY_MS: 'soon', WAIT_FOR_INIT_CLIENT_TIMEOUT_MS: '-1' })
  t.equal(await sendSignal('ready', { socketPath: sock, env: bad, log }, quickDeps), 'no-extension')
  t.match(lines.join('\n'), /WAIT_FOR_INIT_CLIENT_RETRY_MS must be an integer .*got "soon"/)
  t.match(lines.join('\n'), /WAIT_FOR_INIT_CLIENT_TIMEOUT_MS must be an integer .*got "-1"/)
  lines.length = 0
  const opts = { socketPath: sock, env: holdingEnv(), retryMs: -5, attemptTimeoutMs: 1.5, log }
  t.equal(await sendSignal('ready', opts, quickDeps), 'no-extension')
  t.match(lines.join('\n'), /option retryMs must be an integer .*got number -5/)
  t.match(lines.join('\n'), /option attemptTimeoutMs must be an integer .*got number 1\.5/)
  t.equal(await signalReady({ socketPath: 42 as unknown as string, env: {}, log }), 'no-extension')
  t.match(lines.join('\n'), /option socketPath must be a non-empty string, got number 42/)
})

t.test('too late: the extension timed out (socket seen, never signalled here)', async (t) => {
  const sock = path.join(tempDir(t), 'seen.sock')
  const real = await startRealListener(t, sock)
  t.ok(probe(sock), 'the probe sees the socket (as the import-time probe would)')
  real.listener.markReleased() // the extension's hold expired: it closes and removes the socket
  real.close()
  t.notOk(fs.existsSync(sock), 'the real listener removed its socket')
  const { lines, log } = collectLog()
  const start = Date.now()
  t.equal(await signalReady({ socketPath: sock, env: holdingEnv(), log }), 'too-late')
  t.ok(elapsedSince(start) < 500, 'no retrying')
  t.match(lines.join('\n'), /too late: .*seen\.sock.*socket is gone/)
})

t.test('too late: the process has outlived WARMING_TIMEOUT and the socket is missing', async (t) => {
  const sock = path.join(tempDir(t), 'old.sock')
  const start = Date.now()
  const deps = { uptimeMs: () => 5000, nowMs: () => Date.now() }
  const env = { WARMING_TIMEOUT: '3000' }
  t.equal(await sendSignal('ready', { socketPath: sock, env, log: null }, deps), 'too-late')
  t.ok(elapsedSince(start) < 500, 'no retrying')
  const young = { uptimeMs: () => 100, nowMs: () => Date.now() }
  t.equal(await sendSignal('ready', { socketPath: sock, env, retryMs: 100, log: null }, young), 'no-extension')
})

t.test('too late: a stale socket file nobody listens on', async (t) => {
  const sock = path.join(tempDir(t), 'stale.sock')
  // Leave a socket file behind the way a killed extension does: listen, then SIGKILL.
  const script = `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`
  const child = spawnSync(process.execPath, ['-e', script], { timeout: 10000 })
  t.equal(child.signal, 'SIGKILL', 'the listener was killed')
  t.ok(fs.lstatSync(sock).isSocket(), 'stale socket file present')
  const start = Date.now()
  t.equal(await sendSignal('ready', { socketPath: sock, env: holdingEnv(), retryMs: 300, log: null }, quickDeps), 'too-late')
  t.ok(elapsedSince(start) < 3000, 'bounded')
})

t.test('a server that never answers is bounded by the attempt timeout', async (t) => {
  const sock = path.join(tempDir(t), 'silent.sock')
  const server = await startFakeListener({ path: sock, mode: 'silent' })
  t.teardown(() => server.close())
  const { lines, log } = collectLog()
  const start = Date.now()
  t.equal(await signalReady({ socketPath: sock, env: holdingEnv(), attemptTimeoutMs: 300, log }), 'too-late')
  const took = elapsedSince(start)
  t.ok(took >= 250 && took < 3000, `bounded (took ${took} ms)`)
  t.same(server.messages, ['ready'], 'the message was delivered')
  t.match(lines.join('\n'), /no confirmation \(no answer within 300 ms\)/)
})

t.test('a server that hangs up, or answers something else than the protocol: too-late with a warning', async (t) => {
  const dir = tempDir(t)
  const rude = await startFakeListener({ path: path.join(dir, 'rude.sock'), mode: 'hang-up' })
  const odd = await startFakeListener({ path: path.join(dir, 'odd.sock'), fixedAnswer: 'okay' })
  t.teardown(async () => { await rude.close(); await odd.close() })
  const { lines, log } = collectLog()
  t.equal(await signalReady({ socketPath: path.join(dir, 'rude.sock'), env: holdingEnv(), log }), 'too-late')
  t.equal(await signalReady({ socketPath: path.join(dir, 'odd.sock'), env: holdingEnv(), log }), 'too-late')
  t.equal(lines.length, 2)
  t.match(lines[0], /rude\.sock but got no confirmation \(the extension closed the connection without answering\)/)
  t.match(lines[1], /odd\.sock did not accept "ready": it answered "okay"/)
})

t.test('a path that is a directory or a regular file: no-extension with a warning', async (t) => {
  const dir = tempDir(t)
  fs.mkdirSync(path.join(dir, 'd.sock'))
  fs.writeFileSync(path.join(dir, 'f.sock'), 'x')
  const { lines, log } = collectLog()
  for (const name of ['d.sock', 'f.sock']) {
    const start = Date.now()
    t.equal(await signalReady({ socketPath: path.join(dir, name), env: holdingEnv(), log }), 'no-extension', name)
    t.ok(elapsedSince(start) < 500, 'no retrying')
  }
  t.equal(lines.length, 2)
  t.match(lines[0], /d\.sock is not a Unix socket/)
  t.match(lines[1], /f\.sock is not a Unix socket/)
})

t.test('a throwing logger does not break anything', async (t) => {
  const sock = path.join(tempDir(t), 'gone.sock')
  let calls = 0
  const log = () => { calls++; throw new Error('logger exploded') }
  t.equal(await sendSignal('ready', { socketPath: sock, env: holdingEnv(), retryMs: 0, log }, quickDeps), 'no-extension')
  t.equal(calls, 1, 'the logger was called (and threw) once')
})
