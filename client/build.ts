// Builds the wait-for-init client package into the layer tree:
//   dist/layer/nodejs/node_modules/wait-for-init/{package.json,index.cjs,index.mjs,index.d.ts,index.d.mts,README.md}
// Usage: node build-scripts/run-ts.mjs client/build.ts [--out DIR]
// Output is deterministic (no timestamps), so the layer zip stays reproducible.
import { buildSync } from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'

/** Finds the repository root above this file or the working directory (this file also runs
 *  bundled from dist/.cache, or from a temporary directory with the repo as cwd). */
function findRoot(starts: string[]): string {
  for (const start of starts) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, 'client', 'src', 'index.ts'))) return dir
      if (path.dirname(dir) === dir) break
    }
  }
  throw new Error(`client/build.ts: cannot find the repository root (client/src/index.ts) above ${starts.join(' or ')}`)
}

function parseArgs(argv: string[], root: string): { out: string } {
  let out = path.join(root, 'dist', 'layer', 'nodejs', 'node_modules', 'wait-for-init')
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1]) out = path.resolve(argv[++i])
    else throw new Error(`client/build.ts: unknown argument ${JSON.stringify(argv[i])} (usage: client/build.ts [--out DIR])`)
  }
  return { out }
}

export function buildClient(root: string, out: string): string[] {
  const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version as string
  const banner = `// wait-for-init client ${version} (MIT-0). Signals the wait-for-init Lambda extension; see README.md.`
  fs.rmSync(out, { recursive: true, force: true })
  fs.mkdirSync(out, { recursive: true })
  for (const [format, file] of [['cjs', 'index.cjs'], ['esm', 'index.mjs']] as const) {
    buildSync({
      entryPoints: [path.join(root, 'client', 'src', 'index.ts')],
      outfile: path.join(out, file),
      bundle: true,
      platform: 'node',
      format,
      target: 'node14', // every Node version Lambda has offered since 14
      banner: { js: banner },
      legalComments: 'none',
      logLevel: 'error',
    })
  }
  const types = fs.readFileSync(path.join(root, 'client', 'types', 'wait-for-init.d.ts'), 'utf8')
  fs.writeFileSync(path.join(out, 'index.d.ts'), types)
  fs.writeFileSync(path.join(out, 'index.d.mts'), types) // same file: it has no imports, only named exports
  fs.copyFileSync(path.join(root, 'client', 'README.md'), path.join(out, 'README.md'))
  const pkg = {
    name: 'wait-for-init',
    version,
    description: 'Tell the wait-for-init AWS Lambda extension that asynchronous initialization is done',
    license: 'MIT-0',
    main: './index.cjs',
    types: './index.d.ts',
    exports: {
      '.': {
        import: { types: './index.d.mts', default: './index.mjs' },
        require: { types: './index.d.ts', default: './index.cjs' },
      },
      './package.json': './package.json',
    },
    engines: { node: '>=14' },
  }
  fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`)
  return fs.readdirSync(out).sort()
}

if (require.main === module || process.argv[1]?.includes('client__build')) {
  try {
    const root = findRoot([__dirname, process.cwd()])
    const { out } = parseArgs(process.argv.slice(2), root)
    const files = buildClient(root, out)
    console.log(`client/build.ts: wrote ${files.join(', ')} to ${path.relative(process.cwd(), out) || '.'}`)
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err))
    process.exit(1)
  }
}
