// Reliability, hostile clients (docs/reliability.md), at the level of the readiness listener itself (extension-src/readiness-listener.ts),
// where bounds can be set small and timing is precise: floods, slow writers, vanishing clients.
import t, { type Test } from 'tap'
import net from 'node:net'
import path from 'node:path'
import v8 from 'node:v8'
import vm from 'node:vm'
import { ReadinessListener, type ListenerOptions } from '../../extension-src/readiness-listener'
import type { Signal } from '../../protocol/signal-protocol'
import { createGateTracker } from '../../extension-src/gates'
import type { Logger } from '../../extension-src/logger'
import { idleClient, talk, tempDir, waitUntil } from './helpers'

function recorder(): Logger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = []
  const rec = (level: string) => (message: string) => void lines.push({ level, message })
  return { lines, debug: rec('DEBUG'), info: rec('INFO'), warn: rec('WARN'), error: rec('ERROR') }
}

async function listen(t: Test, extra: Partial<ListenerOptions> = {}) {
  const socketPath = path.join(tempDir(t, 'l'), 's.sock')
  const signals: { signal: Signal; at: number }[] = []
  const log = recorder()
  const listener = new ReadinessListener({ path: socketPath, log, onSignal: (signal) => signals.push({ signal, at: Date.now() }), ...extra })
  t.teardown(() => listener.close())
  await listener.start()
  return { listener, socketPath, signals, log }
}

t.test('a flood of idle connections beyond the cap never locks out a ready', async (t) => {
  const { socketPath, signals } = await listen(t, { maxConnections: 16, idleTimeoutMs: 3000 })
  const crowd = Array.from({ length: 200 }, () => idleClient(socketPath))
  await Promise.all(crowd.map((c) => c.connected))
  const sentAt = Date.now()
  const r = await talk(socketPath, ['ready\n'])
  t.equal(r.reply, 'ok\n', 'ready answered although 200 idle clients hold every slot')
  t.equal(signals.length, 1)
  t.ok(signals[0].at - sentAt < 1000, `released ${signals[0].at - sentAt} ms after the write (idle bound is 3 s)`)
  const closed = await Promise.all(crowd.map((c) => c.closed))
  t.ok(closed.filter((c) => c.ms < 2000).length >= 200 - 16, 'the oldest idle clients were evicted to make room')
})

t.test('ready written one byte at a time with gaps longer than the quiet period still releases', async (t) => {
  const { socketPath, signals } = await listen(t, { quietMs: 50 })
  const r = await talk(socketPath, ['r', 'e', 'a', 'd', 'y'], { gapMs: 120, end: false, timeoutMs: 2000 })
  t.equal(r.reply, 'ok\n', 'one answer, ok')
  t.same(signals.map((s) => s.signal), [{ kind: 'ready' }])
})

t.test('a slow unknown message split over gaps is one unknown message when it ends', async (t) => {
  const { socketPath, signals } = await listen(t, { quietMs: 50 })
  const r = await talk(socketPath, ['r', 'e', 'x'], { gapMs: 120, end: true })
  t.match(r.reply, /^error: unknown message/)
  t.equal(r.reply.split('\n').filter(Boolean).length, 1, 'answered once')
  t.same(signals, [])
})

t.test('warnings about hostile traffic are bounded, with one total at close', async (t) => {
  const { listener, socketPath, log } = await listen(t)
  for (let i = 0; i < 300; i++) await talk(socketPath, [`junk ${i}\n`])
  await Promise.all(Array.from({ length: 50 }, () => talk(socketPath, ['x'.repeat(5000)])))
  const during = log.lines.filter((l) => l.level === 'WARN').length
  t.ok(during <= 12, `${during} warning lines for 350 hostile messages`)
  listener.close()
  const summary = log.lines.filter((l) => /ignored in total/.test(l.message))
  t.equal(summary.length, 1, 'one summary line at close')
  t.match(summary[0]?.message, /350 .*ignored in total/)
})

