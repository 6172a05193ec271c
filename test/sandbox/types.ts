// Public types of the local Lambda sandbox (options, results, report). See docs/sandbox.md.

export interface LogLine {
  /** extension name, 'runtime' or 'platform' */
  source: string
  stream: 'stdout' | 'stderr'
  /** epoch ms (fractional) */
  at: number
  text: string
}

/**
 * on-demand, provisioned: Lambda's initialization types. managed-instances: Lambda Managed
 * Instances (docs/lambda-lifecycle.md §12): AWS_LAMBDA_INITIALIZATION_TYPE=lambda-managed-instances, Init ahead of
 * traffic bounded by max(130 s, function timeout), no freeze. rie: AWS's Runtime Interface
 * Emulator, what `sam local` runs (docs/lambda-lifecycle.md §11): no AWS_LAMBDA_INITIALIZATION_TYPE,
 * AWS_LAMBDA_FUNCTION_TIMEOUT in every environment, Init only inside the first invoke and
 * counted against the function timeout, no freeze, a holding extension SIGKILLed at a reset.
 */
export type Mode = 'on-demand' | 'provisioned' | 'managed-instances' | 'rie'
export const MODES: readonly Mode[] = ['on-demand', 'provisioned', 'managed-instances', 'rie']
export type ShutdownReason = 'spindown' | 'timeout' | 'failure'

export interface SandboxOptions {
  /** host folder with the function code (mounted read-only at /var/task when isolated) */
  functionDir: string
  /** default 'index.handler' */
  handler?: string
  /** layer dirs or .zip files, merged in order (later wins) into one /opt */
  layers?: string[]
  /** function configuration variables */
  env?: Record<string, string>
  /** sets AWS_LAMBDA_INITIALIZATION_TYPE (on-demand | provisioned-concurrency |
   *  lambda-managed-instances; none in rie mode); default on-demand. See Mode. */
  mode?: Mode
  /** Init time limit; default 10000 on-demand, max(130000, functionTimeoutMs) provisioned and
   *  managed-instances (docs/lambda-lifecycle.md §6, §12); rie mode has none (the invoke's deadline bounds Init) */
  initTimeoutMs?: number
  /** invoke deadline (function timeout); default 3000; whole seconds in rie mode */
  functionTimeoutMs?: number
  /** rie mode only: leave AWS_LAMBDA_FUNCTION_TIMEOUT out of the environment (a control
   *  experiment: an extension that cannot see the timeout) */
  hideFunctionTimeout?: boolean
  /** default 'auto' = private mount namespace when root on Linux, else plain folders */
  isolate?: boolean | 'auto'
  /** replaces the built-in Node runtime bootstrap (argv; first element is the executable) */
  runtimeCommand?: string[]
  onLog?: (line: LogLine) => void
  /** SIGSTOP the sandbox between events (docs/lambda-lifecycle.md §7); default true (false in rie and
   *  managed-instances modes, which never freeze). false only for control experiments. */
  freeze?: boolean
  functionName?: string
  functionVersion?: string
  region?: string
  accountId?: string
  memoryMb?: number
  /** runtime's share of the shutdown budget (RIE: 0.3 of 2000 ms); docs/lambda-lifecycle.md §5.5 step 3 */
  runtimeShutdownShare?: number
  /** mount the sandbox's /tmp read-only (an unwritable /tmp, for hardening tests); needs isolation */
  readOnlyTmp?: boolean
}

export interface MemoryStats {
  vmHwmKb: number | null
  vmRssKb: number | null
  rssAnonKb: number | null
  rssFileKb: number | null
}

export interface ExtensionReport {
  name: string
  /** 0 for the first Init; +1 after every reset (processes are launched again) */
  generation: number
  internal: boolean
  state: string
  registeredEvents: string[]
  pid: number | null
  spawnAt: number | null
  registerAt: number | null
  firstNextAt: number | null
  startupToRegisterMs: number | null
  /** CPU time (all threads) the extension had used when it registered / first called event/next */
  cpuAtRegisterMs: number | null
  cpuAtFirstNextMs: number | null
  rssAfterInitKb: number | null
  vmHwmKb: number | null
  rssAnonKb: number | null
  rssFileKb: number | null
  launchError: string | null
  errorType: string | null
  shutdownEventAt: number | null
  exitAt: number | null
  exitCode: number | null
  exitSignal: string | null
  /** time from SHUTDOWN delivery (or the start of shutdown) to process exit */
  shutdownMs: number | null
  logs: LogLine[]
}

