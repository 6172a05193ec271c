// Reads and validates the extension's environment. Pure: takes the environment and returns the
// configuration plus every problem found, so that tests can drive it and main decides how to log.

import { emulatorCapFor, EmulatorCap, functionTimeoutSecondsFor, initBudgetFor, InitBudget } from './init-budget'
import { DEFAULT_SOCKET_PATH } from '../protocol/signal-protocol'
import { GATES_VARIABLE, parseGates } from './gates'
import { MetricsConfig, parseMetrics } from './metrics'

export { DEFAULT_SOCKET_PATH }
/** sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107
/** No Lambda Init can last longer than 15 minutes (docs/lambda-lifecycle.md §6: max(130 s, function timeout ≤ 900 s)). */
export const MAX_WARMING_TIMEOUT_MS = 900_000
/** Lambda's largest function timeout, in seconds (docs/lambda-lifecycle.md §6). */
export const MAX_FUNCTION_TIMEOUT_S = 900

export interface Config {
  /** Hold Init for at most this many ms after the extension started; null = do not hold. */
  holdMs: number | null
  /** What WARMING_TIMEOUT asked for (null when unset or invalid). */
  requestedHoldMs: number | null
  socketPath: string
  runtimeApi: string
  budget: InitBudget
  /** Set under an emulator (no AWS_LAMBDA_INITIALIZATION_TYPE) that gave a valid
   *  AWS_LAMBDA_FUNCTION_TIMEOUT: Init and the handler share that timeout there. */
  emulator: EmulatorCap | null
  /** Named readiness gates (WAIT_FOR_INIT_GATES); empty: the first `ready` releases. */
  gates: string[]
  /** Per-Init metrics (WAIT_FOR_INIT_METRICS). */
  metrics: MetricsConfig
}

export interface ConfigProblem {
  level: 'error' | 'warn'
  variable: string
  message: string
}

export interface ConfigResult {
  config: Config
  problems: ConfigProblem[]
  /** Set when the extension cannot run at all (no Extensions API address). */
  fatal?: ConfigProblem
}

export function parseWarmingTimeout(raw: string | undefined): { value: number | null; problem?: string } {
  if (raw === undefined) return { value: null }
  const text = raw.trim()
  if (text === '') return { value: null }
  // Digits only: rejects signs, decimals, exponents, hex, "Infinity" and friends outright.
  if (!/^[0-9]+$/.test(text)) {
    return { value: null, problem: `WARMING_TIMEOUT=${JSON.stringify(raw)} is not a whole number of milliseconds; not holding Init` }
  }
  const value = Number(text)
  if (value === 0) return { value: null, problem: `WARMING_TIMEOUT=${JSON.stringify(raw)} must be greater than 0; not holding Init` }
  if (value > MAX_WARMING_TIMEOUT_MS) {
    return { value: null, problem: `WARMING_TIMEOUT=${JSON.stringify(raw)} is larger than any Lambda Init can last (${MAX_WARMING_TIMEOUT_MS} ms); not holding Init` }
  }
  return { value }
}

/** AWS_LAMBDA_FUNCTION_TIMEOUT as emulators set it: whole seconds, 1 to 900. */
export function parseFunctionTimeout(raw: string | undefined): { valueMs: number | null; problem?: string } {
  if (raw === undefined || raw.trim() === '') return { valueMs: null }
  const text = raw.trim()
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > MAX_FUNCTION_TIMEOUT_S) {
    return {
      valueMs: null,
      problem: `AWS_LAMBDA_FUNCTION_TIMEOUT=${JSON.stringify(raw)} is not a whole number of seconds from 1 to ${MAX_FUNCTION_TIMEOUT_S}; ignoring it`,
    }
  }
  return { valueMs: Number(text) * 1000 }
}

export function validateSocketPath(raw: string | undefined): { value: string; problem?: string } {
  if (raw === undefined || raw.trim() === '') return { value: DEFAULT_SOCKET_PATH }
  if (!raw.startsWith('/')) return { value: raw, problem: `WAIT_FOR_INIT_SOCKET=${JSON.stringify(raw)} must be an absolute path; not holding Init` }
  if (raw.includes('\0')) return { value: raw, problem: `WAIT_FOR_INIT_SOCKET=${JSON.stringify(raw)} contains a NUL byte; not holding Init` }
  const bytes = Buffer.byteLength(raw)
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    return { value: raw, problem: `WAIT_FOR_INIT_SOCKET is ${bytes} bytes long; a Unix socket path may have at most ${MAX_SOCKET_PATH_BYTES}; not holding Init` }
  }
  return { value: raw }
}

