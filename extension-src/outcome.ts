// The one record the lifecycle produces per Init: the outcome line and the metrics line are both
// written from it, so they can never disagree about how long Init was held.

export type Outcome = 'ready' | 'timeout' | 'failed' | 'no-hold'

export interface InitOutcome {
  outcome: Outcome
  /** Milliseconds from the extension's start to the release (0 for no-hold). */
  heldMs: number
  /** Named gates still pending when the hold ended (timeout only; empty otherwise). */
  pendingGates: string[]
  /** AWS_LAMBDA_INITIALIZATION_TYPE as the extension understood it. */
  initType: string
}

/** ` pending=db,cache` for an outcome line, or nothing when no gate was pending. */
export function pendingSuffix(pendingGates: readonly string[]): string {
  return pendingGates.length > 0 ? ` pending=${pendingGates.join(',')}` : ''
}
