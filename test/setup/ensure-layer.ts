// tap's `before` program (package.json "tap": { "before": … }): tap runs it once before any test
// file, also when a single file is run with `npx tap test/…`. It brings dist/ up to date with
// `make layer`, so no test ever runs a binary older than the sources in extension-src/,
// protocol/ or client/. build.ts hashes those inputs and skips the build when nothing changed
// (about a second), so the common case costs almost nothing. A failed build stops the run.
// Only node: imports here, and the build runs with tap's coverage recording off: the build
// scripts are not what the suite measures.
import { spawnSync } from 'node:child_process'
import path from 'node:path'

const ROOT = path.resolve(__dirname, '..', '..')
const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
const run = (args: string[]) => spawnSync('make', args, { cwd: ROOT, env, encoding: 'utf8', timeout: 15 * 60_000 })

function fail(why: string): never {
  process.stderr.write(`ensure-layer: ${why}\nNo test runs against a stale extension binary: fix the build, or run \`make layer\` to see it.\n`)
  process.exit(1)
}

const started = performance.now()
// `make layer` would run `npm ci` when node_modules is stale, replacing the modules tap itself is
// running from: refuse instead.
if (run(['-q', 'node_modules/.package-lock.json']).status !== 0) fail('node_modules is missing or older than package-lock.json: run `make layer` (it runs npm ci), then the tests')
const r = run(['-s', 'layer', 'ARCH=x86_64'])
if (r.status !== 0) fail(`make layer failed (${r.error?.message ?? r.signal ?? r.status}):\n${r.stdout}${r.stderr}`)
const rebuilt = !/is up to date/.test(r.stderr)
process.stderr.write(`ensure-layer: dist/layer ${rebuilt ? 'rebuilt from changed sources' : 'matches the sources'} (${Math.round(performance.now() - started)} ms)\n`)
