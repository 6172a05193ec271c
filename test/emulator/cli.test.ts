// The CLI interface fixed by issue #2: flags, --json report, exit codes, clear usage errors.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import t from 'tap'
import { parseArgs } from '../sandbox/cli-args'
import { createZip } from '../sandbox/zip'
import { tempDir, writeFunction, writeLayer } from './helpers'

const ROOT = path.resolve(__dirname, '..', '..')

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['build-scripts/run-ts.mjs', 'test/sandbox/cli.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

t.test('parseArgs: every flag, repeated flags, --flag=value', async (t) => {
  const a = parseArgs(['--function', 'fn', '--handler', 'app.main', '--layer', 'a.zip', '--layer=b', '--env', 'A=1', '--env', 'B=x=y',
    '--mode', 'provisioned', '--idle', '500', '--invokes', '3', '--payload', '{"k":[1]}', '--init-timeout', '2000', '--json'])
  t.same(a, {
    run: { functionDir: 'fn', handler: 'app.main', layers: ['a.zip', 'b'], env: { A: '1', B: 'x=y' }, mode: 'provisioned', idleMs: 500, invokes: 3, payload: { k: [1] }, initTimeoutMs: 2000 },
    json: true, help: false,
  })
})

t.test('parseArgs: errors name the flag and the value', async (t) => {
  const bad: [string[], RegExp][] = [
    [['--function', 'f', '--idle', 'abc'], /--idle: expected an integer >= 0, got "abc"/],
    [['--function', 'f', '--invokes', '-1'], /--invokes: expected an integer >= 0, got "-1"/],
    [['--function', 'f', '--init-timeout', '0'], /--init-timeout: expected an integer >= 1, got "0"/],
    [['--function', 'f', '--mode', 'fast'], /--mode: expected on-demand, provisioned, managed-instances or rie, got "fast"/],
    [['--function', 'f', '--payload', '{bad'], /--payload: not valid JSON .*"\{bad"/],
    [['--function', 'f', '--env', 'NOVALUE'], /--env: expected K=V, got "NOVALUE"/],
    [['--function', 'f', '--frobnicate'], /unknown option "--frobnicate"/],
    [['--function'], /--function needs a value/],
    [['--json'], /--function DIR is required/],
  ]
  for (const [argv, re] of bad) t.throws(() => parseArgs(argv), re, argv.join(' '))
})

t.test('npm run sandbox -- … --json: one JSON report, exit 0', async (t) => {
  const layerDir = writeLayer(t, { ext1: `const id = await register(['INVOKE', 'SHUTDOWN']); await loop(id)` })
  const zip = path.join(tempDir(t, 'cz'), 'layer.zip')
  createZip(layerDir, zip)
  const fn = writeFunction(t, { 'index.js': 'exports.handler = async (e) => ({ got: e, a: process.env.A })\n' })
  const r = cli(['--function', fn, '--layer', zip, '--env', 'A=1', '--mode', 'provisioned', '--idle', '100', '--invokes', '2', '--payload', '{"k":1}', '--json'])
  t.equal(r.code, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  t.equal(lines.length, 1, 'exactly one line on stdout')
  const report = JSON.parse(lines[0])
  t.equal(report.ok, true)
  t.equal(report.init.failed, false)
  t.type(report.init.durationMs, 'number')
  t.type(report.init.heldMs, 'number')
  t.equal(report.init.timedOut, false)
  t.match(report.extensions, [{ name: 'ext1', registeredEvents: ['INVOKE', 'SHUTDOWN'], startupToRegisterMs: Number, rssAfterInitKb: Number, exitCode: 0 }])
  t.same(report.invokes.map((i: { result: unknown }) => i.result), [{ got: { k: 1 }, a: '1' }, { got: { k: 1 }, a: '1' }])
  t.type(report.invokes[0].extensionOverheadMs, 'number')
  t.same(report.errors, [])
})

t.test('human output, failing run exit 1, usage error exit 2', async (t) => {
  const fn = writeFunction(t, { 'index.js': 'exports.handler = async () => "hi"\n' })
  const ok = cli(['--function', fn])
  t.equal(ok.code, 0)
  t.match(ok.stdout, /Init: \d+ ms/)
  t.match(ok.stdout, /Invoke 1: .*"hi"/)
  t.match(ok.stdout, /Result: OK/)
  const broken = writeFunction(t, { 'index.js': 'exports.other = 1\n' })
  const bad = cli(['--function', broken, '--json'])
  t.equal(bad.code, 1)
  t.match(JSON.parse(bad.stdout), { ok: false, init: { failed: true, errorType: 'Runtime.HandlerNotFound' }, errors: [{ api: 'runtime/init/error', errorType: 'Runtime.HandlerNotFound' }] })
  const usage = cli(['--function', fn, '--idle', 'soon'])
  t.equal(usage.code, 2)
  t.match(usage.stderr, /--idle: expected an integer >= 0, got "soon"/)
  const missing = cli(['--function', '/no/such/dir'])
  t.equal(missing.code, 2)
  t.match(missing.stderr, /--function: "\/no\/such\/dir" is not a folder/)
})
