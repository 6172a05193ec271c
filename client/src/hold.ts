// holdInitUntil(work): signal `ready` when the work succeeds and `error: <message>` when it
// fails, and hand the work's own promise back so the handler can still await it.
import { LOG_PREFIX, ReadyOptions, resolveConfig, SignalResult } from './config'
import { failureMessage, sendReady, sendSignal } from './signal'

export interface HoldOptions extends ReadyOptions {
  /** Called once with the signal's result (after the work settled and the signal was sent). */
  onResult?: (result: SignalResult) => void
}

export type Work<T> = PromiseLike<T> | (() => T | PromiseLike<T>)

export function holdInitUntil<T>(work: Work<T>, options?: HoldOptions): Promise<T> {
  const promise = start(work)
  // Observing the promise here marks its rejection as handled: the failure is reported to the
  // extension (which fails this Init) instead of crashing the process; the caller still
  // sees the original error when awaiting the returned promise.
  promise.then(
    () => report(sendReady(options), options, false, undefined),
    (err: unknown) => report(sendSignal(failureMessage(err), options), options, true, err),
  )
  return promise
}

function start<T>(work: Work<T>): Promise<T> {
  if (typeof work === 'function') {
    try {
      const value = (work as () => T | PromiseLike<T>)()
      return value instanceof Promise ? value : Promise.resolve(value)
    } catch (err) {
      return Promise.reject(err)
    }
  }
  if (work instanceof Promise) return work
  if (work !== null && typeof work === 'object' && typeof (work as PromiseLike<T>).then === 'function') {
    return Promise.resolve(work)
  }
  return Promise.reject(new TypeError(
    `holdInitUntil(work): work must be a promise or a function returning one, got ${describeWork(work)}`,
  ))
}

function report(result: Promise<SignalResult>, options: HoldOptions | undefined, failed: boolean, failure: unknown): void {
  result.then((r) => {
    if (failed && r !== 'accepted') {
      // Nobody failed Init for us: make sure the error is at least visible in the log.
      const cfg = resolveConfig(options, process.env)
      const text = failure instanceof Error ? (failure.stack || failure.message) : String(failure)
      cfg.log(`${LOG_PREFIX} the work passed to holdInitUntil failed (signal result: ${r}): ${text}`)
    }
    const onResult = options && options.onResult
    if (typeof onResult === 'function') {
      try {
        onResult(r)
      } catch {
        // A throwing callback must not become an unhandled rejection.
      }
    }
  }).then(undefined, () => {})
}

function describeWork(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (typeof value === 'object') return 'an object without a then() method'
  return `${typeof value} ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`
}
