// `make bench` (issue 7): the built layer against the reference extension in the local Lambda
// sandbox, N interleaved runs after a warm-up; prints medians / p90 / max, ours vs reference and
// the ratio, writes JSON (--json-out) and compares with an earlier JSON (--against).
//   npx tsx bench/bench.ts [--runs N] [--json-out FILE] [--against FILE] ...
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isolationSupport } from '../test/sandbox/isolation'
import { BenchUsageError, parseBenchArgs, USAGE } from './args'
import { layerInfo } from './layer-info'
import { ROOT } from './paths'
import { computeMetrics, renderComparison, renderTable, type MetricResult } from './report'
import { collect } from './runner'
import { openSandboxes } from './scenarios'
import { prepareSubjects } from './subjects'

export const SCHEMA = 'wait-for-init-bench/1'
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`)

async function main(): Promise<number> {
  const parsed = parseBenchArgs(process.argv.slice(2), ROOT)
  if (parsed === 'help') {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  const o = parsed
  let before: { metrics: Record<string, MetricResult>; label: string } | null = null
  if (o.against) {
    try {
      const doc = JSON.parse(fs.readFileSync(o.against, 'utf8')) as { schema?: string; metrics?: Record<string, MetricResult>; date?: string }
      if (doc.schema !== SCHEMA || !doc.metrics) throw new Error(`not a ${SCHEMA} document`)
      before = { metrics: doc.metrics, label: `${path.relative(process.cwd(), o.against)} (${doc.date ?? 'undated'})` }
    } catch (err) {
      throw new BenchUsageError(`--against ${o.against}: ${(err as Error).message}`)
    }
  }

  const started = Date.now()
  const probe = isolationSupport()
  const support = o.isolate ? probe : { ok: false, reason: 'disabled by --no-isolate' }
  if (!support.ok) log(`warning: sandbox isolation unavailable (${support.reason}); the reference runs the host's node by path`)
  const binary = path.join(o.layer, 'extensions', 'wait-for-init')
  if (!fs.existsSync(binary)) throw new BenchUsageError(`--layer ${o.layer}: ${binary} is missing (run \`make layer\`; make bench does)`)
  const layer = layerInfo(o.layer)
  const subjects = prepareSubjects({ layer: o.layer, workDir: path.join(ROOT, 'dist', '.bench'), referenceNode: o.referenceNode, isolated: support.ok })
  log(`ours: ${path.relative(ROOT, o.layer) || '.'} (Node ${subjects.ourVersion.node}); reference: ${subjects.referenceInterpreter} (${subjects.referenceNodeVersion})`)
  for (const c of subjects.cache) log(`page cache of ${c.file}: ${mbText(c.residentBefore)} → ${mbText(c.residentAfter)} resident after sync + drop`)
  log(`${o.warmup} warm-up + ${o.runs} runs × (hold, no hold, timeout) × 2 extensions${o.hostileClients ? `, then ${o.hostileRuns} hostile runs` : ''}`)

  const c = await collect(subjects, o, log)

  // Static figures: one value each (the reference is a script run by the runtime's node).
  const mb = (b: number | null) => (b === null ? null : b / 1e6)
  c.ours.zipMb = [mb(layer.zipBytes)]
  c.ours.unzippedMb = [mb(layer.unzippedBytes)]
  c.ours.buildS = [layer.buildMs === null ? null : layer.buildMs / 1000]
  c.reference.zipMb = [null]
  c.reference.unzippedMb = [null] // a script of a few KB; its real cost is the runtime's node, outside any layer

  const metrics = computeMetrics(c.ours, c.reference)
  const doc = {
    schema: SCHEMA,
    date: new Date().toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    host: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, kernel: os.release(), node: process.version },
    options: o,
    isolation: support,
    ours: { ...subjects.ourVersion, layer },
    reference: { interpreter: subjects.referenceInterpreter, node: subjects.referenceNodeVersion, scriptBytes: subjects.binaryBytes.reference },
    pageCache: subjects.cache,
    metrics,
    samples: { ours: c.ours, reference: c.reference },
    warmup: c.warmup,
    hostile: c.hostileDetails,
    failures: c.failures,
  }
  fs.mkdirSync(path.dirname(o.jsonOut), { recursive: true })
  fs.writeFileSync(o.jsonOut, JSON.stringify(doc, null, 2) + '\n')

  const out: string[] = []
  out.push(`wait-for-init bench — ${o.runs} runs (medians), ${doc.host.cpus} CPUs, ${new Date(started).toISOString()}`)
  out.push(`ours: SEA, Node ${subjects.ourVersion.node}${layer.nodeVersion ? '' : ' (no build manifest found)'}; reference: the original sample's architecture, ${subjects.referenceNodeVersion} at ${subjects.referenceInterpreter}`)
  out.push('')
  out.push(renderTable(metrics))
  out.push('')
  out.push('MB = 10^6 bytes. Timings from the sandbox\'s spawn of the extension; RSS read by the sandbox when Init completes.')
  out.push(`The reference's layer is a ${(subjects.binaryBytes.reference / 1000).toFixed(1)} KB script; it runs on the runtime's node, which no layer pays for.`)
  const warmRss = c.warmup.ours.rssMb?.[0]
  if (warmRss != null) out.push(`first run after the page-cache drop (not in the table): ours VmRSS ${warmRss.toFixed(1)} MB, reference ${(c.warmup.reference.rssMb?.[0] ?? NaN).toFixed(1)} MB`)
  for (const h of c.hostileDetails) out.push(`hostile (${h.subject}): ${h.clients} clients, ${h.connected} connections (refused clients retry), ${h.errors} refused/reset, ${(h.bytesSent / 1e6).toFixed(1)} MB sent, released by ready: ${h.released ? 'yes' : 'NO'}`)
  if (before) out.push('', renderComparison(metrics, before.metrics, before.label))
  if (c.failures.length) out.push('', `${c.failures.length} run(s) failed:`, ...c.failures.map((f) => `  ${f}`))
  out.push('', `JSON: ${path.relative(process.cwd(), o.jsonOut)} (${doc.durationS} s)`)
  process.stdout.write(out.join('\n') + '\n')
  return c.failures.length ? 1 : 0
}

function mbText(b: number | null): string {
  return b === null ? '?' : `${(b / 1e6).toFixed(1)} MB`
}

async function closeAll(): Promise<void> {
  await Promise.all([...openSandboxes].map((sb) => sb.close().catch(() => undefined)))
}

if (require.main === module) {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: closing sandboxes`)
      void closeAll().finally(() => process.exit(130))
    })
  }
  main().then(
    (code) => process.exit(code),
    async (err) => {
      await closeAll()
      process.stderr.write(`[bench] error: ${err instanceof BenchUsageError ? err.message : ((err as Error)?.stack ?? String(err))}\n`)
      process.exit(err instanceof BenchUsageError ? 2 : 1)
    },
  )
}
