// Type-level proof that the hand-written declarations (wait-for-init.d.ts) and the
// implementation (src/index.ts) describe the same API: each must be assignable to the other.
// Checked by `npx tsc --noEmit -p tsconfig.json`; never run.
import type * as Declared from './wait-for-init'
import * as Implemented from '../src/index'

type Api = {
  signalReady: typeof Declared.signalReady
  signalFailure: typeof Declared.signalFailure
  holdInitUntil: typeof Declared.holdInitUntil
}
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

export const implementedMatchesDeclared: Api = Implemented
export const declaredMatchesImplemented = (api: Api): typeof Implemented => ({ ...api })
export const resultTypesMatch: Same<Declared.SignalResult, Implemented.SignalResult> = true
export const optionTypesMatch: Same<Declared.SignalOptions, Implemented.SignalOptions> = true
export const holdOptionTypesMatch: Same<Declared.HoldOptions, Implemented.HoldOptions> = true
export const readyOptionTypesMatch: Same<Declared.ReadyOptions, Implemented.ReadyOptions> = true
