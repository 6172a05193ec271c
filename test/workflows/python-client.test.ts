// The Python client: its own unit tests (client-python/tests) under every Python 3.9+ present,
// byte-for-byte agreement with the Node client's message formatting on many inputs, and what
// `import wait_for_init` loads (every Python cold start pays for it).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import t from 'tap'
import { formatFailure, MAX_REASON_BYTES, safeReason } from '../../protocol/signal-protocol'
import { buildPythonPackage, extraPythons, python3, ROOT } from './python-helpers'

const python = python3()
if (!python) {
  t.plan(0, 'python3 not installed')
} else {
  const pkg = buildPythonPackage(t)
  const env = { ...process.env, PYTHONPATH: pkg, PYTHONDONTWRITEBYTECODE: '1' }

  t.test('client-python unit tests pass under each Python 3.9+ present, every one of them run', async (t) => {
    const testsDir = path.join(ROOT, 'client-python', 'tests')
    // Every `def test_…` in the test files: a discovery that finds fewer ran less than it claims.
    const defined = fs.readdirSync(testsDir).filter((f) => /^test_.*\.py$/.test(f))
      .reduce((n, f) => n + (fs.readFileSync(path.join(testsDir, f), 'utf8').match(/^    def test_\w+\(/gm) ?? []).length, 0)
    t.ok(defined >= 20, `${defined} test methods defined`)
    const interpreters = [python, ...extraPythons()]
    for (const py of interpreters) {
      const r = spawnSync(py, ['-m', 'unittest', 'discover', '-s', testsDir], { env, encoding: 'utf8', timeout: 120_000 })
      const version = spawnSync(py, ['--version'], { encoding: 'utf8' }).stdout.trim()
      t.equal(r.status, 0, `${version} (${py}): ${r.stderr.split('\n').slice(-4).join(' | ')}`)
      const ran = Number(/Ran (\d+) tests?/.exec(r.stderr)?.[1] ?? -1)
      t.equal(ran, defined, `${version}: ran ${ran} of the ${defined} tests defined`)
      t.notMatch(r.stderr, /skipped=/, `${version}: nothing skipped`)
    }
  })

  t.test('import wait_for_init loads only its own small modules: no socket, json, logging, re, threading or asyncio', async (t) => {
    // What a bare interpreter has loaded already is free; everything else the import adds is listed.
    const script = 'import sys, json; before = set(sys.modules); import wait_for_init; print(json.dumps(sorted(set(sys.modules) - before)))'
    for (const environment of [{}, { WARMING_TIMEOUT: '5000', WAIT_FOR_INIT_SOCKET: ' /tmp/x.sock ' }]) {
      const r = spawnSync(python, ['-c', script], { env: { ...env, ...environment }, encoding: 'utf8' })
      t.equal(r.status, 0, r.stderr)
      t.same(JSON.parse(r.stdout), ['wait_for_init', 'wait_for_init._evidence', 'wait_for_init._protocol', 'wait_for_init._settings'],
        `exactly these modules (${JSON.stringify(environment)})`)
    }
    // And the heavy ones load when they are needed, not before: a plain callable never needs asyncio.
    const use = [
      'import sys, wait_for_init as w',
      'w.signal_ready(env={})',
      'print("after signal_ready:", sorted(m for m in ("asyncio", "socket", "inspect", "concurrent.futures") if m in sys.modules))',
      'f = w.hold_init_until(lambda: 1, env={}); f.result(5)',
      'print("after a callable:", sorted(m for m in ("asyncio", "inspect") if m in sys.modules))',
      'async def warm(): return 2',
      'print(w.hold_init_until(warm(), env={}).result(5))',
      'print("after a coroutine:", "asyncio" in sys.modules)',
    ].join('\n')
    const r = spawnSync(python, ['-c', use], { env, encoding: 'utf8', timeout: 30_000 })
    t.equal(r.status, 0, r.stderr)
    t.same(r.stdout.trim().split('\n'), ['after signal_ready: []', 'after a callable: []', '2', 'after a coroutine: True'])
  })

  t.test('Node formatFailure and Python format_failure write the same bytes', async (t) => {
    // Lone surrogates need single UTF-16 units; full code points cover astral characters.
    const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))
    const nasty = fc.constantFrom('\n', '\r\n', '\t', ' ', '\u0000', '\u0085', '\u00a0', '\u2028', '\u202e', '\u2066', '\ufeff',
      '\u3000', '\ud800', '\udfff', '\ud83d', '\ude00', '😀', 'é', '€', '…', 'ß', 'ק', '\u200b', '\u180e', '\u001c')
    const inputs = fc.sample(fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit, maxLength: 40 }),
      fc.string({ unit: fc.oneof(nasty, fc.constantFrom('a', 'b', ' ')), maxLength: 60 }),
      fc.string({ unit: fc.oneof(unit, nasty), minLength: 300, maxLength: 1200 }),
      fc.string({ unit: 'binary', minLength: 300, maxLength: 1100 }),
    ), { numRuns: 3000, seed: 20261202 })
    // Edges of the cut: multi-byte characters and whitespace right at MAX_REASON_BYTES.
    for (const ch of ['a', 'é', '€', '😀']) {
      for (let n = MAX_REASON_BYTES - 8; n <= MAX_REASON_BYTES + 8; n++) {
        inputs.push(ch.repeat(Math.ceil(n / Buffer.byteLength(ch))), `${'a'.repeat(n - 2)} ${ch}${ch}`, `${' '.repeat(5)}${ch.repeat(n)}\n`)
      }
    }
    const maxes = inputs.map((_, i) => (i % 3 === 0 ? 1 + (i % 50) : MAX_REASON_BYTES))
    const file = path.join(path.dirname(pkg), `${path.basename(pkg)}-inputs.jsonl`)
    fs.writeFileSync(file, inputs.map((s, i) => JSON.stringify([s, maxes[i]])).join('\n') + '\n')
    t.teardown(() => fs.rmSync(file, { force: true }))
    const script = [
      'import json, sys',
      'from wait_for_init import format_failure, safe_reason',
      'for line in open(sys.argv[1], encoding="utf-8"):',
      '    text, max_bytes = json.loads(line)',
      '    print(format_failure(text).encode("utf-8").hex(), safe_reason(text, max_bytes).encode("utf-8").hex())',
    ].join('\n')
    const r = spawnSync(python, ['-c', script, file], { env, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 })
    t.equal(r.status, 0, r.stderr)
    const lines = r.stdout.trim().split('\n')
    t.equal(lines.length, inputs.length, `${inputs.length} inputs compared`)
    let mismatches = 0
    for (const [i, s] of inputs.entries()) {
      const [full, cut] = (lines[i] ?? '').split(' ')
      const want = Buffer.from(formatFailure(s)).toString('hex')
      const wantCut = Buffer.from(safeReason(s, maxes[i])).toString('hex')
      if (full !== want || cut !== wantCut) {
        if (mismatches++ < 5) t.fail(`input ${JSON.stringify(s).slice(0, 200)} (max ${maxes[i]}): node ${want.slice(0, 80)}/${wantCut.slice(0, 80)} python ${full?.slice(0, 80)}/${cut?.slice(0, 80)}`)
      }
    }
    t.equal(mismatches, 0, 'no input formats differently')
    t.ok(inputs.some((s) => Buffer.byteLength(formatFailure(s)) > 1000), 'some inputs were cut at the limit')
    t.ok(inputs.some((s) => /[\ud800-\udfff]/.test(s) && !/[\ud800-\udbff][\udc00-\udfff]/.test(s)), 'some inputs hold lone surrogates')
  })

  t.test('Python: adjacent surrogate code points mean what the same UTF-16 units mean in JavaScript', async (t) => {
    const r = spawnSync(python, ['-c', 'from wait_for_init import format_failure as f; print(f("a\\ud83d\\ude00b\\ude00\\ud83d").encode().hex())'], { env, encoding: 'utf8' })
    t.equal(r.stdout.trim(), Buffer.from(formatFailure('a\ud83d\ude00b\ude00\ud83d')).toString('hex'))
  })
}
