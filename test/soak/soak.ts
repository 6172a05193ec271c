// `make soak`: 200 consecutive lifecycles of the built extension in the local sandbox
// (docs/reliability.md, Soak). Exit 0 when every cycle was clean, 1 otherwise, 2 for usage errors.
import path from 'node:path'
import { parseOptions, runMain, UsageError } from '../../build-scripts/cli'
import { bootstrapCode } from '../sandbox/runtime-build'
import { runSoak } from './soak-runner'

const USAGE = 'usage: make soak  |  npx tsx test/soak/soak.ts [--cycles N] [--json]'
const root = path.resolve(__dirname, '..', '..')

function parse(argv: string[]): { cycles: number; json: boolean; help: boolean } {
  const v = parseOptions(argv, {
    cycles: { type: 'string', default: '200' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  })
  if (!/^\d+$/.test(v.cycles) || Number(v.cycles) < 1) throw new UsageError(`--cycles: expected an integer >= 1, got ${JSON.stringify(v.cycles)}`)
  return { cycles: Number(v.cycles), json: v.json, help: v.help }
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2))
  if (args.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  // Compiled before the descriptor count starts: esbuild's service (~6 descriptors) stays up after.
  bootstrapCode()
  const result = await runSoak({
    layerDir: path.join(root, 'dist', 'layer'),
    functionDir: path.join(root, 'test', 'hardening', 'fixtures', 'functions', 'hostile'),
    cycles: args.cycles,
    onCycle: (c) => {
      if (args.json) return
      if (c.problems.length) process.stdout.write(`cycle ${c.index + 1} (${c.mode}) FAILED:\n  ${c.problems.join('\n  ')}\n`)
      else if ((c.index + 1) % 20 === 0) process.stdout.write(`cycle ${c.index + 1}/${args.cycles} ok (${Math.round(c.ms)} ms; ${c.outcomeLine})\n`)
    },
  })
  const ms = result.cycles.map((c) => c.ms).sort((a, b) => a - b)
  const summary = {
    cycles: result.cycles.length,
    failed: result.failed,
    totalSeconds: Math.round(result.totalMs / 100) / 10,
    cycleMs: { median: Math.round(ms[Math.floor(ms.length / 2)]), max: Math.round(ms[ms.length - 1]) },
    fds: { before: result.fdsBefore, after: result.fdsAfter },
    problems: result.problems,
  }
  if (args.json) process.stdout.write(JSON.stringify({ ...summary, details: result.cycles.filter((c) => c.problems.length) }, null, 2) + '\n')
  else {
    process.stdout.write(`soak: ${summary.cycles} lifecycles in ${summary.totalSeconds} s (median ${summary.cycleMs.median} ms, max ${summary.cycleMs.max} ms per lifecycle); ` +
      `${summary.failed} failed; descriptors ${summary.fds.before} → ${summary.fds.after}\n`)
    for (const p of result.problems) process.stdout.write(`soak: ${p}\n`)
  }
  process.exit(result.failed === 0 && result.problems.length === 0 ? 0 : 1)
}

runMain('soak', USAGE, main)
