// Brings dist/ up to date with `make layer` for the tests' architecture (test-arch.ts; build.ts hashes extension-src/, protocol/, client/,
// build-scripts/ and package files, and skips the build when nothing changed: about a second).
// Used by tap's `before` program (test/setup/ensure-layer.ts) and, when a test file runs without
// it (`npx tap --before= …`, or node directly), by the integration harness.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { testArch } from './test-arch'

export const ROOT = path.resolve(__dirname, '..', '..')

export interface Freshness {
  ok: boolean
  rebuilt: boolean
  ms: number
  /** Why the layer could not be brought up to date (with the build output). */
  problem?: string
}

export function bringLayerUpToDate(): Freshness {
  const started = performance.now()
  // The build runs with tap's coverage recording off: the build scripts are not what the suite measures.
  const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
  const make = (args: string[]) => spawnSync('make', args, { cwd: ROOT, env, encoding: 'utf8', timeout: 15 * 60_000 })
  const ms = () => Math.round(performance.now() - started)
  // `make layer` would run `npm ci` when node_modules is stale, replacing the modules the tests are
  // running from: refuse instead.
  if (make(['-q', 'node_modules/.package-lock.json']).status !== 0) {
    return { ok: false, rebuilt: false, ms: ms(), problem: 'node_modules is missing or older than package-lock.json: run `make layer` (it runs npm ci), then the tests' }
  }
  const r = make(['-s', 'layer', `ARCH=${testArch()}`])
  if (r.status !== 0) return { ok: false, rebuilt: false, ms: ms(), problem: `make layer failed (${r.error?.message ?? r.signal ?? r.status}):\n${r.stdout}${r.stderr}` }
  return { ok: true, rebuilt: !/is up to date/.test(r.stderr), ms: ms() }
}

export const STALE_HINT = 'No test runs against a stale extension binary: fix the build, or run `make layer` to see it.'
