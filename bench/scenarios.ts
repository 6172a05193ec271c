// One measured run of each benchmark scenario in the local Lambda sandbox (test/sandbox). Each
// returns the figures of one run or throws a clear error; the sandbox is always closed.
import fs from 'node:fs'
import { Sandbox, type ExtensionReport, type SandboxOptions } from '../test/sandbox'
import { hammer, type HammerResult } from './hostile'
import { FUNCTION_DIR } from './paths'
import { readMemory, type ProcMemory } from './proc-memory'
import { signalReady } from './signal'

export const SOCKET = '/tmp/wait-for-init.sock'

export type SubjectKey = 'ours' | 'floor' | 'minimal' | 'reference'
export const SUBJECT_KEYS: readonly SubjectKey[] = ['ours', 'floor', 'minimal', 'reference']

/** An extension under test: its layer folder and the name it registers with. */
export interface Subject {
  key: SubjectKey
  label: string
  layerDir: string
  extensionName: string
  /** run isolated (mount namespace) or not; decided once, since the reference's launcher depends on it */
  isolate: boolean
}

/** CPU times are the extension's own (all threads), from its spawn (test/sandbox/proctree.ts cpuTimeMsOf). */
export interface NoHoldSample { registerMs: number; firstNextMs: number; cpuMs: number | null }
export interface HoldSample {
  registerMs: number
  /** CPU used until register, and until the release (first event/next) */
  cpuRegisterMs: number | null
  cpuMs: number | null
  signalToNextMs: number
  rssKb: number | null
  hwmKb: number | null
  anonKb: number | null
  fileKb: number | null
  /** largest extensionOverheadMs over the run's invokes */
  overheadMs: number
}
export interface TimeoutSample { registerMs: number; releaseMs: number; errorMs: number }
export interface HostileSample { hwmKb: number | null; rssKb: number | null; hammer: HammerResult; released: boolean }

/** Sandboxes still open, so an interrupted bench can close them (bench.ts). */
export const openSandboxes = new Set<Sandbox>()

async function withSandbox<T>(subject: Subject, env: Record<string, string>, fn: (sb: Sandbox) => Promise<T>, extra: Partial<SandboxOptions> = {}): Promise<T> {
  const sb = new Sandbox({ functionDir: FUNCTION_DIR, layers: [subject.layerDir], env, mode: 'on-demand', isolate: subject.isolate, ...extra })
  openSandboxes.add(sb)
  try {
    return await fn(sb)
  } finally {
    await sb.close()
    openSandboxes.delete(sb)
  }
}

function extensionOf(sb: Sandbox, subject: Subject): ExtensionReport {
  const ext = sb.report().extensions.find((e) => e.name === subject.extensionName)
  if (!ext) throw new Error(`${subject.label}: extension ${subject.extensionName} did not run (isolation: ${sb.report().isolation.reason})`)
  return ext
}

function initFailure(sb: Sandbox, subject: Subject, what: string): Error {
  const r = sb.report()
  const logs = r.logs.slice(-8).map((l) => `    ${l.source}: ${l.text}`).join('\n')
  return new Error(`${subject.label}: ${what}: ${r.init?.errorType ?? ''} ${r.init?.errorMessage ?? ''}\n${logs}`)
}

function need(v: number | null, what: string): number {
  if (v === null) throw new Error(`the sandbox recorded no ${what}`)
  return v
}

/** Without WARMING_TIMEOUT: start → register and start → first event/next. */
export function runNoHold(subject: Subject): Promise<NoHoldSample> {
  return withSandbox(subject, {}, async (sb) => {
    const init = await sb.init()
    if (init.failed) throw initFailure(sb, subject, 'Init failed without WARMING_TIMEOUT')
    const ext = extensionOf(sb, subject)
    const spawn = need(ext.spawnAt, 'spawn time')
    return { registerMs: need(ext.registerAt, 'register') - spawn, firstNextMs: need(ext.firstNextAt, 'event/next') - spawn, cpuMs: ext.cpuAtFirstNextMs }
  })
}

