// One emulated Lambda execution environment: Init (docs/lambda-lifecycle.md §5.3), Invoke (§5.4), Shutdown/reset
// (§5.5), freeze between events (§7), failure rows of §8. Real processes, real signals.
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseJson, type ApiContext, type Phase } from './api-context'
import { createDispatcher } from './api-routes'
import { ApiServer } from './api-server'
import { now, sleep } from './clock'
import { checkExecutable, discoverExtensions } from './discovery'
import { buildEnvironments, validateCustomerEnv } from './environment'
import { deliver } from './extensions-api'
import { FaultInjector } from './faults'
import { isolationSupport, MountNamespace, nodeBinariesToMask } from './isolation'
import { prepareOpt } from './layers'
import { describeExit, EXEC_FAILED_RE, launch, signalGroup, SpawnFailure, type ProcHandle } from './processes'
import { freezeTree, killTree, memoryOf, sandboxProcesses, thawTree } from './proctree'
import { ExtensionRecord, Generation, type Fatal, type InvokeState } from './records'
import { buildReport } from './report'
import { bootstrapCode } from './runtime-build'
import { functionArn, offerInvoke } from './runtime-api'
import { MODES } from './types'
import type {
  ApiCallRecord, FreezeRecord, InitResult, InvokeResult, LogLine, Mode, PostedError, SandboxOptions,
  SandboxReport, ShutdownReason, ShutdownResult,
} from './types'

const MAX_EXTENSIONS = 10
/** PATH directories an extension searches; node found there is masked (isolation only). */
const EXTENSION_PATH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

interface Resolved {
  functionDir: string
  handler: string
  layers: string[]
  env: Record<string, string>
  mode: Mode
  initTimeoutMs: number
  hideFunctionTimeout: boolean
  functionTimeoutMs: number
  isolate: boolean | 'auto'
  runtimeCommand: string[] | null
  onLog: ((line: LogLine) => void) | null
  freeze: boolean
  functionName: string
  functionVersion: string
  region: string
  accountId: string
  memoryMb: number
  runtimeShutdownShare: number
  readOnlyTmp: boolean
}

