// Bundles the extension's TypeScript into one CommonJS file for the SEA: Node's SEA runs a
// single CommonJS script and cannot load files from the layer, so everything, node-fetch v3
// (ESM-only) included, must be inside it.
import { build } from 'esbuild'
import fs from 'node:fs'
import { Metafile } from './licenses/bundled-packages'
import { BuildError } from './errors'
import { lazyBuiltins } from './lazy-builtins'
import { sideEffectFree } from './side-effect-free'

/**
 * Built-ins node-fetch imports but never calls on the extension's path (plain, uncompressed
 * HTTP on localhost): loaded on first use instead of at start (lazy-builtins.ts). `tls` comes
 * in only through `https`; it is listed for any other importer in the graph.
 */
export const LAZY_BUILTINS = ['https', 'tls', 'zlib'] as const

/** Modules of node-fetch's graph whose load-time work the extension never needs (side-effect-free.ts). */
export const SIDE_EFFECT_FREE = /[\\/]node_modules[\\/]fetch-blob[\\/](from\.js|streams\.cjs)$/

export interface BundleOptions {
  entry: string
  outfile: string
  /** Value of the WAIT_FOR_INIT_VERSION constant the entry declares. */
  version: string
  /** esbuild target; the embedded Node's major line. */
  target: string
  /**
   * Where to write esbuild's metafile (the bundle's real inputs, after tree-shaking): the notices
   * and the SBOM are made from it. Its paths are relative to `workingDir`.
   */
  metafile?: string
  /** Folder the metafile's paths are relative to (default: the current directory). */
  workingDir?: string
}

export interface BundleResult {
  outfile: string
  bytes: number
  warnings: string[]
  /** The metafile written (when asked for) and the folder its paths are relative to. */
  metafile?: string
  workingDir: string
}

/** esbuild's build() with the extension's options; `write: false` keeps the output in memory. */
async function runEsbuild(opts: BundleOptions, write: boolean) {
  if (!fs.existsSync(opts.entry)) throw new BuildError(`bundle entry ${opts.entry} does not exist`)
  try {
    return await build({
      entryPoints: [opts.entry],
      outfile: opts.outfile,
      write,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: opts.target,
      minify: true,
      sourcemap: false,
      legalComments: 'eof',
      define: { WAIT_FOR_INIT_VERSION: JSON.stringify(opts.version) },
      logLevel: 'silent',
      absWorkingDir: opts.workingDir ?? process.cwd(),
      metafile: true,
      plugins: [sideEffectFree({ files: SIDE_EFFECT_FREE }), lazyBuiltins({ modules: LAZY_BUILTINS })],
    })
  } catch (err) {
    const errors = (err as { errors?: { text: string; location?: { file: string; line: number } }[] }).errors ?? []
    const detail = errors.map((e) => `  ${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('\n')
    throw new BuildError(`esbuild could not bundle ${opts.entry}${detail ? `:\n${detail}` : `: ${(err as Error).message}`}`)
  }
}

export async function bundle(opts: BundleOptions): Promise<BundleResult> {
  const result = await runEsbuild(opts, true)
  const warnings = result.warnings.map((w) => `${w.location ? `${w.location.file}:${w.location.line}: ` : ''}${w.text}`)
  if (opts.metafile !== undefined) fs.writeFileSync(opts.metafile, `${JSON.stringify(result.metafile, null, 1)}\n`)
  return { outfile: opts.outfile, bytes: fs.statSync(opts.outfile).size, warnings, metafile: opts.metafile, workingDir: opts.workingDir ?? process.cwd() }
}

/** The metafile of the bundle `bundle()` would write, without writing anything (~0.2 s). */
export async function bundleMetafile(opts: Omit<BundleOptions, 'metafile'>): Promise<Metafile> {
  return (await runEsbuild(opts, false)).metafile as Metafile
}
