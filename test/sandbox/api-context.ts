// What the API handlers need from the sandbox (injected, so handlers stay free of process logic).
import type { Fatal, Generation, InvokeState } from './records'
import type { PostedError } from './types'

export type Phase = 'idle' | 'init' | 'invoke' | 'shutdown' | 'closed'

export interface ApiContext {
  readonly gen: Generation | null
  readonly phase: Phase
  readonly invoke: InvokeState | null
  readonly meta: { functionName: string; functionVersion: string; handler: string; accountId: string }
  /** posted error documents (report.errors) */
  posted(e: Omit<PostedError, 'at'>): void
  /** end the current Init/invoke with this error (first one wins) */
  fail(f: Fatal): void
  /** re-evaluate completion conditions */
  poke(): void
  platformLog(text: string): void
}

/** Error type sanitising of the platform (docs/lambda-lifecycle.md §4): payloads are forwarded unchanged. */
export function sanitizeErrorType(t: string | undefined): string {
  if (!t) return 'Runtime.Unknown'
  const m = /(Runtime|Function)\.[A-Za-z0-9]+/.exec(t)
  if (m) return m[0]
  return t.startsWith('Function.') ? 'Function.Unknown' : 'Runtime.Unknown'
}

export function parseJson(buf: Buffer): unknown {
  const text = buf.toString('utf8')
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
