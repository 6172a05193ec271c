// The Unix-socket listener the function signals on. Opened *before* registering (spec §7 "How
// an external extension holds Init open", step 1): the runtime only starts after every extension
// registered (spec §5.3 step 3), so the socket exists before any function code runs.
//
// Every connection is bounded (message size, idle time) so a hostile or broken client cannot
// block the release or grow memory; the listener itself is owner-only (the function and the
// extension run as the same user in Lambda).

import net from 'node:net'
import fs from 'node:fs'
import { dirname } from 'node:path'
import { Logger, sanitizeForLog } from './logger'
import {
  MAX_MESSAGE_BYTES, parseMessage, REPLY_ALREADY_FAILED, REPLY_ALREADY_RELEASED, REPLY_OK, REPLY_TOO_LONG, REPLY_UNKNOWN, Signal,
} from './signal-protocol'

export interface ListenerOptions {
  path: string
  log: Logger
  /** Called once, with the first valid signal. */
  onSignal: (signal: Signal) => void
  /** A connection with no traffic for this long is closed. */
  idleTimeoutMs?: number
  /** A message with no newline and no end-of-stream is taken as complete after this quiet gap. */
  quietMs?: number
  /** Stay well below Lambda's 1 024 file descriptors per process (spec §6). */
  maxConnections?: number
}

export class ListenerPathError extends Error {
  override name = 'ListenerPathError'
}

export class ReadinessListener {
  private server: net.Server | undefined
  private readonly sockets = new Set<net.Socket>()
  private settled: Signal | undefined
  private closed = false

  constructor(private readonly options: ListenerOptions) {}

  /** Prepares the path and listens. Rejects with ListenerPathError on any path problem. */
  async start(): Promise<void> {
    const { path } = this.options
    removeStaleSocket(path)
    const server = net.createServer({ allowHalfOpen: true }, (socket) => this.handle(socket))
    server.maxConnections = this.options.maxConnections ?? 900
    this.server = server
    // umask, not chmod after listen: no window in which the socket exists with wider permissions.
    const previousMask = process.umask(0o177)
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(path, () => {
          server.off('error', reject)
          resolve()
        })
      })
    } catch (err) {
      this.server = undefined
      const e = err as NodeJS.ErrnoException
      throw new ListenerPathError(`cannot listen on ${path}: ${e.code ?? e.message}`)
    } finally {
      process.umask(previousMask)
    }
    // Errors after listening (e.g. EMFILE on accept) must never crash the extension.
    server.on('error', (err) => this.options.log.warn(`readiness socket error: ${(err as NodeJS.ErrnoException).code ?? err.message}`))
  }

  /** Marks the outcome so late messages get a definite answer, then stops listening. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.server?.close()
    try {
      fs.unlinkSync(this.options.path)
    } catch {
      /* already gone */
    }
    // Give in-flight replies a moment, then drop whatever is left; never keep the process alive.
    for (const socket of this.sockets) {
      socket.end()
      setTimeout(() => socket.destroy(), 200).unref()
    }
  }

  private handle(socket: net.Socket): void {
    this.sockets.add(socket)
    const idleTimeoutMs = this.options.idleTimeoutMs ?? 2000
    const quietMs = this.options.quietMs ?? 50
    let buffer = ''
    let bytes = 0
    let quietTimer: NodeJS.Timeout | undefined

    const reply = (text: string) => {
      if (!socket.destroyed && socket.writable) socket.write(text)
    }
    const flush = () => {
      if (quietTimer) clearTimeout(quietTimer)
      quietTimer = undefined
      const message = buffer
      buffer = ''
      if (message.trim() !== '') reply(this.accept(message))
    }

    socket.setTimeout(idleTimeoutMs, () => socket.destroy())
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      bytes += Buffer.byteLength(chunk)
      if (bytes > MAX_MESSAGE_BYTES) {
        this.options.log.warn(`readiness socket: a client sent more than ${MAX_MESSAGE_BYTES} bytes; connection closed`)
        socket.end(REPLY_TOO_LONG)
        socket.destroy()
        return
      }
      buffer += chunk
      let newline: number
      while ((newline = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, newline)
        buffer = buffer.slice(newline + 1)
        if (line.trim() !== '') reply(this.accept(line))
      }
      if (quietTimer) clearTimeout(quietTimer)
      quietTimer = buffer.trim() === '' ? undefined : setTimeout(flush, quietMs)
    })
    socket.on('end', () => {
      flush()
      socket.end()
    })
    socket.on('error', () => socket.destroy()) // a client that vanished mid-reply is not our problem
    socket.on('close', () => {
      if (quietTimer) clearTimeout(quietTimer)
      this.sockets.delete(socket)
    })
  }

  /** Applies one message and returns the reply line. */
  private accept(raw: string): string {
    const parsed = parseMessage(raw)
    if (parsed.kind === 'unknown') {
      this.options.log.warn(`readiness socket: ignored unknown message ${JSON.stringify(sanitizeForLog(raw, 80))}`)
      return REPLY_UNKNOWN
    }
    if (this.settled) {
      if (this.settled.kind === 'failed') return REPLY_ALREADY_FAILED
      if (parsed.kind === 'ready') return REPLY_OK // a second `ready` is harmless
      this.options.log.warn('readiness socket: "error" arrived after Init was released; ignored')
      return REPLY_ALREADY_RELEASED
    }
    this.settled = parsed
    this.options.onSignal(parsed)
    return REPLY_OK
  }

  /** Lets the lifecycle record a timeout, so a late `error` is told it is too late. */
  markReleased(): void {
    if (!this.settled) this.settled = { kind: 'ready' }
  }
}

/** A stale socket from an earlier Init is replaced (/tmp survives resets, spec §5.5 step 6);
 *  anything else at the path is the user's file and is never touched. */
function removeStaleSocket(path: string): void {
  let stat: fs.Stats
  try {
    stat = fs.lstatSync(path)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (e.code === 'ENOENT') {
      // listen() would report a missing directory as EACCES; say what is really wrong.
      if (!fs.existsSync(dirname(path))) throw new ListenerPathError(`cannot listen on ${path}: the directory ${dirname(path)} does not exist`)
      return
    }
    throw new ListenerPathError(`cannot inspect ${path}: ${e.code ?? e.message}`)
  }
  if (!stat.isSocket()) {
    const kind = stat.isDirectory() ? 'a directory' : stat.isFile() ? 'a regular file' : stat.isSymbolicLink() ? 'a symbolic link' : 'not a socket'
    throw new ListenerPathError(`${path} is ${kind}, not a socket; refusing to replace it`)
  }
  try {
    fs.unlinkSync(path)
  } catch (err) {
    throw new ListenerPathError(`cannot remove the stale socket ${path}: ${(err as NodeJS.ErrnoException).code}`)
  }
}
