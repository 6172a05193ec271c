// Summary statistics of a sample: median, p90 (nearest rank) and max, plus the ratio of medians.

export interface Summary {
  n: number
  median: number | null
  p90: number | null
  max: number | null
  min: number | null
}

/** Nearest-rank percentile of sorted values (p in 0..100); null for an empty sample. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  if (p <= 0) return sorted[0]
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, rank) - 1]
}

/** Median: mean of the two middle values for an even count. */
export function median(sorted: readonly number[]): number | null {
  const n = sorted.length
  if (n === 0) return null
  const mid = Math.floor(n / 2)
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Ignores null/NaN samples (a run that could not produce the figure). */
export function summarize(values: ReadonlyArray<number | null | undefined>): Summary {
  const sorted = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b)
  return {
    n: sorted.length,
    median: median(sorted),
    p90: percentile(sorted, 90),
    max: sorted.length ? sorted[sorted.length - 1] : null,
    min: sorted.length ? sorted[0] : null,
  }
}

/** ours / reference; null when either is missing or the reference is 0. */
export function ratio(ours: number | null, reference: number | null): number | null {
  if (ours === null || reference === null || reference === 0) return null
  return ours / reference
}
