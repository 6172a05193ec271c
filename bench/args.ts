// Command line of `make bench` (bench/bench.ts). Every bad value is an error naming the flag.
import path from 'node:path'

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

export const USAGE = `usage: node build-scripts/run-ts.mjs bench/bench.ts [options]   (make bench)
  --runs N              measured runs per scenario (default 20; each after --warmup runs)
  --warmup N            discarded warm-up runs (default 1)
  --json-out FILE       write the results as JSON (default dist/bench.json)
  --against FILE        compare with an earlier --json-out
  --layer DIR           layer to measure (default dist/layer)
  --reference-node PATH node binary for the reference extension (default: the runtime's node)
  --hostile N           concurrent hostile socket clients (default 1000; 0 skips)
  --hostile-runs N      runs of the hostile scenario (default 3)
  --timeout-ms N        WARMING_TIMEOUT of the timeout-accuracy scenario (default 1000)
  --signal-after-ms N   the function signals this long after loading (default 300)
  --invokes N           invokes per hold run, for the per-invoke overhead (default 3)
  --no-isolate          no mount namespace even as root (what a non-root run gets)`

export function parseBenchArgs(argv: readonly string[], root: string): BenchOptions | 'help' {
  const o: BenchOptions = {
    runs: 20, warmup: 1, jsonOut: path.join(root, 'dist', 'bench.json'), against: null, layer: path.join(root, 'dist', 'layer'),
    referenceNode: null, hostileClients: 1000, hostileRuns: 3, timeoutMs: 1000, signalAfterMs: 300, invokes: 3, isolate: true,
  }
  const ints: Record<string, [keyof BenchOptions, number, number]> = {
    '--runs': ['runs', 1, 10_000],
    '--warmup': ['warmup', 0, 100],
    '--hostile': ['hostileClients', 0, 10_000],
    '--hostile-runs': ['hostileRuns', 1, 1000],
    '--timeout-ms': ['timeoutMs', 100, 8000],
    '--signal-after-ms': ['signalAfterMs', 0, 5000],
    '--invokes': ['invokes', 1, 1000],
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    if (flag === '--help' || flag === '-h') return 'help'
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined || v.startsWith('--')) throw new BenchUsageError(`${flag} needs a value`)
      return v
    }
    if (flag in ints) {
      const [key, min, max] = ints[flag]
      const v = value()
      if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) {
        throw new BenchUsageError(`${flag} ${JSON.stringify(v)} must be a whole number from ${min} to ${max}`)
      }
      ;(o as unknown as Record<string, number>)[key] = Number(v)
    } else if (flag === '--json-out') o.jsonOut = path.resolve(value())
    else if (flag === '--against') o.against = path.resolve(value())
    else if (flag === '--layer') o.layer = path.resolve(value())
    else if (flag === '--reference-node') o.referenceNode = path.resolve(value())
    else if (flag === '--no-isolate') o.isolate = false
    else throw new BenchUsageError(`unknown option ${JSON.stringify(flag)}\n${USAGE}`)
  }
  return o
}
