// Public type declarations of the wait-for-init client (shipped as index.d.ts and index.d.mts).
// Written by hand so one self-contained file serves CommonJS and ES-module consumers;
// client/types/check.ts makes the type checker prove it matches client/src/index.ts.

/**
 * What happened to a signal:
 * - `accepted`: the extension confirmed it (`ok`).
 * - `no-extension`: no extension is holding Init (WARMING_TIMEOUT unset, layer missing, ...).
 * - `too-late`: an extension was there but did not take this signal; it had already stopped
 *   holding Init (timeout, or an earlier signal), or it refused the message (see the log).
 */
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
  /**
   * Name of the readiness gate this `ready` completes (sent as `ready <gate>`), for functions
   * whose operator set WAIT_FOR_INIT_GATES (e.g. `db,cache`): Init is released once every
   * configured gate is ready. 1-64 of A-Z a-z 0-9 _ . -. Without configured gates the extension
   * takes a named `ready` as a bare one, so a library can always name its gate. A gate the
   * operator did not configure is refused (`too-late`, with a warning); an invalid name is not
   * sent at all (`too-late`, with a warning).
   */
  gate?: string
}

export interface HoldOptions extends ReadyOptions {
  /** Called once with the signal's result (after the work settled and the signal was sent). */
  onResult?: (result: SignalResult) => void
}

/** A promise, or a (usually async) function whose result is awaited. */
export type Work<T> = PromiseLike<T> | (() => T | PromiseLike<T>)

/** Tell the extension that initialization finished (or, with `gate`, that one named readiness
 *  gate did). Never throws or rejects. */
export declare function signalReady(options?: ReadyOptions): Promise<SignalResult>

/** Tell the extension that initialization failed (`error: <reason>`), so Lambda fails this
 *  Init and starts a fresh one. The reason (an Error's message, or String(reason)) is made one
 *  line without control characters and cut, by UTF-8 bytes, to fit the extension's 1024-byte
 *  message limit (marked with `…`). Never throws or rejects. */
export declare function signalFailure(reason?: unknown, options?: SignalOptions): Promise<SignalResult>

/**
 * Signal `ready` when `work` succeeds and failure (with the error's message) when it fails.
 * Returns the work's own promise (for an async function: the promise it returned), so the
 * handler can `await` it; the signal itself never rejects.
 */
export declare function holdInitUntil<T>(work: Work<T>, options?: HoldOptions): Promise<T>
