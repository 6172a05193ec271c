// `make soak`: 200 consecutive lifecycles of the built extension in the local sandbox (issue 6
// case 7). Usage: node build-scripts/run-ts.mjs test/soak/soak.ts [--cycles N] [--json]
// Exit 0 when every cycle was clean, 1 otherwise, 2 for usage errors.
import path from 'node:path'
import { runSoak } from './soak-runner'

const ROOT = path.resolve(__dirname, '..', '..')
// run-ts.mjs bundles into dist/.cache, so __dirname is not test/soak: find the repo from the cwd.
const root = require('node:fs').existsSync(path.join(process.cwd(), 'test', 'soak')) ? process.cwd() : ROOT

function parse(argv: string[]): { cycles: number; json: boolean } {
  let cycles = 200
  let json = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--json') json = true
    else if (a === '--cycles' || a.startsWith('--cycles=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]
      if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1) throw new Error(`--cycles: expected an integer >= 1, got ${JSON.stringify(v ?? '')}`)
      cycles = Number(v)
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: make soak  |  node build-scripts/run-ts.mjs test/soak/soak.ts [--cycles N] [--json]\n')
      process.exit(0)
    } else throw new Error(`unknown argument ${JSON.stringify(a)} (expected --cycles N or --json)`)
  }
  return { cycles, json }
}

async function main(): Promise<void> {
  let args
  try {
    args = parse(process.argv.slice(2))
  } catch (e) {
    process.stderr.write(`soak: ${(e as Error).message}\n`)
    process.exit(2)
  }
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

void main()
