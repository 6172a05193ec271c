// Client of the Lambda Extensions API (spec §3). The HTTP function is injected so tests can
// drive it; production registers over plain node:http (nodeHttpFetch below, the start-up path)
// and passes node-fetch over node:http for everything after that.
//
// Deliberately no timeout of any kind and no pooled keep-alive agent: `event/next` blocks for
// as long as the sandbox lives, across freezes that can last hours (spec §3, §7), and a pooled
// socket kept across a freeze may have been dropped by the peer (spec §7 item 3).

import http from 'node:http'

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{
  status: number
  headers: { get(name: string): string | null }
  text(): Promise<string>
}>

export interface LambdaEvent {
  eventType: string
  deadlineMs?: number
  shutdownReason?: string
  [key: string]: unknown
}

/** A failed Extensions API call: HTTP status and Lambda error type when there was an answer. */
export class ExtensionsApiError extends Error {
  constructor(
    readonly operation: string,
    message: string,
    readonly status?: number,
    readonly errorType?: string,
    readonly code?: string,
  ) {
    super(message)
    this.name = 'ExtensionsApiError'
  }
}

const PREFIX = '/2020-01-01/extension'

export class ExtensionsApiClient {
  private identifier: string | undefined

  /**
   * `registerFetch` (default: `fetch`) carries only the register call: Lambda starts the runtime
   * once every extension has registered (spec §5.3 step 3), so that call is the start-up path
   * and may use a lighter client than the rest.
   */
  constructor(
    private readonly runtimeApi: string,
    private readonly fetch: FetchLike,
    private readonly registerFetch: FetchLike = fetch,
  ) {}

  get extensionId(): string | undefined {
    return this.identifier
  }

  /** spec §3: register under the exact file name; returns the identifier for later calls. */
  async register(name: string, events: string[]): Promise<string> {
    const res = await this.call('register', 'POST', '/register', { 'Lambda-Extension-Name': name, 'Content-Type': 'application/json' }, JSON.stringify({ events }))
    const id = res.headers.get('lambda-extension-identifier')
    if (!id) throw new ExtensionsApiError('register', 'register answered without a Lambda-Extension-Identifier header', res.status)
    this.identifier = id
    return id
  }

  /** spec §3: blocks until the next event (for a SHUTDOWN-only extension: until shutdown). */
  async nextEvent(): Promise<LambdaEvent> {
    const res = await this.call('event/next', 'GET', '/event/next', this.idHeader())
    try {
      return JSON.parse(res.body) as LambdaEvent
    } catch {
      throw new ExtensionsApiError('event/next', `event/next answered with a body that is not JSON: ${JSON.stringify(res.body.slice(0, 100))}`, res.status)
    }
  }

  /** spec §3, §8 row 13: report that Init failed; Lambda fails Init once we exit. */
  async initError(errorType: string, errorMessage: string): Promise<void> {
    await this.call('init/error', 'POST', '/init/error', { ...this.idHeader(), 'Lambda-Extension-Function-Error-Type': errorType, 'Content-Type': 'application/json' }, JSON.stringify({ errorMessage, errorType, stackTrace: [] }))
  }

  private idHeader(): Record<string, string> {
    if (!this.identifier) throw new ExtensionsApiError('client', 'called before register')
    return { 'Lambda-Extension-Identifier': this.identifier }
  }

  private async call(operation: string, method: string, path: string, headers: Record<string, string>, body?: string) {
    let res
    try {
      res = await (operation === 'register' ? this.registerFetch : this.fetch)(`http://${this.runtimeApi}${PREFIX}${path}`, { method, headers, body })
    } catch (err) {
      const e = err as { code?: string; message?: string }
      throw new ExtensionsApiError(operation, `${operation} failed: ${e.code ?? ''} ${e.message ?? String(err)}`.replace(/\s+/g, ' ').trim(), undefined, undefined, e.code)
    }
    let text: string
    try {
      text = await res.text()
    } catch (err) {
      const e = err as { code?: string; message?: string }
      throw new ExtensionsApiError(operation, `${operation} failed while reading the answer: ${e.code ?? ''} ${e.message ?? String(err)}`.trim(), res.status, undefined, e.code)
    }
    if (res.status < 200 || res.status > 299) {
      let errorType: string | undefined
      let errorMessage: string | undefined
      try {
        const parsed = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown }
        if (typeof parsed.errorType === 'string') errorType = parsed.errorType
        if (typeof parsed.errorMessage === 'string') errorMessage = parsed.errorMessage
      } catch {
        /* not JSON: keep the status alone */
      }
      const detail = [errorType, errorMessage].filter(Boolean).join(': ') || JSON.stringify(text.slice(0, 100))
      throw new ExtensionsApiError(operation, `${operation} answered HTTP ${res.status} (${detail})`, res.status, errorType)
    }
    return { status: res.status, headers: res.headers, body: text }
  }
}

/**
 * A FetchLike over bare node:http for the register call: no import graph beyond node:http
 * (node-fetch pulls in https/tls, zlib and web streams, measured by `make bench` at ~15 ms and
 * ~8 MB before register). Like the node-fetch path: no timeout of any kind, and the agent
 * decides about connection reuse (production passes one without keep-alive). The body is read
 * eagerly so the connection is always released; text() rejects if it was cut short.
 */
export function nodeHttpFetch(agent: http.Agent): FetchLike {
  return (url, init) =>
    new Promise((resolve, reject) => {
      const req = http.request(url, { method: init.method, headers: init.headers, agent }, (res) => {
        const chunks: Buffer[] = []
        const body = new Promise<string>((ok, fail) => {
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => ok(Buffer.concat(chunks).toString('utf8')))
          res.on('error', fail) // e.g. ECONNRESET when the peer drops the connection mid-body
          res.on('close', () => {
            if (!res.complete) fail(Object.assign(new Error('the connection closed before the answer was complete'), { code: 'ECONNRESET' }))
          })
        })
        body.catch(() => undefined) // reported through text(); never an unhandled rejection
        resolve({
          status: res.statusCode ?? 0,
          headers: {
            get: (name) => {
              const v = res.headers[name.toLowerCase()]
              return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
            },
          },
          text: () => body,
        })
      })
      req.on('error', reject)
      req.end(init.body)
    })
}
