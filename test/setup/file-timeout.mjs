// Per-file time budgets, loaded into every test process (package.json "tap"."node-arg"). A test
// file that hangs fails after its budget, with tap's dump of what was still pending, instead of
// after the runner's backstop ("tap"."timeout", sized for the slowest file).
//
// Why here and not `t.setTimeout(ms)` at the top of each file: tap (21.8) applies a root-level
// t.setTimeout to the runner's timer through an IPC message that sometimes loses the race, so a
// file cannot reliably extend its budget; it can only shorten it. So the runner keeps the
// largest budget and each process sets its own from this table before tap starts (tap's root
// test reads TAP_TIMEOUT, in seconds, when it is created).
import path from 'node:path'

/** Seconds. Files not listed get DEFAULT; longer budgets only for files that build or install. */
const DEFAULT = 120
const LONGER = [
  // builds the layer or test SEAs, arm64 cross builds under qemu, the AWS CLIs
  [/^test\/build\//, 900],
  // npm ci of examples/cdk, then cdk synth
  [/^test\/client\/cdk-synth\.test\.ts$/, 900],
  // builds the client package with esbuild and installs it
  [/^test\/client\/build\.test\.ts$/, 300],
  // the reference extension and bench scenarios run many sandboxes
  [/^test\/unit\/bench-[^/]*\.test\.ts$/, 300],
  // real sandboxes holding 10-20 s each, 10 s of fast-clock real time, 20 soak cycles
  // (25-45 s on an idle machine; 2-3x that under load)
  [/^test\/hardening\/(api-faults|hostile-clients|soak)\.test\.ts$/, 300],
  [/^test\/integration\/extension\.test\.ts$/, 300],
]

const file = process.argv[1] ? path.relative(process.cwd(), path.resolve(process.argv[1])).split(path.sep).join('/') : ''
if (/\.test\.[cm]?[jt]s$/.test(file)) {
  const seconds = LONGER.find(([re]) => re.test(file))?.[1] ?? DEFAULT
  // Never above the runner's own timer (`--timeout=N`): that one would fire first. `--timeout=0`
  // (no timeout, e.g. while debugging) is left alone.
  const runner = Number(process.env.TAP_TIMEOUT ?? 30)
  if (runner > 0) process.env.TAP_TIMEOUT = String(Math.min(seconds, runner))
}
