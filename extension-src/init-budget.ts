// How long the extension may hold Init without being what makes Init fail.
//
// spec §6: on-demand Init is limited to 10 s for extension + runtime + function init together,
// and an overrun throws the whole Init away and re-runs it inside the first invoke. Provisioned
// concurrency and SnapStart get max(130 s, function timeout); we only know the 130 s floor.
// Init is billed in every configuration (spec §6, init-billing), so holding is never free.

export type InitializationType = 'on-demand' | 'provisioned-concurrency' | 'snap-start' | 'unknown'

export interface InitBudget {
  initializationType: InitializationType
  /** Lambda's Init limit for this initialization type, in ms. */
  limitMs: number
  /** What we leave for the runtime's `next` and the platform's own bookkeeping. */
  safetyMarginMs: number
  /** The longest hold allowed, counted from the extension's start (≈ Init start, spec §5.3 step 2). */
  maxHoldMs: number
}

const ON_DEMAND_LIMIT_MS = 10_000
const PREWARMED_LIMIT_MS = 130_000
const ON_DEMAND_MARGIN_MS = 1_000
const PREWARMED_MARGIN_MS = 5_000

export function initBudgetFor(rawType: string | undefined): InitBudget {
  const type = (rawType ?? '').trim().toLowerCase()
  if (type === 'provisioned-concurrency' || type === 'snap-start') {
    return { initializationType: type, limitMs: PREWARMED_LIMIT_MS, safetyMarginMs: PREWARMED_MARGIN_MS, maxHoldMs: PREWARMED_LIMIT_MS - PREWARMED_MARGIN_MS }
  }
  // Missing or unfamiliar values (e.g. lambda-managed-instances) get the strictest budget.
  return {
    initializationType: type === 'on-demand' ? 'on-demand' : 'unknown',
    limitMs: ON_DEMAND_LIMIT_MS,
    safetyMarginMs: ON_DEMAND_MARGIN_MS,
    maxHoldMs: ON_DEMAND_LIMIT_MS - ON_DEMAND_MARGIN_MS,
  }
}
