// The bench's figures: metric definitions, targets, the printed table, the JSON
// document, and the comparison with an earlier JSON (--against).
import { ratio, summarize, type Summary } from './stats'

/** What ours is compared with: every subject but ours. */
export type Baseline = 'floor' | 'minimal' | 'reference'

export type TargetRule =
  | { kind: 'ratio-max'; against: Baseline; value: number } // ours median / theirs at most value
  | { kind: 'median-max'; value: number } // ours median at most value
  | { kind: 'abs-median-max'; value: number } // |ours median| at most value
  | { kind: 'max-equals'; value: number } // every run of ours exactly value
  | { kind: 'max-max'; value: number } // ours max at most value

export interface MetricDef {
  key: string
  label: string
  unit: 'ms' | 'MB' | 's'
  /** every one must be met */
  targets?: TargetRule[]
}

export interface MetricOptions {
  /** layer unzipped target: the stripped Node binary + 1 MB (null when unknown: no target) */
  unzippedMaxMb?: number | null
}

const vsFloor = (value: number): TargetRule => ({ kind: 'ratio-max', against: 'floor', value })

/** The metrics, in table order, with their targets. */
export function metricDefs(o: MetricOptions = {}): MetricDef[] {
  return [
    {
      key: 'registerHoldMs', label: 'start → register (WARMING_TIMEOUT set)', unit: 'ms',
      targets: [vsFloor(1.05), { kind: 'ratio-max', against: 'minimal', value: 1.15 }],
    },
    { key: 'registerNoHoldMs', label: 'start → register (no WARMING_TIMEOUT)', unit: 'ms', targets: [vsFloor(1.05)] },
    { key: 'firstNextNoHoldMs', label: 'start → first event/next (no WARMING_TIMEOUT)', unit: 'ms' },
    { key: 'cpuRegisterHoldMs', label: 'CPU until register (WARMING_TIMEOUT set)', unit: 'ms' },
    { key: 'cpuHoldMs', label: 'CPU during Init (WARMING_TIMEOUT set)', unit: 'ms', targets: [vsFloor(1.15)] },
    { key: 'cpuNoHoldMs', label: 'CPU during Init (no WARMING_TIMEOUT)', unit: 'ms', targets: [vsFloor(1.15)] },
    { key: 'signalToNextMs', label: 'signal → event/next', unit: 'ms', targets: [{ kind: 'median-max', value: 5 }] },
    { key: 'timeoutErrorMs', label: 'timeout accuracy (release − WARMING_TIMEOUT)', unit: 'ms', targets: [{ kind: 'abs-median-max', value: 15 }] },
    { key: 'rssMb', label: 'VmRSS after Init', unit: 'MB' },
    { key: 'hwmMb', label: 'VmHWM after Init', unit: 'MB' },
    { key: 'anonMb', label: '  of which anonymous (RssAnon)', unit: 'MB', targets: [vsFloor(1.1)] },
    { key: 'fileMb', label: '  of which file-backed (RssFile)', unit: 'MB' },
    { key: 'overheadMs', label: 'per-invoke overhead (max of a run)', unit: 'ms', targets: [{ kind: 'max-equals', value: 0 }] },
    { key: 'hostileHwmMb', label: 'peak RSS under hostile clients (VmHWM)', unit: 'MB', targets: [{ kind: 'max-max', value: 80 }] },
    { key: 'zipMb', label: 'layer zip', unit: 'MB' },
    { key: 'unzippedMb', label: 'layer unzipped (of the 250 MB limit)', unit: 'MB', targets: o.unzippedMaxMb == null ? undefined : [{ kind: 'max-max', value: o.unzippedMaxMb }] },
    { key: 'buildS', label: '`make layer` full build', unit: 's' },
  ]
}

export const METRICS: readonly MetricDef[] = metricDefs()

export type Samples = Record<string, Array<number | null>>

export interface MetricResult {
  label: string
  unit: string
  ours: Summary
  floor: Summary
  /** absent in documents written before the minimal floor existed */
  minimal?: Summary
  reference: Summary
  /** ours median / floor median */
  vsFloor: number | null
  /** ours median / minimal floor median */
  vsMinimal?: number | null
  /** ours median / reference median */
  vsReference: number | null
  target: string | null
  met: boolean | null
}

export type Ratios = Record<Baseline, number | null>

/** The targets in words, joined by "and"; null without targets. */
export function describeTargets(targets: readonly TargetRule[] | undefined): string | null {
  if (!targets?.length) return null
  return targets.map(describeTarget).join(' and ')
}

export function describeTarget(t: TargetRule): string {
  switch (t.kind) {
    case 'ratio-max': return `≤ ${t.value.toFixed(2)}× ${t.against}`
    case 'median-max': return `≤ ${t.value}`
    case 'abs-median-max': return `within ±${t.value}`
    case 'max-equals': return `= ${t.value} every run`
    case 'max-max': return `≤ ${Number(t.value.toFixed(1))}`
  }
}

/** Every target met: true; any missed: false; none judged (no targets, no samples): null. */
export function targetsMet(targets: readonly TargetRule[] | undefined, ours: Summary, ratios: Ratios): boolean | null {
  const verdicts = (targets ?? []).map((t) => targetMet(t, ours, ratios)).filter((v) => v !== null)
  if (verdicts.length === 0) return null
  return verdicts.every(Boolean)
}

