// bench/hostile.ts: the hostile clients really connect, really send, never send a
// signal word, and leave no connection open when the phase ends.
import t from 'tap'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { hammer } from '../../bench/hostile'

t.test('hostile clients connect, flood, and are all gone after the phase', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-hostile-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const sock = path.join(dir, 's.sock')
  let open = 0
  let received = 0
  let text = ''
  const server = net.createServer((s) => {
    open++
    s.on('data', (d: Buffer) => {
      received += d.length
      if (text.length < 1e6) text += d.toString('latin1')
    })
    s.on('error', () => undefined)
    s.on('close', () => open--)
  })
  await new Promise<void>((r) => server.listen(sock, r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))

  const result = await hammer(sock, { clients: 40, durationMs: 300, floodBytes: 64 * 1024 })
  t.equal(result.connected, 40, 'every client connected')
  t.equal(result.errors, 0)
  t.ok(result.bytesSent > 10 * 16 * 1024, `sent ${result.bytesSent} bytes`)
  t.ok(result.elapsedMs >= 300 && result.elapsedMs < 5000, `phase lasted ${Math.round(result.elapsedMs)} ms`)
  await new Promise((r) => setTimeout(r, 200))
  t.equal(open, 0, 'no connection left open')
  t.ok(received > 0 && received <= result.bytesSent, `server received ${received} bytes`)
  t.notMatch(text, /ready|error/i, 'no signal word among the garbage')
})
