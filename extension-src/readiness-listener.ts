// The Unix-socket listener the function signals on. Opened *before* registering (docs/lambda-lifecycle.md §7 "How
// an external extension holds Init open", step 1): the runtime only starts after every extension
// registered (docs/lambda-lifecycle.md §5.3 step 3), so the socket exists before any function code runs.
//
// Every connection is bounded (message size, idle time) so a hostile or broken client cannot
// block the release or grow memory; the listener itself is owner-only (the function and the
// extension run as the same user in Lambda).

import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { existsSync, lstatSync, unlinkSync, type Stats } from 'node:fs'
import { dirname } from 'node:path'
import { Logger, sanitizeForLog } from './logger'
import type { GateTracker } from './gates'
import {
  formatUnknownGateReply, isCompleteWithoutNewline, MAX_MESSAGE_BYTES, MESSAGE_END, parseMessage, QUIET_MS, REPLY_ALREADY_FAILED, REPLY_ALREADY_RELEASED,
  REPLY_OK, REPLY_TOO_LONG, REPLY_UNKNOWN, Signal,
} from '../protocol/signal-protocol'

export interface ListenerOptions {
  path: string
  log: Logger
  /** Called once, with the first valid signal (with gates: once every gate is ready). */
  onSignal: (signal: Signal) => void
  /** Named readiness gates (WAIT_FOR_INIT_GATES); without it the first `ready` releases. */
  gates?: GateTracker
  /** A connection with no traffic for this long is closed; a message without its newline is
   *  taken first (the completeness rule, protocol/signal-protocol.ts). */
  idleTimeoutMs?: number
  /** The quiet gap after which the original protocol's bare `ready` without a newline is taken
   *  (isCompleteWithoutNewline decides which fragments may be). */
  quietMs?: number
  /**
   * Open connections kept at most; a new one evicts the oldest. Stays far below Lambda's 1 024
   * descriptors per process (docs/lambda-lifecycle.md §6) and bounds memory (~17 kB per connection, measured).
   */
  maxConnections?: number
}

/** Plain words for the listen() failures a misconfigured path produces. */
const LISTEN_ERRORS: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  ENOSPC: 'no space left on device',
  ENOTDIR: 'a parent of the path is not a directory',
  EADDRINUSE: 'another socket was created at this path meanwhile',
}

/** Warnings about hostile traffic logged individually; the rest are counted and summed up at close(). */
const MAX_TRAFFIC_WARNINGS = 5

export class ListenerPathError extends Error {
  override name = 'ListenerPathError'
}

export class ReadinessListener {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  private readonly answered = new WeakSet<Socket>()
  private settled: Signal | undefined
  private closed = false
  private listening = false
  /** Unknown or oversized messages seen (a buggy loop in the function must not flood its log). */
  private rejectedMessages = 0

  constructor(private readonly options: ListenerOptions) {}

  /**
   * Prepares the path and listens. When nothing is at the path (every first Init), the socket is
   * bound before this returns: Node's listen() on a path binds and listens inside the call (only
   * its 'listening' or 'error' event comes a tick later), so the caller can send register in the
   * same tick and know the socket exists before the register bytes leave. A file already at the
   * path is probed first, asynchronously (removeStaleSocket). Rejects with ListenerPathError on
   * any path problem.
   */
  async start(): Promise<void> {
    const { path } = this.options
    const existing = inspectPath(path)
    if (existing) {
      await removeStaleSocket(path)
      this.options.log.info(`replaced a stale socket at ${path} (left by an earlier Init)`)
    }
    // No server.maxConnections: at the cap Node drops the *new* connection, so a crowd of idle
    // clients would lock a `ready` out until they time out; handle() evicts the oldest instead.
    const server = createServer({ allowHalfOpen: true }, (socket) => this.handle(socket))
    // Bind errors arrive one tick after listen(); caught here so they can never crash the process.
    const failed = new Promise<NodeJS.ErrnoException>((resolve) => server.once('error', resolve))
    // umask, not chmod after listen: no window in which the socket exists with wider permissions.
    const previousMask = process.umask(0o177)
    try {
      server.listen(path)
    } finally {
      process.umask(previousMask)
    }
    if (!server.listening) throw new ListenerPathError(`cannot listen on ${path}: ${listenFailure(path, await failed)}`)
    this.server = server
    this.listening = true
    // Errors after listening (e.g. EMFILE on accept) must never crash the extension.
    server.on('error', (err) => this.options.log.warn(`readiness socket error: ${(err as NodeJS.ErrnoException).code ?? err.message}`))
  }

