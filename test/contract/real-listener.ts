// The extension's real ReadinessListener, in-process, for contract tests of the client: what
// the client sends is judged by the very code that judges it in Lambda. It records the signals
// it delivered and every line the extension's logger wrote, and can release the way the
// lifecycle does (close the listener, remove the socket) on the first signal.
import { ReadinessListener } from '../../extension-src/readiness-listener'
import { createLogger } from '../../extension-src/logger'
import { createGateTracker, type GateTracker } from '../../extension-src/gates'
import type { Signal } from '../../protocol/signal-protocol'

export interface RealListener {
  listener: ReadinessListener
  path: string
  signals: Signal[]
  /** Date.now() at which each signal was delivered. */
  arrivals: number[]
  /** Lines the extension's logger wrote (text format, DEBUG and up). */
  logs: string[]
  /** Resolves with the first signal. */
  firstSignal: Promise<Signal>
  /** The gate tracker when gates are configured (WAIT_FOR_INIT_GATES), as the extension wires it. */
  gates?: GateTracker
  close(): void
}

export interface RealListenerOptions {
  /** On the first signal, close the listener (socket removed), as the lifecycle releases Init. */
  releaseOnSignal?: boolean
  /** Configured gate names (WAIT_FOR_INIT_GATES); the listener then releases when all are ready. */
  gates?: string[]
  /** The listener's idle limit (default: the extension's, 2 s). */
  idleTimeoutMs?: number
}

export async function startRealListener(
  t: { teardown(fn: () => void): void }, path: string, opts: RealListenerOptions = {},
): Promise<RealListener> {
  const signals: Signal[] = []
  const arrivals: number[] = []
  const logs: string[] = []
  let first: (s: Signal) => void = () => {}
  const firstSignal = new Promise<Signal>((resolve) => { first = resolve })
  const log = createLogger({ name: 'wait-for-init', format: 'text', minLevel: 'DEBUG', write: (line) => { logs.push(line) } })
  const gates = opts.gates ? createGateTracker(opts.gates, () => performance.now()) : undefined
  const listener: ReadinessListener = new ReadinessListener({
    path,
    log,
    gates,
    ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
    onSignal: (signal) => {
      signals.push(signal)
      arrivals.push(Date.now())
      first(signal)
      // The lifecycle closes once its await on the signal resumes: a microtask later.
      if (opts.releaseOnSignal) void Promise.resolve().then(() => listener.close())
    },
  })
  await listener.start()
  t.teardown(() => listener.close())
  return { listener, path, signals, arrivals, logs, firstSignal, ...(gates ? { gates } : {}), close: () => listener.close() }
}