export function parseConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const problems: ConfigProblem[] = []
  const budget = initBudgetFor(env.AWS_LAMBDA_INITIALIZATION_TYPE)

  const timeout = parseWarmingTimeout(env.WARMING_TIMEOUT)
  if (timeout.problem) problems.push({ level: 'error', variable: 'WARMING_TIMEOUT', message: timeout.problem })

  const socket = validateSocketPath(env.WAIT_FOR_INIT_SOCKET)
  if (socket.problem) problems.push({ level: 'error', variable: 'WAIT_FOR_INIT_SOCKET', message: socket.problem })

  // Only emulators omit the initialization type (docs/lambda-lifecycle.md §11); there the
  // function timeout, if given, bounds Init and the handler together.
  let emulator: EmulatorCap | null = null
  if ((env.AWS_LAMBDA_INITIALIZATION_TYPE ?? '').trim() === '') {
    const ft = parseFunctionTimeout(env.AWS_LAMBDA_FUNCTION_TIMEOUT)
    if (ft.problem) problems.push({ level: 'warn', variable: 'AWS_LAMBDA_FUNCTION_TIMEOUT', message: ft.problem })
    if (ft.valueMs !== null) emulator = emulatorCapFor(ft.valueMs)
  }

  const gates = parseGates(env[GATES_VARIABLE])
  if (gates.problem) problems.push({ level: 'error', variable: GATES_VARIABLE, message: gates.problem })
  else if (gates.gates.length > 0 && timeout.value === null) {
    problems.push({ level: 'warn', variable: GATES_VARIABLE, message: `${GATES_VARIABLE} is set but WARMING_TIMEOUT is not; not holding Init` })
  }

  const metrics = parseMetrics(env)
  for (const p of metrics.problems) problems.push({ level: 'error', ...p })

  let holdMs = socket.problem || gates.problem ? null : timeout.value
  if (holdMs !== null && emulator && emulator.maxHoldMs < budget.maxHoldMs && holdMs > emulator.maxHoldMs) {
    // One warning, naming both values: this is what makes `sam local` time out otherwise.
    const seconds = emulator.functionTimeoutMs / 1000
    const keep = `so the handler keeps ${emulator.handlerShareMs} ms`
    problems.push({
      level: 'warn',
      variable: 'WARMING_TIMEOUT',
      message:
        `WARMING_TIMEOUT=${holdMs} does not fit AWS_LAMBDA_FUNCTION_TIMEOUT=${seconds} (seconds): no ` +
        'AWS_LAMBDA_INITIALIZATION_TYPE, so this is an emulator (sam local, Runtime Interface Emulator) that counts ' +
        `Init against the function timeout; ${emulator.maxHoldMs > 0 ? `holding at most ${emulator.maxHoldMs} ms ${keep}` : `not holding Init ${keep}`}. ` +
        `A function timeout of ${functionTimeoutSecondsFor(holdMs)} s or more holds the whole WARMING_TIMEOUT`,
    })
    holdMs = emulator.maxHoldMs > 0 ? emulator.maxHoldMs : null
  } else if (holdMs !== null && holdMs > budget.maxHoldMs) {
    problems.push({
      level: 'warn',
      variable: 'WARMING_TIMEOUT',
      message:
        `WARMING_TIMEOUT=${holdMs} exceeds what ${budget.initializationType} Init allows ` +
        `(limit ${budget.limitMs} ms, ${budget.safetyMarginMs} ms kept as margin); holding at most ${budget.maxHoldMs} ms`,
    })
    holdMs = budget.maxHoldMs
  }

  const runtimeApi = (env.AWS_LAMBDA_RUNTIME_API ?? '').trim()
  const config: Config = {
    holdMs, requestedHoldMs: timeout.value, socketPath: socket.value, runtimeApi, budget, emulator, gates: gates.gates, metrics: metrics.config,
  }
  if (!/^[^\s/]+:[0-9]+$/.test(runtimeApi)) {
    return {
      config,
      problems,
      fatal: { level: 'error', variable: 'AWS_LAMBDA_RUNTIME_API', message: `AWS_LAMBDA_RUNTIME_API=${JSON.stringify(env.AWS_LAMBDA_RUNTIME_API ?? '')} is not host:port; is this running inside Lambda?` },
    }
  }
  return { config, problems }
}