export interface RuntimeReport {
  generation: number
  state: string
  pid: number | null
  spawnAt: number | null
  firstNextAt: number | null
  exitAt: number | null
  exitCode: number | null
  exitSignal: string | null
  /** SIGTERM (≥1 extension) or SIGKILL (none) at shutdown, docs/lambda-lifecycle.md §5.5 */
  shutdownSignal: string | null
  logs: LogLine[]
}

export interface InitResult {
  /** 'init' = regular Init; 'invoke' = inline Init inside an invoke (docs/lambda-lifecycle.md §5.4 step 2) */
  phase: 'init' | 'invoke'
  generation: number
  startedAt: number
  completedAt: number | null
  durationMs: number
  failed: boolean
  timedOut: boolean
  errorType: string | null
  errorMessage: string | null
  runtimeSpawnAt: number | null
  /** the runtime's first invocation/next */
  runtimeReadyAt: number | null
  /** time the extensions kept Init open after the runtime was ready */
  heldMs: number
}

export interface FunctionError {
  errorType: string
  errorMessage: string
  /** sanitised type the platform records (docs/lambda-lifecycle.md §4) */
  platformErrorType?: string
  payload?: unknown
}

export interface InvokeResult {
  requestId: string
  ok: boolean
  /** parsed handler result (raw text if not JSON) */
  result?: unknown
  rawResponse?: string
  error?: FunctionError
  startedAt: number
  deadlineMs: number
  initInline: boolean
  init?: InitResult
  deliveredAt: number | null
  responseAt: number | null
  /** runtime back on invocation/next */
  runtimeDoneAt: number | null
  completedAt: number | null
  /** caller-visible latency: start → response posted */
  responseMs: number | null
  durationMs: number
  /** completion − max(response, runtime back on next): time spent only on INVOKE extensions */
  extensionOverheadMs: number
  timedOut: boolean
  failed: boolean
  resetReason: ShutdownReason | null
  /** rie mode: the HTTP status the RIE's caller gets (200, also for a timeout and a function
   *  error; 502 with an empty rawResponse after a failed Init, docs/lambda-lifecycle.md §11); null in other modes */
  httpStatus: number | null
}

export interface ShutdownResult {
  reason: ShutdownReason
  generation: number
  startedAt: number
  deadlineMs: number
  budgetMs: number
  runtimeSignal: string | null
  runtimeGoneAt: number | null
  completedAt: number
  durationMs: number
  /** extensions SIGKILLed at the deadline */
  killedAtDeadline: string[]
  /** pids of descendants still alive at the end (then SIGKILLed) */
  leftovers: number[]
}

export interface ApiCallRecord {
  method: string
  path: string
  status: number
  errorType: string | null
  source: string | null
  at: number
}

export interface PostedError {
  api: string
  errorType: string
  source: string
  at: number
  body?: unknown
}

export interface FreezeRecord {
  at: number
  thawAt: number | null
  pids: number[]
  confirmMs: number
}

export interface SandboxReport {
  ok: boolean
  isolation: { enabled: boolean; reason: string }
  mode: Mode
  apiAddress: string
  tempDir: string
  /** first Init attempt (null if none ran) */
  init: InitResult | null
  inits: InitResult[]
  extensions: ExtensionReport[]
  /** runtime of the latest generation; `runtimes` has all */
  runtime: RuntimeReport | null
  runtimes: RuntimeReport[]
  invokes: InvokeResult[]
  shutdowns: ShutdownResult[]
  errors: PostedError[]
  rejections: ApiCallRecord[]
  freezes: FreezeRecord[]
  faultHits: { api: string; action: string; at: number }[]
  logs: LogLine[]
}
