// Named readiness gates: WAIT_FOR_INIT_GATES=db,cache makes the hold wait for `ready db` AND
// `ready cache` (or the timeout), so independent modules of a function (db pool, cache, secrets,
// tracer) can each report their own warm-up without coordinating by hand. A bare `ready` still
// releases everything, so the original protocol keeps working; the gates it skipped are kept
// (skipped()) so that the outcome line can name them.
//
// Pure: configuration parsing and a tracker with an injected clock; the readiness listener feeds
// it and the lifecycle asks it which gates were still pending when the hold ended.

import { GATE_NAME_PATTERN } from '../protocol/signal-protocol'

export const GATES_VARIABLE = 'WAIT_FOR_INIT_GATES'
/** More gates than this is a configuration mistake, and it keeps replies and log lines short. */
export const MAX_GATES = 32

export interface GatesParse {
  /** Configured gate names, in the order given; empty when unset or blank. */
  gates: string[]
  /** Set when the value is invalid: the caller logs it as one error line and does not hold. */
  problem?: string
}

/** Reads WAIT_FOR_INIT_GATES: comma-separated names, whitespace around a name ignored. */
export function parseGates(raw: string | undefined): GatesParse {
  if (raw === undefined || raw.trim() === '') return { gates: [] }
  const bad = (why: string): GatesParse => ({
    gates: [],
    problem: `${GATES_VARIABLE}=${JSON.stringify(raw)} ${why}; not holding Init`,
  })
  const names = raw.split(',').map((name) => name.trim())
  const invalid = names.find((name) => !GATE_NAME_PATTERN.test(name))
  if (invalid !== undefined) {
    const what = invalid === '' ? 'has an empty name' : `has an invalid name ${JSON.stringify(invalid)}`
    return bad(`${what} (names are 1-64 of A-Z a-z 0-9 _ . -, separated by commas)`)
  }
  const duplicate = names.find((name, i) => names.indexOf(name) !== i)
  if (duplicate !== undefined) return bad(`names ${JSON.stringify(duplicate)} twice`)
  if (names.length > MAX_GATES) return bad(`names ${names.length} gates; at most ${MAX_GATES} are allowed`)
  return { gates: names }
}

/** What a `ready` (bare or named) did to the gates. */
export type GateVerdict =
  /** Every gate is now ready (or the `ready` was bare, or no gates are configured): release. */
  | { kind: 'complete' }
  /** The named gate is recorded (possibly again); others are still pending. */
  | { kind: 'pending'; pending: string[] }
  /** The name is not a configured gate: nothing changes. */
  | { kind: 'unknown' }

export interface GateTracker {
  /** Configured gate names (empty: no gates, any `ready` releases). */
  readonly names: readonly string[]
  /** Applies `ready` (gate undefined) or `ready <gate>`. */
  admit(gate: string | undefined): GateVerdict
  /** Gates not yet ready, in configuration order (none once a bare `ready` released them all). */
  pending(): string[]
  /** Gates that were still pending when a bare `ready` released Init, in configuration order. */
  skipped(): string[]
  /** When each gate became ready, in ms on the injected clock; absent when not (yet) ready. */
  readyAt(gate: string): number | undefined
}

export function createGateTracker(names: readonly string[], now: () => number): GateTracker {
  const readyTimes = new Map<string, number>()
  let released = false
  let skipped: string[] = []
  const pending = () => names.filter((name) => !readyTimes.has(name))
  return {
    names,
    admit(gate) {
      if (gate === undefined) {
        if (!released) skipped = pending()
        released = true // a bare `ready` speaks for the whole function
        return { kind: 'complete' }
      }
      // No gates configured: a library that always names its gate must still release Init
      // when the operator did not configure any, so a named `ready` counts as a bare one.
      if (names.length === 0) {
        released = true
        return { kind: 'complete' }
      }
      if (!names.includes(gate)) return { kind: 'unknown' }
      if (!readyTimes.has(gate)) readyTimes.set(gate, now())
      const left = pending()
      if (released || left.length === 0) {
        released = true
        return { kind: 'complete' }
      }
      return { kind: 'pending', pending: left }
    },
    pending: () => (released ? [] : pending()),
    skipped: () => [...skipped],
    readyAt: (gate) => readyTimes.get(gate),
  }
}
