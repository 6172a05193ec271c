// Shared helpers of the hardening suite (docs/reliability.md): the built SEA in the local sandbox, the same
// binary run directly against a scriptable Extensions API, hostile Unix-socket clients, and
// /proc probes (RSS, open descriptors) for leak and memory checks.
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import { Sandbox, type SandboxOptions, type ExtensionReport } from '../sandbox'
import { EXTENSION_BINARY, FIXTURES, requireLayer } from '../integration/harness'

export { ours, outcomeLines, extensionLines, requireLayer, EXTENSION_BINARY } from '../integration/harness'

export const SOCKET = '/tmp/wait-for-init.sock'
export const HARDENING_FIXTURES = path.join(__dirname, 'fixtures')
/** Test function: SIGNAL_MODE / BLOCK_MS etc. (see fixtures/functions/hostile/index.js). */
export const HOSTILE_FUNCTION = path.join(HARDENING_FIXTURES, 'functions', 'hostile')
export const WARMUP_FUNCTION = path.join(FIXTURES, 'functions', 'warmup')

type Teardown = { teardown(fn: () => unknown): void }

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
export const nowMs = (): number => performance.timeOrigin + performance.now()

/** A sandbox running the built layer; closed at teardown with the no-leak checks. */
export function layerSandbox(t: Teardown, opts: Partial<SandboxOptions> & { env?: Record<string, string> }): Sandbox {
  const sb = new Sandbox({ functionDir: HOSTILE_FUNCTION, layers: [requireLayer()], ...opts })
  t.teardown(async () => {
    await sb.close()
    const left = sb.runningProcesses()
    if (left.length) throw new Error(`leaked processes: ${left.join(',')}`)
  })
  return sb
}

/** Closes the sandbox and asserts nothing of it is left (inside the test, so it is reported). */
export async function closeClean(t: Test, sb: Sandbox): Promise<void> {
  await sb.close()
  t.same(sb.runningProcesses(), [], 'no process of the sandbox left')
  t.notOk(sb.tempDir && fs.existsSync(sb.tempDir), 'sandbox temp dir removed')
}

export interface Holding {
  init: ReturnType<Sandbox['init']>
  socketPath: string
  ext: ExtensionReport
  pid: number
}

/** Starts Init and resolves once our extension registered and its socket exists (it is holding). */
export async function startHolding(sb: Sandbox, name = 'wait-for-init', timeoutMs = 8000): Promise<Holding> {
  await sb.start()
  const socketPath = sb.hostPath(SOCKET)
  const init = sb.init()
  init.catch(() => {})
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ext = sb.report().extensions.find((e) => e.name === name)
    if (ext?.registerAt && ext.pid && fs.existsSync(socketPath)) return { init, socketPath, ext, pid: ext.pid }
    if (Date.now() > deadline) throw new Error(`extension ${name} did not register and listen within ${timeoutMs} ms`)
    await sleep(5)
  }
}

export function extensionOf(sb: Sandbox, name = 'wait-for-init', generation = 0): ExtensionReport {
  const e = sb.report().extensions.find((x) => x.name === name && x.generation === generation)
  if (!e) throw new Error(`no ${name}/${generation} in report`)
  return e
}

// ---- Unix-socket clients -------------------------------------------------------------------

export interface Exchange {
  reply: string
  error: string | null
  /** ms from connect to the first reply byte (null when none came) */
  replyMs: number | null
}

/** Connects, writes each chunk (with an optional gap), optionally half-closes, collects the answer. */
export function talk(socketPath: string, chunks: (string | Buffer)[], opts: { gapMs?: number; end?: boolean; timeoutMs?: number } = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const s = net.createConnection(socketPath)
    let reply = ''
    let error: string | null = null
    let connectedAt = 0
    let replyMs: number | null = null
    const timer = setTimeout(() => s.destroy(), opts.timeoutMs ?? 5000)
    s.setEncoding('utf8')
    s.on('connect', async () => {
      connectedAt = Date.now()
      for (const c of chunks) {
        if (s.destroyed) break
        s.write(c)
        if (opts.gapMs) await sleep(opts.gapMs)
      }
      if (opts.end !== false && !s.destroyed) s.end()
    })
    s.on('data', (d: string) => {
      if (replyMs === null) replyMs = Date.now() - connectedAt
      reply += d
    })
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message))
    s.on('close', () => {
      clearTimeout(timer)
      resolve({ reply, error, replyMs })
    })
  })
}

/**
 * A client that connects and never writes. `connected` settles once the connection is up (or has
 * failed: the test then sees it in `closed`); `closed` resolves its close time (ms after start).
 */
