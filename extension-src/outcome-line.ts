// The outcome line: the one line per Init that says how the hold ended and why, made from the
// InitOutcome record alone. Its grammar is what the Logs Insights queries in README.md and
// docs/gates-and-metrics.md parse, and test/unit/outcome-line.test.ts runs those queries' parse
// patterns on it:
//
//   init outcome=<outcome> by=<by> held=<ms>ms[ pending=<gates>][ skipped=<gates>][: <why>]
//
// Pure: the lifecycle logs the result.

import type { InitOutcome } from './init-outcome'
import { sanitizeForLog } from './logger'
import { GATES_VARIABLE } from './gates'

export interface OutcomeLine {
  level: 'info' | 'warn' | 'error'
  message: string
  /** The JSON log format's fields: the same record, machine-readable. */
  fields: Record<string, unknown>
}

/** The record's fields for the JSON log format (empty gate lists left out). `by` is `releasedBy`
 *  there: `by` is a keyword of Logs Insights queries, awkward as a field name. */
export function outcomeFields(init: InitOutcome): Record<string, unknown> {
  return {
    outcome: init.outcome,
    releasedBy: init.by,
    heldMs: init.heldMs,
    ...(init.pendingGates.length > 0 ? { pendingGates: init.pendingGates } : {}),
    ...(init.skippedGates.length > 0 ? { skippedGates: init.skippedGates } : {}),
  }
}

/** `limitMs`: the hold limit that applied (config.holdMs), named by a timeout's line. */
export function outcomeLine(init: InitOutcome, limitMs: number | null): OutcomeLine {
  const { outcome, by, heldMs, pendingGates, skippedGates } = init
  let head = `init outcome=${outcome} by=${by} held=${heldMs}ms`
  if (pendingGates.length > 0) head += ` pending=${pendingGates.join(',')}`
  if (skippedGates.length > 0) head += ` skipped=${skippedGates.join(',')}`
  const line = (level: OutcomeLine['level'], why?: string): OutcomeLine => ({
    level, message: why === undefined ? head : `${head}: ${why}`, fields: outcomeFields(init),
  })
  switch (outcome) {
    case 'failed':
      return line('error', `the function reported: ${sanitizeForLog(init.reason ?? '')}`)
    case 'timeout':
      // Named gates: say which ones never came (docs/gates-and-metrics.md).
      return pendingGates.length > 0
        ? line('warn', `gate(s) ${pendingGates.join(',')} not ready within ${limitMs} ms`)
        : line('warn', `no signal from the function within ${limitMs} ms`)
    case 'ready':
      // A bare `ready` with gates configured defeats them: never unseen (docs/protocol.md).
      if (skippedGates.length > 0) return line('warn', `a bare "ready" released Init before gate(s) ${skippedGates.join(',')}`)
      if (init.gateTakenAsBare) return line('info', `taken as a bare ready because ${GATES_VARIABLE} is not set`)
      return line('info')
    case 'no-hold':
      return line('info', init.noHoldReason)
  }
}
