// Builds the wait-for-init client package into the layer tree:
//   dist/layer/nodejs/node_modules/wait-for-init/{package.json,index.cjs,index.mjs,index.d.ts,index.d.mts,README.md,LICENSE}
// The layer build calls buildClient(); standalone: `npx tsx client/build.ts [--out DIR]`.
// Output is deterministic (no timestamps), so the layer zip stays reproducible.
import { buildSync } from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'

const USAGE = 'usage: npx tsx client/build.ts [--out DIR]   (default DIR: dist/layer/nodejs/node_modules/wait-for-init)'

export function buildClient(root: string, out: string): string[] {
  const { version, license } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string; license: string }
  const banner = `// wait-for-init client ${version} (${license}). Signals the wait-for-init Lambda extension; see README.md.`
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
  fs.copyFileSync(path.join(root, 'LICENSE'), path.join(out, 'LICENSE')) // the package is redistributed on its own too
  const pkg = {
    name: 'wait-for-init',
    version,
    description: 'Tell the wait-for-init AWS Lambda extension that asynchronous initialization is done',
    license,
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

if (require.main === module) {
  const root = path.resolve(__dirname, '..')
  let out: string
  try {
    const { values } = parseArgs({ options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true })
    if (values.help) {
      console.log(USAGE)
      process.exit(0)
    }
    out = path.resolve(values.out ?? path.join(root, 'dist', 'layer', 'nodejs', 'node_modules', 'wait-for-init'))
  } catch (err) {
    console.error(`client/build.ts: ${(err as Error).message}\n${USAGE}`)
    process.exit(2)
  }
  try {
    const files = buildClient(root, out)
    console.log(`client/build.ts: wrote ${files.join(', ')} to ${path.relative(process.cwd(), out) || '.'}`)
  } catch (err) {
    console.error(`client/build.ts: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  }
}
