// The x86_64 layer as `make layer` builds it: exact zip entries and modes, the tree beside it,
// an x86-64 ELF that runs with no node on PATH and ignores NODE_OPTIONS, sizes within Lambda's
// limits, no-op rebuilds, and byte-for-byte reproducibility (the SBOM too). The notices' content:
// notices.test.ts.
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { EM_X86_64, readElfHeader } from '../../build-scripts/elf'
import { readZip } from '../../build-scripts/zip'
import { buildPythonClient, PYTHON_CLIENT_PATH } from '../../build-scripts/python-client'
import { NODE_LICENSE_PATH, NOTICES_DIR, PROJECT_LICENSE_PATH, THIRD_PARTY_NOTICES_PATH } from '../../build-scripts/licenses/notices'
import { DIST, ROOT, TEST_OUT, buildScript, ensureLayer, head, run, runTs, sha256File } from './helpers'

const EXT = 'extensions/wait-for-init'

/** What the client's own build writes, so the expected layer follows the client package. */
async function clientFiles(): Promise<string[]> {
  if (!fs.existsSync(path.join(ROOT, 'client', 'build.ts'))) return []
  const out = path.join(TEST_OUT, 'client-listing')
  fs.rmSync(out, { recursive: true, force: true })
  const r = await runTs('client/build.ts', ['--out', out])
  if (r.code !== 0) throw new Error(`client/build.ts failed: ${r.stderr}`)
  const files: string[] = []
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(out, rel)).sort()) {
      const child = rel ? `${rel}/${name}` : name
      if (fs.statSync(path.join(out, child)).isDirectory()) walk(child)
      else files.push(child)
    }
  }
  walk('')
  return files
}

t.test('make layer writes the zip and tree with exactly the expected entries', async (t) => {
  const zipPath = await ensureLayer('x86_64')
  const entries = readZip(fs.readFileSync(zipPath))
  const client = await clientFiles()
  // extensions/ holds the executable alone: Lambda starts every file there (docs/lambda-lifecycle.md §2.2).
  const expected = ['extensions/', EXT, `${NOTICES_DIR}/`, PROJECT_LICENSE_PATH, NODE_LICENSE_PATH, THIRD_PARTY_NOTICES_PATH]
  if (client.length) {
    expected.push('nodejs/', 'nodejs/node_modules/', 'nodejs/node_modules/wait-for-init/')
    expected.push(...client.map((f) => `nodejs/node_modules/wait-for-init/${f}`))
    // The Python client comes with the Node one (build-scripts/python-client.ts).
    const python = buildPythonClient(ROOT, path.join(TEST_OUT, 'python-listing', 'wait_for_init'))
    expected.push('python/', `${PYTHON_CLIENT_PATH}/`, ...python.map((f) => `${PYTHON_CLIENT_PATH}/${f}`))
  }
  t.same(entries.map((e) => e.name).sort(), expected.sort(), 'entry names')
  t.same(
    entries.map((e) => e.name),
    [...entries.map((e) => e.name)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    'entries sorted',
  )
  for (const e of entries) {
    const want = e.isDirectory || e.name === EXT ? 0o755 : 0o644
    t.equal(e.mode, want, `${e.name} mode ${want.toString(8)}`)
  }

  // The unpacked tree is the same layer.
  const tree = path.join(DIST, 'layer')
  t.equal(fs.statSync(path.join(tree, EXT)).mode & 0o777, 0o755, 'tree binary is 0755')
  for (const e of entries.filter((e) => !e.isDirectory)) {
    t.same(fs.readFileSync(path.join(tree, e.name)), e.data, `tree matches zip: ${e.name}`)
  }
})

t.test('the extension is an x86-64 ELF SEA that needs no node on PATH', async (t) => {
  await ensureLayer('x86_64')
  const bin = path.join(DIST, 'layer', EXT)
  const elf = readElfHeader(head(bin))
  t.equal(elf.machine, EM_X86_64, 'e_machine x86-64')
  t.equal(elf.elfClass, 2, 'ELF64')
  t.equal(elf.dataEncoding, 1, 'little endian')

  const r = await run('env', ['-i', bin, '--version'], { timeoutMs: 20_000 })
  t.equal(r.code, 0, r.stderr)
  const info = JSON.parse(r.stdout) as Record<string, unknown>
  const pins = JSON.parse(fs.readFileSync(path.join(ROOT, 'build-scripts', 'node-pins.json'), 'utf8')) as { default: string }
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }
  t.match(info, { name: 'wait-for-init', version: pkg.version, node: `v${pins.default}`, arch: 'x64', sea: true })
  t.equal(r.stderr, '', 'no experimental-SEA warning or anything else on stderr')

  // The function's NODE_OPTIONS must not reach the embedded Node: a flag meant for the function must not break the extension.
  const n = await run('env', ['-i', 'NODE_OPTIONS=--require /nonexistent.js', bin, '--version'], { timeoutMs: 20_000 })
  t.equal(n.code, 0, n.stderr)
  t.same(JSON.parse(n.stdout), info)

  // Outside Lambda it must fail fast and say so in its own log format, not hang.
  const o = await run('env', ['-i', bin], { timeoutMs: 20_000 })
  t.not(o.code, 0, 'exits non-zero without AWS_LAMBDA_RUNTIME_API')
  const lines = `${o.stdout}${o.stderr}`.trim().split('\n')
  t.ok(lines.length > 0 && lines.every((l) => l.startsWith('[wait-for-init]')), `every line starts with [wait-for-init]: ${lines.join(' | ')}`)
})

