// `make bench`: the built layer against three references in the local Lambda sandbox, N
// interleaved runs after a warm-up: the floor (the same job as a plain script run directly by
// the stripped Node binary the SEA embeds), the minimal floor (that script registering before
// anything else) and the reference (the original sample's architecture on the runtime's node).
// Prints medians / p90 / max and ours / each of them; writes JSON (--json-out) and compares with
// an earlier JSON (--against).
//   npx tsx bench/bench.ts [--runs N] [--json-out FILE] [--against FILE] ...
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isolationSupport } from '../test/sandbox/isolation'
import { parseArch } from '../build-scripts/arch'
import { cacheDir } from '../build-scripts/config'
import { BenchUsageError, parseBenchArgs, USAGE } from './args'
import { layerInfo } from './layer-info'
import { ROOT } from './paths'
import { computeMetrics, renderComparison, renderTable, type MetricResult } from './report'
import { collect } from './runner'
import { openSandboxes } from './scenarios'
import { prepareSubjects } from './subjects'

export const SCHEMA = 'wait-for-init-bench/3'
/** Earlier documents --against still reads (same metric fields; /2 has no minimal floor and no CPU rows, /1 no floor). */
const READABLE_SCHEMAS = [SCHEMA, 'wait-for-init-bench/2', 'wait-for-init-bench/1']
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
      if (!READABLE_SCHEMAS.includes(doc.schema ?? '') || !doc.metrics) throw new Error(`not a ${READABLE_SCHEMAS.join(' or ')} document`)
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
  const floorNode = o.floorNode ?? defaultFloorNode(layer)
  const subjects = prepareSubjects({
    layer: o.layer, workDir: path.join(ROOT, 'dist', '.bench'), referenceNode: o.referenceNode, isolated: support.ok,
    floorNode, floorExecArgv: layer.seaExecArgv ?? [],
  })
  log(`ours: ${path.relative(ROOT, o.layer) || '.'} (Node ${subjects.ourVersion.node}); floor: ${floorNode} ${subjects.floorExecArgv.join(' ')} (${subjects.floorNodeVersion}); reference: ${subjects.referenceInterpreter} (${subjects.referenceNodeVersion})`)
  for (const c of subjects.cache) log(`page cache of ${c.file}: ${mbText(c.residentBefore)} → ${mbText(c.residentAfter)} resident after sync + drop`)
  const all = [subjects.ours, subjects.floor, subjects.minimal, subjects.reference]
  log(`${o.warmup} warm-up + ${o.runs} runs × (hold, no hold, timeout) × ${all.length} extensions${o.hostileClients ? `, then ${o.hostileRuns} hostile runs × ${all.length}` : ''}`)

  const c = await collect(all, o, log)

  // Static figures: one value each. The floor and the reference are scripts; their node is the
  // runtime's (reference) or the same binary ours embeds (floor), which no layer of theirs pays for.
  const mb = (b: number | null) => (b === null ? null : b / 1e6)
  c.samples.ours.zipMb = [mb(layer.zipBytes)]
  c.samples.ours.unzippedMb = [mb(layer.unzippedBytes)]
  c.samples.ours.buildS = [layer.buildMs === null ? null : layer.buildMs / 1000]
  const unzippedMaxMb = layer.nodeBaseBytes === null ? null : (layer.nodeBaseBytes + 1e6) / 1e6

  const metrics = computeMetrics(c.samples, { unzippedMaxMb })
  const doc = {
    schema: SCHEMA,
    date: new Date().toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    host: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, kernel: os.release(), node: process.version, loadAvg: os.loadavg() },
    options: o,
    isolation: support,
    ours: { ...subjects.ourVersion, layer },
    floor: { node: floorNode, nodeVersion: subjects.floorNodeVersion, execArgv: subjects.floorExecArgv, bytes: subjects.binaryBytes.floor },
    minimal: { node: floorNode, nodeVersion: subjects.floorNodeVersion, execArgv: subjects.floorExecArgv, bytes: subjects.binaryBytes.minimal },
    reference: { interpreter: subjects.referenceInterpreter, node: subjects.referenceNodeVersion, scriptBytes: subjects.binaryBytes.reference },
    pageCache: subjects.cache,
    metrics,
    samples: c.samples,
    warmup: c.warmup,
    hostile: c.hostileDetails,
    failures: c.failures,
  }
  fs.mkdirSync(path.dirname(o.jsonOut), { recursive: true })
  fs.writeFileSync(o.jsonOut, JSON.stringify(doc, null, 2) + '\n')

  const out: string[] = []
  out.push(`wait-for-init bench — ${o.runs} runs (medians), ${doc.host.cpus} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${new Date(started).toISOString()}`)
  out.push(`ours: SEA, Node ${subjects.ourVersion.node}${layer.nodeVersion ? '' : ' (no build manifest found)'}; floor: bench/floor run by ${path.basename(floorNode)} ${subjects.floorNodeVersion} ${subjects.floorExecArgv.join(' ')}; min: the same script registering first; reference: the original sample's architecture, ${subjects.referenceNodeVersion} at ${subjects.referenceInterpreter}`)
  out.push('')
  out.push(renderTable(metrics))
  out.push('')
  out.push('MB = 10^6 bytes. Timings from the sandbox\'s spawn of the extension; RSS read by the sandbox when Init completes.')
  out.push('CPU: the extension\'s own CPU time (all threads, /proc/PID/task/*/schedstat) from its spawn until it registered / first called')
  out.push('event/next (the release), read by the sandbox as the call arrives.')
  out.push('RssFile: each binary is a private copy whose page cache was synced and dropped before the warm-up run; measured runs find')
  out.push('the pages earlier runs of the same binary read still cached (as a warm host would), so RssFile counts the pages each')
  out.push('process mapped (with the kernel\'s fault-around), not disk reads. The first run after the drop is listed below.')
  out.push(`unzipped target: the embedded Node binary (${layer.nodeBaseBytes === null ? '?' : mbText(layer.nodeBaseBytes)}) + 1 MB.`)
  for (const k of ['ours', 'floor', 'minimal', 'reference'] as const) {
    const w = c.warmup[k]
    if (w.rssMb?.[0] != null) out.push(`first run after the page-cache drop (not in the table), ${k}: VmRSS ${w.rssMb[0].toFixed(1)} MB, RssFile ${(w.fileMb?.[0] ?? NaN).toFixed(1)} MB`)
  }
  for (const h of c.hostileDetails) out.push(`hostile (${h.subject}): ${h.clients} clients, ${h.connected} connections (refused clients retry), ${h.errors} refused/reset, ${(h.bytesSent / 1e6).toFixed(1)} MB sent, released by ready: ${h.released ? 'yes' : 'NO'}`)
  if (before) out.push('', renderComparison(metrics, before.metrics, before.label))
  if (c.failures.length) out.push('', `${c.failures.length} run(s) failed:`, ...c.failures.map((f) => `  ${f}`))
  out.push('', `JSON: ${path.relative(process.cwd(), o.jsonOut)} (${doc.durationS} s)`)
  process.stdout.write(out.join('\n') + '\n')
  return c.failures.length ? 1 : 0
}

/** The binary the SEA was built from, in the build's Node cache (build-scripts/node-binary.ts). */
function defaultFloorNode(layer: ReturnType<typeof layerInfo>): string {
  if (!layer.nodeVersion || !layer.arch) throw new BenchUsageError(`no build manifest next to the layer: pass --floor-node (the stripped Node binary the SEA embeds)`)
  const arch = parseArch(layer.arch)
  if (arch.npm !== process.arch) throw new BenchUsageError(`the layer is ${layer.arch}, this host ${process.arch}: the floor cannot run here`)
  return path.join(cacheDir(process.env), `node-v${layer.nodeVersion}-linux-${arch.npm}`, layer.strip === false ? 'node' : 'node.stripped')
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
