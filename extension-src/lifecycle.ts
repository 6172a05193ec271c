// register → hold → event loop, the whole life of the extension. Everything it touches is
// injected, so tests can run it against fakes and the real binary runs it against Lambda.

import type { Config } from './config'
import type { ExtensionsApiClient, LambdaEvent } from './extensions-api'
import type { Logger } from './logger'
import { sanitizeForLog } from './logger'
import type { Signal } from '../protocol/signal-protocol'
import { InitOutcome, Outcome, pendingSuffix } from './outcome'

export type { Outcome } from './outcome'

/** The part of ReadinessListener the lifecycle needs. */
export interface Listener {
  start(): Promise<void>
  close(): void
  markReleased(): void
}

export interface LifecycleDeps {
  config: Config
  extensionName: string
  api: Pick<ExtensionsApiClient, 'register' | 'nextEvent' | 'initError'>
  log: Logger
  createListener: (onSignal: (signal: Signal) => void) => Listener
  /** Milliseconds since the extension process started (performance.now() in production). */
  elapsedMs: () => number
  setTimer: (ms: number, fn: () => void) => { cancel(): void }
  /** Named gates still pending (WAIT_FOR_INIT_GATES); named in a timeout's outcome. */
  pendingGates?: () => string[]
  /** Called once per Init with the outcome record, after the outcome line (metrics). */
  onOutcome?: (record: InitOutcome) => void
}

/** spec §5.7: SHUTDOWN only — gates Init once, never part of an invoke. */
export const SUBSCRIBED_EVENTS = ['SHUTDOWN']
export const FUNCTION_INIT_FAILED = 'Extension.FunctionInitFailed'
/** How long a failed Init waits for Lambda to accept init/error before exiting regardless. */
export const INIT_ERROR_WAIT_MS = 1000

/** Runs until SHUTDOWN or a fatal error; resolves with the process exit code. */
export async function runLifecycle(deps: LifecycleDeps): Promise<number> {
  const { config, api, log } = deps

  // 1. Listener before register, so the function can never look for a socket that is not there yet.
  let listener: Listener | undefined
  let resolveSignal: (s: Signal) => void = () => {}
  const signalled = new Promise<Signal>((resolve) => (resolveSignal = resolve))
  if (config.holdMs !== null) {
    const candidate = deps.createListener((signal) => resolveSignal(signal))
    try {
      await candidate.start()
      listener = candidate
    } catch (err) {
      log.error(`${(err as Error).message}; not holding Init`)
    }
  }

  // 2. Register at once: the runtime waits for every extension's registration (spec §5.3 step 3).
  try {
    await api.register(deps.extensionName, SUBSCRIBED_EVENTS)
  } catch (err) {
    log.error(`could not register with the Extensions API: ${(err as Error).message}`)
    listener?.close()
    return 1
  }
  log.debug(`registered as ${deps.extensionName} for ${SUBSCRIBED_EVENTS.join(',')}`)

  // 3. Hold: Init cannot end before our first event/next (spec §5.3 step 7).
  let outcome: Outcome = 'no-hold'
  let pendingGates: string[] = []
  if (listener && config.holdMs !== null) {
    const remaining = Math.max(0, config.holdMs - deps.elapsedMs())
    let timer: { cancel(): void } | undefined
    const timedOut = new Promise<'timeout'>((resolve) => (timer = deps.setTimer(remaining, () => resolve('timeout'))))
    const first = await Promise.race([signalled, timedOut])
    timer?.cancel()
    if (first === 'timeout') {
      outcome = 'timeout'
      pendingGates = deps.pendingGates?.() ?? []
      listener.markReleased()
    } else if (first.kind === 'ready') {
      outcome = 'ready'
    } else {
      return failInit(deps, listener, first.reason)
    }
  }

  // 4. Release: ask for the next event first (that is what ends Init), then tidy up.
  const heldMs = Math.round(deps.elapsedMs())
  const next = api.nextEvent()
  listener?.close()
  const record: InitOutcome = {
    outcome, heldMs: outcome === 'no-hold' ? 0 : heldMs, pendingGates, initType: config.budget.initializationType,
  }
  logOutcome(log, record, config)
  deps.onOutcome?.(record)
  return eventLoop(api, log, next)
}

async function failInit(deps: LifecycleDeps, listener: Listener, reason: string): Promise<number> {
  const { api, log } = deps
  const heldMs = Math.round(deps.elapsedMs())
  listener.close()
  const safeReason = sanitizeForLog(reason)
  log.error(`init outcome=failed held=${heldMs}ms: the function reported: ${safeReason}`, { outcome: 'failed', heldMs })
  deps.onOutcome?.({ outcome: 'failed', heldMs, pendingGates: [], initType: deps.config.budget.initializationType })
  // Bounded, unlike event/next: the post is answered at once by a healthy API, and exiting is what
  // fails the Init anyway — a hung post must not keep Init open until Lambda's Init timeout.
  let timer: { cancel(): void } | undefined
  const gaveUp = new Promise<'timeout'>((resolve) => (timer = deps.setTimer(INIT_ERROR_WAIT_MS, () => resolve('timeout'))))
  try {
    const reported = await Promise.race([api.initError(FUNCTION_INIT_FAILED, reason), gaveUp])
    if (reported === 'timeout') log.error(`could not report the failure to Lambda: init/error not answered within ${INIT_ERROR_WAIT_MS} ms`)
  } catch (err) {
    log.error(`could not report the failure to Lambda: ${(err as Error).message}`)
  } finally {
    timer?.cancel()
  }
  // Exiting is what makes Lambda fail this Init (spec §8 row 13).
  return 1
}

function logOutcome(log: Logger, record: InitOutcome, config: Config): void {
  const { outcome, heldMs, pendingGates } = record
  const fields = { outcome, heldMs, ...(pendingGates.length > 0 ? { pendingGates } : {}) }
  if (outcome === 'timeout') {
    const what = pendingGates.length > 0 ? `gate(s) ${pendingGates.join(',')} not ready` : 'no signal from the function'
    log.warn(`init outcome=timeout held=${heldMs}ms${pendingSuffix(pendingGates)}: ${what} within ${config.holdMs} ms`, fields)
  } else if (outcome === 'ready') log.info(`init outcome=ready held=${heldMs}ms`, fields)
  else log.info(`init outcome=no-hold held=0ms${config.requestedHoldMs === null ? ' (WARMING_TIMEOUT not set)' : ''}`, fields)
}

async function eventLoop(api: LifecycleDeps['api'], log: Logger, first: Promise<LambdaEvent>): Promise<number> {
  let pending = first
  for (;;) {
    let event: LambdaEvent
    try {
      event = await pending
    } catch (err) {
      log.error(`event/next failed: ${(err as Error).message}`)
      return 1
    }
    if (String(event.eventType).toUpperCase() === 'SHUTDOWN') {
      // Reason values differ in case between docs and platform (spec §3, §10).
      log.debug('shutdown', { reason: String(event.shutdownReason ?? '') })
      return 0
    }
    pending = api.nextEvent() // not subscribed to INVOKE, but never wedge if one arrives
  }
}
