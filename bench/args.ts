// Command line of `make bench` (bench/bench.ts), parsed by node:util parseArgs. Every bad value
// is an error naming the flag.
import path from 'node:path'
import { parseArgs } from 'node:util'

export interface BenchOptions {
  /** measured runs per scenario and extension (after the warm-up) */
  runs: number
  /** discarded runs first (they pull both binaries back into the page cache) */
  warmup: number
  jsonOut: string
  /** an earlier --json-out to compare with */
  against: string | null
  /** the layer under test: a folder holding extensions/wait-for-init */
  layer: string
  /** node that runs the reference extension; null = the runtime's own node (/var/lang/bin/node) */
  referenceNode: string | null
  /** node that runs the floor; null = the stripped binary the layer was built from (Node cache) */
  floorNode: string | null
  /** concurrent hostile clients during the hold; 0 skips that scenario */
  hostileClients: number
  hostileRuns: number
  /** WARMING_TIMEOUT of the timeout-accuracy scenario */
  timeoutMs: number
  /** when the benchmark function signals, after its module loaded */
  signalAfterMs: number
  invokes: number
  /** false: run without the sandbox's mount namespace even as root (the non-root fallback) */
  isolate: boolean
}

export class BenchUsageError extends Error {
  override name = 'BenchUsageError'
}

export const USAGE = `usage: npx tsx bench/bench.ts [options]   (make bench)
  --runs N              measured runs per scenario (default 20; each after --warmup runs)
  --warmup N            discarded warm-up runs (default 1)
  --json-out FILE       write the results as JSON (default dist/bench.json)
  --against FILE        compare with an earlier --json-out
  --layer DIR           layer to measure (default dist/layer)
  --reference-node PATH node binary for the reference extension (default: the runtime's node)
  --floor-node PATH     node binary for the floor (default: the stripped Node the layer embeds,
                        from the build's Node cache)
  --hostile N           concurrent hostile socket clients (default 1000; 0 skips)
  --hostile-runs N      runs of the hostile scenario (default 3)
  --timeout-ms N        WARMING_TIMEOUT of the timeout-accuracy scenario (default 1000)
  --signal-after-ms N   the function signals this long after loading (default 300)
  --invokes N           invokes per hold run, for the per-invoke overhead (default 3)
  --no-isolate          no mount namespace even as root (what a non-root run gets)`

const INTS: Record<string, [keyof BenchOptions, number, number]> = {
  runs: ['runs', 1, 10_000],
  warmup: ['warmup', 0, 100],
  hostile: ['hostileClients', 0, 10_000],
  'hostile-runs': ['hostileRuns', 1, 1000],
  'timeout-ms': ['timeoutMs', 100, 8000],
  'signal-after-ms': ['signalAfterMs', 0, 5000],
  invokes: ['invokes', 1, 1000],
}
const PATHS = ['json-out', 'against', 'layer', 'reference-node', 'floor-node'] as const

/** parseArgs' errors in this file's words: the flag, and what is wrong with it. */
function usageError(err: unknown): BenchUsageError {
  const e = err as { code?: string; message?: string }
  const flag = /'(-[^' ]+)/.exec(e.message ?? '')?.[1] ?? '?'
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': return new BenchUsageError(`unknown option ${JSON.stringify(flag)}\n${USAGE}`)
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': return new BenchUsageError(`${flag} needs a value`)
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': return new BenchUsageError(`unexpected argument ${JSON.stringify(/'([^']*)'/.exec(e.message ?? '')?.[1] ?? '')}\n${USAGE}`)
    default: return new BenchUsageError(e.message ?? String(err))
  }
}

export function parseBenchArgs(argv: readonly string[], root: string): BenchOptions | 'help' {
  const o: BenchOptions = {
    runs: 20, warmup: 1, jsonOut: path.join(root, 'dist', 'bench.json'), against: null, layer: path.join(root, 'dist', 'layer'),
    referenceNode: null, floorNode: null, hostileClients: 1000, hostileRuns: 3, timeoutMs: 1000, signalAfterMs: 300, invokes: 3, isolate: true,
  }
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        'no-isolate': { type: 'boolean' },
        ...Object.fromEntries([...Object.keys(INTS), ...PATHS].map((name) => [name, { type: 'string' as const }])),
      },
    }).values
  } catch (err) {
    throw usageError(err)
  }
  if (values.help) return 'help'
  for (const [name, [key, min, max]] of Object.entries(INTS)) {
    const v = values[name]
    if (typeof v !== 'string') continue
    if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) {
      throw new BenchUsageError(`--${name} ${JSON.stringify(v)} must be a whole number from ${min} to ${max}`)
    }
    ;(o as unknown as Record<string, number>)[key] = Number(v)
  }
  const file = (name: (typeof PATHS)[number]): string | null => {
    const v = values[name]
    if (typeof v !== 'string') return null
    if (v === '') throw new BenchUsageError(`--${name} needs a value`)
    return path.resolve(v)
  }
  o.jsonOut = file('json-out') ?? o.jsonOut
  o.against = file('against')
  o.layer = file('layer') ?? o.layer
  o.referenceNode = file('reference-node')
  o.floorNode = file('floor-node')
  if (values['no-isolate']) o.isolate = false
  return o
}
