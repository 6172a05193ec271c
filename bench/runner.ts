// Runs every scenario for both extensions, interleaved (ours, reference, then reference, ours on
// the next run) so drift of a noisy machine hits both alike, and collects samples per metric.
import type { BenchOptions } from './args'
import { runHold, runHostile, runNoHold, runTimeout, type Subject } from './scenarios'
import type { Samples } from './report'

export interface Collected {
  ours: Samples
  reference: Samples
  /** the warm-up runs (first after the page cache was dropped), for the record */
  warmup: { ours: Samples; reference: Samples }
  failures: string[]
  hostileDetails: Array<{ subject: string; clients: number; connected: number; errors: number; bytesSent: number; elapsedMs: number; released: boolean }>
}

const kbToMb = (kb: number | null): number | null => (kb === null ? null : (kb * 1024) / 1e6)

function push(s: Samples, key: string, v: number | null): void {
  ;(s[key] ??= []).push(v)
}

export async function collect(subjects: { ours: Subject; reference: Subject }, o: BenchOptions, progress: (line: string) => void): Promise<Collected> {
  const c: Collected = { ours: {}, reference: {}, warmup: { ours: {}, reference: {} }, failures: [], hostileDetails: [] }
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
    const order = i % 2 === 0 ? [subjects.ours, subjects.reference] : [subjects.reference, subjects.ours]
    for (const subject of order) {
      const s = warm ? c.warmup[subject.key] : c[subject.key]
      const hold = await attempt('hold', subject, () => runHold(subject, o))
      if (hold) {
        push(s, 'registerHoldMs', hold.registerMs)
        push(s, 'signalToNextMs', hold.signalToNextMs)
        push(s, 'rssMb', kbToMb(hold.rssKb))
        push(s, 'hwmMb', kbToMb(hold.hwmKb))
        push(s, 'anonMb', kbToMb(hold.anonKb))
        push(s, 'fileMb', kbToMb(hold.fileKb))
        push(s, 'overheadMs', hold.overheadMs)
      }
    }
    for (const subject of order) {
      const s = warm ? c.warmup[subject.key] : c[subject.key]
      const noHold = await attempt('no hold', subject, () => runNoHold(subject))
      if (noHold) {
        push(s, 'registerNoHoldMs', noHold.registerMs)
        push(s, 'firstNextNoHoldMs', noHold.firstNextMs)
      }
    }
    for (const subject of order) {
      const s = warm ? c.warmup[subject.key] : c[subject.key]
      const t = await attempt('timeout', subject, () => runTimeout(subject, o))
      if (t) push(s, 'timeoutErrorMs', t.errorMs)
    }
  }

  if (o.hostileClients > 0) {
    for (let i = 0; i < o.hostileRuns; i++) {
      progress(`hostile ${i + 1}/${o.hostileRuns}: ${o.hostileClients} clients`)
      const order = i % 2 === 0 ? [subjects.ours, subjects.reference] : [subjects.reference, subjects.ours]
      for (const subject of order) {
        const h = await attempt('hostile', subject, () => runHostile(subject, { clients: o.hostileClients }))
        if (!h) continue
        push(c[subject.key], 'hostileHwmMb', kbToMb(h.hwmKb))
        c.hostileDetails.push({ subject: subject.key, ...h.hammer, released: h.released })
        if (!h.released) c.failures.push(`hostile (${subject.label}): Init was not released by the ready signal after the hostile clients`)
      }
    }
  }
  return c
}