t.test('clients vanishing before the reply (EPIPE/ECONNRESET on our write) do not disturb the listener', async (t) => {
  const { socketPath, signals } = await listen(t)
  await Promise.all(Array.from({ length: 300 }, (_, i) => new Promise<void>((resolve) => {
    const s = net.createConnection(socketPath, () => {
      s.write(i % 2 ? 'nonsense\n' : Buffer.alloc(4096, 0x41))
      s.destroy()
    })
    s.on('error', () => {})
    s.on('close', () => resolve())
  })))
  t.equal((await talk(socketPath, ['ready\n'])).reply, 'ok\n')
  t.equal(signals.length, 1)
})

t.test('ready from a client that disconnects immediately (no reply read) still releases', async (t) => {
  const { socketPath, signals } = await listen(t)
  await new Promise<void>((resolve) => {
    const s = net.createConnection(socketPath, () => {
      s.write('ready')
      s.destroy()
    })
    s.on('close', () => resolve())
  })
  await waitUntil('the ready reaches onSignal', () => signals.length > 0, 2000)
  t.same(signals.map((s) => s.signal), [{ kind: 'ready' }])
})

t.test('close() with clients still connected: every connection is closed and nothing stays open', async (t) => {
  const { listener, socketPath } = await listen(t, { idleTimeoutMs: 60_000 })
  const clients = Array.from({ length: 20 }, () => idleClient(socketPath))
  await Promise.all(clients.map((c) => c.connected))
  const before = Date.now()
  listener.close()
  const closed = await Promise.all(clients.map((c) => c.closed))
  t.ok(Date.now() - before < 1500, `all ${closed.length} clients closed ${Date.now() - before} ms after close()`)
})

t.test('thousands of connections leave nothing retained (heap after a forced GC)', async (t) => {
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc') as () => void
  const { socketPath } = await listen(t, { idleTimeoutMs: 300 })
  const heapAfterRound: number[] = []
  for (let round = 0; round < 5; round++) {
    const crowd = Array.from({ length: 1000 }, () => idleClient(socketPath))
    await Promise.all(crowd.map((c) => c.closed))
    gc()
    gc()
    heapAfterRound.push(process.memoryUsage().heapUsed)
  }
  const growthKb = Math.round((heapAfterRound[4] - heapAfterRound[0]) / 1024)
  t.ok(growthKb < 1024, `heap after GC grew ${growthKb} kB from round 1 to round 5 (1 000 connections each)`)
})

t.test('at release, an answered client that waits for EOF (like nc -U without -N) is closed at once', async (t) => {
  const { listener, socketPath } = await listen(t)
  const started = Date.now()
  const r = await new Promise<{ reply: string; closedAfter: number }>((resolve) => {
    const s = net.createConnection(socketPath, () => s.write('ready\n')) // no half-close
    let reply = ''
    s.setEncoding('utf8')
    s.on('data', (d: string) => {
      reply += d
      listener.close() // what the lifecycle does right after the ready
    })
    s.on('close', () => resolve({ reply, closedAfter: Date.now() - started }))
  })
  t.equal(r.reply, 'ok\n')
  t.ok(r.closedAfter < 150, `EOF ${r.closedAfter} ms after connecting, not after the 200 ms grace`)
})

t.test('a fragment without its newline waits for the rest, the end of the stream or the idle limit', async (t) => {
  // No quiet rule for anything but the original bare ready: "error" then ": reason" keeps its reason.
  const { socketPath, signals } = await listen(t, { quietMs: 50, idleTimeoutMs: 2000 })
  const r = await talk(socketPath, ['error', ': db down\n'], { gapMs: 300, end: true })
  t.equal(r.reply, 'ok\n', 'one answer')
  t.same(signals.map((s) => s.signal), [{ kind: 'failed', reason: 'db down' }], 'the reason arrived whole')
})

t.test('with gates, a bare ready without newline is taken at the idle limit, not after the quiet gap', async (t) => {
  const gates = createGateTracker(['db', 'cache'], () => 0)
  const { socketPath, signals } = await listen(t, { quietMs: 50, idleTimeoutMs: 600, gates })
  const started = Date.now()
  const r = await talk(socketPath, ['ready'], { end: false, timeoutMs: 3000 })
  t.equal(r.reply, 'ok\n', 'answered once the connection went idle')
  t.same(signals.map((s) => s.signal), [{ kind: 'ready' }])
  t.ok(signals[0].at - started >= 550, `taken ${signals[0].at - started} ms after connecting: at the 600 ms idle limit, not at 50 ms`)
})