  /** Whether the socket is bound and listening (start() got that far). */
  get bound(): boolean {
    return this.listening
  }

  /** Marks the outcome so late messages get a definite answer, then stops listening. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.server?.close()
    if (this.rejectedMessages > MAX_TRAFFIC_WARNINGS) {
      this.options.log.warn(`readiness socket: ${this.rejectedMessages} unknown or oversized messages ignored in total`)
    }
    // Only our own socket: after a failed start() the path may be another process's live socket.
    if (this.listening) {
      try {
        unlinkSync(this.options.path)
      } catch {
        /* already gone */
      }
    }
    // Connections already answered are ended now (a client waiting for EOF, like `nc -U`, returns
    // at once). The others may have a message on its way (e.g. a second `ready` racing the
    // release): it still gets its answer and reply() ends the connection after it. Whatever is
    // left is dropped shortly; the timers never keep the process alive.
    for (const socket of this.sockets) {
      if (this.answered.has(socket)) socket.end()
      setTimeout(() => socket.destroy(), 200).unref()
    }
  }

  private handle(socket: Socket): void {
    if (this.sockets.size >= (this.options.maxConnections ?? 64)) {
      // Set iteration is insertion order: the first entry is the oldest connection.
      const oldest = this.sockets.values().next().value as Socket
      this.sockets.delete(oldest)
      oldest.destroy()
    }
    this.sockets.add(socket)
    const idleTimeoutMs = this.options.idleTimeoutMs ?? 2000
    const quietMs = this.options.quietMs ?? QUIET_MS
    const gated = (this.options.gates?.names.length ?? 0) > 0
    let buffer = ''
    let bytes = 0
    let quietTimer: NodeJS.Timeout | undefined

    const reply = (text: string) => {
      this.answered.add(socket)
      if (!socket.destroyed && socket.writable) socket.write(text)
      if (this.closed) socket.end() // released meanwhile: this answer is the last one
    }
    // Takes what is buffered as one message: at the end of the stream, at the idle limit, or after
    // the quiet gap when the completeness rule allows it.
    const flush = () => {
      if (quietTimer) clearTimeout(quietTimer)
      quietTimer = undefined
      const message = buffer
      buffer = ''
      if (message.trim() !== '') reply(this.accept(message))
    }

    socket.setTimeout(idleTimeoutMs, () => {
      // A message that never got its newline is judged before the connection goes.
      if (buffer.trim() !== '' && !socket.destroyed) {
        flush()
        socket.end()
        setTimeout(() => socket.destroy(), 200).unref()
      } else socket.destroy()
    })
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      bytes += Buffer.byteLength(chunk)
      if (bytes > MAX_MESSAGE_BYTES) {
        this.warnTraffic(`readiness socket: a client sent more than ${MAX_MESSAGE_BYTES} bytes; connection closed`)
        socket.end(REPLY_TOO_LONG)
        socket.destroy()
        return
      }
      buffer += chunk
      let newline: number
      while ((newline = buffer.indexOf(MESSAGE_END)) !== -1) {
        const line = buffer.slice(0, newline)
        buffer = buffer.slice(newline + MESSAGE_END.length)
        if (line.trim() !== '') reply(this.accept(line))
      }
      if (quietTimer) clearTimeout(quietTimer)
      // Anything else waits for its newline, the end of the stream or the idle limit.
      quietTimer = isCompleteWithoutNewline(buffer, gated) ? setTimeout(flush, quietMs) : undefined
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
      this.warnTraffic(`readiness socket: ignored unknown message ${JSON.stringify(sanitizeForLog(raw, 80))}`)
      return REPLY_UNKNOWN
    }
    if (parsed.kind === 'ready' && this.options.gates && this.settled?.kind !== 'failed') {
      const gates = this.options.gates
      const verdict = gates.admit(parsed.gate)
      if (verdict.kind === 'unknown') {
        this.warnTraffic(`readiness socket: "ready ${parsed.gate}" names no configured gate (${gates.names.join(',')}); ignored`)
        return formatUnknownGateReply(parsed.gate as string, gates.names)
      }
      if (parsed.gate !== undefined && gates.names.length > 0) {
        const at = Math.round(gates.readyAt(parsed.gate) ?? 0)
        const left = verdict.kind === 'pending' ? `waiting for ${verdict.pending.join(',')}` : 'all gates ready'
        this.options.log.debug(`gate ${parsed.gate} ready at ${at}ms; ${left}`, { gate: parsed.gate, gateReadyMs: at })
      }
      if (verdict.kind === 'pending') return REPLY_OK // recorded; Init waits for the others
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

  /** Logs the first few rejected messages; after that only counts them (summed up in close()). */
  private warnTraffic(message: string): void {
    this.rejectedMessages++
    if (this.rejectedMessages <= MAX_TRAFFIC_WARNINGS) this.options.log.warn(message)
    if (this.rejectedMessages === MAX_TRAFFIC_WARNINGS) {
      this.options.log.warn('readiness socket: further unknown or oversized messages are counted, not logged')
    }
  }

  /** Lets the lifecycle record a timeout, so a late `error` is told it is too late. */
  markReleased(): void {
    if (!this.settled) this.settled = { kind: 'ready' }
  }
}

