// Resolves the client's settings from explicit options, then the environment, then defaults.
// Bad values never throw (the client must not break a function's Init): they are reported
// through the logger, naming the option or variable and the value, and the default is used.
// Environment variables are read by the protocol module's rules (trimmed, blank means the
// default), the very rules the extension reads them by, so both sides agree on the socket path
// and on whether Init is held at all.
import {
  CLIENT_RETRY_VARIABLE, CLIENT_TIMEOUT_VARIABLE, DEFAULT_CLIENT_RETRY_MS, DEFAULT_CLIENT_TIMEOUT_MS, MAX_CLIENT_BUDGET_MS, readClientBudget,
  readSocketPath, readWarmingTimeout, SOCKET_VARIABLE, WARMING_TIMEOUT_VARIABLE,
} from '../../protocol/signal-protocol'

export type SignalResult = 'accepted' | 'no-extension' | 'too-late'

export interface SignalOptions {
  /** Unix socket path; default: env WAIT_FOR_INIT_SOCKET, else /tmp/wait-for-init.sock. */
  socketPath?: string
  /** Total time (ms) to keep retrying while the socket does not exist yet; default: env
   *  WAIT_FOR_INIT_CLIENT_RETRY_MS, else 1000. 0 = a single attempt. */
  retryMs?: number
  /** Bound (ms) on one attempt: connect, send, read the one-line answer; default: env
   *  WAIT_FOR_INIT_CLIENT_TIMEOUT_MS, else 1000. */
  attemptTimeoutMs?: number
  /** Environment to read (WARMING_TIMEOUT and the variables above); default: process.env. */
  env?: Record<string, string | undefined>
  /** Where warnings go; default: console.warn. null silences the client. */
  log?: ((message: string) => void) | null
}

export interface ReadyOptions extends SignalOptions {
  /** Name of the readiness gate this `ready` completes (`ready <gate>`), for functions whose
   *  operator set WAIT_FOR_INIT_GATES; 1-64 of A-Z a-z 0-9 _ . -. Without configured gates the
   *  extension takes a named `ready` as a bare one, so a library can always name its gate. */
  gate?: string
}

export interface ResolvedConfig {
  socketPath: string
  retryMs: number
  attemptTimeoutMs: number
  /** WARMING_TIMEOUT read as the extension reads it; null: the extension does not hold Init. */
  warmingTimeoutMs: number | null
  /** Set when a setting keeps the extension from holding Init (an invalid WARMING_TIMEOUT or
   *  WAIT_FOR_INIT_SOCKET): what is wrong, naming the variable and the value. */
  notHeldBecause?: string
  log: (message: string) => void
}

/** Whether an extension reading these settings holds Init at all (else the client need not try). */
export function extensionHolds(cfg: ResolvedConfig): boolean {
  return cfg.warmingTimeoutMs !== null && cfg.notHeldBecause === undefined
}

export const DEFAULT_RETRY_MS = DEFAULT_CLIENT_RETRY_MS
export const DEFAULT_ATTEMPT_TIMEOUT_MS = DEFAULT_CLIENT_TIMEOUT_MS
/** Upper bound for both budgets: anything larger would defeat "never add seconds to Init". */
export const MAX_BUDGET_MS = MAX_CLIENT_BUDGET_MS
export const LOG_PREFIX = '[wait-for-init client]'

export function defaultLog(message: string): void {
  // Looked up at call time so a runtime's patched console (request id, JSON format) applies.
  console.warn(message)
}

export function resolveConfig(options: SignalOptions | undefined, processEnv: Record<string, string | undefined>): ResolvedConfig {
  const opts: SignalOptions = options !== null && typeof options === 'object' ? options : {}
  const rawLog = opts.log
  const log: (message: string) => void =
    rawLog === null ? () => {} : typeof rawLog === 'function' ? safeLog(rawLog) : defaultLog
  const warn = (text: string): void => log(`${LOG_PREFIX} ${text}`)
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    warn(`options must be an object, got ${describe(options)}; using defaults`)
  }
  let env = processEnv
  if (opts.env !== undefined) {
    if (opts.env !== null && typeof opts.env === 'object') env = opts.env
    else warn(`option env must be an object, got ${describe(opts.env)}; using process.env`)
  }

  const socket = resolveSocketPath(opts.socketPath, env[SOCKET_VARIABLE], warn)
  const retryMs = resolveMs('retryMs', opts.retryMs, CLIENT_RETRY_VARIABLE, env, DEFAULT_RETRY_MS, warn)
  const attemptTimeoutMs = resolveMs('attemptTimeoutMs', opts.attemptTimeoutMs, CLIENT_TIMEOUT_VARIABLE, env, DEFAULT_ATTEMPT_TIMEOUT_MS, warn)
  // Attempts need a positive bound, or a silent server would be given no time at all.
  const boundedAttempt = attemptTimeoutMs > 0 ? attemptTimeoutMs : DEFAULT_ATTEMPT_TIMEOUT_MS

  const timeout = readWarmingTimeout(env[WARMING_TIMEOUT_VARIABLE])
  const notHeldBecause = timeout.problem ?? (timeout.value !== null ? socket.problem : undefined)
  return {
    socketPath: socket.path, retryMs, attemptTimeoutMs: boundedAttempt, warmingTimeoutMs: timeout.value,
    ...(notHeldBecause !== undefined ? { notHeldBecause } : {}), log,
  }
}

/** The option when given (a non-empty string, used as is); else the variable by the protocol's rule. */
function resolveSocketPath(option: unknown, fromEnv: string | undefined, warn: (t: string) => void): { path: string; problem?: string } {
  if (option !== undefined) {
    if (typeof option === 'string' && option !== '') return { path: option }
    warn(`option socketPath must be a non-empty string, got ${describe(option)}; using the default`)
  }
  const r = readSocketPath(fromEnv)
  return r.value === null ? { path: String(fromEnv), problem: r.problem } : { path: r.value }
}

function resolveMs(
  optionName: string, option: unknown, envName: string, env: Record<string, string | undefined>,
  fallback: number, warn: (t: string) => void,
): number {
  if (option !== undefined) {
    if (typeof option === 'number' && Number.isInteger(option) && option >= 0 && option <= MAX_BUDGET_MS) return option
    warn(`option ${optionName} must be an integer from 0 to ${MAX_BUDGET_MS} (ms), got ${describe(option)}; using ${fallback}`)
    return fallback
  }
  const r = readClientBudget(envName, env[envName], fallback)
  if (r.problem) warn(`${r.problem}; using ${fallback}`)
  return r.value
}

function safeLog(fn: (message: string) => void): (message: string) => void {
  return (message) => {
    try {
      fn(message)
    } catch {
      // A throwing logger must not turn into a throw or rejection in the user's code.
    }
  }
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === null) return 'null'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'function') return 'a function'
  return `${typeof value} ${String(value)}`
}
