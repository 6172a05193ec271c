// The arm64 layer cross-built on this machine: same entries as x86_64, an aarch64 ELF, and, where
// Debian's qemu-user-static and the arm64 C/C++ runtime (libc6/libstdc++6/libgcc-s1-arm64-cross,
// see `make test-deps`) are installed, the binary's --version self-check run under qemu.
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { hostArch } from '../../build-scripts/arch'
import { EM_AARCH64, readElfHeader } from '../../build-scripts/elf'
import { readZip } from '../../build-scripts/zip'
import { DIST, ensureLayer, head, run, which } from './helpers'

const EXT = 'extensions/wait-for-init'
const SYSROOT = '/usr/aarch64-linux-gnu'
const native = hostArch()?.lambda === 'arm64'
const qemu = which('qemu-aarch64-static') ?? which('qemu-aarch64')
const qemuSkip = native
  ? false
  : !qemu
    ? 'qemu-aarch64-static not installed (apt-get install qemu-user-static, or make test-deps)'
    : !fs.existsSync(path.join(SYSROOT, 'lib', 'ld-linux-aarch64.so.1')) || !fs.existsSync(path.join(SYSROOT, 'lib', 'libstdc++.so.6'))
      ? `no arm64 runtime libraries in ${SYSROOT} (apt-get install libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross, or make test-deps)`
      : false

/** Command line that runs an arm64 program here: directly on arm64, else under qemu with the sysroot. */
function arm64Command(bin: string, args: string[]): string[] {
  return native ? [bin, ...args] : [qemu!, '-L', SYSROOT, bin, ...args]
}

t.test('make layer ARCH=arm64 writes an aarch64 layer with the same entries as x86_64', async (t) => {
  const armZip = await ensureLayer('arm64')
  const x86Zip = await ensureLayer('x86_64')
  const arm = readZip(fs.readFileSync(armZip))
  const x86 = readZip(fs.readFileSync(x86Zip))
  t.same(
    arm.map((e) => [e.name, e.mode]),
    x86.map((e) => [e.name, e.mode]),
    'same names and modes',
  )
  const bin = arm.find((e) => e.name === EXT)!
  t.equal(bin.mode, 0o755)
  t.equal(readElfHeader(bin.data).machine, EM_AARCH64, 'the zipped binary is ELF aarch64')
  const treeBin = path.join(DIST, 'layer-arm64', EXT)
  t.equal(readElfHeader(head(treeBin)).machine, EM_AARCH64, 'the tree binary is ELF aarch64')
  t.equal(readElfHeader(head(path.join(DIST, 'layer', EXT))).machine, 62, 'dist/layer stays x86_64')
  const manifest = JSON.parse(fs.readFileSync(path.join(DIST, 'wait-for-init-arm64.build.json'), 'utf8'))
  t.equal(manifest.config.sea.useCodeCache, false, 'no code cache in a cross build')
  t.equal(manifest.config.sea.useSnapshot, false, 'no snapshot in a cross build')
  t.comment(`arm64: SEA ${manifest.bytes.extension} bytes, zip ${manifest.zip.bytes} bytes`)
})

t.test('the arm64 binary passes its self-check under qemu', { skip: qemuSkip }, async (t) => {
  await ensureLayer('arm64')
  const bin = path.join(DIST, 'layer-arm64', EXT)
  const [cmd, ...args] = arm64Command(bin, ['--version'])
  const r = await run('env', ['-i', cmd, ...args], { timeoutMs: 60_000 })
  t.equal(r.code, 0, r.stderr)
  t.match(JSON.parse(r.stdout), { name: 'wait-for-init', arch: 'arm64', sea: true, node: /^v24\./ })
  t.equal(r.stderr, '')
  const n = await run('env', ['-i', 'NODE_OPTIONS=--require /nonexistent.js', cmd, ...args], { timeoutMs: 60_000 })
  t.equal(n.code, 0, `NODE_OPTIONS kept out on arm64 too: ${n.stderr}`)
})
