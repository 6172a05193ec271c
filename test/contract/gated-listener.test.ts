// The Node and the Python client against the extension's real ReadinessListener with gates
// configured (WAIT_FOR_INIT_GATES), as the extension wires it: a gate each, released after the
// last; an unconfigured gate refused on both sides; a bare ready that skips gates; and the
// completeness rule against a slow writer, with and without gates.
import t from 'tap'
import net from 'node:net'
import path from 'node:path'
import { execFile } from 'node:child_process'
import { holdInitUntil, signalReady } from '../../client/src/index'
import { collectLog, holdingEnv, tempDir } from '../client/helpers'
import { buildPythonPackage, python3 } from '../workflows/python-helpers'
import { startRealListener } from './real-listener'

const python = python3()
const sockIn = (t: Parameters<typeof tempDir>[0]) => path.join(tempDir(t, 'wfi-gated-'), 'g.sock')

/** Python code run with the layer's client on the path; asynchronous, so the in-process listener answers meanwhile. */
function runPython(pkg: string, code: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(python!, ['-c', `import wait_for_init as w\n${code}`], {
      encoding: 'utf8', env: { PATH: process.env.PATH ?? '', PYTHONPATH: pkg, WARMING_TIMEOUT: '600000' }, timeout: 30_000,
    }, (_err, stdout, stderr) => resolve({ stdout, stderr }))
  })
}

/** Writes `parts` on one connection, `gapMs` apart, ending the last with a newline and EOF; resolves the answer. */
function slowWriter(socketPath: string, parts: string[], gapMs: number, end = true): Promise<string> {
  return new Promise((resolve) => {
    const s = net.createConnection(socketPath)
    let reply = ''
    s.setEncoding('utf8')
    s.on('connect', async () => {
      for (const [i, p] of parts.entries()) {
        if (i > 0) await new Promise((r) => setTimeout(r, gapMs))
        if (i === parts.length - 1 && end) s.end(`${p}\n`)
        else s.write(p)
      }
    })
    s.on('data', (d: string) => {
      reply += d
      if (!end) s.destroy()
    })
    s.on('error', () => {})
    s.on('close', () => resolve(reply))
  })
}

t.test('gates db,cache: the Node client reports db, the Python client cache; released by the last, nothing skipped', { skip: python ? false : 'python3 not installed' }, async (t) => {
  const pkg = buildPythonPackage(t)
  const real = await startRealListener(t, sockIn(t), { gates: ['db', 'cache'] })
  t.equal(await signalReady({ gate: 'db', socketPath: real.path, env: holdingEnv() }), 'accepted')
  t.same(real.signals, [], 'one gate of two: still held')
  const py = await runPython(pkg, `print(w.signal_ready(gate="cache", socket_path=${JSON.stringify(real.path)}))`)
  t.equal(py.stdout.trim(), 'accepted', py.stderr)
  t.same(real.signals, [{ kind: 'ready', gate: 'cache' }], 'released by the last gate')
  t.same(real.gates!.skipped(), [])
  t.same(real.gates!.pending(), [])
})

t.test('holdInitUntil and hold_init_until with a gate each: released once both works finished', { skip: python ? false : 'python3 not installed' }, async (t) => {
  const pkg = buildPythonPackage(t)
  const real = await startRealListener(t, sockIn(t), { gates: ['pool', 'secrets'] })
  let reported: (r: string) => void = () => {}
  const result = new Promise<string>((resolve) => (reported = resolve))
  const pool = holdInitUntil(new Promise((r) => setTimeout(() => r('pool'), 50)), { gate: 'pool', socketPath: real.path, env: holdingEnv(), onResult: (r) => reported(r) })
  t.equal(await pool, 'pool')
  t.equal(await result, 'accepted')
  t.same(real.signals, [], 'the Python gate is still pending')
  const py = await runPython(pkg, [
    'import time',
    `f = w.hold_init_until(lambda: time.sleep(0.05) or "s", gate="secrets", socket_path=${JSON.stringify(real.path)}, on_result=print)`,
    'print(f.result(5)); time.sleep(0.5)',
  ].join('\n'))
  t.same(py.stdout.trim().split('\n').sort(), ['accepted', 's'], py.stderr)
  t.same(real.signals, [{ kind: 'ready', gate: 'secrets' }])
})

