// Repository paths, found by walking up from this file whether it runs from source (tests) or
// from the esbuild bundle in dist/.cache (run-ts.mjs).
import fs from 'node:fs'
import path from 'node:path'

export function repoRootFrom(start: string = __dirname): string {
  for (let d = path.resolve(start); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'bench', 'reference', 'layer'))) return d
    if (d === path.dirname(d)) throw new Error(`cannot find the repository (bench/reference/layer) above ${start}`)
  }
}

export const ROOT = repoRootFrom()
export const FUNCTION_DIR = path.join(ROOT, 'bench', 'fixtures', 'function')
export const REFERENCE_LAYER = path.join(ROOT, 'bench', 'reference', 'layer')
export const FLOOR_SCRIPT = path.join(ROOT, 'bench', 'floor', 'wait-for-init-floor.js')
