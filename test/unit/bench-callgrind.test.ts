// bench/callgrind.ts: reading callgrind's dumps for `bench/ab.ts --callgrind`. The instruction
// counts of a real run are checked by running valgrind when it is installed.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { CALLGRIND_ARGS, instructionsIn, readDumps } from '../../bench/callgrind'

t.test('the summary or totals line of a dump', async (t) => {
  t.equal(instructionsIn('version: 1\ncmd: x\npart: 1\nevents: Ir\nsummary: 165301234\n'), 165301234)
  t.equal(instructionsIn('events: Ir\nfl=a\n0 5\ntotals: 42\n'), 42)
  t.equal(instructionsIn('events: Ir\n'), null)
})

t.test('the first dump is what ran before the first write; the total sums every dump; the files are removed', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const out = path.join(dir, 'run')
  fs.writeFileSync(`${out}.1`, 'summary: 100\n')
  fs.writeFileSync(`${out}.2`, 'summary: 20\n')
  fs.writeFileSync(out, 'summary: 3\n')
  fs.writeFileSync(path.join(dir, 'other'), 'summary: 1000\n')
  t.same(readDumps(out), { beforeFirstWrite: 100, total: 123 })
  t.same(fs.readdirSync(dir), ['other'], 'only the run\'s own files are read and removed')
  fs.writeFileSync(out, 'summary: 3\n')
  t.throws(() => readDumps(out), { message: /never reached uv_try_write/ }, 'no first dump: the process never wrote')
  t.throws(() => readDumps(out), { message: /wrote no output/ })
})

const valgrind = spawnSync('valgrind', ['--version'], { encoding: 'utf8' })
t.test('a real process: instructions before its first uv_try_write are a part of the whole', { skip: valgrind.status === 0 ? false : 'valgrind is not installed' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const out = path.join(dir, 'run')
  // A pipe makes stdout a libuv stream, so the write goes through uv_try_write; a busy loop
  // before it puts a known amount of work before the cut.
  const script = 'let x = 0; for (let i = 0; i < 2e6; i++) x += i; process.stdout.write(String(x))'
  const r = spawnSync('valgrind', [...CALLGRIND_ARGS, `--callgrind-out-file=${out}`, process.execPath, '-e', script], { encoding: 'utf8', timeout: 240_000 })
  t.equal(r.status, 0, r.stderr.slice(-500))
  const d = readDumps(out)
  t.ok(d.beforeFirstWrite > 1e6, `${(d.beforeFirstWrite / 1e6).toFixed(1)} M instructions before the write`)
  t.ok(d.total > d.beforeFirstWrite, `${(d.total / 1e6).toFixed(1)} M in all`)
})
