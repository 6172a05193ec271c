// bench/: the statistics, the command line, the targets and the /proc parser behind
// `make bench`. The bench itself runs real sandboxes; these pin the arithmetic it reports.
import t from 'tap'
import path from 'node:path'
import { median, percentile, ratio, summarize } from '../../bench/stats'
import { BenchUsageError, parseBenchArgs } from '../../bench/args'
import { computeMetrics, renderComparison, renderTable, targetMet, targetsMet } from '../../bench/report'
import { parseStatus } from '../../bench/proc-memory'
import { rotate } from '../../bench/runner'

t.test('median, nearest-rank p90, max; nulls and NaN are ignored', async (t) => {
  t.equal(median([1, 2, 3]), 2)
  t.equal(median([1, 2, 3, 4]), 2.5)
  t.equal(median([]), null)
  const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5].sort((a, b) => a - b)
  t.equal(percentile(ten, 90), 9, 'p90 of 1..10 is the 9th value')
  t.equal(percentile(ten, 100), 10)
  const s = summarize([3, null, 1, NaN, 2, undefined])
  t.same(s, { n: 3, median: 2, p90: 3, max: 3, min: 1 })
  t.same(summarize([]), { n: 0, median: null, p90: null, max: null, min: null })
  t.equal(ratio(5, 10), 0.5)
  t.equal(ratio(5, 0), null, 'no ratio against a zero reference')
  t.equal(ratio(null, 3), null)
})

t.test('command line: defaults, values, and errors that name the flag', async (t) => {
  const root = '/repo'
  const d = parseBenchArgs([], root)
  t.not(d, 'help')
  if (d === 'help') return
  t.equal(d.runs, 20)
  t.equal(d.warmup, 1)
  t.equal(d.hostileClients, 1000)
  t.equal(d.jsonOut, path.join(root, 'dist', 'bench.json'))
  t.equal(d.layer, path.join(root, 'dist', 'layer'))
  const o = parseBenchArgs(['--runs', '5', '--against', 'old.json', '--hostile', '0'], root)
  if (o === 'help') throw new Error('unexpected help')
  t.equal(o.runs, 5)
  t.equal(o.hostileClients, 0)
  t.equal(o.against, path.resolve('old.json'))
  t.equal(parseBenchArgs(['--help'], root), 'help')
  t.throws(() => parseBenchArgs(['--runs', '0'], root), { name: 'BenchUsageError', message: /--runs "0" must be a whole number from 1/ })
  t.throws(() => parseBenchArgs(['--runs', '1.5'], root), BenchUsageError)
  t.throws(() => parseBenchArgs(['--runs'], root), { message: /--runs needs a value/ })
  t.throws(() => parseBenchArgs(['--fast'], root), { message: /unknown option "--fast"/ })
  t.throws(() => parseBenchArgs(['--runs', '--warmup', '2'], root), { message: /^--runs needs a value$/ }, 'a flag is not taken as a value')
  t.throws(() => parseBenchArgs(['stray'], root), { message: /unexpected argument "stray"/ })
  const eq = parseBenchArgs(['--runs=7', '--floor-node', 'n', '--no-isolate'], root)
  if (eq === 'help') throw new Error('unexpected help')
  t.equal(eq.runs, 7, '--flag=value works too')
  t.equal(eq.floorNode, path.resolve('n'))
  t.equal(eq.isolate, false)
  t.equal(d.floorNode, null, 'floor node defaults to the build cache')
})

t.test('targets: ratio against the floor, the minimal floor or the reference, median, |median|, every-run equality, max', async (t) => {
  const s = (v: number[]) => summarize(v)
  const none = { floor: null, minimal: null, reference: null }
  t.equal(targetMet({ kind: 'ratio-max', against: 'floor', value: 1.05 }, s([9]), { floor: 1.05, minimal: 9, reference: 9 }), true)
  t.equal(targetMet({ kind: 'ratio-max', against: 'floor', value: 1.05 }, s([9]), { floor: 1.06, minimal: 0.5, reference: 0.5 }), false, 'judged against the floor only')
  t.equal(targetMet({ kind: 'ratio-max', against: 'minimal', value: 1.15 }, s([9]), { floor: 2, minimal: 1.15, reference: 2 }), true)
  t.equal(targetMet({ kind: 'ratio-max', against: 'minimal', value: 1.15 }, s([9]), { floor: 1, minimal: 1.16, reference: 1 }), false, 'judged against the minimal floor only')
  t.equal(targetMet({ kind: 'ratio-max', against: 'reference', value: 0.9 }, s([9]), { floor: 2, minimal: 2, reference: 0.9 }), true)
  t.equal(targetMet({ kind: 'ratio-max', against: 'floor', value: 1.05 }, s([9]), none), null, 'no floor samples: not judged')
  t.equal(targetMet({ kind: 'abs-median-max', value: 15 }, s([-14, -16, -15]), none), true)
  t.equal(targetMet({ kind: 'abs-median-max', value: 15 }, s([16, 17, 18]), none), false)
  t.equal(targetMet({ kind: 'max-equals', value: 0 }, s([0, 0, 0]), none), true)
  t.equal(targetMet({ kind: 'max-equals', value: 0 }, s([0, 0.01, 0]), none), false, 'a single non-zero invoke fails "exactly 0"')
  t.equal(targetMet({ kind: 'max-max', value: 80 }, s([70, 81]), none), false)
  t.equal(targetMet({ kind: 'median-max', value: 5 }, s([]), none), null, 'no samples: not judged')
  const both = [{ kind: 'ratio-max', against: 'floor', value: 1.05 }, { kind: 'ratio-max', against: 'minimal', value: 1.15 }] as const
  t.equal(targetsMet(both, s([9]), { floor: 1.04, minimal: 1.14, reference: null }), true, 'both met')
  t.equal(targetsMet(both, s([9]), { floor: 1.04, minimal: 1.2, reference: null }), false, 'one of two missed is a miss')
  t.equal(targetsMet(both, s([9]), { floor: 1.04, minimal: null, reference: null }), true, 'an unjudged target does not count')
  t.equal(targetsMet([], s([9]), none), null, 'no targets: not judged')
})

