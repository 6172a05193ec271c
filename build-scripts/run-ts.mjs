// Runs a TypeScript entry point with the host's node: esbuild bundles it (npm packages stay
// external) into dist/.cache and the result is executed in this process with the remaining
// arguments. Used by `npm run sandbox`, `make run-local` and `make bench`.
import { buildSync } from 'esbuild'
import { createRequire } from 'node:module'
import fs from 'node:fs'
import path from 'node:path'

const [entry, ...args] = process.argv.slice(2)
if (!entry) {
  console.error('usage: node build-scripts/run-ts.mjs ENTRY.ts [args...]')
  process.exit(2)
}
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const outfile = path.join(root, 'dist', '.cache', entry.replace(/[\\/]/g, '__').replace(/\.ts$/, '.cjs'))
const result = buildSync({
  entryPoints: [path.resolve(entry)],
  outfile,
  write: false,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'error',
})
// Write-then-rename: parallel callers (tests run two files at once) never read a half-written file.
fs.mkdirSync(path.dirname(outfile), { recursive: true })
const temp = `${outfile}.${process.pid}.tmp`
fs.writeFileSync(temp, result.outputFiles[0].contents)
fs.renameSync(temp, outfile)
process.argv = [process.argv[0], outfile, ...args]
createRequire(import.meta.url)(outfile)
