// Reliability, environment abuse (docs/reliability.md). WARMING_TIMEOUT values (the built binary run directly against
// a scripted Extensions API: ~100 ms per value), the function's NODE_OPTIONS, an unwritable /tmp
// (read-only mounts in the sandbox), and 10 extensions in the layer folder with ours among them.
import t, { type Test } from 'tap'
import { matchList } from './assert'
import { initBudgetFor } from '../../extension-src/init-budget'
import fs from 'node:fs'
import path from 'node:path'
import { writeLayer } from '../emulator/helpers'
import {
  closeClean, extensionLines, extensionOf, HOSTILE_FUNCTION, layerSandbox, nowMs, openFds, runBinary, scriptedApi, sleep, talk, tempDir, waitForLine,
  waitForPath,
} from './helpers'
import { requireLayer } from '../integration/harness'
import { Sandbox } from '../sandbox'

const outcomes = (lines: string[]) => lines.filter((l) => /init outcome=/.test(l)).map((l) => l.replace(/^.*init outcome=(\S+).*$/, '$1'))

/** Runs the binary with WARMING_TIMEOUT=value; returns its lines once it sits in event/next, then shuts it down. */
async function withTimeout(t: Test, value: string, opts: { sendReady?: boolean } = {}) {
  const api = await scriptedApi(t)
  const sock = path.join(tempDir(t, 'wt'), 's.sock')
  const run = runBinary(t, { AWS_LAMBDA_RUNTIME_API: api.address, WARMING_TIMEOUT: value, WAIT_FOR_INIT_SOCKET: sock })
  if (opts.sendReady) {
    await waitForPath(sock)
    await talk(sock, ['ready\n'])
  }
  await waitForLine(run, /init outcome=/)
  const next = await api.waitFor('/event/next')
  api.shutdown()
  const exit = await run.exited
  return { lines: run.lines.map((l) => l.text), exit, nextAfterMs: next.at - run.startedAt, socketLeft: fs.existsSync(sock) }
}

t.test('WARMING_TIMEOUT: empty and blank mean unset (no hold, no error)', async (t) => {
  for (const value of ['', '   ', '\t']) {
    const r = await withTimeout(t, value)
    t.same(r.lines.filter((l) => /ERROR|WARN/.test(l)), [], `${JSON.stringify(value)}: no error or warning`)
    t.same(outcomes(r.lines), ['no-hold'], `${JSON.stringify(value)}: no hold`)
    t.match(r.lines.join('\n'), /WARMING_TIMEOUT not set/)
    t.equal(r.exit.code, 0)
  }
})

t.test('WARMING_TIMEOUT: invalid values → one error line naming variable and value, then no hold', async (t) => {
  const cases: [string, RegExp][] = [
    ['0', /must be greater than 0/],
    ['-0', /not a whole number/],
    ['-5', /not a whole number/],
    ['+5', /not a whole number/],
    ['1.5', /not a whole number/],
    ['5000.0', /not a whole number/],
    ['1e3', /not a whole number/],
    ['0x10', /not a whole number/],
    ['0b11', /not a whole number/],
    ['1_000', /not a whole number/],
    ['5 000', /not a whole number/],
    ['Infinity', /not a whole number/],
    ['-Infinity', /not a whole number/],
    ['NaN', /not a whole number/],
    ['abc', /not a whole number/],
    ['١٢٣', /not a whole number/], // Arabic-Indic digits
    ['５０００', /not a whole number/], // full-width digits
    ['900001', /larger than any Lambda Init can last/],
    ['99999999999999999999999', /larger than any Lambda Init can last/],
    ['9'.repeat(400), /larger than any Lambda Init can last/],
  ]
  for (const [value, why] of cases) {
    const r = await withTimeout(t, value)
    const errors = r.lines.filter((l) => /ERROR/.test(l))
    t.equal(errors.length, 1, `${value.slice(0, 20)}: one error line`)
    t.ok(errors[0]?.includes(`WARMING_TIMEOUT=${JSON.stringify(value)}`), `${value.slice(0, 20)}: names the variable and the exact value`)
    t.match(errors[0], why)
    t.same(outcomes(r.lines), ['no-hold'], `${value.slice(0, 20)}: no hold`)
    t.ok(r.nextAfterMs < 1500, `${value.slice(0, 20)}: event/next ${Math.round(r.nextAfterMs)} ms after start`)
    t.equal(r.exit.code, 0)
    t.notOk(r.socketLeft, 'no socket left')
  }
})

