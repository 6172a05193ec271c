// Packs the Node client as an installable npm tarball, for functions that are bundled (esbuild,
// CDK NodejsFunction, SAM esbuild) and must resolve 'wait-for-init' at build time:
//   node build-scripts/run-ts.mjs build-scripts/client-package.ts [--out DIR]   (default dist/)
// writes DIR/wait-for-init-<version>.tgz: `npm pack` of the same package directory the layer
// ships at nodejs/node_modules/wait-for-init (CJS, ESM, types, README). npm pack fixes every
// mtime and the gzip header, so the tarball is reproducible. No network is used.
import fs from 'node:fs'
import path from 'node:path'
import { repoRoot } from './config'
import { BuildError } from './errors'
import { buildClientPackage } from './layer'
import { describeFailure, runCommand } from './run-command'

const PACK_TIMEOUT_MS = 2 * 60_000
const log = (line: string) => process.stderr.write(`[client-package] ${line}\n`)

export async function packClient(root: string, outDir: string): Promise<string> {
  const work = path.join(outDir, '.client-package')
  fs.rmSync(work, { recursive: true, force: true })
  const pkgDir = path.join(work, 'wait-for-init')
  fs.mkdirSync(work, { recursive: true })
  try {
    if (!(await buildClientPackage(root, pkgDir, work, log))) throw new BuildError('client/build.ts is missing: nothing to pack')
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' }
    const r = await runCommand(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: pkgDir, env, timeoutMs: PACK_TIMEOUT_MS })
    if (r.code !== 0) throw new BuildError(describeFailure('npm pack', r, PACK_TIMEOUT_MS))
    const [info] = JSON.parse(r.stdout) as { filename: string }[]
    const target = path.join(outDir, path.basename(info.filename))
    fs.renameSync(path.join(work, info.filename), target)
    return target
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

if (process.argv[1]?.includes('build-scripts__client-package')) {
  const argv = process.argv.slice(2)
  const root = repoRoot()
  let out = path.join(root, 'dist')
  if (argv[0] === '--out' && argv[1] && argv.length === 2) out = path.resolve(argv[1])
  else if (argv.length) {
    process.stderr.write(`[client-package] error: unknown arguments ${JSON.stringify(argv)} (usage: client-package.ts [--out DIR])\n`)
    process.exit(2)
  }
  fs.mkdirSync(out, { recursive: true })
  packClient(root, out).then(
    (file) => log(`wrote ${path.relative(process.cwd(), file)} (${fs.statSync(file).size} bytes)`),
    (err) => {
      process.stderr.write(`[client-package] error: ${err instanceof BuildError ? err.message : ((err as Error)?.stack ?? String(err))}\n`)
      process.exit(1)
    },
  )
}