export function targetMet(t: TargetRule | undefined, ours: Summary, ratios: Ratios): boolean | null {
  if (!t || ours.n === 0) return null
  switch (t.kind) {
    case 'ratio-max': {
      const r = ratios[t.against]
      return r === null ? null : r <= t.value
    }
    case 'median-max': return ours.median! <= t.value
    case 'abs-median-max': return Math.abs(ours.median!) <= t.value
    case 'max-equals': return ours.min === t.value && ours.max === t.value
    case 'max-max': return ours.max! <= t.value
  }
}

export function computeMetrics(samples: { ours: Samples; floor?: Samples; minimal?: Samples; reference: Samples }, o: MetricOptions = {}): Record<string, MetricResult> {
  const out: Record<string, MetricResult> = {}
  for (const m of metricDefs(o)) {
    const ours = summarize(samples.ours[m.key] ?? [])
    const floor = summarize(samples.floor?.[m.key] ?? [])
    const minimal = summarize(samples.minimal?.[m.key] ?? [])
    const reference = summarize(samples.reference[m.key] ?? [])
    const ratios: Ratios = { floor: ratio(ours.median, floor.median), minimal: ratio(ours.median, minimal.median), reference: ratio(ours.median, reference.median) }
    out[m.key] = {
      label: m.label, unit: m.unit, ours, floor, minimal, reference,
      vsFloor: ratios.floor, vsMinimal: ratios.minimal, vsReference: ratios.reference,
      target: describeTargets(m.targets), met: targetsMet(m.targets, ours, ratios),
    }
  }
  return out
}

const fmt = (v: number | null | undefined, unit: string): string => {
  if (v === null || v === undefined) return '–'
  const digits = unit === 'MB' || unit === 's' ? 1 : Math.abs(v) >= 100 ? 0 : 1
  return v.toFixed(digits)
}
const fmtRatio = (q: number | null): string => (q === null ? '–' : q >= 100 ? `${q.toFixed(0)}×` : `${q.toFixed(2)}×`)

function table(rows: string[][], rightAlign: (col: number) => boolean): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...r[c]].length)))
  return rows
    .map((r) => r.map((cell, c) => {
      const pad = ' '.repeat(widths[c] - [...cell].length)
      return rightAlign(c) ? pad + cell : cell + pad
    }).join('  ').trimEnd())
    .join('\n')
}

export function renderTable(metrics: Record<string, MetricResult>): string {
  const rows = [['metric', 'unit', 'ours med', 'p90', 'max', 'floor med', 'ours/floor', 'min med', 'ours/min', 'ref med', 'ours/ref', 'target', 'met', 'n ours/floor/min/ref']]
  for (const m of METRICS) {
    const r = metrics[m.key]
    const minimal = r?.minimal ?? summarize([])
    if (!r || (r.ours.n === 0 && r.floor.n === 0 && minimal.n === 0 && r.reference.n === 0)) continue
    const single = r.ours.n <= 1
    rows.push([
      r.label, r.unit,
      fmt(r.ours.median, r.unit), single ? '' : fmt(r.ours.p90, r.unit), single ? '' : fmt(r.ours.max, r.unit),
      fmt(r.floor.median, r.unit), fmtRatio(r.vsFloor),
      fmt(minimal.median, r.unit), fmtRatio(r.vsMinimal ?? null),
      fmt(r.reference.median, r.unit), fmtRatio(r.vsReference),
      r.target ?? '', r.met === null ? '' : r.met ? 'yes' : 'NO',
      `${r.ours.n}/${r.floor.n}/${minimal.n}/${r.reference.n}`,
    ])
  }
  return table(rows, (c) => c >= 2 && c <= 10 || c === 13)
}

/** Table of this run's medians against an earlier JSON's, metric by metric. */
export function renderComparison(now: Record<string, MetricResult>, before: Record<string, MetricResult>, beforeLabel: string): string {
  const rows = [['metric', 'unit', 'ours now', 'ours before', 'Δ', 'Δ %', 'floor now', 'floor before', 'min now', 'min before', 'ref now', 'ref before']]
  for (const m of METRICS) {
    const a = now[m.key]
    const b = before[m.key]
    if (!a || !b) continue
    const d = a.ours.median !== null && b.ours.median !== null ? a.ours.median - b.ours.median : null
    const pct = d !== null && b.ours.median ? (100 * d) / Math.abs(b.ours.median) : null
    rows.push([
      a.label, a.unit, fmt(a.ours.median, a.unit), fmt(b.ours.median, a.unit), d === null ? '–' : (d > 0 ? '+' : '') + fmt(d, a.unit),
      pct === null ? '–' : `${pct > 0 ? '+' : ''}${pct.toFixed(0)} %`,
      fmt(a.floor?.median, a.unit), fmt(b.floor?.median, a.unit), // documents of schema /1 have no floor
      fmt(a.minimal?.median, a.unit), fmt(b.minimal?.median, a.unit), // nor a minimal floor before schema /3
      fmt(a.reference.median, a.unit), fmt(b.reference.median, a.unit),
    ])
  }
  return `compared with ${beforeLabel}:\n${table(rows, (c) => c >= 2)}`
}
