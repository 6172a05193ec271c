// How long the extension may hold Init without being what makes Init fail.
//
// docs/lambda-lifecycle.md §6: on-demand Init is limited to 10 s for extension + runtime +
// function init together, and an overrun throws the whole Init away and re-runs it inside the
// first invoke. Provisioned concurrency and SnapStart get max(130 s, function timeout); we only
// know the 130 s floor. Init is billed in every configuration (§6, init-billing), so holding is
// never free.

export type InitializationType =
  | 'on-demand'
  | 'provisioned-concurrency'
  | 'snap-start'
  | 'lambda-managed-instances'
  | 'unknown'

export interface InitBudget {
  initializationType: InitializationType
  /** Lambda's Init limit for this initialization type, in ms. */
  limitMs: number
  /** What we leave for the runtime's `next` and the platform's own bookkeeping. */
  safetyMarginMs: number
  /** The longest hold allowed, counted from the extension's start (≈ Init start, §5.3 step 2). */
  maxHoldMs: number
}

const ON_DEMAND_LIMIT_MS = 10_000
const PREWARMED_LIMIT_MS = 130_000
const ON_DEMAND_MARGIN_MS = 1_000
const PREWARMED_MARGIN_MS = 5_000

function budget(initializationType: InitializationType, limitMs: number, safetyMarginMs: number): InitBudget {
  return { initializationType, limitMs, safetyMarginMs, maxHoldMs: limitMs - safetyMarginMs }
}

export function initBudgetFor(rawType: string | undefined): InitBudget {
  const type = (rawType ?? '').trim().toLowerCase()
  if (type === 'provisioned-concurrency' || type === 'snap-start') {
    return budget(type, PREWARMED_LIMIT_MS, PREWARMED_MARGIN_MS)
  }
  // Lambda Managed Instances (docs/lambda-lifecycle.md §12; AWS page "Understanding the Lambda
  // Managed Instances execution environment"): Init may last max(130 s, function timeout), and
  // extensions are not told the function timeout, so the 130 s floor minus the margin: 125 s.
  if (type === 'lambda-managed-instances') {
    return budget(type, PREWARMED_LIMIT_MS, PREWARMED_MARGIN_MS)
  }
  // Missing or unfamiliar values get the strictest budget.
  return budget(type === 'on-demand' ? 'on-demand' : 'unknown', ON_DEMAND_LIMIT_MS, ON_DEMAND_MARGIN_MS)
}

/** What the handler keeps when Init and the handler share one function timeout: a third of
 *  it, at least 1 s (a forgotten signal then still leaves the first invoke time to answer). */
export const MIN_HANDLER_SHARE_MS = 1_000

export interface EmulatorCap {
  functionTimeoutMs: number
  /** Time kept for the handler (and the runtime's start) out of the function timeout. */
  handlerShareMs: number
  /** The longest hold that still leaves `handlerShareMs`; 0 = do not hold at all. */
  maxHoldMs: number
}

/**
 * Emulators (AWS's Runtime Interface Emulator, hence `sam local`) run Init lazily inside the
 * first invoke and count it against the function timeout (docs/lambda-lifecycle.md §11): a hold
 * as long as the timeout makes every invoke time out and every next invoke start Init again.
 * Real Lambda always sets AWS_LAMBDA_INITIALIZATION_TYPE; only emulators omit it.
 */
export function emulatorCapFor(functionTimeoutMs: number): EmulatorCap {
  const handlerShareMs = Math.max(MIN_HANDLER_SHARE_MS, Math.ceil(functionTimeoutMs / 3))
  return { functionTimeoutMs, handlerShareMs, maxHoldMs: Math.max(0, functionTimeoutMs - handlerShareMs) }
}

/** Lambda's largest function timeout, in seconds (docs/lambda-lifecycle.md §6). */
export const MAX_FUNCTION_TIMEOUT_S = 900

/** The smallest function timeout, in whole seconds, under which an emulator lets a hold of
 *  `holdMs` through uncapped (what to tell the user to set); null when even Lambda's largest
 *  timeout would not (advice nobody can follow is not given). */
export function functionTimeoutSecondsFor(holdMs: number): number | null {
  let seconds = Math.max(1, Math.ceil(Math.max(holdMs + MIN_HANDLER_SHARE_MS, holdMs * 1.5) / 1000))
  while (seconds <= MAX_FUNCTION_TIMEOUT_S && emulatorCapFor(seconds * 1000).maxHoldMs < holdMs) seconds++ // rounding guard
  return seconds <= MAX_FUNCTION_TIMEOUT_S ? seconds : null
}
