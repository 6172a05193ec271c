// build-scripts/lazy-builtins.ts: node-fetch bundled through the plugin leaves https, tls and
// zlib unloaded until used, and the paths that need them still work when taken: an https URL
// really starts a TLS handshake, a gzip answer is really inflated. Bundles are run by a child
// node so that the module load list is the bundle's own.
import t from 'tap'
import { build } from 'esbuild'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import zlib from 'node:zlib'
import { lazyBuiltins } from '../../build-scripts/lazy-builtins'
import { LAZY_BUILTINS } from '../../build-scripts/bundle'
import { httpServer, shortTempDir } from './helpers'

const ROOT = path.resolve(__dirname, '..', '..')

async function bundleScript(t: { teardown(fn: () => void): void }, source: string, importers?: RegExp): Promise<string> {
  const dir = shortTempDir(t)
  const entry = path.join(dir, 'entry.ts')
  fs.writeFileSync(entry, source)
  const outfile = path.join(dir, 'out.cjs')
  await build({
    entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent',
    nodePaths: [path.join(ROOT, 'node_modules')], plugins: [lazyBuiltins({ modules: LAZY_BUILTINS, importers })],
  })
  return outfile
}

/** Runs the bundle; it prints one JSON line. */
function run(file: string, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? ''))
      } catch {
        reject(new Error(`bundle exited ${code}: ${out} ${err}`))
      }
    })
  })
}

const LOADED = `const loaded = () => (process as any).moduleLoadList.filter((m: string) => /^NativeModule (https|tls|_tls_wrap|zlib|http)$/.test(m)).map((m: string) => m.slice(13))`

t.test('node-fetch through the plugin: a plain http fetch loads neither https, tls nor zlib', async (t) => {
  const addr = await httpServer(t, (_req, res) => res.end('plain'))
  const file = await bundleScript(t, `import fetch from 'node-fetch'\n${LOADED}
const atImport = loaded()
fetch('http://${addr}/').then((r) => r.text()).then((body) => console.log(JSON.stringify({ atImport, afterFetch: loaded(), body })))`)
  const r = await run(file)
  t.equal(r.body, 'plain')
  t.same(r.atImport, ['http'], 'only http at import')
  t.same(r.afterFetch, ['http'], 'still only http after a plain request')
})

t.test('a gzip answer is still inflated: zlib loads on first use', async (t) => {
  const addr = await httpServer(t, (_req, res) => {
    res.writeHead(200, { 'Content-Encoding': 'gzip' })
    res.end(zlib.gzipSync('inflated by the lazy zlib'))
  })
  const file = await bundleScript(t, `import fetch from 'node-fetch'\n${LOADED}
fetch('http://${addr}/').then((r) => r.text()).then((body) => console.log(JSON.stringify({ body, loaded: loaded() })))`)
  const r = await run(file)
  t.equal(r.body, 'inflated by the lazy zlib')
  t.ok((r.loaded as string[]).includes('zlib'), 'zlib loaded once a gzip answer arrived')
})

t.test('an https URL still starts a TLS handshake: https and tls load on first use', async (t) => {
  // A raw TCP server sees the ClientHello (record type 0x16) and hangs up.
  let firstByte: number | undefined
  const tcp = net.createServer((s) => s.once('data', (d: Buffer) => ((firstByte = d[0]), s.destroy())))
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r))
  t.teardown(() => tcp.close())
  const port = (tcp.address() as net.AddressInfo).port
  const file = await bundleScript(t, `import fetch from 'node-fetch'\n${LOADED}
fetch('https://127.0.0.1:${port}/').then(() => 'answered', (e) => e.code ?? e.message).then((outcome) => console.log(JSON.stringify({ outcome, loaded: loaded() })))`)
  const r = await run(file)
  t.equal(firstByte, 0x16, 'the server received a TLS handshake record')
  t.match(r.outcome, /ECONNRESET|EPROTO|socket hang up/, `the fetch failed as a TLS client would: ${r.outcome}`)
  t.ok(['https', 'tls'].every((m) => (r.loaded as string[]).includes(m)), `https and tls loaded: ${r.loaded}`)
})

t.test('the stand-ins forward everything: calls, constants, `in`, keys, require() flavour', async (t) => {
  const file = await bundleScript(
    t,
    `import zlib from 'zlib'\nimport https from 'node:https'\n${LOADED}
const before = loaded()
const cjs = require('node:zlib')
const out = zlib.gunzipSync(cjs.gzipSync(Buffer.from('round trip'))).toString()
console.log(JSON.stringify({ before, out, flush: zlib.Z_SYNC_FLUSH, has: 'createGunzip' in zlib, keys: Object.keys(zlib).includes('gzipSync'),
  agent: https.globalAgent instanceof https.Agent, after: loaded() }))`,
    /./, // this test's own entry is the importer
  )
  const r = await run(file)
  t.same(r.before, [], 'nothing loaded before first use')
  t.equal(r.out, 'round trip')
  t.equal(r.flush, zlib.constants.Z_SYNC_FLUSH)
  t.equal(r.has, true)
  t.equal(r.keys, true)
  t.equal(r.agent, true)
  t.ok(['https', 'zlib'].every((m) => (r.after as string[]).includes(m)))
})

t.test('a named import from a deferred built-in fails the build loudly', async (t) => {
  await t.rejects(bundleScript(t, `import { gzipSync } from 'node:zlib'\nconsole.log(gzipSync)`, /./), { message: /No matching export/ })
})

t.test('imports from outside the importers pattern are left alone', async (t) => {
  const file = await bundleScript(t, `import zlib from 'node:zlib'\n${LOADED}\nconsole.log(JSON.stringify({ loaded: loaded(), ok: typeof zlib.gzipSync }))`)
  const r = await run(file)
  t.ok((r.loaded as string[]).includes('zlib'), 'our own code gets the real module, loaded at once')
})
