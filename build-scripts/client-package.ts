// Packs the Node client as an installable npm tarball, for functions that are bundled (esbuild,
// CDK NodejsFunction, SAM esbuild) and must resolve 'wait-for-init' at build time:
//   npx tsx build-scripts/client-package.ts [--out DIR]   (default dist/; `make client-package`)
// writes DIR/wait-for-init-<version>.tgz: `npm pack` of the same package directory the layer
// ships at nodejs/node_modules/wait-for-init (CJS, ESM, types, README). npm pack fixes every
// mtime and the gzip header, so the tarball is reproducible. No network is used.
import fs from 'node:fs'
import path from 'node:path'
import { parseOptions, runMain } from './cli'
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
    buildClientPackage(root, pkgDir)
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

const USAGE = 'usage: npx tsx build-scripts/client-package.ts [--out DIR]   (default dist/)'

if (require.main === module) {
  runMain('client-package', USAGE, async () => {
    const v = parseOptions(process.argv.slice(2), { out: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } })
    if (v.help) return void process.stdout.write(`${USAGE}\n`)
    const out = path.resolve(v.out ?? path.join(__dirname, '..', 'dist'))
    fs.mkdirSync(out, { recursive: true })
    const file = await packClient(path.resolve(__dirname, '..'), out)
    log(`wrote ${path.relative(process.cwd(), file)} (${fs.statSync(file).size} bytes)`)
  })
}