t.test('WARMING_TIMEOUT: valid edge values', async (t) => {
  const padded = await withTimeout(t, ' 300 ')
  t.same(padded.lines.filter((l) => /ERROR|WARN/.test(l) && !/outcome=/.test(l)), [], 'surrounding spaces are trimmed')
  t.same(outcomes(padded.lines), ['timeout'], "' 300 ' holds 300 ms")
  t.ok(padded.nextAfterMs >= 300, `released after ${Math.round(padded.nextAfterMs)} ms`)

  const leadingZeros = await withTimeout(t, '0300')
  t.same(outcomes(leadingZeros.lines), ['timeout'], '0300 is 300 ms')

  const one = await withTimeout(t, '1')
  t.same(outcomes(one.lines), ['timeout'], '1 ms: holds (already over) and releases at once')

  const max = await withTimeout(t, '900000', { sendReady: true })
  const warns = max.lines.filter((l) => /WARN/.test(l) && /exceeds/.test(l))
  t.equal(warns.length, 1, `900000 on-demand: capped with one warning: ${warns[0]}`)
  t.match(warns[0], /holding at most 9000 ms/)
  t.same(outcomes(max.lines), ['ready'], 'held (released by ready, not after 9 s)')
})

t.test('WARMING_TIMEOUT above the on-demand Init budget: with no ready the hold ends at the cap, not at the value', async (t) => {
  const capMs = initBudgetFor('on-demand').maxHoldMs
  const r = await withTimeout(t, '60000')
  t.same(outcomes(r.lines), ['timeout'], 'released by the timer')
  t.match(r.lines.find((l) => /init outcome=/.test(l)), new RegExp(`no signal from the function within ${capMs} ms`), `the timer was the ${capMs} ms cap`)
  t.ok(r.nextAfterMs >= capMs && r.nextAfterMs < capMs + 5000, `event/next ${Math.round(r.nextAfterMs)} ms after start (cap ${capMs} ms, asked 60000)`)
  t.equal(r.exit.code, 0)
})

t.test("the function's NODE_OPTIONS never reaches the extension's embedded Node", async (t) => {
  const cases = [
    '--require /nonexistent.js',
    '--import /nonexistent.mjs',
    '--inspect',
    '--inspect-brk=0.0.0.0:9339', // would stop before the first line if honoured
    '--max-old-space-size=1', // would abort at start if honoured
    '--no-such-flag-at-all', // would make node refuse to start if honoured
    '--abort-on-uncaught-exception --title=evil --stack-size=10',
  ]
  for (const nodeOptions of cases) {
    const api = await scriptedApi(t)
    const sock = path.join(tempDir(t, 'no'), 's.sock')
    const run = runBinary(t, { AWS_LAMBDA_RUNTIME_API: api.address, WARMING_TIMEOUT: '5000', WAIT_FOR_INIT_SOCKET: sock, NODE_OPTIONS: nodeOptions })
    await api.waitFor('/register', 1, 5000)
    await waitForPath(sock, 5000)
    const r = await talk(sock, ['ready\n'])
    t.equal(r.reply, 'ok\n', `${nodeOptions}: answered ok`)
    await api.waitFor('/event/next')
    const fds = openFds(run.pid)
    api.shutdown()
    const exit = await run.exited
    const out = run.output()
    t.equal(exit.code, 0, `${nodeOptions}: exit 0`)
    t.same(outcomes(out.split('\n')), ['ready'], `${nodeOptions}: released by ready`)
    t.notMatch(out, /Debugger listening|Cannot find module|bad option|heap out of memory|Warning/i, `${nodeOptions}: no trace of the option in the output`)
    t.ok(fds.sockets <= 4, `${nodeOptions}: no inspector socket open (${fds.sockets} sockets)`)
  }
})

