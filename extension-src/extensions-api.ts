// Client of the Lambda Extensions API (docs/lambda-lifecycle.md §3), in two typed phases, as the
// Rust lambda-extension crate has them: ExtensionsApi can only register; register() returns a
// RegisteredExtension, which owns the identifier Lambda gave and is the only thing that can ask
// for the next event or report an Init failure. "Called before register" cannot be written.
//
// One HTTP function carries every call (production: node-fetch, whose unused built-ins the
// bundle loads lazily, see build-scripts/lazy-builtins.ts); it is injected so tests can drive it.
// Deliberately no timeout of any kind and no pooled keep-alive agent: `event/next` blocks for as
// long as the sandbox lives, across freezes that can last hours (§3, §7), and a pooled socket
// kept across a freeze may have been dropped by the peer (§7 item 3).

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

/** The registered phase: what an extension may do once Lambda knows it. */
export interface RegisteredExtension {
  /** Lambda-Extension-Identifier, sent with every later call. */
  readonly identifier: string
  /** §3: blocks until the next event (for a SHUTDOWN-only extension: until shutdown). */
  nextEvent(): Promise<LambdaEvent>
  /** §3, §8 row 13: report that Init failed; Lambda fails Init once we exit. */
  initError(errorType: string, errorMessage: string): Promise<void>
}

const PREFIX = '/2020-01-01/extension'

/** The unregistered phase. */
export class ExtensionsApi {
  constructor(
    private readonly runtimeApi: string,
    private readonly fetch: FetchLike,
  ) {}

  /** §3: register under the exact file name for `events`. */
  async register(name: string, events: readonly string[]): Promise<RegisteredExtension> {
    const res = await call(this.fetch, this.runtimeApi, 'register', 'POST', '/register', { 'Lambda-Extension-Name': name, 'Content-Type': 'application/json' }, JSON.stringify({ events }))
    const id = res.headers.get('lambda-extension-identifier')
    if (!id) throw new ExtensionsApiError('register', 'register answered without a Lambda-Extension-Identifier header', res.status)
    return new Registered(id, this.fetch, this.runtimeApi)
  }
}

/** Not exported: only register() makes one. */
class Registered implements RegisteredExtension {
  constructor(
    readonly identifier: string,
    private readonly fetch: FetchLike,
    private readonly runtimeApi: string,
  ) {}

  async nextEvent(): Promise<LambdaEvent> {
    const res = await call(this.fetch, this.runtimeApi, 'event/next', 'GET', '/event/next', { 'Lambda-Extension-Identifier': this.identifier })
    try {
      return JSON.parse(res.body) as LambdaEvent
    } catch {
      throw new ExtensionsApiError('event/next', `event/next answered with a body that is not JSON: ${JSON.stringify(res.body.slice(0, 100))}`, res.status)
    }
  }

  async initError(errorType: string, errorMessage: string): Promise<void> {
    const headers = { 'Lambda-Extension-Identifier': this.identifier, 'Lambda-Extension-Function-Error-Type': errorType, 'Content-Type': 'application/json' }
    await call(this.fetch, this.runtimeApi, 'init/error', 'POST', '/init/error', headers, JSON.stringify({ errorMessage, errorType, stackTrace: [] }))
  }
}

/** One request; every failure becomes an ExtensionsApiError naming the operation. */
async function call(fetch: FetchLike, runtimeApi: string, operation: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  let res
  try {
    res = await fetch(`http://${runtimeApi}${PREFIX}${path}`, { method, headers, body })
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