function positiveInt(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number of ms, got ${JSON.stringify(v)}`)
  return v
}

export function resolveOptions(o: SandboxOptions): Resolved {
  if (!o || typeof o.functionDir !== 'string' || o.functionDir === '') throw new Error(`functionDir is required, got ${JSON.stringify(o?.functionDir)}`)
  const functionDir = path.resolve(o.functionDir)
  if (!fs.existsSync(functionDir) || !fs.statSync(functionDir).isDirectory()) throw new Error(`functionDir ${JSON.stringify(o.functionDir)} is not a folder`)
  const handler = o.handler ?? 'index.handler'
  if (!/^[^.\s]+(\/[^.\s]+)*\.[A-Za-z_$][\w$.]*$/.test(handler) && !o.runtimeCommand) throw new Error(`handler must look like FILE.EXPORT (e.g. index.handler), got ${JSON.stringify(handler)}`)
  const mode = o.mode ?? 'on-demand'
  if (!MODES.includes(mode)) throw new Error(`mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(o.mode)}`)
  const functionTimeoutMs = positiveInt('functionTimeoutMs', o.functionTimeoutMs, 3000)
  if (mode === 'rie' && functionTimeoutMs % 1000 !== 0) {
    throw new Error(`functionTimeoutMs must be whole seconds in rie mode (AWS_LAMBDA_FUNCTION_TIMEOUT is in seconds), got ${functionTimeoutMs}`)
  }
  if (o.hideFunctionTimeout !== undefined && mode !== 'rie') throw new Error(`hideFunctionTimeout applies to rie mode only, not ${mode}`)
  // rie: no Init limit of its own; the invoke's deadline is the only bound (docs/lambda-lifecycle.md §11).
  const prewarmed = mode === 'provisioned' || mode === 'managed-instances'
  const initTimeoutMs = positiveInt('initTimeoutMs', o.initTimeoutMs, prewarmed ? Math.max(130_000, functionTimeoutMs) : mode === 'rie' ? functionTimeoutMs : 10_000)
  const isolate = o.isolate ?? 'auto'
  if (isolate !== true && isolate !== false && isolate !== 'auto') throw new Error(`isolate must be true, false or 'auto', got ${JSON.stringify(o.isolate)}`)
  const env = { ...(o.env ?? {}) }
  validateCustomerEnv(env)
  if (o.runtimeCommand !== undefined && (!Array.isArray(o.runtimeCommand) || o.runtimeCommand.length === 0)) {
    throw new Error(`runtimeCommand must be a non-empty argv array, got ${JSON.stringify(o.runtimeCommand)}`)
  }
  if (o.readOnlyTmp !== undefined && typeof o.readOnlyTmp !== 'boolean') throw new Error(`readOnlyTmp must be a boolean, got ${JSON.stringify(o.readOnlyTmp)}`)
  if (o.readOnlyTmp && o.isolate === false) throw new Error('readOnlyTmp needs isolation (a private mount namespace); it cannot be combined with isolate=false')
  const share = o.runtimeShutdownShare ?? 0.3
  if (!(share >= 0 && share <= 1)) throw new Error(`runtimeShutdownShare must be within 0..1, got ${JSON.stringify(o.runtimeShutdownShare)}`)
  return {
    functionDir, handler, mode, functionTimeoutMs, initTimeoutMs, isolate, env,
    hideFunctionTimeout: o.hideFunctionTimeout ?? false,
    layers: (o.layers ?? []).map((l) => path.resolve(l)),
    runtimeCommand: o.runtimeCommand ?? null,
    onLog: o.onLog ?? null,
    // Neither the RIE (no SIGSTOP anywhere, docs/lambda-lifecycle.md §11) nor Managed Instances (docs/lambda-lifecycle.md §12) freeze.
    freeze: o.freeze ?? (mode === 'on-demand' || mode === 'provisioned'),
    functionName: o.functionName ?? (path.basename(functionDir).replace(/[^A-Za-z0-9_-]/g, '-') || 'function'),
    functionVersion: o.functionVersion ?? '$LATEST',
    region: o.region ?? 'us-east-1',
    accountId: o.accountId ?? '123456789012',
    memoryMb: o.memoryMb ?? 128,
    runtimeShutdownShare: share,
    readOnlyTmp: o.readOnlyTmp ?? false,
  }
}

export class Sandbox {
  readonly faults = new FaultInjector()
  private readonly o: Resolved
  private server: ApiServer | null = null
  private ns: MountNamespace | null = null
  private isolation = { enabled: false, reason: 'not started' }
  private base = ''
  private hostOpt = ''
  private masked = new Set<string>()
  private gens: Generation[] = []
  private gen: Generation | null = null
  private phase: Phase = 'idle'
  private inv: InvokeState | null = null
  private readonly inits: InitResult[] = []
  private readonly invokes: InvokeResult[] = []
  private readonly shutdowns: ShutdownResult[] = []
  private readonly errors: PostedError[] = []
  private readonly rejections: ApiCallRecord[] = []
  private readonly freezes: FreezeRecord[] = []
  private readonly logs: LogLine[] = []
  private frozen: FreezeRecord | null = null
  private readonly waiters = new Set<() => void>()
  private starting: Promise<void> | null = null
  private prepared = false
  private initOnce: Promise<InitResult> | null = null
  private busy = false
  private closed = false
  private readonly ctx: ApiContext

  constructor(opts: SandboxOptions) {
    this.o = resolveOptions(opts)
    const self = this
    this.ctx = {
      get gen() { return self.gen },
      get phase() { return self.phase },
      get invoke() { return self.inv },
      meta: { functionName: this.o.functionName, functionVersion: this.o.functionVersion, handler: this.o.handler, accountId: this.o.accountId },
      posted: (e) => { this.errors.push({ ...e, at: now() }) },
      fail: (f) => this.fail(f),
      poke: () => this.poke(),
      platformLog: (t) => this.platformLog(t),
    }
  }

  get apiAddress(): string { return this.server?.address ?? '' }
  /** host folder holding everything temporary of this sandbox (removed by close()) */
  get tempDir(): string { return this.base }
  get isolated(): boolean { return this.ns !== null }

  /**
   * Host path of a path as the sandbox processes see it (e.g. '/tmp/x', '/opt/extensions/a').
   * Available once start() (or init()/invoke()) has finished preparing the sandbox.
   */
  hostPath(p: string): string {
    if (!this.prepared) throw new Error(`hostPath(${JSON.stringify(p)}): the sandbox is not started yet; await start() or init() first`)
    return this.mapPath(p)
  }

  private mapPath(p: string): string {
    const map: [string, string][] = [['/opt', this.hostOpt], ['/var/task', this.o.functionDir]]
    if (this.ns) map.push(['/tmp', path.join(this.base, 'tmp')], ['/var/runtime', path.join(this.base, 'runtime')])
    for (const [prefix, host] of map) {
      if (p === prefix) return host
      if (p.startsWith(prefix + '/')) return host + p.slice(prefix.length)
    }
    return p
  }

  /** paths as the processes see them */
  private get paths() {
    return this.ns
      ? { task: '/var/task', runtimeDir: '/var/runtime', opt: '/opt', runtimeBin: '/var/lang/bin', node: '/var/lang/bin/node' }
      : { task: this.o.functionDir, runtimeDir: path.join(this.base, 'runtime'), opt: this.hostOpt, runtimeBin: path.dirname(process.execPath), node: process.execPath }
  }

  /** Prepares folders, layers, the API server and isolation; launches nothing. init() calls it. */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('sandbox is closed'))
    this.starting ??= this.doStart()
    return this.starting
  }

  private async doStart(): Promise<void> {
    const tmpRoot = fs.existsSync('/tmp') ? '/tmp' : os.tmpdir()
    this.base = fs.mkdtempSync(path.join(tmpRoot, 'wfi-')) // short: Unix socket paths < 108 bytes
    for (const d of ['tmp', 'runtime', 'stage']) fs.mkdirSync(path.join(this.base, d))
    fs.chmodSync(path.join(this.base, 'tmp'), 0o1777)
    this.hostOpt = prepareOpt(this.o.layers, path.join(this.base, 'opt'))
    if (!this.o.runtimeCommand) fs.writeFileSync(path.join(this.base, 'runtime', 'bootstrap.mjs'), bootstrapCode())
    this.server = new ApiServer(createDispatcher(() => this.ctx), this.faults, this.rejections)
    await this.server.listen() // docs/lambda-lifecycle.md §5.3 step 1: listening before any process starts
    const support = isolationSupport()
    if (this.o.isolate === false) this.isolation = { enabled: false, reason: 'disabled by option isolate=false' }
    else if (!support.ok) {
      if (this.o.isolate === true) throw new Error(`isolate=true but isolation is unavailable: ${support.reason}`)
      this.isolation = { enabled: false, reason: `unavailable (${support.reason}); plain host folders and environment variables are used` }
    } else {
      const mask = nodeBinariesToMask(EXTENSION_PATH_DIRS)
      try {
        this.ns = await MountNamespace.create({
          opt: this.hostOpt, task: this.o.functionDir, runtime: path.join(this.base, 'runtime'), tmp: path.join(this.base, 'tmp'),
          stage: path.join(this.base, 'stage'), node: fs.realpathSync(process.execPath), mask, readOnlyTmp: this.o.readOnlyTmp,
        })
        this.masked = new Set(mask)
        this.isolation = { enabled: true, reason: support.reason }
      } catch (e) {
        if (this.o.isolate === true) throw e
        this.isolation = { enabled: false, reason: `unavailable (${(e as Error).message}); plain host folders are used` }
      }
    }
    if (this.o.readOnlyTmp && !this.ns) throw new Error(`readOnlyTmp needs isolation, which is ${this.isolation.reason}`)
    this.prepared = true
    this.platformLog(`SANDBOX\tisolation: ${this.isolation.enabled ? 'on' : 'off'} (${this.isolation.reason})\tAPI: ${this.apiAddress}`)
  }

  // ---- Init (docs/lambda-lifecycle.md §5.3) ---------------------------------------------------------------------

  /** Starts the API server if needed, launches everything and runs Init to completion or failure. */
  init(): Promise<InitResult> {
    if (this.o.mode === 'rie') {
      return Promise.reject(new Error('rie mode: the Runtime Interface Emulator runs Init inside the first invoke, never ahead of it (docs/lambda-lifecycle.md §11); call invoke()'))
    }
    this.initOnce ??= this.exclusive(async () => {
      await this.start()
      const deadline = now() + this.o.initTimeoutMs
      const r = await this.runInit('init', deadline)
      if (r.failed) await this.shutdownInternal(r.timedOut ? 'timeout' : 'failure')
      else if (this.o.mode !== 'on-demand') await this.freeze() // frozen until an invoke is routed here (if this mode freezes)
      return r
    })
    return this.initOnce
  }

  private async runInit(phase: 'init' | 'invoke', deadlineAt: number): Promise<InitResult> {
    const gen = new Generation(this.gens.length)
    this.gens.push(gen)
    this.gen = gen
    this.phase = phase
    const attempt: InitResult = {
      phase, generation: gen.index, startedAt: now(), completedAt: null, durationMs: 0, failed: false, timedOut: false,
      errorType: null, errorMessage: null, runtimeSpawnAt: null, runtimeReadyAt: null, heldMs: 0,
    }
    this.inits.push(attempt)
    this.platformLog(`INIT_START\tPhase: ${phase}\tGeneration: ${gen.index}`)
    const env = buildEnvironments({
      customer: this.o.env, apiAddress: this.apiAddress, handler: this.o.handler, functionName: this.o.functionName,
      functionVersion: this.o.functionVersion, memoryMb: this.o.memoryMb, region: this.o.region,
      initType: ({ 'on-demand': 'on-demand', provisioned: 'provisioned-concurrency', 'managed-instances': 'lambda-managed-instances', rie: null } as const)[this.o.mode],
      functionTimeoutS: this.o.mode === 'rie' && !this.o.hideFunctionTimeout ? this.o.functionTimeoutMs / 1000 : undefined,
      logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[${this.o.functionVersion}]${randomUUID().replace(/-/g, '')}`,
      taskRoot: this.paths.task, runtimeDir: this.paths.runtimeDir, opt: this.paths.opt, runtimeBin: this.paths.runtimeBin,
    })

    // §2.2: launch in byte-wise name order, without waiting for registrations; stop at the first failure
    const found = discoverExtensions(this.hostOpt)
    for (const d of found) gen.externals.push(new ExtensionRecord(d.name, gen.index, false))
    for (const [i, d] of found.entries()) {
      const rec = gen.externals[i]
      if (this.closed || gen.externals.some((e) => e.state === 'LaunchError')) { rec.state = 'NotLaunched'; continue }
      if (i >= MAX_EXTENSIONS) { this.launchError(rec, 'TooManyExtensions', `more than ${MAX_EXTENSIONS} extensions`); continue }
      const problem = checkExecutable(d.hostPath, (p) => this.mapPath(p), this.masked)
      if (problem) { this.launchError(rec, problem.errorType, problem.message); continue }
      rec.spawnAt = now()
      try {
        rec.proc = await this.spawn(rec.name, [`${this.paths.opt}/extensions/${d.name}`], '/', env.extension, rec.logs, (h) => this.onExtensionExit(gen, rec, h))
      } catch (e) {
        this.launchError(rec, (e as SpawnFailure).code === 'EACCES' ? 'PermissionDenied' : 'UnknownError', (e as Error).message)
      }
    }

    let r = await this.until(() => gen.externals.every((e) => e.registerAt !== null), deadlineAt)
    if (r === 'ok') {
      // §5.3 step 4: the runtime starts only now
      const rt = gen.runtime
      rt.state = 'Started'
      rt.spawnAt = attempt.runtimeSpawnAt = now()
      const argv = this.o.runtimeCommand ?? [this.paths.node, `${this.paths.runtimeDir}/bootstrap.mjs`]
      try {
        rt.proc = await this.spawn('runtime', argv, this.paths.task, env.runtime, rt.logs, (h) => this.onRuntimeExit(gen, h))
      } catch (e) {
        this.fail({ errorType: 'Runtime.InvalidEntrypoint', errorMessage: (e as Error).message })
      }
      // §5.3 steps 5–7: runtime on next and every registered extension on event/next
      r = await this.until(() => rt.firstNextAt !== null && gen.registered.every((e) => e.firstNextAt !== null), deadlineAt)
    }
    attempt.completedAt = now()
    attempt.durationMs = attempt.completedAt - attempt.startedAt
    attempt.runtimeReadyAt = gen.runtime.firstNextAt
    if (r === 'ok') {
      gen.initDone = true
      attempt.heldMs = attempt.runtimeReadyAt ? Math.max(0, attempt.completedAt - attempt.runtimeReadyAt) : 0
      for (const e of gen.externals) if (e.alive) e.memAfterInit = memoryOf(e.proc!.pid)
      this.platformLog(`INIT_REPORT\tInit Duration: ${attempt.durationMs.toFixed(2)} ms\tPhase: ${phase}\tStatus: success`)
    } else {
      attempt.failed = true
      attempt.timedOut = r === 'timeout'
      const f = gen.failure ?? { errorType: 'Sandbox.Timedout', errorMessage: `Init did not complete within ${Math.round(deadlineAt - attempt.startedAt)} ms` }
      attempt.errorType = f.errorType
      attempt.errorMessage = f.errorMessage
      this.platformLog(`INIT_REPORT\tInit Duration: ${attempt.durationMs.toFixed(2)} ms\tPhase: ${phase}\tStatus: ${attempt.timedOut ? 'timeout' : 'error'}\tError Type: ${f.errorType}`)
    }
    if (phase === 'init') this.phase = 'idle'
    return attempt
  }

  private launchError(rec: ExtensionRecord, type: string, message: string): void {
    rec.state = 'LaunchError'
    rec.launchError = `${type}: ${message}`
    rec.errorType = type
    this.platformLog(`EXTENSION\tName: ${rec.name}\tState: LaunchError\tEvents: []\tError Type: ${type}`)
    this.fail({ errorType: 'Extension.LaunchError', errorMessage: `${rec.name}: ${message}` })
  }

  private async spawn(source: string, argv: string[], cwd: string, env: Record<string, string>, sink: LogLine[], onExit: (h: ProcHandle) => void): Promise<ProcHandle> {
    if (this.closed) throw new SpawnFailure('ECANCELED', 'the sandbox is closed')
    const cmd = this.ns ? this.ns.wrap(argv, cwd) : { file: argv[0], args: argv.slice(1) }
    return launch({
      source, file: cmd.file, args: cmd.args, env, cwd: this.ns ? '/' : this.mapPath(cwd),
      onLine: (line) => { sink.push(line); this.emit(line) },
      onExit: (h) => { if (!this.closed) onExit(h) },
    })
  }

  private onExtensionExit(gen: Generation, rec: ExtensionRecord, h: ProcHandle): void {
    this.platformLog(`EXTENSION\tName: ${rec.name}\tExited: ${describeExit(h)}`)
    if (gen !== this.gen || gen.shutDown || this.phase === 'shutdown') return this.poke()
    let f: Fatal
    if (rec.registerAt === null && (h.exitCode === 126 || h.exitCode === 127) && EXEC_FAILED_RE.test(h.stderrHead)) {
      rec.state = 'LaunchError'
      rec.launchError = h.stderrHead.split('\n')[0]
      f = { errorType: 'Extension.LaunchError', errorMessage: `${rec.name}: ${rec.launchError}` }
    } else {
      f = gen.recorded ?? { errorType: 'Extension.Crash', errorMessage: `${rec.name}: ${describeExit(h)}` }
    }
    if (this.phase === 'init' || this.phase === 'invoke') this.fail(f)
    else gen.brokenBetweenEvents ??= f
  }

  private onRuntimeExit(gen: Generation, h: ProcHandle): void {
    this.platformLog(`RUNTIME\tExited: ${describeExit(h)}`)
    if (gen !== this.gen || gen.shutDown || this.phase === 'shutdown') return this.poke()
    const clean = h.exitCode === 0 && !h.exitSignal
    const f = gen.recorded ?? {
      errorType: 'Runtime.ExitError',
      errorMessage: clean ? 'Runtime exited without providing a reason' : `Runtime exited with error: ${describeExit(h)}`,
    }
    if (this.phase === 'init' || this.phase === 'invoke') this.fail(f)
    else gen.brokenBetweenEvents ??= f
  }

  // ---- Invoke (docs/lambda-lifecycle.md §5.4) -------------------------------------------------------------------

  invoke(payload?: unknown): Promise<InvokeResult> {
    return this.exclusive(() => this.doInvoke(payload))
  }

  private async doInvoke(payload: unknown): Promise<InvokeResult> {
    await this.start()
    const startedAt = now()
    const deadlineMs = Math.floor(startedAt + this.o.functionTimeoutMs) // step 1: fixed on acceptance
    const requestId = randomUUID()
    const res: InvokeResult = {
      requestId, ok: false, startedAt, deadlineMs, initInline: false, deliveredAt: null, responseAt: null,
      runtimeDoneAt: null, completedAt: null, responseMs: null, durationMs: 0, extensionOverheadMs: 0,
      timedOut: false, failed: false, resetReason: null, httpStatus: null,
    }
    this.invokes.push(res)
    await this.thaw()
    let gen = this.gen
    if (gen && !gen.shutDown && (gen.brokenBetweenEvents || !gen.initDone)) await this.shutdownInternal('failure')
    gen = this.gen
    if (!gen || !gen.initDone) {
      // step 2: Init inline, under this invoke's deadline
      res.initInline = true
      const a = await this.runInit('invoke', deadlineMs)
      res.init = a
      if (a.failed) {
        res.timedOut = a.timedOut
        res.failed = !a.timedOut
        const f = this.gen!.failure
        res.error = a.timedOut
          ? this.timeoutError(requestId)
          : { errorType: a.errorType!, errorMessage: a.errorMessage ?? '', payload: f?.payload }
        return this.endInvoke(res, a.timedOut ? 'timeout' : 'failure')
      }
      gen = this.gen!
    }
    const inv: InvokeState = {
      requestId, deadlineMs, body: JSON.stringify(payload === undefined ? {} : payload),
      deliveredAt: null, responseAt: null, runtimeDoneAt: null, response: null, error: null,
    }
    this.inv = inv
    this.phase = 'invoke'
    this.platformLog(`START\tRequestId: ${requestId}\tVersion: ${this.o.functionVersion}`)
    // step 3: INVOKE to subscribed extensions and the event to the runtime, together
    const event = JSON.stringify({ eventType: 'INVOKE', deadlineMs, requestId, invokedFunctionArn: functionArn({ ...this.ctx.meta, region: this.o.region }) })
    for (const e of gen.registered) {
      if (e.subscribed('INVOKE')) deliver(e, { kind: 'INVOKE', headers: { 'Content-Type': 'application/json', 'Lambda-Extension-Event-Identifier': randomUUID() }, body: event })
    }
    offerInvoke(this.ctx, gen.runtime, inv)
    const invokeExts = gen.registered.filter((e) => e.subscribed('INVOKE'))
    const g = gen
    const r = await this.until(() => inv.responseAt !== null && g.runtime.state === 'Ready' && invokeExts.every((e) => e.state === 'Ready'), deadlineMs)
    res.deliveredAt = inv.deliveredAt
    res.responseAt = inv.responseAt
    res.runtimeDoneAt = inv.runtimeDoneAt
    if (inv.responseAt !== null) res.responseMs = inv.responseAt - startedAt
    if (inv.response) {
      res.rawResponse = inv.response.body.toString('utf8')
      res.result = parseJson(inv.response.body)
    }
    if (inv.error) res.error = { ...inv.error }
    if (r === 'ok') {
      res.completedAt = now()
      // Only INVOKE-subscribed extensions can add time (docs/lambda-lifecycle.md §5.4); with none, the overhead is
      // exactly 0 rather than the emulator's own bookkeeping latency.
      res.extensionOverheadMs = invokeExts.length === 0 ? 0 : Math.max(0, res.completedAt - Math.max(inv.responseAt!, inv.runtimeDoneAt ?? inv.responseAt!))
      res.ok = !inv.error
      return this.endInvoke(res, null)
    }
    if (r === 'timeout') {
      res.timedOut = true
      if (inv.responseAt === null) res.error = this.timeoutError(requestId)
      return this.endInvoke(res, 'timeout')
    }
    res.failed = true
    const f = g.failure ?? { errorType: 'Sandbox.Closed', errorMessage: 'the sandbox was closed during the invoke' }
    if (!res.error) res.error = { errorType: f.errorType, errorMessage: f.errorMessage, payload: f.payload }
    else res.error = { ...res.error, errorType: f.errorType, errorMessage: f.errorMessage }
    return this.endInvoke(res, 'failure')
  }

  private timeoutError(requestId: string): InvokeResult['error'] {
    const secs = (this.o.functionTimeoutMs / 1000).toFixed(2)
    return { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after ${secs} seconds` }
  }

  private async endInvoke(res: InvokeResult, reset: ShutdownReason | null): Promise<InvokeResult> {
    if (this.o.mode === 'rie') this.rieAnswer(res)
    res.durationMs = (res.completedAt ?? now()) - res.startedAt
    this.platformLog(`END\tRequestId: ${res.requestId}`)
    this.platformLog(`REPORT\tRequestId: ${res.requestId}\tDuration: ${res.durationMs.toFixed(2)} ms${res.initInline && res.init ? `\tInit Duration: ${res.init.durationMs.toFixed(2)} ms` : ''}${res.error ? `\tError Type: ${res.error.errorType}` : ''}`)
    this.inv = null
    this.phase = 'idle'
    if (reset) {
      res.resetReason = reset
      await this.shutdownInternal(reset)
    } else {
      await this.freeze() // step 7: nothing pending
    }
    return res
  }

  /** What the RIE's HTTP caller gets (docs/lambda-lifecycle.md §11): 502 and nothing else after a failed Init; the
   *  timeout as plain text; otherwise 200 with what the runtime posted. */
  private rieAnswer(res: InvokeResult): void {
    if (res.initInline && res.init?.failed && !res.init.timedOut) {
      res.httpStatus = 502
      res.rawResponse = ''
    } else if (res.timedOut) {
      res.httpStatus = 200
      res.rawResponse = `Task timed out after ${(this.o.functionTimeoutMs / 1000).toFixed(2)} seconds`
    } else {
      res.httpStatus = 200
    }
  }

  // ---- Freeze (docs/lambda-lifecycle.md §7) ---------------------------------------------------------------------

  /** The sandbox stays frozen (SIGSTOP, confirmed in /proc) for ms. */
  async idle(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new Error(`idle: ms must be >= 0, got ${JSON.stringify(ms)}`)
    await this.exclusive(async () => {
      await this.freeze()
      await sleep(ms)
    })
  }

  private async freeze(): Promise<void> {
    const gen = this.gen
    if (!this.o.freeze || this.frozen || this.closed || !gen || gen.shutDown) return
    const at = now()
    const pids = await freezeTree(gen.live, gen.dead)
    this.frozen = { at, thawAt: null, pids, confirmMs: now() - at }
    this.freezes.push(this.frozen)
  }

  private async thaw(): Promise<void> {
    const f = this.frozen
    if (!f) return
    const gen = this.gen
    if (gen) thawTree(gen.live, gen.dead)
    f.thawAt = now()
    this.frozen = null
  }

  // ---- Shutdown / reset (docs/lambda-lifecycle.md §5.5) ---------------------------------------------------------

  shutdown(reason: ShutdownReason = 'spindown'): Promise<ShutdownResult> {
    if (!['spindown', 'timeout', 'failure'].includes(reason)) throw new Error(`shutdown: reason must be spindown, timeout or failure, got ${JSON.stringify(reason)}`)
    return this.exclusive(async () => {
      const r = await this.shutdownInternal(reason)
      return r ?? {
        reason, generation: this.gen?.index ?? -1, startedAt: now(), deadlineMs: Math.floor(now()), budgetMs: 0, runtimeSignal: null,
        runtimeGoneAt: null, completedAt: now(), durationMs: 0, killedAtDeadline: [], leftovers: [],
      }
    })
  }

  private async shutdownInternal(reason: ShutdownReason): Promise<ShutdownResult | null> {
    const gen = this.gen
    if (!gen || gen.shutDown || this.closed) return null
    this.phase = 'shutdown'
    await this.thaw()
    const startedAt = now()
    // §5.5 step 2/§6: 2000 ms with an external extension, 500 ms with internal ones only, else 0
    const budgetMs = gen.externals.length > 0 ? 2000 : gen.internals.length > 0 ? 500 : 0
    const deadlineMs = Math.floor(startedAt + budgetMs)
    const rt = gen.runtime
    let runtimeSignal: string | null = null
    if (rt.alive) {
      if (budgetMs === 0) {
        runtimeSignal = 'SIGKILL'
        signalGroup(rt.proc!.pid, 'SIGKILL')
      } else {
        runtimeSignal = 'SIGTERM'
        signalGroup(rt.proc!.pid, 'SIGTERM')
        await waitExit([rt.proc!], startedAt + budgetMs * this.o.runtimeShutdownShare)
        if (rt.alive) { runtimeSignal = 'SIGTERM,SIGKILL'; signalGroup(rt.proc!.pid, 'SIGKILL') }
      }
      await waitExit([rt.proc!], now() + 2000)
    }
    rt.shutdownSignal = runtimeSignal
    const runtimeGoneAt = rt.proc ? now() : null
    // step 4: only now the extensions; SHUTDOWN to subscribers, SIGKILL to the others, no SIGTERM
    const body = JSON.stringify({ eventType: 'SHUTDOWN', deadlineMs, shutdownReason: reason })
    for (const e of gen.externals) {
      if (!e.alive) continue
      e.shutdownStartAt = now()
      // The RIE hands SHUTDOWN only to an extension waiting in event/next; one still holding
      // Init gets nothing and is SIGKILLed at the deadline (docs/lambda-lifecycle.md §11).
      const reachable = this.o.mode !== 'rie' || e.pending !== null
      if (!reachable) continue
      if (e.subscribed('SHUTDOWN') && e.registerAt !== null) {
        e.shutdownDelivered = true
        deliver(e, { kind: 'SHUTDOWN', headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body })
      } else {
        signalGroup(e.proc!.pid, 'SIGKILL')
      }
    }
    const procs = gen.externals.map((e) => e.proc).filter((p): p is ProcHandle => p !== null)
    await waitExit(procs, deadlineMs)
    const killedAtDeadline: string[] = []
    for (const e of gen.externals) {
      if (e.alive) { killedAtDeadline.push(e.name); signalGroup(e.proc!.pid, 'SIGKILL') }
    }
    await waitExit(procs, now() + 2000)
    const leftovers = killTree(gen.live, gen.dead) // Lambda would discard the whole VM
    if (leftovers.length) await sleep(20)
    for (const e of gen.externals) {
      if (!e.proc || e.state === 'LaunchError') continue
      e.state = e.proc.exitCode === 0 ? 'Exited' : 'ShutdownFailed' // §5.5 step 5
    }
    gen.shutDown = true
    gen.initDone = false
    const completedAt = now()
    const result: ShutdownResult = {
      reason, generation: gen.index, startedAt, deadlineMs, budgetMs, runtimeSignal, runtimeGoneAt,
      completedAt, durationMs: completedAt - startedAt, killedAtDeadline, leftovers,
    }
    this.shutdowns.push(result)
    this.platformLog(`SHUTDOWN\tReason: ${reason}\tDuration: ${result.durationMs.toFixed(2)} ms${killedAtDeadline.length ? `\tKilled at deadline: ${killedAtDeadline.join(',')}` : ''}`)
    this.phase = 'idle'
    return result
  }

  // ---- plumbing -----------------------------------------------------------------------------

  /** One lifecycle operation at a time, like the platform. */
  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('sandbox is closed')
    if (this.busy) throw new Error('sandbox is busy: init/invoke/idle/shutdown calls must not overlap')
    this.busy = true
    try {
      return await fn()
    } finally {
      this.busy = false
    }
  }

  private fail(f: Fatal): void {
    const gen = this.gen
    if (gen && !gen.failure) gen.failure = f
    this.poke()
  }

  private poke(): void {
    for (const w of [...this.waiters]) w()
  }

  /** Resolves when pred holds, the generation failed, or the deadline passed. */
  private until(pred: () => boolean, deadlineAt: number): Promise<'ok' | 'failed' | 'timeout'> {
    return new Promise((resolve) => {
      const done = (r: 'ok' | 'failed' | 'timeout'): void => {
        clearTimeout(timer)
        this.waiters.delete(check)
        resolve(r)
      }
      const check = (): void => {
        if (this.closed || this.gen?.failure) done('failed')
        else if (pred()) done('ok')
      }
      const timer = setTimeout(() => done('timeout'), Math.max(0, deadlineAt - now()))
      this.waiters.add(check)
      check()
    })
  }

  private emit(line: LogLine): void {
    this.logs.push(line)
    if (this.o.onLog) {
      try { this.o.onLog(line) } catch { /* a logging callback must not break the sandbox */ }
    }
  }

  private platformLog(text: string): void {
    this.emit({ source: 'platform', stream: 'stdout', at: now(), text })
  }

  report(): SandboxReport {
    return buildReport({
      isolation: this.isolation, mode: this.o.mode, apiAddress: this.apiAddress, tempDir: this.base,
      gens: this.gens, inits: this.inits, invokes: this.invokes, shutdowns: this.shutdowns, errors: this.errors,
      rejections: this.rejections, freezes: this.freezes, faultHits: this.faults.hits, logs: this.logs,
    })
  }

  /** Kills everything and removes temporary folders. Idempotent; safe after failures. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.poke()
    try { await this.starting } catch { /* start failed: clean what exists */ }
    const procs: ProcHandle[] = []
    for (const gen of this.gens) {
      for (const pid of gen.live) signalGroup(pid, 'SIGKILL')
      killTree(gen.live, gen.dead)
      procs.push(...[...gen.externals.map((e) => e.proc), gen.runtime.proc].filter((p): p is ProcHandle => p !== null))
    }
    await waitExit(procs, now() + 3000)
    this.frozen = null
    this.ns?.close()
    this.ns = null
    await this.server?.close()
    if (this.base) fs.rmSync(this.base, { recursive: true, force: true })
  }

  /** pids of every process still running in this sandbox (for leak checks). */
  runningProcesses(): number[] {
    return this.gens.flatMap((g) => sandboxProcesses(g.live, g.dead).map((p) => p.pid))
  }
}

/** Waits until all processes exited or the absolute deadline passed. */
function waitExit(procs: ProcHandle[], deadlineAt: number): Promise<void> {
  const pending = procs.filter((p) => !p.exited)
  if (pending.length === 0) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, deadlineAt - now()))
    void Promise.all(pending.map((p) => p.exitPromise)).then(() => { clearTimeout(timer); resolve() })
  })
}
