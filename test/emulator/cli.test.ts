// The sandbox CLI interface (docs/sandbox.md): flags, --json report, exit codes, clear usage errors.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import t from 'tap'
import { matchList, thrown } from '../hardening/assert'
import { parseArgs, UsageError } from '../sandbox/cli-args'
import { createZip } from '../sandbox/zip'
import { tempDir, writeFunction, writeLayer } from './helpers'


const ROOT = path.resolve(__dirname, '..', '..')

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/sandbox/cli.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
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
    [['--function', 'f', '--invokes=-1'], /--invokes: expected an integer >= 0, got "-1"/],
    [['--function', 'f', '--invokes', '-1'], /Option '--invokes' argument is ambiguous/],
    [['--function', 'f', '--init-timeout', '0'], /--init-timeout: expected an integer >= 1, got "0"/],
    [['--function', 'f', '--mode', 'fast'], /--mode: expected on-demand, provisioned, managed-instances or rie, got "fast"/],
    [['--function', 'f', '--payload', '{bad'], /--payload: not valid JSON .*"\{bad"/],
    [['--function', 'f', '--env', 'NOVALUE'], /--env: expected K=V, got "NOVALUE"/],
    [['--function', 'f', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['--function'], /Option '--function <value>' argument missing/],
    [['--function', 'f', '--json=yes'], /Option '--json' does not take an argument/],
    [['--function', 'f', 'stray'], /Unexpected argument 'stray'/],
    [['--json'], /--function DIR is required/],
  ]
  for (const [argv, re] of bad) {
    const err = thrown(() => parseArgs(argv))
    t.ok(err instanceof UsageError, `${argv.join(' ')}: a UsageError`)
    t.match((err as Error)?.message, re, argv.join(' '))
  }
  t.equal(parseArgs(['--help']).help, true, '--help needs no --function')
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
  matchList(t, report.extensions, [{ name: 'ext1', startupToRegisterMs: Number, rssAfterInitKb: Number, exitCode: 0 }])
  t.same(report.extensions[0].registeredEvents, ['INVOKE', 'SHUTDOWN'])
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
  const badReport = JSON.parse(bad.stdout)
  t.match(badReport, { ok: false, init: { failed: true, errorType: 'Runtime.HandlerNotFound' } })
  // Two: the failed Init, then the same failure when the invoke re-runs Init inline (as Lambda does).
  matchList(t, badReport.errors, [
    { api: 'runtime/init/error', errorType: 'Runtime.HandlerNotFound' },
    { api: 'runtime/init/error', errorType: 'Runtime.HandlerNotFound' },
  ])
  t.same(badReport.invokes.map((i: { initInline: boolean }) => i.initInline), [true], 'the one invoke re-ran Init inline')
  const usage = cli(['--function', fn, '--idle', 'soon'])
  t.equal(usage.code, 2)
  t.match(usage.stderr, /--idle: expected an integer >= 0, got "soon"/)
  const unknown = cli(['--function', fn, '--bogus'])
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /^sandbox: Unknown option '--bogus'\nusage: npm run sandbox -- --function DIR/)
  t.equal(unknown.stdout, '')
  const help = cli(['--help'])
  t.equal(help.code, 0, help.stderr)
  t.match(help.stdout, /^usage: npm run sandbox -- --function DIR/)
  const missing = cli(['--function', '/no/such/dir'])
  t.equal(missing.code, 2)
  t.match(missing.stderr, /--function: "\/no\/such\/dir" is not a folder/)
})
