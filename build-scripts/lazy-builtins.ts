// esbuild plugin: Node built-ins that a bundled dependency imports but (in our use) never calls
// are replaced by stand-ins that load the real module on first use. node-fetch imports https
// (which pulls in tls), zlib and, through fetch-blob, stream/web at load time; the extension only
// ever speaks plain, uncompressed HTTP to the Extensions API on localhost, so on its path those
// modules cost start-up time and memory for nothing (docs/performance.md has the figures).
// Nothing is removed: the first property access (https.request, zlib.createGunzip, ...) loads
// the real module and forwards to it, so an https URL or a gzip answer still works.
import type { Plugin } from 'esbuild'

export interface LazyBuiltinsOptions {
  /** Built-ins to defer, without the `node:` prefix (both spellings are matched). */
  modules: readonly string[]
  /** Only imports made by files whose path matches are replaced (default: under node_modules). */
  importers?: RegExp
}

const NAMESPACE = 'lazy-builtin'

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

/**
 * The stand-in: a Proxy whose every trap loads the real module once and forwards to it. An
 * `import x from` gets it as the ESM default export, so esbuild's interop never enumerates it at
 * load time; a `require()` gets it as module.exports. Named ESM imports (`import {request} from
 * 'https'`) are not supported and fail the build loudly ("No matching export"), because a named
 * binding would have to be read, and so loaded, at import time.
 */
export function standInSource(name: string, flavour: 'esm' | 'cjs'): string {
  const proxy = [
    'let real',
    `const load = () => (real ??= require(${JSON.stringify(`node:${name}`)}))`,
    'const standIn = new Proxy({}, {',
    '  get: (_, key) => load()[key],',
    '  set: (_, key, value) => ((load()[key] = value), true),',
    '  has: (_, key) => key in load(),',
    '  ownKeys: () => Reflect.ownKeys(load()),',
    '  getOwnPropertyDescriptor: (_, key) => {',
    '    const d = Reflect.getOwnPropertyDescriptor(load(), key)',
    // The empty target has no such property: a descriptor for it must be configurable.
    '    return d && { ...d, configurable: true }',
    '  },',
    '  getPrototypeOf: () => Reflect.getPrototypeOf(load()),',
    '})',
  ]
  return [...proxy, flavour === 'esm' ? 'export default standIn' : 'module.exports = standIn', ''].join('\n')
}

export function lazyBuiltins(options: LazyBuiltinsOptions): Plugin {
  const names = [...new Set(options.modules.map((m) => m.replace(/^node:/, '')))]
  if (names.length === 0) throw new Error('lazyBuiltins: no modules given')
  const importers = options.importers ?? /[\\/]node_modules[\\/]/
  const filter = new RegExp(`^(node:)?(${names.map(escape).join('|')})$`)
  return {
    name: 'lazy-builtins',
    setup(build) {
      build.onResolve({ filter }, (args) => {
        // The stand-in's own require() of the real module falls through to esbuild (external).
        if (args.namespace === NAMESPACE || !importers.test(args.importer)) return undefined
        const name = args.path.replace(/^node:/, '')
        const flavour = args.kind === 'require-call' ? 'cjs' : 'esm'
        return { path: `${flavour}:${name}`, namespace: NAMESPACE }
      })
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const [flavour, name] = args.path.split(':') as ['esm' | 'cjs', string]
        return { contents: standInSource(name, flavour), loader: 'js', resolveDir: process.cwd() }
      })
    },
  }
}
