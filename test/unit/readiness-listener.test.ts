import t from 'tap'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { ReadinessListener } from '../../extension-src/readiness-listener'
import { MAX_MESSAGE_BYTES, REPLY_ALREADY_FAILED, REPLY_ALREADY_RELEASED, REPLY_TOO_LONG, REPLY_UNKNOWN, type Signal } from '../../protocol/signal-protocol'
import { exchange, recordingLogger, shortTempDir } from './helpers'

function startListener(t: { teardown(fn: () => void): void }, dir: string, extra: Partial<ConstructorParameters<typeof ReadinessListener>[0]> = {}) {
  const signals: Signal[] = []
  const log = recordingLogger()
  const listener = new ReadinessListener({ path: path.join(dir, 's.sock'), log, onSignal: (s) => signals.push(s), ...extra })
  t.teardown(() => listener.close())
  return { listener, signals, log, socketPath: path.join(dir, 's.sock') }
}

t.test('ready releases once and is answered ok; the socket is owner-only', async (t) => {
  const dir = shortTempDir(t)
  const { listener, signals, socketPath } = startListener(t, dir)
  await listener.start()
  t.equal(fs.statSync(socketPath).mode & 0o777, 0o600, 'mode 0600')
  t.equal(await exchange(socketPath, ['ready\n']), 'ok\n')
  t.equal(await exchange(socketPath, ['READY']), 'ok\n', 'a second ready is harmless')
  t.same(signals, [{ kind: 'ready' }], 'onSignal called exactly once')
})

t.test('the original sample protocol: "ready" with no newline, then close', async (t) => {
  const { listener, signals, socketPath } = startListener(t, shortTempDir(t))
  await listener.start()
  t.equal(await exchange(socketPath, ['ready']), 'ok\n')
  t.same(signals, [{ kind: 'ready' }])
})

t.test('a client that writes "ready" and waits for the answer without closing', async (t) => {
  const { listener, signals, socketPath } = startListener(t, shortTempDir(t))
  await listener.start()
  const answer = await new Promise<string>((resolve) => {
    const s = net.createConnection(socketPath, () => s.write('ready'))
    s.setEncoding('utf8')
    s.on('data', (d: string) => {
      s.destroy()
      resolve(d)
    })
  })
  t.equal(answer, 'ok\n')
  t.same(signals, [{ kind: 'ready' }])
})

t.test('a message split across many tiny writes', async (t) => {
  const { listener, signals, socketPath } = startListener(t, shortTempDir(t))
  await listener.start()
  t.equal(await exchange(socketPath, ['r', 'e', 'a', 'd', 'y', '\n']), 'ok\n')
  t.same(signals, [{ kind: 'ready' }])
})

t.test('garbage is answered with an error, logged, and never releases', async (t) => {
  const { listener, signals, log, socketPath } = startListener(t, shortTempDir(t))
  await listener.start()
  t.equal(await exchange(socketPath, ['hello\n']), REPLY_UNKNOWN)
  t.equal(await exchange(socketPath, [Buffer.from([0xff, 0xfe, 0x00, 0x80]).toString('latin1') + '\n']), REPLY_UNKNOWN)
  t.same(signals, [])
  const warnings = log.lines.filter((l) => l.level === 'WARN').map((l) => l.message)
  t.equal(warnings.length, 2)
  t.match(warnings[0], /ignored unknown message "hello"/)
})

t.test('an oversized message is cut off and the connection closed', async (t) => {
  const { listener, signals, socketPath } = startListener(t, shortTempDir(t))
  await listener.start()
  // The client is still writing when the listener answers and closes: its write may fail with
  // EPIPE, but the answer has arrived first and is read in full.
  const answer = await new Promise<string>((resolve) => {
    const s = net.createConnection(socketPath, () => s.end('x'.repeat(4 * MAX_MESSAGE_BYTES)))
    let text = ''
    s.setEncoding('utf8')
    s.on('data', (d: string) => (text += d))
    s.on('error', () => {})
    s.on('close', () => resolve(text))
  })
  t.equal(answer, REPLY_TOO_LONG)
  t.same(signals, [])
  t.equal(await exchange(socketPath, ['ready\n']), 'ok\n', 'still works afterwards')
})

t.test('error: <reason> is a failure signal; ready afterwards is refused', async (t) => {
  const { listener, signals, socketPath } = startListener(t, shortTempDir(t))
  await listener.start()
  t.equal(await exchange(socketPath, ['error: cannot reach db\n']), 'ok\n')
  t.equal(await exchange(socketPath, ['ready\n']), REPLY_ALREADY_FAILED)
  t.same(signals, [{ kind: 'failed', reason: 'cannot reach db' }])
})

