// tap's `before` program (package.json "tap": { "before": … }): tap runs it once before any test
// file, also when a single file is run with `npx tap test/…`. It brings dist/ up to date, so no
// test ever runs a binary older than the sources in extension-src/, protocol/ or client/. A
// failed build stops the run.
import { bringLayerUpToDate, STALE_HINT } from './layer-freshness'
import { testArch } from './test-arch'

const r = bringLayerUpToDate()
if (!r.ok) {
  process.stderr.write(`ensure-layer: ${r.problem}\n${STALE_HINT}\n`)
  process.exit(1)
}
process.stderr.write(`ensure-layer: the ${testArch()} layer ${r.rebuilt ? 'rebuilt from changed sources' : 'matches the sources'} (${r.ms} ms)\n`)