export function idleClient(socketPath: string, maxMs = 20000): { socket: net.Socket; connected: Promise<void>; closed: Promise<{ ms: number; error: string | null }> } {
  const socket = net.createConnection(socketPath)
  const started = Date.now()
  let error: string | null = null
  socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message))
  const timer = setTimeout(() => socket.destroy(), maxMs)
  const connected = new Promise<void>((resolve) => {
    socket.once('connect', () => resolve())
    socket.once('close', () => resolve())
  })
  const closed = new Promise<{ ms: number; error: string | null }>((resolve) =>
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ ms: Date.now() - started, error })
    }),
  )
  socket.resume()
  return { socket, connected, closed }
}

/** Polls `check` until it returns true; throws naming `what` after timeoutMs (no event to wait on). */
export async function waitUntil(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await sleep(5)
  }
}

// ---- /proc probes ----------------------------------------------------------------------------

export function procStatus(pid: number): { rssKb: number; hwmKb: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN)
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') }
  } catch {
    return null
  }
}

/** Open descriptors of a process, by kind (socket, anon_inode, file…). */
export function openFds(pid: number): { total: number; sockets: number } {
  let total = 0
  let sockets = 0
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    total++
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++
    } catch { /* closed meanwhile */ }
  }
  return { total, sockets }
}

/** Every live process whose executable is the built extension (leak check across sandboxes). */
export function extensionProcesses(binary = EXTENSION_BINARY): number[] {
  const real = fs.realpathSync(binary)
  const out: number[] = []
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const exe = fs.readlinkSync(`/proc/${name}/exe`).replace(/ \(deleted\)$/, '')
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8')
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
      if (state !== 'Z' && (exe === real || path.basename(exe) === 'wait-for-init')) out.push(Number(name))
    } catch { /* gone or not ours to read */ }
  }
  return out
}

