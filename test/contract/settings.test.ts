// One rule per setting, on every side: the extension (parseConfig), the Node client and the Python
// client read WAIT_FOR_INIT_SOCKET and WARMING_TIMEOUT from one table of values and must agree
// on whether Init is held and where the socket is; then both clients signal the extension's real
// ReadinessListener at the path the extension chose. Rows whose path is the shared default
// /tmp/wait-for-init.sock are signalled in test/integration/settings-sandbox.test.ts instead (the
// sandbox's private /tmp), never here on the host.
import t from 'tap'
import path from 'node:path'
import { execFile, spawnSync } from 'node:child_process'
import { parseConfig } from '../../extension-src/config'
import { extensionHolds, resolveConfig } from '../../client/src/config'
import { signalReady } from '../../client/src/index'
import { collectLog, tempDir } from '../client/helpers'
import { buildPythonPackage, python3 } from '../workflows/python-helpers'
import { startRealListener } from './real-listener'
import { DEFAULT_PATH, settingsRows } from './settings-table'

const python = python3()
// Short: a socket path of 107 bytes must still fit under it.
const dir = tempDir(t, 'wfi-set-')
const rows = settingsRows(dir)

interface Reading { holds: boolean; path: string | null; problem: string | null }

function extensionReading(env: Record<string, string>): Reading {
  const { config, problems } = parseConfig({ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001', ...env })
  const problem = problems.find((p) => p.level === 'error')?.message ?? null
  return { holds: config.holdMs !== null, path: config.holdMs !== null ? config.socketPath : null, problem }
}

function nodeReading(env: Record<string, string>): Reading {
  const cfg = resolveConfig({ env, log: null }, {})
  return { holds: extensionHolds(cfg), path: extensionHolds(cfg) ? cfg.socketPath : null, problem: cfg.notHeldBecause ?? null }
}

/** The Python client's reading of every row, in one interpreter. */
function pythonReadings(pkg: string): Reading[] {
  const script = [
    'import json, sys',
    'from wait_for_init import _config',
    'out = []',
    'for env in json.load(sys.stdin):',
    '    cfg = _config.resolve_config(env=env, log=None)',
    '    holds = _config.extension_holds(cfg)',
    '    out.append({"holds": holds, "path": cfg.socket_path if holds else None, "problem": cfg.not_held_because})',
    'print(json.dumps(out))',
  ].join('\n')
  const r = spawnSync(python!, ['-c', script], {
    input: JSON.stringify(rows.map((row) => row.env)), encoding: 'utf8', env: { PATH: process.env.PATH ?? '', PYTHONPATH: pkg }, timeout: 30_000,
  })
  if (r.status !== 0) throw new Error(`python3: ${r.stderr}`)
  return JSON.parse(r.stdout) as Reading[]
}

/** signal_ready() in a Python process; asynchronous, so the in-process listener can answer meanwhile. */
function pythonSignal(pkg: string, env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const code = 'import json,sys,wait_for_init as w; print(w.signal_ready(env=json.loads(sys.argv[1]), retry_ms=3000))'  // 3 s: the test's bound
  return new Promise((resolve) => {
    execFile(python!, ['-c', code, JSON.stringify(env)], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', PYTHONPATH: pkg }, timeout: 30_000 },
      (_err, stdout, stderr) => resolve({ stdout, stderr }))
  })
}

t.test('the extension, the Node client and the Python client read every row the same way', async (t) => {
  const py = python ? pythonReadings(buildPythonPackage(t)) : null
  for (const [i, row] of rows.entries()) {
    const ext = extensionReading(row.env)
    t.same({ holds: ext.holds, path: ext.path }, { holds: row.holds, path: row.holds ? row.path : null }, `${row.name}: the extension`)
    const node = nodeReading(row.env)
    t.same({ holds: node.holds, path: node.path }, { holds: ext.holds, path: ext.path }, `${row.name}: the Node client agrees`)
    if (py) t.same({ holds: py[i].holds, path: py[i].path }, { holds: ext.holds, path: ext.path }, `${row.name}: the Python client agrees`)
    // An invalid value is named in the same words on every side (the extension adds its consequence).
    if (node.problem !== null) {
      t.ok(ext.problem?.startsWith(node.problem), `${row.name}: the extension's error starts with the client's words: ${node.problem}`)
      if (py) t.equal(py[i].problem, node.problem, `${row.name}: the Python client's words`)
    } else if (py) t.equal(py[i].problem, null, `${row.name}: nothing wrong for Python either`)
  }
  t.ok(rows.some((r) => r.holds && r.path === DEFAULT_PATH) && rows.some((r) => !r.holds), 'the table has both kinds of rows')
  if (!py) t.comment('python3 not installed: the Python client was not compared')
})

t.test('both clients reach the real listener at the path the extension chose, and say no-extension at once where it would not hold', async (t) => {
  const pkg = python ? buildPythonPackage(t) : null
  for (const row of rows) {
    if (row.holds && row.path === DEFAULT_PATH) continue // the shared default: signalled in the sandbox test
    const ext = extensionReading(row.env)
    const expected = ext.holds ? 'accepted' : 'no-extension'
    const real = ext.holds ? await startRealListener(t, ext.path!) : null
    const { lines, log } = collectLog()
    const started = Date.now()
    // A 60 s retry budget: a client that retried a socket the extension never opens would take it all.
    t.equal(await signalReady({ env: row.env, log, retryMs: ext.holds ? 3000 : 60_000 }), expected, `${row.name}: Node client ${expected}`)
    if (!ext.holds) t.ok(Date.now() - started < 20_000, `${row.name}: at once, not after the 60 s retry budget`)
    t.equal(lines.length, ext.problem ? 1 : 0, `${row.name}: ${ext.problem ? 'one warning naming the value' : 'no warning'}`)
    if (pkg) {
      const r = await pythonSignal(pkg, row.env)
      t.equal(r.stdout.trim(), expected, `${row.name}: Python client ${expected} ${r.stderr.trim()}`)
    }
    if (real) {
      t.same(real.signals, [{ kind: 'ready' }], `${row.name}: the listener took the ready`)
      t.equal(path.resolve(real.path), path.resolve(ext.path!), `${row.name}: at the extension's path`)
      real.close()
    }
  }
})
