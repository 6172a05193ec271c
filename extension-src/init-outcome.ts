// The one record a hold ends with. Its own module so that the lifecycle, which makes it, and
// the outcome line and metrics, which are made from it, depend on it rather than on each other.

export type Outcome = 'ready' | 'timeout' | 'failed' | 'no-hold'

/** What the hold ended with: the one record the outcome line (and any later metrics) is made from. */
export interface InitOutcome {
  outcome: Outcome
  /** ms since the extension started when the hold ended; 0 without a hold */
  heldMs: number
  /** the function's reason, for `failed` */
  reason?: string
  /** named gates still pending when the hold ended (timeout only; empty otherwise) */
  pendingGates: string[]
  /** AWS_LAMBDA_INITIALIZATION_TYPE as the extension understood it */
  initType: string
}
