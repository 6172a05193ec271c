// The whole life of the extension, top to bottom in Lambda's order (docs/lambda-lifecycle.md §5.3):
// listen → register → hold → release (or report the failure) → events until SHUTDOWN.
// Everything it touches is injected, so tests run it against fakes and the binary against Lambda.
//
// Two typed phases (extensions-api.ts): before register there is only `api.register`; after it, a
// RegisteredExtension, the only thing that can call event/next or init/error. The hold sits
// between the two. The readiness listener has one owner, Readiness below, which also closes it
// when a SIGTERM/SIGINT ends the run early. The hold's result is one record, InitOutcome, made in
// one place (holdInit) and logged in one place (logOutcome, through outcome-line.ts).

import type { Config } from './config'
import type { ExtensionsApi, LambdaEvent, RegisteredExtension } from './extensions-api'
import type { Logger } from './logger'
import type { Signal } from '../protocol/signal-protocol'
import type { InitOutcome } from './init-outcome'
import { outcomeLine } from './outcome-line'

/** The part of ReadinessListener the lifecycle needs. */
export interface Listener {
  /** Binds before it returns when nothing is at the path (see ReadinessListener.start). */
  start(): Promise<void>
  /** Whether the socket is bound and listening. */
  readonly bound: boolean
  close(): void
  markReleased(): void
}

export interface LifecycleDeps {
  config: Config
  extensionName: string
  api: Pick<ExtensionsApi, 'register'>
  log: Logger
  createListener: (onSignal: (signal: Signal) => void) => Listener
  /** Milliseconds since the extension process started (performance.now() in production). */
  elapsedMs: () => number
  setTimer: (ms: number, fn: () => void) => { cancel(): void }
  /** Hands the lifecycle its stop handler (production: SIGTERM and SIGINT). */
  onTerminate?: (stop: (signal: string) => void) => void
  /** Named gates still pending (WAIT_FOR_INIT_GATES); a timeout's outcome names them. */
  pendingGates?: () => string[]
  /** Named gates a bare `ready` released Init without; that outcome names them. */
  skippedGates?: () => string[]
  /** Called once registered: advice that changes nothing about this Init runs here, never
   *  before the register request, whose bytes every cold start waits for (§5.3 step 3). */
  onRegistered?: () => void
  /** Called once per Init with the outcome record, right after the outcome line (metrics.ts). */
  onOutcome?: (init: InitOutcome) => void
}

/** §5.7: SHUTDOWN only — gates Init once, never part of an invoke. */
export const SUBSCRIBED_EVENTS: readonly string[] = ['SHUTDOWN']
export const FUNCTION_INIT_FAILED = 'Extension.FunctionInitFailed'
/** How long a failed Init waits for Lambda to accept init/error before exiting regardless. */
export const INIT_ERROR_WAIT_MS = 1000

/** Runs until SHUTDOWN, a fatal error or a stop signal; resolves with the process exit code. */
export function runLifecycle(deps: LifecycleDeps): Promise<number> {
  const readiness = new Readiness(deps)
  const stopped = new Promise<number>((resolve) =>
    deps.onTerminate?.((signal) => {
      // Lambda never sends extensions SIGTERM (§5.5 step 4), but people and other emulators do.
      deps.log.info(`${signal} received after ${Math.round(deps.elapsedMs())} ms; exiting`)
      readiness.close()
      resolve(0)
    }),
  )
  const run = phases(deps, readiness).catch((err: unknown) => {
    readiness.close() // an unexpected failure must not leave the socket behind either
    throw err
  })
  return Promise.race([run, stopped])
}

async function phases(deps: LifecycleDeps, readiness: Readiness): Promise<number> {
  const { config, log } = deps

  // 1. Listen before register, so the function can never look for a socket that is not there yet
  //    (the runtime starts only once every extension has registered, §5.3 step 3). open() binds
  //    before it returns unless a file was already at the path, which must be probed first: only
  //    then is there anything to wait for before register.
  const opening = config.holdMs === null ? null : readiness.open()
  if (opening && !readiness.bound) await opening

  // 2. Register at once, in the same tick as the bind: the runtime waits for every extension's
  //    registration, and the register bytes leave a tick later at the earliest, after the bind.
  let extension: RegisteredExtension
  let hold: Hold | null
  try {
    const registering = deps.api.register(deps.extensionName, SUBSCRIBED_EVENTS)
    hold = await opening
    extension = await registering
  } catch (err) {
    log.error(`could not register with the Extensions API: ${(err as Error).message}`)
    readiness.close()
    return 1
  }
  log.debug(`registered as ${deps.extensionName} for ${SUBSCRIBED_EVENTS.join(',')}`)
  deps.onRegistered?.()

  // 3. Hold: Init cannot end before our first event/next (§5.3 step 7).
  const init = await holdInit(deps, hold)

  // 4. A failure the function reported: tell Lambda, then exit (what fails the Init, §8 row 13).
  if (init.outcome === 'failed') {
    readiness.close()
    logOutcome(log, init, config)
    deps.onOutcome?.(init)
    return reportInitFailure(deps, extension, init.reason ?? '')
  }

  // 5. Release: ask for the next event first (that is what ends Init), then tidy up.
  const next = extension.nextEvent()
  readiness.close()
  logOutcome(log, init, config)
  deps.onOutcome?.(init)

  // 6. Events until SHUTDOWN.
  return eventLoop(extension, log, next)
}

