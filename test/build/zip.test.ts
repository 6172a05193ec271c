// The reproducible zip writer: round trip, modes, order, fixed timestamps, determinism, and an
// independent reader (Python's zipfile) agreeing on names, modes and contents.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { readZip, writeZip, crc32, ZipInput } from '../../build-scripts/zip'

const inputs: ZipInput[] = [
  { name: 'nodejs/', mode: 0o755 },
  { name: 'extensions/wait-for-init', mode: 0o755, data: Buffer.from('#!/bin/sh\necho hi\n'.repeat(100)) },
  { name: 'extensions/', mode: 0o755 },
  { name: 'nodejs/a.txt', mode: 0o644, data: Buffer.from('plain text') },
  { name: 'nodejs/empty', mode: 0o600, data: Buffer.alloc(0) },
  { name: 'nodejs/ünïcode.txt', mode: 0o644, data: Buffer.from('é') },
]

t.test('round trip keeps data and modes, sorts entries, marks directories', async (t) => {
  const entries = readZip(writeZip(inputs, 9))
  t.same(
    entries.map((e) => e.name),
    ['extensions/', 'extensions/wait-for-init', 'nodejs/', 'nodejs/a.txt', 'nodejs/empty', 'nodejs/ünïcode.txt'],
  )
  const byName = new Map(entries.map((e) => [e.name, e]))
  t.equal(byName.get('extensions/wait-for-init')!.mode, 0o755)
  t.equal(byName.get('extensions/wait-for-init')!.method, 8, 'compressible data is deflated')
  t.equal(byName.get('nodejs/a.txt')!.mode, 0o644)
  t.equal(byName.get('nodejs/empty')!.mode, 0o600)
  t.ok(byName.get('extensions/')!.isDirectory)
  t.notOk(byName.get('nodejs/a.txt')!.isDirectory)
  for (const i of inputs.filter((i) => i.data)) t.same(byName.get(i.name)!.data, i.data, i.name)
})

t.test('same input, same bytes; input order does not matter', async (t) => {
  const a = writeZip(inputs, 9)
  const b = writeZip([...inputs].reverse(), 9)
  t.same(a, b)
  t.notSame(writeZip(inputs, 1), a, 'the level changes the bytes')
})

t.test('level 0 stores, levels outside 0-9 and unsafe names are refused', async (t) => {
  t.ok(readZip(writeZip(inputs, 0)).every((e) => e.method === 0))
  t.throws(() => writeZip(inputs, 10), /level must be 0-9/)
  t.throws(() => writeZip([{ name: '../evil', mode: 0o644, data: Buffer.from('x') }], 9), /invalid zip entry name/)
  t.throws(() => writeZip([{ name: '/abs', mode: 0o644, data: Buffer.from('x') }], 9), /invalid zip entry name/)
  t.throws(() => writeZip([inputs[1], inputs[1]], 9), /duplicate zip entry/)
})

t.test('crc32 matches the standard check value', async (t) => {
  t.equal(crc32(Buffer.from('123456789')), 0xcbf43926)
})

const hasPython = spawnSync('python3', ['--version']).status === 0
t.test("Python's zipfile reads the same names, modes, 1980-01-01 timestamps and contents", { skip: hasPython ? false : 'python3 not installed' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-zip-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'x.zip')
  fs.writeFileSync(file, writeZip(inputs, 6))
  const script =
    'import zipfile,sys,json,hashlib\n' +
    'z=zipfile.ZipFile(sys.argv[1])\n' +
    'assert z.testzip() is None\n' +
    'print(json.dumps([[i.filename, i.external_attr>>16, list(i.date_time), hashlib.sha256(z.read(i)).hexdigest(), i.create_system] for i in z.infolist()]))\n'
  const r = spawnSync('python3', ['-c', script, file], { encoding: 'utf8', timeout: 60_000 })
  t.equal(r.status, 0, r.stderr)
  const rows = JSON.parse(r.stdout) as [string, number, number[], string, number][]
  const sha = (b?: Buffer) => require('node:crypto').createHash('sha256').update(b ?? Buffer.alloc(0)).digest('hex')
  const want = [...inputs].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
  t.same(
    rows.map((r) => r[0]),
    want.map((i) => i.name),
  )
  rows.forEach(([name, attr, date, hash, system], i) => {
    t.equal(attr & 0o7777, want[i].mode, `${name} mode`)
    t.equal(attr & 0o170000, name.endsWith('/') ? 0o040000 : 0o100000, `${name} file type`)
    t.same(date, [1980, 1, 1, 0, 0, 0], `${name} timestamp`)
    t.equal(hash, sha(want[i].data), `${name} content`)
    t.equal(system, 3, `${name} made on Unix`)
  })
})
