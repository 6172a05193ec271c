// A bundled TypeScript function (examples/bundled-typescript) built the way CDK NodejsFunction and
// SAM's esbuild builder do: the client installed from the packed tarball (offline), esbuild, and
// the result run in the sandbox with the real layer.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildSync } from 'esbuild'
import t from 'tap'
import { packClient } from '../../build-scripts/client-package'
import { Sandbox } from '../sandbox'
import { requireLayer } from '../integration/harness'

const ROOT = path.resolve(__dirname, '..', '..')
const EXAMPLE = path.join(ROOT, 'examples', 'bundled-typescript')
const VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string

interface State { warm: boolean; signal: string; msSinceLoad: number }

t.test('bundled TypeScript function: installable tarball, esbuild, warm on the first invoke', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-bundled-'))
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }))

  // 1. The tarball: what `make layer` writes to dist/.
  const tgz = await packClient(ROOT, tmp)
  t.equal(path.basename(tgz), `wait-for-init-${VERSION}.tgz`)
  const listing = spawnSync('tar', ['tzf', tgz], { encoding: 'utf8' }).stdout.trim().split('\n').sort()
  t.same(listing, ['package/LICENSE', 'package/README.md', 'package/index.cjs', 'package/index.d.mts', 'package/index.d.ts', 'package/index.mjs', 'package/package.json'])

  // 2. A project: the example's sources, the client installed from the tarball with no network.
  const project = path.join(tmp, 'project')
  fs.cpSync(path.join(EXAMPLE, 'src'), path.join(project, 'src'), { recursive: true })
  for (const f of ['package.json', 'tsconfig.json']) fs.copyFileSync(path.join(EXAMPLE, f), path.join(project, f))
  const install = spawnSync('npm', ['install', '--no-save', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', tgz], {
    cwd: project, encoding: 'utf8', timeout: 120_000, env: { ...process.env, npm_config_update_notifier: 'false' },
  })
  t.equal(install.status, 0, `npm install of the tarball, offline: ${install.stderr}`)
  t.ok(fs.existsSync(path.join(project, 'node_modules', 'wait-for-init', 'index.d.ts')), 'installed with its types')

  // 3. The types check against the installed package (moduleResolution bundler).
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(project, 'tsconfig.json')], { encoding: 'utf8', timeout: 120_000 })
  t.equal(tsc.status, 0, `tsc: ${tsc.stdout}${tsc.stderr}`)

  // 4. Two bundles: the client inlined, and the client external (left to the layer).
  const bundle = (name: string, external: string[]): string => {
    const dir = path.join(tmp, name)
    buildSync({
      entryPoints: [path.join(project, 'src', 'index.ts')], outfile: path.join(dir, 'index.js'), absWorkingDir: project,
      bundle: true, platform: 'node', target: 'node20', format: 'cjs', external, logLevel: 'error',
    })
    return dir
  }
  const inlined = bundle('inlined', [])
  const external = bundle('external', ['wait-for-init'])
  const inlinedCode = fs.readFileSync(path.join(inlined, 'index.js'), 'utf8')
  const externalCode = fs.readFileSync(path.join(external, 'index.js'), 'utf8')
  t.match(inlinedCode, /\[wait-for-init client\]/, 'inlined: the client code is in the bundle')
  t.notMatch(inlinedCode, /require\("wait-for-init"\)/)
  t.match(externalCode, /require\("wait-for-init"\)/, 'external: resolved at run time')
  t.notMatch(externalCode, /\[wait-for-init client\]/, 'external: no client code in the bundle')

  // 5. Both run warm with the layer.
  for (const [name, dir] of [['inlined', inlined], ['external', external]] as const) {
    const sb = new Sandbox({ functionDir: dir, layers: [requireLayer()], mode: 'provisioned', env: { WARMING_TIMEOUT: '5000' } })
    t.teardown(() => sb.close())
    const init = await sb.init()
    t.notOk(init.failed, `${name}: Init ok`)
    t.ok(init.heldMs >= 700, `${name}: Init held ${Math.round(init.heldMs)} ms for the 1 s warm-up`)
    await sb.idle(200)
    const state = (await sb.invoke({})).result as State
    t.equal(state.warm, true, `${name}: warm on the first invoke`)
    t.equal(state.signal, 'accepted', `${name}: the extension took the signal`)
    await sb.close()
  }

  // 6. The external bundle really uses the layer's copy: without the layer it cannot load.
  const bare = new Sandbox({ functionDir: external, mode: 'provisioned' })
  t.teardown(() => bare.close())
  const noLayer = await bare.init()
  t.ok(noLayer.failed, 'external bundle without the layer: Init fails')
  t.equal(noLayer.errorType, 'Runtime.ImportModuleError')
})
