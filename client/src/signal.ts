// The decision logic of signalReady/signalFailure: when to skip, retry, or give up, and what
// the outcome means. Rules (documented in client/README.md, "How results are decided"):
//  1. WARMING_TIMEOUT unset or blank: the extension does not hold, so `no-extension`
//     at once, without touching the socket. The same, with a warning naming the value, when
//     WARMING_TIMEOUT or WAIT_FOR_INIT_SOCKET is invalid: the extension reads them by the same
//     rules (protocol/signal-protocol.ts) and does not hold either.
//  2. `ok` answer: `accepted`.
//  3. Path missing (ENOENT): `too-late` at once if this process saw the socket before, or if the
//     process has run longer than WARMING_TIMEOUT (the extension starts before the runtime,
//     docs/lambda-lifecycle.md §5.3, so its hold has expired); otherwise retry with backoff until the retry budget
//     is spent, then `no-extension`.
//  4. Socket refusing connections: an extension was here; retry (it may be between closing and
//     removing its socket), then `too-late`.
//  5. Connected but no `ok` (an `error ...` answer, no answer, reset): `too-late`, with a warning.
//  6. Path is not a socket, or unusable (EACCES, ...): `no-extension`, with a warning.
// Worst case duration: retry budget + one attempt timeout.
import { attempt, AttemptOutcome } from './exchange'
import { markAccepted, markSeen, wasAccepted, wasSeen } from './evidence'
import { describe, extensionHolds, LOG_PREFIX, ReadyOptions, resolveConfig, SignalOptions, SignalResult } from './config'
import { formatFailure, formatReady, isValidGateName } from '../../protocol/signal-protocol'

export interface SignalDeps {
  /** Milliseconds since this process started (process.uptime based). */
  uptimeMs: () => number
  /** Monotonic clock in ms, for the retry budget. */
  nowMs: () => number
}

export const defaultDeps: SignalDeps = {
  uptimeMs: () => process.uptime() * 1000,
  nowMs: () => Number(process.hrtime.bigint() / BigInt(1000000)),
}

const FIRST_DELAY_MS = 10
const MAX_DELAY_MS = 200

export function readyMessage(gate?: string): string {
  return formatReady(gate)
}

/** signalReady: `ready`, or `ready <gate>` with the gate option. An invalid gate name is never
 *  sent (the extension could only refuse it): the client warns, naming the value, and resolves
 *  `too-late` (not taken), or `no-extension` when no extension is holding (WARMING_TIMEOUT unset). */
export function sendReady(options: ReadyOptions | undefined, deps: SignalDeps = defaultDeps): Promise<SignalResult> {
  const gate = options !== null && typeof options === 'object' ? options.gate : undefined
  if (gate === undefined || isValidGateName(gate)) return sendSignal(readyMessage(gate), options, deps)
  try {
    const cfg = resolveConfig(options, process.env)
    cfg.log(`${LOG_PREFIX} option gate must be 1-64 of A-Z a-z 0-9 _ . -, got ${describe(gate)}; not signalling`)
    return Promise.resolve(extensionHolds(cfg) ? 'too-late' : 'no-extension')
  } catch {
    return Promise.resolve('too-late')
  }
}

/** `error: <reason>`, the reason made safe and cut to fit the extension's limit (see
 *  protocol/signal-protocol.ts), or `error` alone. */
export function failureMessage(reason: unknown): string {
  let text: string
  if (reason instanceof Error) text = reason.message || reason.name
  else if (typeof reason === 'string') text = reason
  else if (reason === undefined || reason === null) text = ''
  else {
    try {
      text = String(reason)
    } catch {
      text = ''
    }
  }
  return formatFailure(text)
}

export async function sendSignal(
  message: string, options: SignalOptions | undefined, deps: SignalDeps = defaultDeps,
): Promise<SignalResult> {
  try {
    return await decide(message, options, deps)
  } catch (err) {
    // Defensive: nothing above should throw, but a rejection here would reach user code.
    try {
      console.warn(`${LOG_PREFIX} unexpected client error: ${err instanceof Error ? err.message : String(err)}`)
    } catch {
      // ignore
    }
    return 'no-extension'
  }
}

async function decide(message: string, options: SignalOptions | undefined, deps: SignalDeps): Promise<SignalResult> {
  const cfg = resolveConfig(options, process.env)
  const warn = (text: string): void => cfg.log(`${LOG_PREFIX} ${text}`)
  const path = cfg.socketPath
  if (cfg.notHeldBecause !== undefined) {
    warn(`${cfg.notHeldBecause}: the wait-for-init extension does not hold Init with it; not signalling`)
    return 'no-extension'
  }
  if (cfg.warmingTimeoutMs === null) return 'no-extension'

  const deadline = deps.nowMs() + cfg.retryMs
  let delay = FIRST_DELAY_MS
  let lastRefused = false
  for (;;) {
    const outcome: AttemptOutcome = await attempt(path, message, cfg.attemptTimeoutMs)
    switch (outcome.kind) {
      case 'ok':
        markAccepted(path)
        return 'accepted'
      case 'answer':
        markSeen(path)
        warn(`the extension at ${path} did not accept ${JSON.stringify(message)}: it answered ${JSON.stringify(outcome.answer)}`)
        return 'too-late'
      case 'no-answer':
        markSeen(path)
        warn(`sent ${JSON.stringify(message)} to ${path} but got no confirmation (${outcome.why})`)
        return 'too-late'
      case 'not-a-socket':
        warn(`${path} is not a Unix socket (a regular file or directory?); the extension cannot listen there`)
        return 'no-extension'
      case 'unusable':
        warn(`cannot connect to ${path} (${outcome.code})`)
        return 'no-extension'
      case 'refused':
        markSeen(path)
        lastRefused = true
        break
      case 'missing':
        // After an accepted signal, a repeated one finding the socket gone is expected: no warning.
        if (wasAccepted(path)) return 'too-late'
        if (wasSeen(path)) return tooLate(warn, path, 'its socket is gone')
        if (deps.uptimeMs() > cfg.warmingTimeoutMs) {
          return tooLate(warn, path, `this process has run longer than WARMING_TIMEOUT=${cfg.warmingTimeoutMs} ms`)
        }
        lastRefused = false
        break
    }
    const left = deadline - deps.nowMs()
    if (left <= 0) {
      if (lastRefused) return tooLate(warn, path, 'its socket refuses connections')
      warn(
        `WARMING_TIMEOUT is set (${cfg.warmingTimeoutMs}) but no wait-for-init extension listened at ` +
        `${path} within ${cfg.retryMs} ms; is the layer attached (for this architecture)?`,
      )
      return 'no-extension'
    }
    await sleep(Math.min(delay, left))
    delay = Math.min(delay * 2, MAX_DELAY_MS)
  }
}

function tooLate(warn: (t: string) => void, path: string, why: string): SignalResult {
  warn(`too late: the extension at ${path} already stopped holding Init (${why}); raise WARMING_TIMEOUT or signal sooner`)
  return 'too-late'
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