/** What is at the path, or undefined when nothing is (the usual case: one lstat, no exception
 *  built). Anything that is not a socket is the user's file and is never touched. */
function inspectPath(path: string): Stats | undefined {
  let stat: Stats | undefined
  try {
    stat = lstatSync(path, { throwIfNoEntry: false })
  } catch (err) {
    throw new ListenerPathError(`cannot inspect ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  if (stat && !stat.isSocket()) {
    const kind = stat.isDirectory() ? 'a directory' : stat.isFile() ? 'a regular file' : stat.isSymbolicLink() ? 'a symbolic link' : 'not a socket'
    throw new ListenerPathError(`${path} is ${kind}, not a socket; refusing to replace it`)
  }
  return stat
}

/** listen()'s error in plain words. A missing directory comes back as EACCES or ENOENT; it is
 *  looked for only now, so the path's directory costs nothing when all is well. */
function listenFailure(path: string, e: NodeJS.ErrnoException): string {
  if ((e.code === 'EACCES' || e.code === 'ENOENT') && !existsSync(dirname(path))) return `the directory ${dirname(path)} does not exist`
  return e.code ? `${e.code}${LISTEN_ERRORS[e.code] ? ` (${LISTEN_ERRORS[e.code]})` : ''}` : e.message
}

/** A socket left at the path is replaced when it is stale: from an earlier Init (/tmp survives
 *  resets, docs/lambda-lifecycle.md §5.5 step 6). */
async function removeStaleSocket(path: string): Promise<void> {
  // Only a dead socket is stale. A live one belongs to another process (e.g. a second copy of
  // this extension in another layer): stealing it would leave that process waiting for a
  // `ready` that now comes to us, holding Init until its timeout.
  if (await socketIsLive(path)) {
    throw new ListenerPathError(`another process is listening on ${path} (a second copy of this extension?); not replacing it`)
  }
  try {
    unlinkSync(path)
  } catch (err) {
    throw new ListenerPathError(`cannot remove the stale socket ${path}: ${(err as NodeJS.ErrnoException).code}`)
  }
}

/** connect() to a dead Unix socket fails at once with ECONNREFUSED; anything else means a listener. */
function socketIsLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path)
    const done = (live: boolean) => {
      probe.destroy()
      resolve(live)
    }
    probe.once('connect', () => done(true))
    probe.once('error', (err: NodeJS.ErrnoException) => done(err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT'))
  })
}
