// `make run-local`: the sample function with the built layer in provisioned mode, first with
// WARMING_TIMEOUT=5000 (the extension holds Init until the warm-up is done), then without it
// (no hold: the sandbox freezes with the warm-up half done).
import fs from 'node:fs'
import path from 'node:path'
import { parseOptions, runMain } from '../../build-scripts/cli'
import { runSandbox, type SandboxReport } from './index'
import { formatSummary } from './summary'

async function runOne(title: string, functionDir: string, layers: string[], env: Record<string, string>): Promise<SandboxReport> {
  console.log(`\n=== ${title} ===`)
  console.log(`function ${path.relative(process.cwd(), functionDir) || '.'}, layers: ${layers.map((l) => path.relative(process.cwd(), l)).join(', ') || 'none'}, env: ${JSON.stringify(env)}`)
  const report = await runSandbox({ functionDir, layers, env, mode: 'provisioned', idleMs: 1000, invokes: 2, payload: { path: '/' } })
  console.log(formatSummary(report))
  if (!report.ok) {
    for (const l of report.logs.filter((x) => x.source !== 'platform').slice(-20)) console.log(`  [${l.source}] ${l.text}`)
  }
  return report
}

const USAGE = 'usage: make run-local  |  npx tsx test/sandbox/run-local.ts   (no options; builds nothing, uses dist/layer)'

async function main(): Promise<number> {
  if (parseOptions(process.argv.slice(2), { help: { type: 'boolean', short: 'h', default: false } }).help) {
    console.log(USAGE)
    return 0
  }
  const root = path.resolve(__dirname, '..', '..')
  const layer = path.join(root, 'dist', 'layer')
  const example = path.join(root, 'examples', 'get-default')
  const fixture = path.join(root, 'test', 'fixtures', 'sandbox', 'get-default')
  const haveLayer = fs.existsSync(path.join(layer, 'extensions'))
  const haveExample = fs.existsSync(path.join(example, 'index.js'))
  const reports: SandboxReport[] = []
  if (!haveLayer) {
    console.log('The layer is missing: dist/layer/extensions not found (build it with `make layer`).')
    console.log('Running only the "without" half, with the self-contained fixture test/fixtures/sandbox/get-default')
    console.log('(examples/get-default needs the client library that the layer provides).')
    reports.push(await runOne('without the layer', fixture, [], {}))
  } else {
    const fn = haveExample ? example : fixture
    if (!haveExample) console.log('examples/get-default not found: using the fixture test/fixtures/sandbox/get-default instead.')
    reports.push(await runOne('with the layer and WARMING_TIMEOUT=5000', fn, [layer], { WARMING_TIMEOUT: '5000' }))
    reports.push(await runOne('with the layer, WARMING_TIMEOUT unset (no hold)', fn, [layer], {}))
  }
  console.log('\n=== in short ===')
  for (const r of reports) {
    const first = r.invokes[0]?.result as { warm?: unknown } | undefined
    const env = r.extensions.length ? (r.init?.heldMs ?? 0) > 50 ? 'held' : 'not held' : 'no extension'
    console.log(`Init ${Math.round(r.init?.durationMs ?? 0)} ms (${env}, ${Math.round(r.init?.heldMs ?? 0)} ms); first invoke warm: ${JSON.stringify(first?.warm)}; ${r.ok ? 'OK' : 'NOT OK'}`)
  }
  return reports.every((r) => r.ok) ? 0 : 1
}

runMain('run-local', USAGE, main)
