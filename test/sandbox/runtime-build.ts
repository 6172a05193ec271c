// Transpiles runtime/bootstrap.ts once per process (esbuild) for the sandbox's runtime process.
import { buildSync } from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'

let cached: string | null = null

/** test/sandbox/runtime/bootstrap.ts, found from here whether running from source or a bundle. */
export function bootstrapSourcePath(): string {
  const rel = path.join('test', 'sandbox', 'runtime', 'bootstrap.ts')
  for (let d = __dirname; ; d = path.dirname(d)) {
    const p = path.join(d, rel)
    if (fs.existsSync(p)) return p
    const local = path.join(d, 'runtime', 'bootstrap.ts')
    if (path.basename(d) === 'sandbox' && fs.existsSync(local)) return local
    if (d === path.dirname(d)) throw new Error(`cannot find ${rel} above ${__dirname}`)
  }
}

export function bootstrapCode(): string {
  if (cached) return cached
  const out = buildSync({
    entryPoints: [bootstrapSourcePath()],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'error',
  })
  cached = out.outputFiles[0].text
  return cached
}
