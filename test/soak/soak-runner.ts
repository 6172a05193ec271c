// The soak (docs/reliability.md): consecutive full lifecycles of the built extension in the local
// sandbox (Init held until the function signals, invokes, SHUTDOWN), each checked for a correct
// outcome line and for leaks: processes, the socket file, the sandbox's files, the extension's
// and this process's descriptors. Used by `make soak` (test/soak/soak.ts) and, shorter, by
// test/hardening/soak.test.ts.
import fs from 'node:fs'
import path from 'node:path'
import { Sandbox } from '../sandbox'

export interface SoakOptions {
  layerDir: string
  functionDir: string
  cycles: number
  invokesPerCycle?: number
  /** overrides of the function's environment (tests of the runner itself) */
  env?: Record<string, string>
  /** called after every cycle (progress output) */
  onCycle?: (c: CycleResult) => void
}

export interface CycleResult {
  index: number
  mode: 'on-demand' | 'provisioned'
  ms: number
  outcomeLine: string | null
  /** every problem found in this cycle; empty when the cycle was clean */
  problems: string[]
}

export interface SoakResult {
  cycles: CycleResult[]
  totalMs: number
  failed: number
  /** descriptors of this process before and after (a leak in the harness or the sandbox shows here) */
  fdsBefore: number
  fdsAfter: number
  problems: string[]
}

const SOCKET = '/tmp/wait-for-init.sock'
const fdCount = (pid: number | 'self' = 'self'): number => fs.readdirSync(`/proc/${pid}/fd`).length

/** Listening Unix sockets among a process's descriptors (/proc/net/unix flag __SO_ACCEPTCON). */
export function listeningSockets(pid: number): number {
  const inodes = new Set<string>()
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (m) inodes.add(m[1])
    } catch { /* closed meanwhile */ }
  }
  // Num RefCount Protocol Flags Type St Inode Path
  return fs.readFileSync(`/proc/${pid}/net/unix`, 'utf8').split('\n').slice(1).filter((line) => {
    const f = line.trim().split(/\s+/)
    return f.length >= 7 && inodes.has(f[6]) && (parseInt(f[3], 16) & 0x10000) !== 0
  }).length
}

/** A process that is still alive and still runs the extension binary (pids may be reused). */
function stillOurs(pid: number, binary: string): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false
    return fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '') === fs.realpathSync(binary)
  } catch {
    return false
  }
}

export async function runCycle(index: number, o: SoakOptions): Promise<CycleResult> {
  const started = performance.now()
  const mode = index % 2 === 0 ? 'provisioned' : 'on-demand'
  const problems: string[] = []
  const binary = path.join(o.layerDir, 'extensions', 'wait-for-init')
  const sb = new Sandbox({
    functionDir: o.functionDir, layers: [o.layerDir], mode,
    // The function signals after a short warm-up, so every Init is really held.
    env: { WARMING_TIMEOUT: '8000', SIGNAL_MODE: 'messages', SIGNAL_DELAY_MS: '150', ...o.env },
  })
  let outcomeLine: string | null = null
  let extPid: number | null = null
  try {
    const init = await sb.init()
    if (init.failed) problems.push(`Init failed: ${init.errorType} ${init.errorMessage}`)
    if (fs.existsSync(sb.hostPath(SOCKET))) problems.push('socket file still present after the release')
    const held = sb.report().extensions.find((e) => e.name === 'wait-for-init')
    extPid = held?.pid ?? null
    if (extPid !== null && listeningSockets(extPid) > 0) problems.push('the extension still has a listening socket after the release')
    for (let i = 0; i < (o.invokesPerCycle ?? 2); i++) {
      const inv = await sb.invoke({ cycle: index, i })
      if (!inv.ok) problems.push(`invoke ${i} failed: ${JSON.stringify(inv.error)}`)
      if (inv.extensionOverheadMs !== 0) problems.push(`invoke ${i} waited ${inv.extensionOverheadMs} ms for extensions`)
    }
    const shutdown = await sb.shutdown('spindown')
    if (shutdown.killedAtDeadline.length) problems.push(`killed at the SHUTDOWN deadline: ${shutdown.killedAtDeadline.join(',')}`)
    if (shutdown.leftovers.length) problems.push(`processes left at shutdown: ${shutdown.leftovers.join(',')}`)
    const ext = sb.report().extensions.find((e) => e.name === 'wait-for-init')
    if (!ext) problems.push('extension missing from the report')
    else {
      const outcomes = ext.logs.map((l) => l.text).filter((l) => /init outcome=/.test(l))
      outcomeLine = outcomes[0] ?? null
      if (outcomes.length !== 1 || !/^\[wait-for-init\] INFO init outcome=ready by=ready held=\d+ms$/.test(outcomes[0])) {
        problems.push(`outcome lines: ${JSON.stringify(outcomes)}`)
      }
      if (ext.exitCode !== 0) problems.push(`extension exit code ${ext.exitCode} signal ${ext.exitSignal}`)
      if (ext.logs.some((l) => / (WARN|ERROR) /.test(l.text))) problems.push(`warnings or errors logged: ${ext.logs.map((l) => l.text).join(' | ')}`)
    }
  } catch (e) {
    problems.push(`exception: ${(e as Error).stack ?? e}`)
  } finally {
    await sb.close()
  }
  const left = sb.runningProcesses()
  if (left.length) problems.push(`processes still running after close: ${left.join(',')}`)
  if (extPid !== null && stillOurs(extPid, binary)) problems.push(`extension pid ${extPid} still running`)
  if (sb.tempDir && fs.existsSync(sb.tempDir)) problems.push(`sandbox folder ${sb.tempDir} left behind`)
  return { index, mode, ms: performance.now() - started, outcomeLine, problems }
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  if (!Number.isInteger(o.cycles) || o.cycles < 1) throw new Error(`cycles must be an integer >= 1, got ${JSON.stringify(o.cycles)}`)
  if (!fs.existsSync(path.join(o.layerDir, 'extensions', 'wait-for-init'))) throw new Error(`${o.layerDir}/extensions/wait-for-init is missing: run \`make layer\``)
  const fdsBefore = fdCount()
  const started = performance.now()
  const cycles: CycleResult[] = []
  for (let i = 0; i < o.cycles; i++) {
    const c = await runCycle(i, o)
    cycles.push(c)
    o.onCycle?.(c)
  }
  await new Promise((r) => setTimeout(r, 100)) // let closed handles be reaped
  const fdsAfter = fdCount()
  const problems: string[] = []
  // A few descriptors of slack: Node opens some lazily (e.g. the first child process' pipes).
  if (fdsAfter > fdsBefore + 5) problems.push(`this process had ${fdsBefore} descriptors before and ${fdsAfter} after: a leak`)
  return { cycles, totalMs: performance.now() - started, failed: cycles.filter((c) => c.problems.length).length, fdsBefore, fdsAfter, problems }
}
