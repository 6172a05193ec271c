// The SEA mechanism itself, with a tiny entry of our own (independent of the extension's code):
// runs with an empty environment, keeps NODE_OPTIONS out (and a control build with
// SEA_EXEC_ARGV_EXTENSION=env shows the test would notice if it did not), and bakes in
// SEA_EXEC_ARGV flags.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { DEFAULT_SEA, buildConfigFromEnv, pinsFile, readPins } from '../../build-scripts/config'
import { ROOT, buildTestSea, run } from './helpers'

const ENTRY = `
const v8 = require('node:v8')
console.log(JSON.stringify({
  isSea: require('node:sea').isSea(),
  node: process.version,
  arch: process.arch,
  execArgv: process.execArgv,
  hooked: globalThis.__hooked === true,
  heapLimitMb: Math.round(v8.getHeapStatistics().heap_size_limit / 1048576),
  args: process.argv.slice(2),
}))
`
const FAST = { ZIP_LEVEL: '1' } // these zips are never shipped

function hookFile(t: { teardown(fn: () => void): void }): { hook: string; marker: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-hook-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const marker = path.join(dir, 'hook-ran')
  const hook = path.join(dir, 'hook.js')
  fs.writeFileSync(hook, `globalThis.__hooked = true; require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')\n`)
  return { hook, marker }
}

t.test('a SEA built from a tiny entry runs with env -i and ignores NODE_OPTIONS', async (t) => {
  const { binary } = await buildTestSea('tiny', ENTRY, { env: FAST })
  const r = await run('env', ['-i', binary, 'a', 'b'], { timeoutMs: 20_000 })
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stderr, '', 'no experimental warning')
  const out = JSON.parse(r.stdout)
  t.match(out, { isSea: true, node: /^v24\./, arch: process.arch, hooked: false })
  // Exact comparisons (t.match with an array accepts any array). The flags expected are the ones the
  // build config resolves for this environment (`make test SEA_EXEC_ARGV=…` changes them); with
  // no override that is the shipped default.
  const expected = buildConfigFromEnv({ ...process.env, ...FAST }, readPins(pinsFile(ROOT))).sea.execArgv
  if (!process.env.SEA_EXEC_ARGV) t.same(expected, DEFAULT_SEA.execArgv, 'no override: the shipped default flags')
  t.same(out.execArgv, expected, `exactly the build config's SEA flags: ${JSON.stringify(expected)}`)
  t.same(out.args, ['a', 'b'], 'arguments reach the entry unchanged')

  const { hook, marker } = hookFile(t)
  const broken = await run('env', ['-i', 'NODE_OPTIONS=--require /nonexistent.js', binary], { timeoutMs: 20_000 })
  t.equal(broken.code, 0, `--require of a missing file is ignored: ${broken.stderr}`)
  const hooked = await run('env', ['-i', `NODE_OPTIONS=--require ${hook}`, binary], { timeoutMs: 20_000 })
  t.equal(hooked.code, 0, hooked.stderr)
  t.equal(JSON.parse(hooked.stdout).hooked, false, 'the preload did not run')
  t.notOk(fs.existsSync(marker), 'no trace of the preload')
})

t.test('control: with SEA_EXEC_ARGV_EXTENSION=env the same NODE_OPTIONS do reach the SEA', async (t) => {
  const { binary } = await buildTestSea('tiny-env', ENTRY, { env: { ...FAST, SEA_EXEC_ARGV_EXTENSION: 'env' } })
  const { hook, marker } = hookFile(t)
  const hooked = await run('env', ['-i', `NODE_OPTIONS=--require ${hook}`, binary], { timeoutMs: 20_000 })
  t.equal(hooked.code, 0, hooked.stderr)
  t.equal(JSON.parse(hooked.stdout).hooked, true, 'the preload ran')
  t.ok(fs.existsSync(marker))
  const broken = await run('env', ['-i', 'NODE_OPTIONS=--require /nonexistent.js', binary], { timeoutMs: 20_000 })
  t.not(broken.code, 0, 'a missing preload breaks it, as it would the extension')
})

t.test('SEA_EXEC_ARGV bakes V8 flags into the binary', async (t) => {
  const { binary } = await buildTestSea('tiny-flags', ENTRY, { env: { ...FAST, SEA_EXEC_ARGV: '--max-old-space-size=48' } })
  const r = await run('env', ['-i', binary], { timeoutMs: 20_000 })
  t.equal(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  t.same(out.execArgv, ['--max-old-space-size=48'], 'the flag is in process.execArgv')
  // heap_size_limit also counts the young generation, so it is above 48 MB but far below the default.
  t.ok(out.heapLimitMb < 512, `heap limit follows --max-old-space-size=48: ${out.heapLimitMb} MB`)
  const plain = await buildTestSea('tiny', ENTRY, { env: FAST })
  const p = JSON.parse((await run('env', ['-i', plain.binary], { timeoutMs: 20_000 })).stdout)
  t.ok(p.heapLimitMb > 1024, `default heap limit is larger: ${p.heapLimitMb} MB`)
})
