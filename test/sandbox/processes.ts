// Launching sandbox processes: own session/process group (docs/lambda-lifecycle.md §2.2 step 4), stdout/stderr
// captured line by line with timestamps, exit watched.
import { spawn, type ChildProcess } from 'node:child_process'
import { now } from './clock'
import type { LogLine } from './types'

export interface ProcHandle {
  pid: number
  child: ChildProcess
  exited: boolean
  exitCode: number | null
  exitSignal: string | null
  exitAt: number | null
  /** first lines of stderr (to recognise "nsenter: failed to execute") */
  stderrHead: string
  exitPromise: Promise<void>
}

export interface LaunchSpec {
  source: string
  file: string
  args: string[]
  env: Record<string, string>
  cwd: string
  onLine: (line: LogLine) => void
  onExit: (h: ProcHandle) => void
}

const ENV_BIN = '/usr/bin/env'

/** stderr of `env`/`nsenter` when their exec of the target failed (a launch error, not a crash) */
export const EXEC_FAILED_RE = /^(nsenter: failed to execute|env: '[^']*': (Permission denied|No such file or directory|Exec format error))/

export class SpawnFailure extends Error {
  constructor(readonly code: string, message: string) { super(message) }
}

export async function launch(spec: LaunchSpec): Promise<ProcHandle> {
  // `env -i` execs the command with exactly spec.env: child_process hooks of the host process
  // (e.g. the test runner's NODE_OPTIONS injection) must not reach sandbox processes.
  const assignments = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`)
  const child = spawn(ENV_BIN, ['-i', '--', ...assignments, spec.file, ...spec.args], {
    cwd: spec.cwd,
    env: {},
    detached: true, // setsid: own session and process group, killable as a group
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (child.pid === undefined) {
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => child.once('error', resolve))
    throw new SpawnFailure(err.code ?? 'UNKNOWN', err.message)
  }
  let resolveExit!: () => void
  const h: ProcHandle = {
    pid: child.pid, child, exited: false, exitCode: null, exitSignal: null, exitAt: null, stderrHead: '',
    exitPromise: new Promise<void>((r) => { resolveExit = r }),
  }
  capture(child, 'stdout', spec, h)
  capture(child, 'stderr', spec, h)
  child.on('error', () => { /* reported through exit */ })
  // Report the exit once stdout/stderr are drained ('close'), so the last log lines are in the
  // records; a descendant holding the pipes open must not delay it for long.
  let reported = false
  const report = (): void => {
    if (reported) return
    reported = true
    resolveExit()
    spec.onExit(h)
  }
  child.on('exit', (code, signal) => {
    h.exited = true
    h.exitCode = code
    h.exitSignal = signal
    h.exitAt = now()
    setTimeout(report, 250).unref()
  })
  child.on('close', () => report())
  return h
}

function capture(child: ChildProcess, stream: 'stdout' | 'stderr', spec: LaunchSpec, h: ProcHandle): void {
  const s = child[stream]
  if (!s) return
  let rest = ''
  s.setEncoding('utf8')
  s.on('data', (chunk: string) => {
    const at = now()
    if (stream === 'stderr' && h.stderrHead.length < 512) h.stderrHead += chunk.slice(0, 512)
    const parts = (rest + chunk).split('\n')
    rest = parts.pop() ?? ''
    for (const text of parts) spec.onLine({ source: spec.source, stream, at, text })
  })
  s.on('end', () => {
    if (rest) spec.onLine({ source: spec.source, stream, at: now(), text: rest })
    rest = ''
  })
}

/** Signal a whole process group; ignores groups that are gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    try { process.kill(pid, signal) } catch { /* gone */ }
  }
}

export function describeExit(h: { exitCode: number | null; exitSignal: string | null }): string {
  if (h.exitSignal) return `signal: ${h.exitSignal === 'SIGKILL' ? 'killed' : h.exitSignal}`
  return `exit status ${h.exitCode}`
}
