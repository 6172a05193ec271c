// A Unix-socket server speaking the extension's signal protocol (issue 3), for client tests:
// a message ends at the first newline or at EOF; `ready`, `error` and `error: <reason>` are
// answered `ok`, anything else `error: unknown message`. Behaviour switches let tests model a
// releasing extension, a silent one, a rude one, and one that only reads until EOF.
import net from 'node:net'
import fs from 'node:fs'

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
  /** Messages received, trimmed, in arrival order. */
  messages: string[]
  /** Number of connections accepted. */
  connections: number
  /** Times (Date.now()) at which each message arrived. */
  arrivals: number[]
  /** Resolves when the listener released (releaseOnSignal). */
  released: Promise<void>
  close(): Promise<void>
}

export function isAccepted(message: string): boolean {
  const m = message.trim().toLowerCase()
  return m === 'ready' || m === 'error' || m.startsWith('error:')
}

export async function startFakeListener(opts: FakeListenerOptions): Promise<FakeListener> {
  const sockets = new Set<net.Socket>()
  let markReleased: () => void = () => {}
  const released = new Promise<void>((resolve) => { markReleased = resolve })
  let releasing = false
  const state: FakeListener = {
    messages: [], connections: 0, arrivals: [], released,
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
      const answer = opts.fixedAnswer ?? (isAccepted(message) ? 'ok' : 'error: unknown message')
      socket.end(`${answer}\n`)
      if (opts.releaseOnSignal && isAccepted(message) && !releasing) {
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
