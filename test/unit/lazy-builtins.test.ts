// build-scripts/lazy-builtins.ts and side-effect-free.ts, as bundle.ts uses them: node-fetch
// bundled through them leaves https, tls, zlib, fs/promises and web streams unloaded until used,
// and the paths that need them still work when taken: an https URL really starts a TLS
// handshake, a gzip answer is really inflated, fileFrom() and multipart formData() still work.
// Bundles are run by a child node so that the module load list is the bundle's own.
import t from 'tap'
import { build } from 'esbuild'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { lazyBuiltins } from '../../build-scripts/lazy-builtins'
import { LAZY_BUILTINS, SIDE_EFFECT_FREE } from '../../build-scripts/bundle'
import { sideEffectFree } from '../../build-scripts/side-effect-free'
import { httpServer, shortTempDir } from './helpers'

const ROOT = path.resolve(__dirname, '..', '..')
// The embedded Node line when the build cache has it (what the SEA runs), else the host's node.
const CACHED_NODE = path.join(os.homedir(), '.cache', 'wait-for-init', 'node-v24.21.0-linux-x64', 'node.stripped')
const NODE = fs.existsSync(CACHED_NODE) ? CACHED_NODE : process.execPath

async function bundleScript(t: { teardown(fn: () => void): void }, source: string, importers?: RegExp): Promise<string> {
  const dir = shortTempDir(t)
  const entry = path.join(dir, 'entry.ts')
  fs.writeFileSync(entry, source)
  const outfile = path.join(dir, 'out.cjs')
  await build({
    entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent',
    nodePaths: [path.join(ROOT, 'node_modules')], plugins: [sideEffectFree({ files: SIDE_EFFECT_FREE }), lazyBuiltins({ modules: LAZY_BUILTINS, importers })],
  })
  return outfile
}

/** Runs the bundle; it prints one JSON line. */
function run(file: string, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [file], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
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

/** What a bundle with no imports already has loaded on this node (e.g. Node 20 loads fs/promises at start). */
let baseline: Promise<string[]> | undefined
function preloaded(t: { teardown(fn: () => void): void }): Promise<string[]> {
  baseline ??= bundleScript(t, `${LOADED}\nconsole.log(JSON.stringify({ loaded: loaded() }))`).then(run).then((r) => r.loaded as string[])
  return baseline
}
async function loadedBy(t: { teardown(fn: () => void): void }, list: unknown): Promise<string[]> {
  const base = new Set(await preloaded(t))
  return (list as string[]).filter((m) => m === 'http' || !base.has(m))
}

const LOADED = `const loaded = () => (process as any).moduleLoadList.filter((m: string) => /^NativeModule (https|tls|_tls_wrap|zlib|http|internal\\/fs\\/promises|internal\\/webstreams\\/readablestream)$/.test(m)).map((m: string) => m.slice(13))`

t.test('node-fetch through the plugin: a plain http fetch loads neither https, tls nor zlib', async (t) => {
  const addr = await httpServer(t, (_req, res) => res.end('plain'))
  const file = await bundleScript(t, `import fetch from 'node-fetch'\n${LOADED}
const atImport = loaded()
fetch('http://${addr}/').then((r) => r.text()).then((body) => console.log(JSON.stringify({ atImport, afterFetch: loaded(), body })))`)
  const r = await run(file)
  t.equal(r.body, 'plain')
  t.same(await loadedBy(t, r.atImport), ['http'], 'only http at import')
  t.same(await loadedBy(t, r.afterFetch), ['http'], 'still only http after a plain request')
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
  t.same((await loadedBy(t, r.before)).filter((m) => m !== 'http'), [], 'nothing loaded before first use')
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

t.test('fetch-blob helpers dropped when unused still work when used: fileFrom, and formData() parsing', async (t) => {
  const dir = shortTempDir(t)
  const file = path.join(dir, 'data.txt')
  fs.writeFileSync(file, 'file contents')
  const addr = await httpServer(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'multipart/form-data; boundary=XyZ' })
    res.end('--XyZ\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n')
  })
  const out = await bundleScript(t, `import fetch, { fileFrom } from 'node-fetch'\n${LOADED}
const atImport = loaded()
fileFrom(${JSON.stringify(file)}).then((f) => f.text()).then(async (text) => {
  const form = await (await fetch('http://${addr}/')).formData()
  const part = form.get('f')
  console.log(JSON.stringify({ atImport, text, name: part.name, part: await part.text(), after: loaded() }))
})`)
  const r = await run(out)
  t.equal(r.text, 'file contents', 'fileFrom works')
  t.equal(r.name, 'a.txt')
  t.equal(r.part, 'hello', 'multipart parsing (File from fetch-blob/from.js) works')
})

t.test('the bundle without fileFrom leaves fs/promises and web streams unloaded', async (t) => {
  t.comment(`run by ${NODE}; preloaded by that node: ${(await preloaded(t)).join(' ') || 'none of the watched modules'}`)
  const file = await bundleScript(t, `import fetch from 'node-fetch'\n${LOADED}\nconsole.log(JSON.stringify({ loaded: loaded(), fetch: typeof fetch }))`)
  const r = await run(file)
  t.equal(r.fetch, 'function')
  t.same(await loadedBy(t, r.loaded), ['http'], 'no internal/fs/promises, no web streams beyond what node loads anyway')
})
