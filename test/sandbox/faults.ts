// Fault injection on the sandbox APIs, applied before normal handling (for hardening tests).
import { now } from './clock'

export type ApiName =
  | 'extension/register' | 'extension/event/next' | 'extension/init/error' | 'extension/exit/error'
  | 'runtime/invocation/next' | 'runtime/invocation/response' | 'runtime/invocation/error' | 'runtime/init/error'
  | 'logs' | 'telemetry'

export type FaultAction =
  | { status: number; errorType?: string; errorMessage?: string }
  | 'reset' // TCP RST, no response
  | 'refuse' // connection closed without a response
  | { delayMs: number } // then handled normally
  | 'hang' // never answered (until close())

export interface FaultRule {
  api: ApiName
  /** 'first' (default): the first matching call; number n: the n-th matching call; 'always' */
  when?: 'first' | 'always' | number
  /** only calls from this extension (by Lambda-Extension-Name or identifier) */
  extension?: string
  action: FaultAction
}

export interface FaultHit { api: string; action: string; at: number }

export class FaultInjector {
  private rules: { rule: FaultRule; seen: number }[] = []
  readonly hits: FaultHit[] = []

  add(rule: FaultRule): void {
    const w = rule.when ?? 'first'
    if (w !== 'first' && w !== 'always' && !(Number.isInteger(w) && w >= 1)) {
      throw new Error(`faults.add: when must be 'first', 'always' or an integer >= 1, got ${JSON.stringify(w)}`)
    }
    const a = rule.action
    const ok = a === 'reset' || a === 'refuse' || a === 'hang' ||
      (typeof a === 'object' && a !== null && (('status' in a && Number.isInteger(a.status)) || ('delayMs' in a && a.delayMs >= 0)))
    if (!ok) throw new Error(`faults.add: invalid action ${JSON.stringify(a)}`)
    this.rules.push({ rule, seen: 0 })
  }

  clear(): void { this.rules = [] }

  /** The action for this call, if a rule fires (every matching rule counts the call). */
  match(api: ApiName, extension: string | null): FaultAction | null {
    let fired: FaultAction | null = null
    for (const r of this.rules) {
      if (r.rule.api !== api) continue
      if (r.rule.extension !== undefined && r.rule.extension !== extension) continue
      r.seen++
      const w = r.rule.when ?? 'first'
      const hit = w === 'always' || (w === 'first' && r.seen === 1) || r.seen === w
      if (hit && fired === null) {
        fired = r.rule.action
        this.hits.push({ api, action: typeof fired === 'string' ? fired : JSON.stringify(fired), at: now() })
      }
    }
    return fired
  }
}
