// Mutable state of one sandbox generation (processes launched by one Init; a reset starts a new one).
import type { Reply } from './api-server'
import type { ProcHandle } from './processes'
import type { LogLine, MemoryStats } from './types'

/** Extension states of docs/lambda-lifecycle.md §5.1 (RIE names). */
export type ExtState =
  | 'Started' | 'Registered' | 'Ready' | 'Running' | 'InitError' | 'ExitError'
  | 'Exited' | 'ShutdownFailed' | 'LaunchError'
  /** discovered but not launched because an earlier launch failed (report only) */
  | 'NotLaunched'

export interface QueuedEvent { kind: 'INVOKE' | 'SHUTDOWN'; headers: Record<string, string>; body: string }

export class ExtensionRecord {
  id: string | null = null
  state: ExtState = 'Started'
  events: string[] = []
  /** the blocked event/next, if any */
  pending: Reply | null = null
  /** event waiting for the next event/next call */
  queued: QueuedEvent | null = null
  shutdownDelivered = false
  proc: ProcHandle | null = null
  spawnAt: number | null = null
  registerAt: number | null = null
  firstNextAt: number | null = null
  shutdownEventAt: number | null = null
  shutdownStartAt: number | null = null
  memAfterInit: MemoryStats | null = null
  /** CPU time the process had used when it registered / first called event/next (proctree.cpuTimeMsOf) */
  cpuAtRegisterMs: number | null = null
  cpuAtFirstNextMs: number | null = null
  launchError: string | null = null
  errorType: string | null = null
  logs: LogLine[] = []

  constructor(readonly name: string, readonly generation: number, readonly internal: boolean) {}

  get alive(): boolean { return this.proc !== null && !this.proc.exited }
  subscribed(event: 'INVOKE' | 'SHUTDOWN'): boolean { return this.events.includes(event) }
}

/** Runtime states of docs/lambda-lifecycle.md §5.2. */
export type RuntimeState = 'NotStarted' | 'Started' | 'Ready' | 'Running' | 'ResponseSent' | 'InitError'

export class RuntimeRecord {
  state: RuntimeState = 'NotStarted'
  pending: Reply | null = null
  proc: ProcHandle | null = null
  spawnAt: number | null = null
  firstNextAt: number | null = null
  shutdownSignal: string | null = null
  logs: LogLine[] = []
  constructor(readonly generation: number) {}
  get alive(): boolean { return this.proc !== null && !this.proc.exited }
}

export interface Fatal {
  errorType: string
  errorMessage: string
  /** document posted by the runtime (runtime/init/error), forwarded to the caller unchanged */
  payload?: unknown
}

export class Generation {
  readonly externals: ExtensionRecord[] = []
  readonly internals: ExtensionRecord[] = []
  readonly byId = new Map<string, ExtensionRecord>()
  readonly runtime: RuntimeRecord
  registrationClosed = false
  /** first fatal error reported (init/error, exit/error, runtime init/error); docs/lambda-lifecycle.md §5.3 */
  recorded: Fatal | null = null
  /** the failure that ended the current Init/invoke */
  failure: Fatal | null = null
  /** an unexpected exit happened between events: reset before the next invoke */
  brokenBetweenEvents: Fatal | null = null
  initDone = false
  shutDown = false

  constructor(readonly index: number) {
    this.runtime = new RuntimeRecord(index)
  }

  get all(): ExtensionRecord[] { return [...this.externals, ...this.internals] }
  get registered(): ExtensionRecord[] { return this.all.filter((e) => e.registerAt !== null) }
  externalByName(name: string): ExtensionRecord | undefined { return this.externals.find((e) => e.name === name) }
  private get procs() {
    return [...this.externals.map((e) => e.proc), this.runtime.proc].filter((p) => p !== null)
  }
  /** launched pids still running (session leaders) */
  get live(): number[] { return this.procs.filter((p) => !p.exited).map((p) => p.pid) }
  /** launched pids that exited (their sessions may still hold children) */
  get dead(): number[] { return this.procs.filter((p) => p.exited).map((p) => p.pid) }
}

export interface InvokeState {
  requestId: string
  deadlineMs: number
  body: string
  deliveredAt: number | null
  responseAt: number | null
  runtimeDoneAt: number | null
  response: { contentType: string; body: Buffer } | null
  error: { errorType: string; errorMessage: string; platformErrorType: string; payload: unknown } | null
}