t.test('sizes fit Lambda and the manifest tells the truth', async (t) => {
  const zipPath = await ensureLayer('x86_64')
  const manifest = JSON.parse(fs.readFileSync(path.join(DIST, 'wait-for-init-x86_64.build.json'), 'utf8'))
  const zipBytes = fs.statSync(zipPath).size
  const binBytes = fs.statSync(path.join(DIST, 'layer', EXT)).size
  t.equal(manifest.zip.bytes, zipBytes)
  t.equal(manifest.zip.sha256, sha256File(zipPath))
  t.equal(manifest.bytes.extension, binBytes)
  t.ok(manifest.bytes.nodeStripped < manifest.bytes.nodeOriginal, 'the embedded Node was stripped')
  t.ok(binBytes > manifest.bytes.nodeStripped, 'the blob was injected into the stripped binary')
  t.ok(zipBytes < 50 * 1024 * 1024, `zip ${zipBytes} below the 50 MB direct-upload limit`)
  t.ok(manifest.bytes.unzipped < 250 * 1024 * 1024, 'unzipped below the 250 MB limit')
  t.comment(
    `node ${manifest.bytes.nodeOriginal} -> stripped ${manifest.bytes.nodeStripped} -> SEA ${binBytes}; ` +
      `zip ${zipBytes} (level ${manifest.config.zipLevel}); bundle ${manifest.bytes.bundle}; build ${manifest.timingsMs.total} ms`,
  )
})

t.test('an unchanged tree is not rebuilt', async (t) => {
  const zipPath = await ensureLayer('x86_64')
  const before = fs.statSync(zipPath).mtimeMs
  const r = await buildScript(['--arch', 'x86_64'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stderr, /is up to date/)
  t.equal(fs.statSync(zipPath).mtimeMs, before, 'zip untouched')
})

t.test('reproducible: a second build elsewhere gives the same bytes, from the cached Node', async (t) => {
  const zipPath = await ensureLayer('x86_64')
  const out = path.join(TEST_OUT, 'repro-x86_64')
  fs.rmSync(out, { recursive: true, force: true })
  const r = await buildScript(['--arch', 'x86_64', '--out', out, '--force'])
  t.equal(r.code, 0, r.stderr)
  t.notMatch(r.stderr, /fetching node-linux/, 'no download: the cached, verified tarball is reused')
  t.equal(sha256File(path.join(out, 'wait-for-init-x86_64.zip')), sha256File(zipPath), 'identical zip sha256')
  t.equal(sha256File(path.join(out, 'wait-for-init-x86_64.cdx.json')), sha256File(path.join(DIST, 'wait-for-init-x86_64.cdx.json')), 'identical SBOM')
  fs.rmSync(out, { recursive: true, force: true })
})
