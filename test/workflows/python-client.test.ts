// The Python client: its own unit tests (client-python/tests) under every Python 3.9+ present,
// and byte-for-byte agreement with the Node client's message formatting on many inputs.
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

  t.test('client-python unit tests pass under each Python 3.9+ present', async (t) => {
    const interpreters = [python, ...extraPythons()]
    for (const py of interpreters) {
      const r = spawnSync(py, ['-m', 'unittest', 'discover', '-s', path.join(ROOT, 'client-python', 'tests')], { env, encoding: 'utf8', timeout: 120_000 })
      const version = spawnSync(py, ['--version'], { encoding: 'utf8' }).stdout.trim()
      t.equal(r.status, 0, `${version} (${py}): ${r.stderr.split('\n').slice(-4).join(' | ')}`)
      t.match(r.stderr, /Ran (\d+) tests/)
    }
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
