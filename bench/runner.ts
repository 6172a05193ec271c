// Runs every scenario for every subject, interleaved (the order rotates each run: ours, floor,
// minimal, reference; then floor, minimal, reference, ours; ...) so drift of a noisy machine hits all alike, and
// collects samples per metric.
import type { BenchOptions } from './args'
import { runHold, runHostile, runNoHold, runTimeout, type Subject, type SubjectKey } from './scenarios'
import type { Samples } from './report'

export type BySubject<T> = Record<SubjectKey, T>

export interface Collected {
  samples: BySubject<Samples>
  /** the warm-up runs (first after the page cache was dropped), for the record */
  warmup: BySubject<Samples>
  failures: string[]
  hostileDetails: Array<{ subject: string; clients: number; connected: number; errors: number; bytesSent: number; elapsedMs: number; released: boolean }>
}

const kbToMb = (kb: number | null): number | null => (kb === null ? null : (kb * 1024) / 1e6)

function push(s: Samples, key: string, v: number | null): void {
  ;(s[key] ??= []).push(v)
}

/** `list` rotated left by `by`: each subject takes each position in turn. */
export function rotate<T>(list: readonly T[], by: number): T[] {
  const k = ((by % list.length) + list.length) % list.length
  return [...list.slice(k), ...list.slice(0, k)]
}

const empty = (): BySubject<Samples> => ({ ours: {}, floor: {}, minimal: {}, reference: {} })

export async function collect(subjects: readonly Subject[], o: BenchOptions, progress: (line: string) => void): Promise<Collected> {
  const c: Collected = { samples: empty(), warmup: empty(), failures: [], hostileDetails: [] }
  const attempt = async <T>(what: string, subject: Subject, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn()
    } catch (err) {
      const msg = `${what} (${subject.label}): ${(err as Error).message}`
      c.failures.push(msg)
      progress(`  FAILED ${msg}`)
      return null
    }
  }

  const total = o.warmup + o.runs
  for (let i = 0; i < total; i++) {
    const warm = i < o.warmup
    progress(warm ? `warm-up ${i + 1}/${o.warmup}` : `run ${i - o.warmup + 1}/${o.runs}`)
    const order = rotate(subjects, i)
    const into = (subject: Subject) => (warm ? c.warmup : c.samples)[subject.key]
    for (const subject of order) {
      const hold = await attempt('hold', subject, () => runHold(subject, o))
      if (!hold) continue
      const s = into(subject)
      push(s, 'registerHoldMs', hold.registerMs)
      push(s, 'cpuRegisterHoldMs', hold.cpuRegisterMs)
      push(s, 'cpuHoldMs', hold.cpuMs)
      push(s, 'signalToNextMs', hold.signalToNextMs)
      push(s, 'rssMb', kbToMb(hold.rssKb))
      push(s, 'hwmMb', kbToMb(hold.hwmKb))
      push(s, 'anonMb', kbToMb(hold.anonKb))
      push(s, 'fileMb', kbToMb(hold.fileKb))
      push(s, 'overheadMs', hold.overheadMs)
    }
    for (const subject of order) {
      const noHold = await attempt('no hold', subject, () => runNoHold(subject))
      if (!noHold) continue
      push(into(subject), 'registerNoHoldMs', noHold.registerMs)
      push(into(subject), 'firstNextNoHoldMs', noHold.firstNextMs)
      push(into(subject), 'cpuNoHoldMs', noHold.cpuMs)
    }
    for (const subject of order) {
      const t = await attempt('timeout', subject, () => runTimeout(subject, o))
      if (t) push(into(subject), 'timeoutErrorMs', t.errorMs)
    }
  }

  if (o.hostileClients > 0) {
    for (let i = 0; i < o.hostileRuns; i++) {
      progress(`hostile ${i + 1}/${o.hostileRuns}: ${o.hostileClients} clients`)
      for (const subject of rotate(subjects, i)) {
        const h = await attempt('hostile', subject, () => runHostile(subject, { clients: o.hostileClients }))
        if (!h) continue
        push(c.samples[subject.key], 'hostileHwmMb', kbToMb(h.hwmKb))
        c.hostileDetails.push({ subject: subject.key, ...h.hammer, released: h.released })
        if (!h.released) c.failures.push(`hostile (${subject.label}): Init was not released by the ready signal after the hostile clients`)
      }
    }
  }
  return c
}
