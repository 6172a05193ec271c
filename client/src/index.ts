// wait-for-init client: tells the wait-for-init Lambda extension that the function's
// asynchronous initialization is done (or failed). Zero dependencies, Node 14+.
import { probe } from './evidence'
import { ReadyOptions, resolveConfig, SignalOptions, SignalResult } from './config'
import { failureMessage, sendReady, sendSignal } from './signal'

export type { ReadyOptions, SignalOptions, SignalResult } from './config'
export type { HoldOptions, Work } from './hold'
export { holdInitUntil } from './hold'

/** Tell the extension that initialization finished (or, with `gate`, that one named readiness
 *  gate did). Never throws or rejects. */
export function signalReady(options?: ReadyOptions): Promise<SignalResult> {
  return sendReady(options)
}

/** Tell the extension that initialization failed, so Lambda fails this Init. Never throws or rejects. */
export function signalFailure(reason?: unknown, options?: SignalOptions): Promise<SignalResult> {
  return sendSignal(failureMessage(reason), options)
}

// Loading the module is normally part of Init, while a holding extension's socket exists:
// remember it now (one lstat, no connection), so a later signal that finds the socket gone can
// say `too-late` at once instead of retrying and guessing `no-extension`.
try {
  probe(resolveConfig({ log: null }, process.env).socketPath)
} catch {
  // Never let module loading fail because of the probe.
}
