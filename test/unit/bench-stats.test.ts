// bench/ (issue 7): the statistics, the command line, the targets and the /proc parser behind
// `make bench`. The bench itself runs real sandboxes; these pin the arithmetic it reports.
import t from 'tap'
import path from 'node:path'
import { median, percentile, ratio, summarize } from '../../bench/stats'
import { BenchUsageError, parseBenchArgs } from '../../bench/args'
import { computeMetrics, renderComparison, renderTable, targetMet } from '../../bench/report'
import { parseStatus } from '../../bench/proc-memory'

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
})

t.test('targets: ratio, median, |median|, every-run equality, max', async (t) => {
  const s = (v: number[]) => summarize(v)
  t.equal(targetMet({ kind: 'ratio-max', value: 0.9 }, s([9]), 0.9), true)
  t.equal(targetMet({ kind: 'ratio-max', value: 0.9 }, s([9]), 0.91), false)
  t.equal(targetMet({ kind: 'abs-median-max', value: 15 }, s([-14, -16, -15]), null), true)
  t.equal(targetMet({ kind: 'abs-median-max', value: 15 }, s([16, 17, 18]), null), false)
  t.equal(targetMet({ kind: 'max-equals', value: 0 }, s([0, 0, 0]), null), true)
  t.equal(targetMet({ kind: 'max-equals', value: 0 }, s([0, 0.01, 0]), null), false, 'a single non-zero invoke fails "exactly 0"')
  t.equal(targetMet({ kind: 'max-max', value: 80 }, s([70, 81]), null), false)
  t.equal(targetMet({ kind: 'median-max', value: 5 }, s([]), null), null, 'no samples: not judged')
})

t.test('metrics, table and comparison render ours, the reference and the ratio', async (t) => {
  const m = computeMetrics({ registerNoHoldMs: [10, 12, 11], overheadMs: [0, 0, 0] }, { registerNoHoldMs: [20, 22, 21], overheadMs: [1, 2, 1] })
  t.equal(m.registerNoHoldMs.ratio, 11 / 21)
  t.equal(m.registerNoHoldMs.met, true)
  t.equal(m.overheadMs.met, true)
  const table = renderTable(m)
  t.match(table, /start → register \(no WARMING_TIMEOUT\)\s+ms\s+11\.0\s+12\.0\s+12\.0\s+21\.0\s+22\.0\s+22\.0\s+0\.52×\s+≤ 0\.9× ref\s+yes\s+3\/3/)
  t.notMatch(table, /VmRSS/, 'metrics without samples are left out')
  const later = computeMetrics({ registerNoHoldMs: [15] }, { registerNoHoldMs: [20] })
  t.match(renderComparison(later, m, 'old.json'), /start → register \(no WARMING_TIMEOUT\)\s+ms\s+15\.0\s+11\.0\s+\+4\.0\s+\+36 %/)
})

t.test('/proc/PID/status memory fields', async (t) => {
  const text = 'Name:\tx\nVmHWM:\t   57512 kB\nVmRSS:\t   57400 kB\nRssAnon:\t   14400 kB\nRssFile:\t   43000 kB\n'
  t.same(parseStatus(text), { vmRssKb: 57400, vmHwmKb: 57512, rssAnonKb: 14400, rssFileKb: 43000 })
  t.same(parseStatus('Name:\tx\n'), { vmRssKb: null, vmHwmKb: null, rssAnonKb: null, rssFileKb: null })
})