t.test('an unconfigured gate is refused on both sides: too-late, a warning with the answer, nothing released', { skip: python ? false : 'python3 not installed' }, async (t) => {
  const pkg = buildPythonPackage(t)
  const real = await startRealListener(t, sockIn(t), { gates: ['db'] })
  const { lines, log } = collectLog()
  t.equal(await signalReady({ gate: 'cache', socketPath: real.path, env: holdingEnv(), log }), 'too-late')
  t.equal(lines.length, 1)
  t.match(lines[0], /unknown gate \\"cache\\"; configured gates: db/)
  const py = await runPython(pkg, `print(w.signal_ready(gate="tracer", socket_path=${JSON.stringify(real.path)}, log=lambda m: print("LOG", m)))`)
  const out = py.stdout.trim().split('\n')
  t.equal(out.at(-1), 'too-late', py.stderr)
  t.match(out[0], /^LOG .*unknown gate \\"tracer\\"; configured gates: db/)
  t.same(real.signals, [], 'nothing released')
  t.same(real.gates!.pending(), ['db'])
})

t.test('a bare ready from a client with gates configured releases, and the gates it skipped are kept for the outcome', async (t) => {
  const real = await startRealListener(t, sockIn(t), { gates: ['db', 'cache', 'secrets'] })
  t.equal(await signalReady({ gate: 'cache', socketPath: real.path, env: holdingEnv() }), 'accepted')
  t.equal(await signalReady({ socketPath: real.path, env: holdingEnv() }), 'accepted')
  t.same(real.signals, [{ kind: 'ready' }])
  t.same(real.gates!.skipped(), ['db', 'secrets'])
})

t.test('the completeness rule against a slow writer: with gates, `ready` + 300 ms + ` db` is `ready db`', async (t) => {
  const real = await startRealListener(t, sockIn(t), { gates: ['db', 'cache'] })
  t.equal(await slowWriter(real.path, ['ready', ' db'], 300), 'ok\n', 'one answer for the whole line')
  t.same(real.signals, [], 'not released: that was one gate')
  t.same(real.gates!.pending(), ['cache'])
  t.same(real.logs.filter((l) => / WARN /.test(l)), [], 'nothing was taken for an unknown message')
})

t.test('with gates, the fragments of a slow error keep its reason', async (t) => {
  const real = await startRealListener(t, sockIn(t), { gates: ['db'] })
  t.equal(await slowWriter(real.path, ['error', ': pool ', 'exhausted'], 120), 'ok\n')
  t.same(real.signals, [{ kind: 'failed', reason: 'pool exhausted' }])
})

t.test('without gates, the original raw protocol still works: `ready`, no newline, waiting for the answer', async (t) => {
  // A 60 s idle limit: an answer well before it can only come from the quiet-gap rule.
  const real = await startRealListener(t, sockIn(t), { idleTimeoutMs: 60_000 })
  const started = Date.now()
  t.equal(await slowWriter(real.path, ['ready'], 0, false), 'ok\n')
  t.same(real.signals, [{ kind: 'ready' }])
  t.ok(real.arrivals[0] - started < 30_000, `taken after the quiet gap (${real.arrivals[0] - started} ms), not at the idle limit`)
})

t.test('with gates, the same `ready` without newline is not taken after the quiet gap: it waits (here for the idle limit)', async (t) => {
  const real = await startRealListener(t, sockIn(t), { gates: ['db'], idleTimeoutMs: 1500 })
  const started = Date.now()
  t.equal(await slowWriter(real.path, ['ready'], 0, false), 'ok\n', 'answered when the connection went idle')
  t.same(real.signals, [{ kind: 'ready' }])
  t.ok(real.arrivals[0] - started >= 1400, `taken at the idle limit (${real.arrivals[0] - started} ms), not after 50 ms`)
})
