// Reads and validates the extension's environment. Pure: takes the environment and returns the
// configuration plus every problem found, so that tests can drive it and main decides how to log.

import { emulatorCapFor, EmulatorCap, functionTimeoutSecondsFor, initBudgetFor, InitBudget, MAX_FUNCTION_TIMEOUT_S } from './init-budget'
import {
  DEFAULT_SOCKET_PATH, MAX_SOCKET_PATH_BYTES, MAX_WARMING_TIMEOUT_MS, readSocketPath, readWarmingTimeout, SOCKET_VARIABLE, WARMING_TIMEOUT_VARIABLE,
} from '../protocol/signal-protocol'
import { GATES_VARIABLE, parseGates } from './gates'
import { MetricsConfig, parseMetrics } from './metrics'

export { DEFAULT_SOCKET_PATH, MAX_FUNCTION_TIMEOUT_S, MAX_SOCKET_PATH_BYTES, MAX_WARMING_TIMEOUT_MS }

export interface Config {
  /** Hold Init for at most this many ms after the extension started; null = do not hold. */
  holdMs: number | null
  /** Why there is no hold, for the outcome line; set exactly when holdMs is null. */
  noHoldReason?: string
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

/** WARMING_TIMEOUT by the protocol's rule (protocol/signal-protocol.ts), which the clients share. */
export function parseWarmingTimeout(raw: string | undefined): { value: number | null; problem?: string } {
  const r = readWarmingTimeout(raw)
  return r.problem ? { value: null, problem: `${r.problem}; not holding Init` } : { value: r.value }
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

/** WAIT_FOR_INIT_SOCKET by the protocol's rule, which the clients share: trimmed, blank means the default. */
export function validateSocketPath(raw: string | undefined): { value: string; problem?: string } {
  const r = readSocketPath(raw)
  return r.value === null ? { value: String(raw), problem: `${r.problem}; not holding Init` } : { value: r.value }
}

export function parseConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const problems: ConfigProblem[] = []
  const budget = initBudgetFor(env.AWS_LAMBDA_INITIALIZATION_TYPE)

  const timeout = parseWarmingTimeout(env[WARMING_TIMEOUT_VARIABLE])
  if (timeout.problem) problems.push({ level: 'error', variable: WARMING_TIMEOUT_VARIABLE, message: timeout.problem })

  const socket = validateSocketPath(env[SOCKET_VARIABLE])
  if (socket.problem) problems.push({ level: 'error', variable: SOCKET_VARIABLE, message: socket.problem })

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
    // Set but invalid is not "not set": that one already has its error line.
    const why = timeout.problem ? `WARMING_TIMEOUT=${JSON.stringify(env[WARMING_TIMEOUT_VARIABLE])} is invalid` : 'WARMING_TIMEOUT is not set'
    problems.push({ level: 'warn', variable: GATES_VARIABLE, message: `${GATES_VARIABLE} is set but ${why}; not holding Init` })
  }

  const metrics = parseMetrics(env)
  for (const p of metrics.problems) problems.push({ level: 'error', ...p })

  let holdMs = socket.problem || gates.problem ? null : timeout.value
  let noHoldReason =
    timeout.problem ? 'WARMING_TIMEOUT is invalid'
      : timeout.value === null ? 'WARMING_TIMEOUT not set'
        : socket.problem ? `${SOCKET_VARIABLE} is invalid`
          : gates.problem ? `${GATES_VARIABLE} is invalid`
            : undefined
  if (holdMs !== null && emulator && emulator.maxHoldMs < budget.maxHoldMs && holdMs > emulator.maxHoldMs) {
    problems.push({ level: 'warn', variable: WARMING_TIMEOUT_VARIABLE, message: emulatorAdvice(holdMs, emulator, budget) })
    holdMs = emulator.maxHoldMs > 0 ? emulator.maxHoldMs : null
    if (holdMs === null) noHoldReason = 'AWS_LAMBDA_FUNCTION_TIMEOUT leaves no time to hold'
  } else if (holdMs !== null && holdMs > budget.maxHoldMs) {
    problems.push({
      level: 'warn',
      variable: WARMING_TIMEOUT_VARIABLE,
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
  if (holdMs === null) config.noHoldReason = noHoldReason ?? 'not holding'
  if (!/^[^\s/]+:[0-9]+$/.test(runtimeApi)) {
    return {
      config,
      problems,
      fatal: { level: 'error', variable: 'AWS_LAMBDA_RUNTIME_API', message: `AWS_LAMBDA_RUNTIME_API=${JSON.stringify(env.AWS_LAMBDA_RUNTIME_API ?? '')} is not host:port; is this running inside Lambda?` },
    }
  }
  return { config, problems }
}

/**
 * The one warning of an emulator cap (docs/lambda-lifecycle.md §11), naming both values and only
 * advice that works: the function timeout that holds the whole WARMING_TIMEOUT when one exists;
 * otherwise what can be held at all (no initialization type means the unknown-type budget,
 * 9 000 ms, whatever the timeout) and the function timeout that holds that much.
 */
function emulatorAdvice(holdMs: number, emulator: EmulatorCap, budget: InitBudget): string {
  const seconds = emulator.functionTimeoutMs / 1000
  const keep = `so the handler keeps ${emulator.handlerShareMs} ms`
  const head =
    `WARMING_TIMEOUT=${holdMs} does not fit AWS_LAMBDA_FUNCTION_TIMEOUT=${seconds} (seconds): no ` +
    'AWS_LAMBDA_INITIALIZATION_TYPE, so this is an emulator (sam local, Runtime Interface Emulator) that counts ' +
    `Init against the function timeout; ${emulator.maxHoldMs > 0 ? `holding at most ${emulator.maxHoldMs} ms ${keep}` : `not holding Init ${keep}`}. `
  const holdable = Math.min(holdMs, budget.maxHoldMs)
  const needed = functionTimeoutSecondsFor(holdable)
  if (needed === null) return `${head}No function timeout (at most ${MAX_FUNCTION_TIMEOUT_S} s) holds ${holdable} ms here`
  if (holdable === holdMs) return `${head}A function timeout of ${needed} s or more holds the whole WARMING_TIMEOUT`
  return (
    `${head}Without an initialization type at most ${budget.maxHoldMs} ms can be held, whatever the function timeout; ` +
    `a function timeout of ${needed} s or more holds those ${budget.maxHoldMs} ms`
  )
}