t.test('error after a timeout release is told it is too late', async (t) => {
  const { listener, signals, socketPath } = startListener(t, shortTempDir(t))
  await listener.start()
  listener.markReleased()
  t.equal(await exchange(socketPath, ['error: x\n']), REPLY_ALREADY_RELEASED)
  t.same(signals, [])
})

t.test('an idle client is disconnected and does not block a ready', async (t) => {
  const { listener, signals, socketPath } = startListener(t, shortTempDir(t), { idleTimeoutMs: 300 })
  await listener.start()
  const idle = net.createConnection(socketPath)
  const closed = new Promise<number>((resolve) => {
    const started = Date.now()
    idle.on('close', () => resolve(Date.now() - started))
    idle.on('error', () => {})
  })
  t.equal(await exchange(socketPath, ['ready\n']), 'ok\n', 'ready answered while the idle client is connected')
  const idleFor = await closed
  t.ok(idleFor >= 250 && idleFor < 5000, `idle client closed by the server after ${idleFor} ms`)
  t.same(signals, [{ kind: 'ready' }])
})

t.test('close() removes the socket file', async (t) => {
  const { listener, socketPath } = startListener(t, shortTempDir(t))
  await listener.start()
  t.ok(fs.existsSync(socketPath))
  listener.close()
  t.notOk(fs.existsSync(socketPath))
  await t.rejects(exchange(socketPath, ['ready\n']), { code: 'ENOENT' })
})

t.test('start() binds before it returns when nothing is at the path; with a leftover file, only after the probe', async (t) => {
  const dir = shortTempDir(t)
  const { listener, socketPath } = startListener(t, dir)
  const starting = listener.start()
  // No await yet: the bind happened inside the call (the 'listening' event would come a tick later).
  t.equal(listener.bound, true, 'bound before start() was awaited')
  t.ok(fs.lstatSync(socketPath).isSocket(), 'the socket file exists already')
  await starting
  t.equal(await exchange(socketPath, ['ready\n']), 'ok\n')

  const dir2 = shortTempDir(t)
  const stale = path.join(dir2, 's.sock')
  spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`], { stdio: 'ignore' })
  const second = startListener(t, dir2)
  const replacing = second.listener.start()
  t.equal(second.listener.bound, false, 'a leftover socket must be probed (connect) before it is replaced: not bound yet')
  await replacing
  t.equal(second.listener.bound, true, 'bound once the stale socket was replaced')

  const failing = new ReadinessListener({ path: path.join(dir2, 'missing', 's.sock'), log: recordingLogger(), onSignal: () => {} })
  await t.rejects(failing.start(), { name: 'ListenerPathError', message: /does not exist/ })
  t.equal(failing.bound, false, 'a failed bind is never reported as bound')
})

t.test('a stale socket is replaced; a directory or regular file is refused untouched', async (t) => {
  const dir = shortTempDir(t)
  const serverSock = path.join(dir, 's.sock')
  // A crashed earlier Init: a process listened, then died without removing its socket file.
  spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(serverSock)}, () => process.kill(process.pid, 'SIGKILL'))`], { stdio: 'ignore' })
  t.ok(fs.lstatSync(serverSock).isSocket(), 'a dead socket file exists')
  const { listener, socketPath, log } = startListener(t, dir)
  await listener.start()
  t.equal(await exchange(socketPath, ['ready\n']), 'ok\n', 'listening on the replaced socket')
  t.same(log.lines.map((l) => l.message), [`replaced a stale socket at ${socketPath} (left by an earlier Init)`], 'the replacement is logged')

  const dir2 = shortTempDir(t)
  fs.mkdirSync(path.join(dir2, 's.sock'))
  await t.rejects(startListener(t, dir2).listener.start(), { name: 'ListenerPathError', message: /is a directory, not a socket; refusing to replace it/ })
  t.ok(fs.statSync(path.join(dir2, 's.sock')).isDirectory(), 'directory untouched')

  const dir3 = shortTempDir(t)
  fs.writeFileSync(path.join(dir3, 's.sock'), 'precious')
  await t.rejects(startListener(t, dir3).listener.start(), { name: 'ListenerPathError', message: /regular file/ })
  t.equal(fs.readFileSync(path.join(dir3, 's.sock'), 'utf8'), 'precious', 'file untouched')

  const missing = new ReadinessListener({ path: path.join(dir3, 'no', 'such', 's.sock'), log: recordingLogger(), onSignal: () => {} })
  await t.rejects(missing.start(), { message: /does not exist/ })
})