t.test('metrics, table and comparison render ours, the floor, the minimal floor, the reference and the ratios', async (t) => {
  const m = computeMetrics({
    ours: { registerNoHoldMs: [10, 12, 11], registerHoldMs: [12, 12, 12], cpuHoldMs: [50, 60, 55], anonMb: [11, 11, 11], overheadMs: [0, 0, 0], unzippedMb: [109.4] },
    floor: { registerNoHoldMs: [10, 10, 10], registerHoldMs: [11.5, 11.5, 11.5], cpuHoldMs: [50, 50, 50], anonMb: [10, 10, 10] },
    minimal: { registerNoHoldMs: [9, 9, 9], registerHoldMs: [10, 10, 10] },
    reference: { registerNoHoldMs: [20, 22, 21], overheadMs: [1, 2, 1] },
  }, { unzippedMaxMb: 109.5 })
  t.equal(m.registerNoHoldMs.vsFloor, 1.1)
  t.equal(m.registerNoHoldMs.vsMinimal, 11 / 9)
  t.equal(m.registerNoHoldMs.vsReference, 11 / 21)
  t.equal(m.registerNoHoldMs.met, false, '1.10× the floor misses ≤ 1.05×')
  t.equal(m.registerHoldMs.target, '≤ 1.05× floor and ≤ 1.15× minimal')
  t.equal(m.registerHoldMs.met, false, '1.04× the floor but 1.20× the minimal floor misses')
  t.equal(m.cpuHoldMs.vsFloor, 1.1)
  t.equal(m.cpuHoldMs.met, true, 'CPU 1.10× the floor meets ≤ 1.15×')
  t.equal(m.anonMb.met, true, 'exactly 1.10× the floor meets ≤ 1.10×')
  t.equal(m.overheadMs.met, true)
  t.equal(m.unzippedMb.met, true)
  t.equal(m.unzippedMb.target, '≤ 109.5')
  const table = renderTable(m)
  t.match(table, /start → register \(no WARMING_TIMEOUT\)\s+ms\s+11\.0\s+12\.0\s+12\.0\s+10\.0\s+1\.10×\s+9\.0\s+1\.22×\s+21\.0\s+0\.52×\s+≤ 1\.05× floor\s+NO\s+3\/3\/3\/3/)
  t.match(table, /CPU during Init \(WARMING_TIMEOUT set\)\s+ms\s+55\.0\s+60\.0\s+60\.0\s+50\.0\s+1\.10×\s+–\s+–\s+–\s+–\s+≤ 1\.15× floor\s+yes\s+3\/3\/0\/0/)
  t.notMatch(table, /VmRSS/, 'metrics without samples are left out')
  const later = computeMetrics({ ours: { registerNoHoldMs: [15] }, floor: { registerNoHoldMs: [14] }, minimal: { registerNoHoldMs: [8] }, reference: { registerNoHoldMs: [20] } })
  t.match(renderComparison(later, m, 'old.json'), /start → register \(no WARMING_TIMEOUT\)\s+ms\s+15\.0\s+11\.0\s+\+4\.0\s+\+36 %\s+14\.0\s+10\.0\s+8\.0\s+9\.0\s+20\.0\s+21\.0/)
  const schema2 = { ...m.registerNoHoldMs, minimal: undefined, vsMinimal: undefined }
  t.match(renderComparison(later, { registerNoHoldMs: schema2 }, 'old.json'), /\s+14\.0\s+10\.0\s+8\.0\s+–\s+20\.0/, 'an older document without the minimal floor compares too')
})

t.test('rotation: every subject takes every position', async (t) => {
  t.same([0, 1, 2, 3].map((i) => rotate(['a', 'b', 'c'], i).join('')), ['abc', 'bca', 'cab', 'abc'])
})

t.test('/proc/PID/status memory fields', async (t) => {
  const text = 'Name:\tx\nVmHWM:\t   57512 kB\nVmRSS:\t   57400 kB\nRssAnon:\t   14400 kB\nRssFile:\t   43000 kB\n'
  t.same(parseStatus(text), { vmRssKb: 57400, vmHwmKb: 57512, rssAnonKb: 14400, rssFileKb: 43000 })
  t.same(parseStatus('Name:\tx\n'), { vmRssKb: null, vmHwmKb: null, rssAnonKb: null, rssFileKb: null })
})