t.test('an unwritable /tmp (read-only mount): one clear line, no hold, Init unaffected', async (t) => {
  const sb = layerSandbox(t, { readOnlyTmp: true, env: { WARMING_TIMEOUT: '8000', SIGNAL_MODE: 'messages' } })
  const init = await sb.init()
  t.notOk(init.failed, 'Init succeeded')
  const ext = extensionOf(sb)
  const errors = extensionLines(ext).filter((l) => /ERROR/.test(l))
  t.equal(errors.length, 1, errors.join(' | '))
  t.match(errors[0], /cannot listen on \/tmp\/wait-for-init\.sock: EROFS \(read-only file system\); not holding Init/)
  t.same(outcomes(extensionLines(ext)), ['no-hold'])
  t.ok(ext.firstNextAt! - ext.spawnAt! < 2000, 'not held')
  const inv = await sb.invoke({})
  t.ok(inv.ok, 'invokes work')
  const state = inv.result as { errors: string[]; replies: string[] }
  t.same(state.errors, ['ENOENT'], 'the function found no socket to signal on (nothing listens on a read-only /tmp)')
  t.same(state.replies, [''], 'and so got no answer')
  await sb.shutdown('spindown')
  t.equal(extensionOf(sb).exitCode, 0)
  await closeClean(t, sb)
})

t.test('WAIT_FOR_INIT_SOCKET in read-only folders (/opt, /var/task): same', async (t) => {
  for (const p of ['/opt/w.sock', '/var/task/w.sock']) {
    const sb = layerSandbox(t, { env: { WARMING_TIMEOUT: '8000', WAIT_FOR_INIT_SOCKET: p } })
    const init = await sb.init()
    t.notOk(init.failed, `${p}: Init succeeded`)
    const lines = extensionLines(extensionOf(sb))
    matchList(t, lines.filter((l) => /ERROR/.test(l)), [new RegExp(`cannot listen on ${p.replace(/\//g, '\\/').replace('.', '\\.')}: EROFS`)])
    t.same(outcomes(lines), ['no-hold'])
    await closeClean(t, sb)
  }
})

t.test('10 extensions in the layer (the Lambda maximum) with ours among them', async (t) => {
  const others: Record<string, string> = {}
  for (let i = 0; i < 9; i++) others[`ext-${i}`] = `const id = await register(['SHUTDOWN']); await loop(id)`
  const layer = writeLayer(t, others)
  const target = path.join(layer, 'extensions', 'wait-for-init')
  try {
    fs.linkSync(path.join(requireLayer(), 'extensions', 'wait-for-init'), target)
  } catch {
    fs.copyFileSync(path.join(requireLayer(), 'extensions', 'wait-for-init'), target)
    fs.chmodSync(target, 0o755)
  }
  t.equal(fs.readdirSync(path.join(layer, 'extensions')).filter((n) => n !== 'impl').length, 10)
  const sb = layerSandbox(t, { layers: [layer], mode: 'provisioned', env: { WARMING_TIMEOUT: '20000', SIGNAL_MODE: 'messages', SIGNAL_DELAY_MS: '1000' } })
  const started = nowMs()
  const init = await sb.init()
  t.notOk(init.failed, `Init succeeded: ${init.errorType ?? ''} ${init.errorMessage ?? ''}`)
  const report = sb.report()
  t.equal(report.extensions.filter((e) => e.registerAt !== null).length, 10, 'all 10 registered')
  t.same(outcomes(extensionLines(extensionOf(sb))), ['ready'])
  t.ok(init.completedAt! - started < 15000, `released by ready, not the 20 s timeout (${Math.round(init.completedAt! - started)} ms)`)
  t.ok(init.heldMs > 300, `Init was held after the runtime was ready (${Math.round(init.heldMs)} ms)`)
  const inv = await sb.invoke({})
  t.ok(inv.ok)
  await sb.shutdown('spindown')
  t.same(sb.report().extensions.map((e) => e.exitCode), Array(10).fill(0), 'all 10 exited 0 at SHUTDOWN')
  await sleep(10)
  await closeClean(t, sb)
})

t.test('sandbox option readOnlyTmp is validated', (t) => {
  t.throws(() => new Sandbox({ functionDir: HOSTILE_FUNCTION, readOnlyTmp: 'yes' as unknown as boolean }), /readOnlyTmp must be a boolean, got "yes"/)
  t.throws(() => new Sandbox({ functionDir: HOSTILE_FUNCTION, readOnlyTmp: true, isolate: false }), /readOnlyTmp needs isolation/)
  t.end()
})