/** A short temp dir (socket paths < 108 bytes), removed at teardown. */
export function tempDir(t: Teardown, label = 'h'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wfi-${label}-`))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

// ---- The binary run directly against a scriptable Extensions API ----------------------------

export interface ApiCall { method: string; path: string; at: number; headers: http.IncomingHttpHeaders; body: string }

export type NextBehaviour = 'hold' | { status: number } | 'reset' | 'shutdown'

/**
 * A minimal Extensions API (docs/lambda-lifecycle.md §3) on 127.0.0.1 whose answers the test chooses: register status,
 * what each event/next does, init/error status. Held event/next requests stay open until
 * shutdown() or close(); nothing here has a timeout.
 */
export class ScriptedApi {
  readonly calls: ApiCall[] = []
  registerAnswer: { status: number; errorType?: string } | 'reset' = { status: 200 }
  initErrorAnswer: { status: number } | 'reset' = { status: 202 }
  /** behaviour of the n-th event/next (0-based); default 'hold' */
  nextAnswers: NextBehaviour[] = []
  private held: http.ServerResponse[] = []
  private server: http.Server | null = null
  private readonly sockets = new Set<net.Socket>()
  address = ''
  private nextCount = 0
  private shuttingDown = false
  private waiters: (() => void)[] = []

  async listen(): Promise<string> {
    const server = http.createServer((req, res) => {
      let body = ''
      req.setEncoding('utf8')
      req.on('data', (c) => (body += c))
      req.on('end', () => this.handle(req, res, body))
    })
    server.requestTimeout = 0
    server.headersTimeout = 0
    server.keepAliveTimeout = 0
    server.timeout = 0
    server.on('connection', (s) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
    this.server = server
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    this.address = `127.0.0.1:${(server.address() as AddressInfo).port}`
    return this.address
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const p = (req.url ?? '').replace('/2020-01-01/extension', '')
    this.calls.push({ method: req.method ?? '', path: p, at: nowMs(), headers: req.headers, body })
    for (const w of this.waiters.splice(0)) w()
    const reset = (): void => void (req.socket as net.Socket & { resetAndDestroy(): void }).resetAndDestroy()
    if (p === '/register') {
      const a = this.registerAnswer
      if (a === 'reset') return reset()
      if (a.status !== 200) return this.error(res, a.status, a.errorType ?? 'InjectedFault')
      res.writeHead(200, { 'Content-Type': 'application/json', 'Lambda-Extension-Identifier': randomUUID() })
      return void res.end(JSON.stringify({ functionName: 'f', functionVersion: '$LATEST', handler: 'index.handler' }))
    }
    if (p === '/event/next') {
      if (this.shuttingDown) return this.sendShutdown(res)
      const a = this.nextAnswers[this.nextCount++] ?? 'hold'
      if (a === 'reset') return reset()
      if (a === 'shutdown') return this.sendShutdown(res)
      if (a !== 'hold') return this.error(res, a.status, 'InjectedFault')
      this.held.push(res)
      return
    }
    if (p === '/init/error') {
      const a = this.initErrorAnswer
      if (a === 'reset') return reset()
      if (a.status >= 300) return this.error(res, a.status, 'InjectedFault')
      res.writeHead(a.status, { 'Content-Type': 'application/json' })
      return void res.end('{"status":"OK"}')
    }
    this.error(res, 404, 'NotFound')
  }

  private error(res: http.ServerResponse, status: number, errorType: string): void {
    res.writeHead(status, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ errorType, errorMessage: 'injected by the hardening suite' }))
  }

  private sendShutdown(res: http.ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Lambda-Extension-Event-Identifier': randomUUID() })
    res.end(JSON.stringify({ eventType: 'SHUTDOWN', shutdownReason: 'spindown', deadlineMs: Date.now() + 2000 }))
  }

  /** Answers every held event/next, and every later one, with SHUTDOWN; returns how many were held. */
  shutdown(): number {
    this.shuttingDown = true
    const n = this.held.length
    for (const r of this.held.splice(0)) if (!r.destroyed) this.sendShutdown(r)
    return n
  }

  /** Breaks every held event/next (TCP reset) or answers it with a status. */
  failHeld(how: 'reset' | { status: number }): void {
    for (const r of this.held.splice(0)) {
      if (how === 'reset') (r.socket as net.Socket & { resetAndDestroy(): void } | null)?.resetAndDestroy()
      else this.error(r, how.status, 'InjectedFault')
    }
  }

  count(p: string): number {
    return this.calls.filter((c) => c.path === p).length
  }

  /** Resolves when at least n calls to path p arrived. */
  async waitFor(p: string, n = 1, timeoutMs = 10000): Promise<ApiCall> {
    const deadline = Date.now() + timeoutMs
    while (this.count(p) < n) {
      if (Date.now() > deadline) throw new Error(`no ${n}× ${p} within ${timeoutMs} ms (calls: ${this.calls.map((c) => c.path).join(', ')})`)
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 50)
        this.waiters.push(() => { clearTimeout(timer); r() })
      })
    }
    return this.calls.filter((c) => c.path === p)[n - 1]
  }

  async close(): Promise<void> {
    for (const r of this.held.splice(0)) r.destroy()
    for (const s of this.sockets) s.destroy()
    const server = this.server
    this.server = null
    if (server) await new Promise<void>((r) => server.close(() => r()))
  }
}

export interface LineRecord { at: number; stream: 'stdout' | 'stderr'; text: string }

export interface RunningBinary {
  child: ChildProcess
  pid: number
  startedAt: number
  lines: LineRecord[]
  exited: Promise<{ code: number | null; signal: string | null; at: number }>
  /** all output so far, one string */
  output(): string
}

/**
 * Runs the built extension directly (no sandbox) with exactly `env` (plus PATH), like Lambda's
 * launcher: the test chooses AWS_LAMBDA_RUNTIME_API. Killed at teardown if still running.
 */
export function runBinary(t: Teardown, env: Record<string, string>, opts: { binary?: string; preload?: string } = {}): RunningBinary {
  if (!opts.binary) requireLayer()
  const binary = opts.binary ?? EXTENSION_BINARY
  const fullEnv: Record<string, string> = { PATH: '/usr/bin:/bin', ...env }
  if (opts.preload) fullEnv.LD_PRELOAD = opts.preload
  const startedAt = nowMs()
  const child = spawn(binary, [], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: LineRecord[] = []
  for (const stream of ['stdout', 'stderr'] as const) {
    let rest = ''
    child[stream]!.setEncoding('utf8')
    child[stream]!.on('data', (d: string) => {
      const parts = (rest + d).split('\n')
      rest = parts.pop() ?? ''
      for (const text of parts) lines.push({ at: nowMs(), stream, text })
    })
    child[stream]!.on('end', () => {
      if (rest) lines.push({ at: nowMs(), stream, text: rest })
    })
  }
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) => {
    let exit: { code: number | null; signal: string | null; at: number } | null = null
    child.on('exit', (code, signal) => (exit = { code, signal, at: nowMs() }))
    child.on('close', () => resolve(exit ?? { code: child.exitCode, signal: child.signalCode, at: nowMs() }))
  })
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  return { child, pid: child.pid!, startedAt, lines, exited, output: () => lines.map((l) => l.text).join('\n') }
}

/** Waits until a line matching re was printed; resolves with it. */
export async function waitForLine(run: RunningBinary, re: RegExp, timeoutMs = 10000): Promise<LineRecord> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const hit = run.lines.find((l) => re.test(l.text))
    if (hit) return hit
    if (Date.now() > deadline) throw new Error(`no line matching ${re} within ${timeoutMs} ms; output:\n${run.output()}`)
    await sleep(5)
  }
}

/** Waits until path exists (e.g. the socket). */
export async function waitForPath(p: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!fs.existsSync(p)) {
    if (Date.now() > deadline) throw new Error(`${p} did not appear within ${timeoutMs} ms`)
    await sleep(2)
  }
}

/** A ScriptedApi closed at teardown. */
export async function scriptedApi(t: Teardown): Promise<ScriptedApi> {
  const api = new ScriptedApi()
  await api.listen()
  t.teardown(() => api.close())
  return api
}
