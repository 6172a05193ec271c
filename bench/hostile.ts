// Hostile clients for the readiness socket: `clients` concurrent connections that flood it with
// oversized messages, garbage lines, non-text bytes or just sit idle, for `durationMs`; then
// every connection is destroyed. None sends `ready` or `error` (which would end the hold).
import net from 'node:net'

export type Behaviour = 'flood' | 'lines' | 'binary' | 'idle'
export const BEHAVIOURS: readonly Behaviour[] = ['flood', 'lines', 'binary', 'idle']

export interface HammerOptions {
  clients: number
  durationMs: number
  /** per-connection cap of the flood, so the bench's own memory stays bounded */
  floodBytes?: number
}

export interface HammerResult {
  clients: number
  /** connections established (a refused client retries, so this can exceed `clients`) */
  connected: number
  /** connect attempts refused and connections reset by the extension (e.g. past its limit) */
  errors: number
  bytesSent: number
  elapsedMs: number
}

const FLOOD_CHUNK = Buffer.alloc(16 * 1024, 'x') // no newline: one ever-growing "message"
const GARBAGE_LINE = Buffer.from('hello? is this thing on\n')
const BINARY = Buffer.alloc(4096, 0xa5) // non-ASCII, no newline

export function hammer(socketPath: string, o: HammerOptions): Promise<HammerResult> {
  const floodCap = o.floodBytes ?? 256 * 1024
  const started = performance.now()
  const sockets: net.Socket[] = []
  const timers: NodeJS.Timeout[] = []
  const result: HammerResult = { clients: o.clients, connected: 0, errors: 0, bytesSent: 0, elapsedMs: 0 }
  const send = (s: net.Socket, data: Buffer) => {
    if (!s.destroyed && s.writable) {
      s.write(data)
      result.bytesSent += data.length
    }
  }
  let stopped = false
  // A client refused before it connected (the listen backlog overflowed) tries again until the
  // phase ends: hostile clients do not give up, so the load stays at `clients` connections.
  const connect = (behaviour: Behaviour): void => {
    const s = net.createConnection(socketPath)
    let connected = false
    sockets.push(s)
    s.on('error', () => {
      result.errors++
      if (!connected && !stopped) setTimeout(() => !stopped && connect(behaviour), 10)
    })
    s.on('data', () => { /* replies are drained and ignored */ })
    s.on('connect', () => {
      connected = true
      result.connected++
      if (behaviour === 'binary') send(s, BINARY)
      else if (behaviour === 'flood' || behaviour === 'lines') {
        let sent = 0
        const chunk = behaviour === 'flood' ? FLOOD_CHUNK : GARBAGE_LINE
        const cap = behaviour === 'flood' ? floodCap : GARBAGE_LINE.length * 50
        const t = setInterval(() => {
          if (sent >= cap || s.destroyed) return clearInterval(t)
          send(s, chunk)
          sent += chunk.length
        }, 10)
        timers.push(t)
      }
    })
  }
  for (let i = 0; i < o.clients; i++) connect(BEHAVIOURS[i % BEHAVIOURS.length])
  return new Promise((resolve) => {
    setTimeout(() => {
      stopped = true
      for (const t of timers) clearInterval(t)
      for (const s of sockets) s.destroy()
      result.elapsedMs = performance.now() - started
      // let the destroys reach the extension before its memory is read
      setTimeout(() => resolve(result), 100)
    }, o.durationMs)
  })
}
