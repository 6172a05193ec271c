// A Unix-socket server for the client tests that need behaviour the real extension cannot
// produce on demand: a silent server, one that hangs up, one that only answers at EOF, a fixed
// answer. Everything else is tested against the real ReadinessListener (test/contract/). What
// it does answer, it answers by the shared protocol module, byte limit included, so a client
// that would overflow the real extension fails here too.
import net from 'node:net'
import fs from 'node:fs'
import { MAX_MESSAGE_BYTES, parseMessage, REPLY_OK, REPLY_TOO_LONG, REPLY_UNKNOWN } from '../../protocol/signal-protocol'

export interface FakeListenerOptions {
  path: string
  /** After the first accepted `ready`/`error`: close the listener and remove the socket. */
  releaseOnSignal?: boolean
  /** What to do with a message: answer normally, never answer, or close without answering. */
  mode?: 'answer' | 'silent' | 'hang-up'
  /** Only answer after the client half-closed (a reader that waits for EOF). */
  waitForEof?: boolean
  /** Fixed answer line instead of the protocol's (e.g. an error line). */
  fixedAnswer?: string
}

export interface FakeListener {
  /** Messages received, trimmed, in arrival order (oversized ones included, as received). */
  messages: string[]
  /** Number of connections accepted. */
  connections: number
  /** Times (Date.now()) at which each message arrived. */
  arrivals: number[]
  /** Messages refused because they exceeded MAX_MESSAGE_BYTES (the real extension drops them). */
  tooLong: number
  /** Resolves when the listener released (releaseOnSignal). */
  released: Promise<void>
  close(): Promise<void>
}

export async function startFakeListener(opts: FakeListenerOptions): Promise<FakeListener> {
  const sockets = new Set<net.Socket>()
  let markReleased: () => void = () => {}
  const released = new Promise<void>((resolve) => { markReleased = resolve })
  let releasing = false
  const state: FakeListener = {
    messages: [], connections: 0, arrivals: [], tooLong: 0, released,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      fs.rmSync(opts.path, { force: true })
    },
  }
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    state.connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    socket.setEncoding('utf8')
    let buffer = ''
    let handled = false
    const handle = (message: string): void => {
      if (handled) return
      handled = true
      state.messages.push(message.trim())
      state.arrivals.push(Date.now())
      if (opts.mode === 'silent') return
      if (opts.mode === 'hang-up') {
        socket.destroy()
        return
      }
      // Like the real listener: more than MAX_MESSAGE_BYTES on one connection (newline
      // included) is refused.
      if (Buffer.byteLength(buffer) > MAX_MESSAGE_BYTES) {
        state.tooLong++
        socket.end(REPLY_TOO_LONG)
        return
      }
      const accepted = parseMessage(message).kind !== 'unknown'
      socket.end(opts.fixedAnswer !== undefined ? `${opts.fixedAnswer}\n` : accepted ? REPLY_OK : REPLY_UNKNOWN)
      if (opts.releaseOnSignal && accepted && !releasing) {
        releasing = true
        server.close()
        fs.rmSync(opts.path, { force: true })
        markReleased()
      }
    }
    socket.on('data', (chunk: string) => {
      buffer += chunk
      if (!opts.waitForEof && buffer.includes('\n')) handle(buffer.slice(0, buffer.indexOf('\n')))
    })
    socket.on('end', () => handle(buffer))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.path, () => resolve())
  })
  return state
}