/** What the hold phase waits on; null when there is no hold. */
interface Hold {
  signalled: Promise<Signal>
  markReleased(): void
}

/** The one owner of the readiness listener. */
class Readiness {
  private listener: Listener | undefined

  constructor(private readonly deps: LifecycleDeps) {}

  /** Whether the socket is bound (open() binds synchronously when nothing is at the path). */
  get bound(): boolean {
    return this.listener?.bound ?? false
  }

  /** Listens; null (and one error line) when the socket cannot be used: then Init is not held. */
  async open(): Promise<Hold | null> {
    let resolveSignal: (s: Signal) => void = () => {}
    const signalled = new Promise<Signal>((resolve) => (resolveSignal = resolve))
    const candidate = (this.listener = this.deps.createListener((signal) => resolveSignal(signal)))
    try {
      await candidate.start()
    } catch (err) {
      this.deps.log.error(`${(err as Error).message}; not holding Init`)
      return null
    }
    return { signalled, markReleased: () => candidate.markReleased() }
  }

  /** Idempotent; removes the socket only if this process created it (ReadinessListener.close). */
  close(): void {
    this.listener?.close()
  }
}

async function holdInit(deps: LifecycleDeps, hold: Hold | null): Promise<InitOutcome> {
  const { config } = deps
  const holdMs = config.holdMs
  const initType = config.budget.initializationType
  const none = { pendingGates: [], skippedGates: [], initType }
  if (!hold || holdMs === null) {
    // Either a setting refused the hold (config says which) or the socket could not be opened (logged by open()).
    return { outcome: 'no-hold', by: 'none', heldMs: 0, noHoldReason: config.noHoldReason ?? 'the readiness socket could not be used', ...none }
  }
  // WARMING_TIMEOUT counts from the extension's start (≈ Init start, §5.3 step 2), not from here.
  const remaining = Math.max(0, holdMs - deps.elapsedMs())
  let timer: { cancel(): void } | undefined
  const timedOut = new Promise<'timeout'>((resolve) => (timer = deps.setTimer(remaining, () => resolve('timeout'))))
  const first = await Promise.race([hold.signalled, timedOut])
  timer?.cancel()
  const heldMs = Math.round(deps.elapsedMs())
  if (first === 'timeout') {
    hold.markReleased() // a late `error` is then told it is too late
    return { outcome: 'timeout', by: 'timeout', heldMs, ...none, pendingGates: deps.pendingGates?.() ?? [] }
  }
  if (first.kind === 'failed') return { outcome: 'failed', by: 'error', heldMs, reason: first.reason, ...none }
  if (first.gate === undefined) return { outcome: 'ready', by: 'ready', heldMs, ...none, skippedGates: deps.skippedGates?.() ?? [] }
  return { outcome: 'ready', by: `gate:${first.gate}`, heldMs, ...none, ...(config.gates.length === 0 ? { gateTakenAsBare: true } : {}) }
}

function logOutcome(log: Logger, init: InitOutcome, config: Config): void {
  const line = outcomeLine(init, config.holdMs)
  log[line.level](line.message, line.fields)
}

async function reportInitFailure(deps: LifecycleDeps, extension: RegisteredExtension, reason: string): Promise<number> {
  const { log } = deps
  // Bounded, unlike event/next: the post is answered at once by a healthy API, and exiting is what
  // fails the Init anyway — a hung post must not keep Init open until Lambda's Init timeout.
  let timer: { cancel(): void } | undefined
  const gaveUp = new Promise<'timeout'>((resolve) => (timer = deps.setTimer(INIT_ERROR_WAIT_MS, () => resolve('timeout'))))
  try {
    const reported = await Promise.race([extension.initError(FUNCTION_INIT_FAILED, reason), gaveUp])
    if (reported === 'timeout') log.error(`could not report the failure to Lambda: init/error not answered within ${INIT_ERROR_WAIT_MS} ms`)
  } catch (err) {
    log.error(`could not report the failure to Lambda: ${(err as Error).message}`)
  } finally {
    timer?.cancel()
  }
  return 1
}

async function eventLoop(extension: RegisteredExtension, log: Logger, first: Promise<LambdaEvent>): Promise<number> {
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
      // Reason values differ in case between docs and platform (§3, §10).
      log.debug('shutdown', { reason: String(event.shutdownReason ?? '') })
      return 0
    }
    pending = extension.nextEvent() // not subscribed to INVOKE, but never wedge if one arrives
  }
}
