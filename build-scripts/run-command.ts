// Runs a child process to completion with captured output and a hard time limit, so no build or
// publish step can hang (the child is killed with SIGKILL when the limit passes).
import { spawn } from 'node:child_process'

export interface CommandResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  timedOut: boolean
  /** Set when the command could not be started at all (e.g. ENOENT: not installed). */
  spawnError?: NodeJS.ErrnoException
}

export interface CommandOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  timeoutMs: number
  input?: string
}

export function runCommand(cmd: string, args: readonly string[], opts: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let timedOut = false
    let spawnError: NodeJS.ErrnoException | undefined
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, opts.timeoutMs)
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    child.stdin.on('error', () => undefined) // the child may exit without reading its input
    child.stdin.end(opts.input ?? '')
    child.on('error', (e) => (spawnError = e))
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        spawnError,
      })
    })
  })
}

/** One line describing how a command ended, for error messages. */
export function describeFailure(what: string, r: CommandResult, timeoutMs: number): string {
  if (r.spawnError) return `${what} could not start: ${r.spawnError.message}`
  if (r.timedOut) return `${what} did not finish within ${Math.round(timeoutMs / 1000)} s`
  const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-15).join('\n')
  return `${what} failed (${r.signal ? `signal ${r.signal}` : `exit ${r.code}`})${tail ? `:\n${tail}` : ''}`
}
