// esbuild plugin: marks modules of a dependency as free of side effects, so esbuild drops them
// when nothing of theirs is used (their package.json could say so with "sideEffects", but does
// not). Used for node-fetch's graph, where two modules do work at load that the extension never
// needs, each measured in docs/performance.md:
//   fetch-blob/from.js    fileFrom()/blobFrom() helpers node-fetch only re-exports; at load it
//                         reads fs.promises, which loads Node's fs/promises, readline and os.
//   fetch-blob/streams.cjs  a polyfill for Node < 18 (ReadableStream, Blob#stream); its check
//                         `globalThis.ReadableStream` alone loads Node's web streams.
// Nothing changes for code that does use them: an import of fileFrom (or File, through
// node-fetch's multipart parser, loaded by Response#formData()) still bundles and runs from.js.
import type { Plugin } from 'esbuild'
import { isBuiltin } from 'node:module'

export interface SideEffectFreeOptions {
  /** Resolved file paths (forward slashes) to mark. */
  files: RegExp
}

export function sideEffectFree(options: SideEffectFreeOptions): Plugin {
  return {
    name: 'side-effect-free',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.sideEffectFree) return undefined // our own nested resolve below
        if (isBuiltin(args.path) || !/[\\/]node_modules[\\/]/.test(args.importer)) return undefined
        const result = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { sideEffectFree: true } })
        if (result.errors.length > 0 || !options.files.test(result.path.replace(/\\/g, '/'))) return undefined
        return { ...result, sideEffects: false }
      })
    },
  }
}
