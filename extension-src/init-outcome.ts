// The one record a hold ends with. Its own module so that the lifecycle, which makes it, and
// the outcome line and metrics, which are made from it, depend on it rather than on each other.

export type Outcome = 'ready' | 'timeout' | 'failed' | 'no-hold'

/**
 * What released Init: a bare `ready`; `gate:<name>`, the `ready <name>` that completed the
 * configured gates (or, with none configured, was taken as a bare `ready`); WARMING_TIMEOUT;
 * the function's `error`; or nothing, when there was no hold.
 */
export type ReleasedBy = 'ready' | `gate:${string}` | 'timeout' | 'error' | 'none'

/** What the hold ended with: the one record the outcome line, its JSON fields and the metrics are made from. */
export interface InitOutcome {
  outcome: Outcome
  by: ReleasedBy
  /** ms since the extension started when the hold ended; 0 without a hold */
  heldMs: number
  /** the function's reason, for `failed` */
  reason?: string
  /** named gates still pending when the hold ended (timeout only; empty otherwise) */
  pendingGates: string[]
  /** named gates a bare `ready` released Init without (ready only; empty otherwise) */
  skippedGates: string[]
  /** with `by: gate:<name>` and no WAIT_FOR_INIT_GATES: the named `ready` counted as a bare one */
  gateTakenAsBare?: boolean
  /** for `no-hold`: why Init was not held (WARMING_TIMEOUT not set, an invalid setting, …) */
  noHoldReason?: string
  /** AWS_LAMBDA_INITIALIZATION_TYPE as the extension understood it */
  initType: string
}
