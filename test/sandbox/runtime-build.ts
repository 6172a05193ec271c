// Transpiles runtime/bootstrap.ts once per process (esbuild) for the sandbox's runtime process.
import { buildSync } from 'esbuild'
import path from 'node:path'

let cached: string | null = null

/** test/sandbox/runtime/bootstrap.ts, beside this file. */
export function bootstrapSourcePath(): string {
  return path.join(__dirname, 'runtime', 'bootstrap.ts')
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
