// The HTTP server behind AWS_LAMBDA_RUNTIME_API (docs/lambda-lifecycle.md §2.3): one 127.0.0.1 listener for the
// Runtime and Extensions APIs. Generic: routing is injected; every 4xx/5xx answer is recorded;
// faults are applied before routing.
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { now, sleep } from './clock'
import type { ApiName, FaultInjector } from './faults'
import type { ApiCallRecord } from './types'

/** 6 MiB + 100 bytes, the RIE's payload limit (docs/lambda-lifecycle.md §6). */
export const MAX_PAYLOAD = 6 * 1024 * 1024 + 100

export interface ApiRequest {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  body: Buffer
  bodyTooLarge: boolean
  header(name: string): string | undefined
}

export class Reply {
  sent = false
  private closeHandlers: (() => void)[] = []

  constructor(
    private readonly res: http.ServerResponse,
    private readonly record: (status: number, errorType: string | null) => void,
  ) {
    res.on('close', () => {
      for (const h of this.closeHandlers) h()
    })
  }

  /** true when the client connection is gone */
  get closed(): boolean { return this.res.destroyed || this.res.socket === null }

  onClose(handler: () => void): void { this.closeHandlers.push(handler) }

  raw(status: number, headers: Record<string, string>, body: string | Buffer, errorType: string | null = null): void {
    if (this.sent || this.res.destroyed) return
    this.sent = true
    if (status >= 400) this.record(status, errorType)
    this.res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) })
    this.res.end(body)
  }

  json(status: number, obj: unknown, headers: Record<string, string> = {}): void {
    this.raw(status, { 'Content-Type': 'application/json', ...headers }, JSON.stringify(obj))
  }

  /** Error body of docs/lambda-lifecycle.md §3: {"errorMessage","errorType"}. */
  error(status: number, errorType: string, errorMessage: string): void {
    this.raw(status, { 'Content-Type': 'application/json' }, JSON.stringify({ errorMessage, errorType }), errorType)
  }

  accepted(): void { this.json(202, { status: 'OK' }) }

  destroy(reset: boolean): void {
    this.sent = true
    const sock = this.res.socket as (Socket & { resetAndDestroy?: () => void }) | null
    if (reset && sock?.resetAndDestroy) sock.resetAndDestroy()
    else this.res.destroy()
  }
}

export interface Dispatcher {
  /** which API a request is (for faults) and who sent it (for records), before any handling */
  classify(req: ApiRequest): { api: ApiName | null; source: string | null }
  handle(req: ApiRequest, reply: Reply): void
}

export class ApiServer {
  private server: http.Server | null = null
  private readonly sockets = new Set<Socket>()
  private readonly hanging = new Set<Reply>()
  address = ''

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly faults: FaultInjector,
    private readonly rejections: ApiCallRecord[],
  ) {}

  async listen(): Promise<string> {
    const server = http.createServer((req, res) => { void this.onRequest(req, res) })
    // Long polls last across freezes of any length and keep-alive sockets must never be closed
    // behind a frozen client's back (Lambda's API server is frozen with it): no server timeouts.
    server.requestTimeout = 0
    server.headersTimeout = 0
    server.keepAliveTimeout = 0
    server.timeout = 0
    server.on('connection', (s) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const a = server.address() as AddressInfo
    this.address = `127.0.0.1:${a.port}`
    return this.address
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > MAX_PAYLOAD) tooLarge = true
      else chunks.push(chunk as Buffer)
    }
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const request: ApiRequest = {
      method: req.method ?? 'GET',
      path: q >= 0 ? url.slice(0, q) : url,
      headers: req.headers,
      body: Buffer.concat(chunks),
      bodyTooLarge: tooLarge,
      header: (name) => {
        const v = req.headers[name.toLowerCase()]
        return Array.isArray(v) ? v[0] : v
      },
    }
    const { api, source } = this.dispatcher.classify(request)
    const reply = new Reply(res, (status, errorType) => {
      this.rejections.push({ method: request.method, path: request.path, status, errorType, source, at: now() })
    })
    const fault = api ? this.faults.match(api, source) : null
    if (fault !== null) {
      if (fault === 'reset' || fault === 'refuse') return reply.destroy(fault === 'reset')
      if (fault === 'hang') {
        this.hanging.add(reply)
        reply.onClose(() => this.hanging.delete(reply))
        return
      }
      if ('status' in fault) {
        return reply.error(fault.status, fault.errorType ?? 'InjectedFault', fault.errorMessage ?? 'injected by the sandbox fault injector')
      }
      await sleep(fault.delayMs)
      if (reply.closed) return
    }
    try {
      this.dispatcher.handle(request, reply)
    } catch (e) {
      reply.error(500, 'InternalServerError', `sandbox bug: ${(e as Error).stack ?? e}`)
    }
  }

  async close(): Promise<void> {
    for (const r of this.hanging) r.destroy(false)
    for (const s of this.sockets) s.destroy()
    const server = this.server
    this.server = null
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