/** The function signals `signalAfterMs` after loading; RSS after Init; per-invoke overhead. */
export function runHold(subject: Subject, o: { signalAfterMs: number; invokes: number }): Promise<HoldSample> {
  const holdMs = 5000
  return withSandbox(subject, { WARMING_TIMEOUT: String(holdMs), BENCH_SIGNAL_AFTER_MS: String(o.signalAfterMs) }, async (sb) => {
    const init = await sb.init()
    if (init.failed) throw initFailure(sb, subject, 'Init failed with a signal')
    const ext = extensionOf(sb, subject)
    const spawn = need(ext.spawnAt, 'spawn time')
    const firstNext = need(ext.firstNextAt, 'event/next')
    let overheadMs = 0
    let signalAt: number | null = null
    for (let i = 0; i < o.invokes; i++) {
      const inv = await sb.invoke({ i })
      if (!inv.ok) throw new Error(`${subject.label}: invoke ${i} failed: ${inv.error?.errorType} ${inv.error?.errorMessage}`)
      overheadMs = Math.max(overheadMs, inv.extensionOverheadMs)
      const state = inv.result as { signalAt: number | null; error: string | null }
      if (state.error) throw new Error(`${subject.label}: the function could not signal: ${state.error}`)
      signalAt ??= state.signalAt
    }
    if (signalAt === null) throw new Error(`${subject.label}: the function never signalled (is BENCH_SIGNAL_AFTER_MS reaching it?)`)
    if (firstNext - spawn >= holdMs) throw new Error(`${subject.label}: Init was released by the timeout, not the signal`)
    return {
      registerMs: need(ext.registerAt, 'register') - spawn,
      cpuRegisterMs: ext.cpuAtRegisterMs,
      cpuMs: ext.cpuAtFirstNextMs,
      signalToNextMs: firstNext - signalAt,
      rssKb: ext.rssAfterInitKb, hwmKb: ext.vmHwmKb, anonKb: ext.rssAnonKb, fileKb: ext.rssFileKb,
      overheadMs,
    }
  })
}

/** No signal: how far the release lands from WARMING_TIMEOUT, measured from the spawn. */
export function runTimeout(subject: Subject, o: { timeoutMs: number }): Promise<TimeoutSample> {
  return withSandbox(subject, { WARMING_TIMEOUT: String(o.timeoutMs) }, async (sb) => {
    const init = await sb.init()
    if (init.failed) throw initFailure(sb, subject, 'Init failed in the timeout scenario')
    const ext = extensionOf(sb, subject)
    const spawn = need(ext.spawnAt, 'spawn time')
    const releaseMs = need(ext.firstNextAt, 'event/next') - spawn
    return { registerMs: need(ext.registerAt, 'register') - spawn, releaseMs, errorMs: releaseMs - o.timeoutMs }
  })
}

async function waitFor(what: string, ms: number, pred: () => boolean): Promise<void> {
  const until = Date.now() + ms
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** During the hold, `clients` hostile connections hammer the socket; then VmHWM, then `ready`. */
export function runHostile(subject: Subject, o: { clients: number; durationMs?: number }): Promise<HostileSample> {
  const holdMs = 9000
  return withSandbox(subject, { WARMING_TIMEOUT: String(holdMs) }, async (sb) => {
    const initDone = sb.init()
    let settled = false
    initDone.then(() => (settled = true), () => (settled = true))
    let hostSocket = ''
    const listening = (): boolean => {
      try {
        hostSocket = sb.hostPath(SOCKET) // throws until the sandbox has started
      } catch {
        return false
      }
      return fs.existsSync(hostSocket) && sb.report().extensions.some((e) => e.registerAt !== null)
    }
    try {
      await waitFor(`${subject.label} to listen on ${SOCKET}`, 5000, () => settled || listening())
      if (settled) throw initFailure(sb, subject, 'Init ended before the hostile clients could start')
      const pid = need(extensionOf(sb, subject).pid, 'pid')
      const result = await hammer(hostSocket, { clients: o.clients, durationMs: o.durationMs ?? 1000 })
      const mem: ProcMemory | null = readMemory(pid)
      const reply = await signalReady(hostSocket, 3000)
      const init = await initDone
      if (init.failed) throw initFailure(sb, subject, `Init failed after the hostile clients (reply to ready: ${JSON.stringify(reply)})`)
      const ext = extensionOf(sb, subject)
      const released = ext.firstNextAt !== null && ext.spawnAt !== null && ext.firstNextAt - ext.spawnAt < holdMs
      return { hwmKb: mem?.vmHwmKb ?? null, rssKb: mem?.vmRssKb ?? null, hammer: result, released }
    } finally {
      await sb.close()
      await initDone.catch(() => undefined)
    }
  })
}
