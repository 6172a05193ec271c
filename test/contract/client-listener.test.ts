// The Node client against the extension's real ReadinessListener: every signal, answer and
// limit of the protocol, judged by the code that judges it in Lambda (the fake listener in
// test/client/ only models what this one cannot do on demand: silence, hang-ups, EOF readers).
import t from 'tap'
import path from 'node:path'
import { signalFailure, signalReady } from '../../client/src/index'
import { failureMessage, sendSignal } from '../../client/src/signal'
import {
  DEFAULT_FAILURE_REASON, MAX_MESSAGE_BYTES, MAX_REASON_BYTES, REPLY_ALREADY_FAILED, REPLY_ALREADY_RELEASED, REPLY_TOO_LONG,
  REPLY_UNKNOWN, safeReason,
} from '../../protocol/signal-protocol'
import { collectLog, holdingEnv, tempDir } from '../client/helpers'
import { startRealListener } from './real-listener'

const FRENCH = 'base de données injoignable: ' + 'é'.repeat(2000)
const bytes = (s: string) => Buffer.byteLength(s, 'utf8')
const sockIn = (t: Parameters<typeof tempDir>[0], name = 's.sock') => path.join(tempDir(t, 'wfi-contract-'), name)
const answerOf = (reply: string) => JSON.stringify(reply.trim())

t.test('ready: accepted, Init released with a ready signal, nothing to warn about', async (t) => {
  const real = await startRealListener(t, sockIn(t))
  t.equal(await signalReady({ socketPath: real.path, env: holdingEnv() }), 'accepted')
  t.same(real.signals, [{ kind: 'ready' }])
  t.same(real.logs.filter((l) => / (WARN|ERROR) /.test(l)), [])
})

t.test('WAIT_FOR_INIT_SOCKET is where the client and the listener meet', async (t) => {
  const real = await startRealListener(t, sockIn(t, 'env.sock'))
  t.equal(await signalReady({ env: holdingEnv({ WAIT_FOR_INIT_SOCKET: real.path }) }), 'accepted')
  t.same(real.signals, [{ kind: 'ready' }])
})

t.test('any failure reason fails Init with a safe, bounded reason', async (t) => {
  const cases: [string, unknown][] = [
    ['short', 'db down'],
    ['multi-line Error', new Error('line one\nline two\r\n\tat somewhere')],
    ['no reason', undefined],
    ['French, 2000 é (the report that started this)', FRENCH],
    ['German', 'Datenbank nicht erreichbar: ' + 'ß'.repeat(1500)],
    ['CJK', 'データベースに接続できません' + '中'.repeat(1200)],
    ['emoji', 'pool exhausted ' + '🔥👩‍💻'.repeat(400)],
    ['Arabic (right-to-left)', 'قاعدة البيانات غير متاحة '.repeat(80)],
    ['Hebrew with a bidi override', '\u202Eמסד הנתונים אינו זמין\u202C '.repeat(60)],
    ['control characters', 'bell\u0007 nul\u0000 esc\u001b[2J del\u007f c1\u0085' + '\u0001'.repeat(3000)],
    ['lone surrogates', 'broken \uD800 half \uDFFF' + 'x\uD83D'.repeat(800)],
    ['1 MB string', 'x'.repeat(1024 * 1024)],
    ['1 MB of line breaks and text', 'a\n\r\u2028'.repeat(256 * 1024)],
    ['an object', { toString: () => 'custom failure object' }],
    ['a number', 42],
  ]
  for (const [name, reason] of cases) {
    const real = await startRealListener(t, sockIn(t))
    const { lines, log } = collectLog()
    t.equal(await signalFailure(reason, { socketPath: real.path, env: holdingEnv(), log }), 'accepted', `${name}: accepted`)
    t.same(lines, [], `${name}: the client had nothing to warn about`)
    t.equal(real.signals.length, 1, `${name}: one signal`)
    const signal = real.signals[0]
    const text = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason)
    t.same(signal, { kind: 'failed', reason: safeReason(text) || DEFAULT_FAILURE_REASON }, `${name}: the reason the function gave, made safe`)
    if (signal?.kind !== 'failed') continue
    t.ok(bytes(signal.reason) <= MAX_REASON_BYTES, `${name}: ${bytes(signal.reason)} bytes`)
    t.notMatch(signal.reason, /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E]/, `${name}: one line, no controls`)
    t.equal(signal.reason, Buffer.from(signal.reason, 'utf8').toString('utf8'), `${name}: well-formed (survives UTF-8)`)
    t.same(real.logs.filter((l) => / WARN /.test(l)), [], `${name}: the listener did not complain`)
    real.close()
  }
})

t.test('the French reason: cut on a character boundary, marked, within 1024 bytes with its prefix', async (t) => {
  const real = await startRealListener(t, sockIn(t))
  t.equal(await signalFailure(FRENCH, { socketPath: real.path, env: holdingEnv() }), 'accepted')
  const signal = real.signals[0]
  t.equal(signal?.kind, 'failed')
  if (signal?.kind !== 'failed') return
  t.match(signal.reason, /^base de données injoignable: é+…$/)
  t.equal(bytes(signal.reason), MAX_REASON_BYTES - 1, 'every whole é that fits, then the mark')
  t.equal(bytes(`${failureMessage(FRENCH)}\n`), MAX_MESSAGE_BYTES - 1)
})

t.test('the old client cut (1000 UTF-16 units) overflowed the real listener: not accepted, Init not failed', async (t) => {
  // The message the client sent before the protocol module: what made this failure go unnoticed.
  let old = FRENCH.replace(/[\r\n]+/g, ' ').trim()
  if (old.length > 1000) old = old.slice(0, 997) + '...'
  const real = await startRealListener(t, sockIn(t))
  const { lines, log } = collectLog()
  t.equal(await sendSignal(`error: ${old}`, { socketPath: real.path, env: holdingEnv(), retryMs: 0, log }), 'too-late')
  t.same(real.signals, [], 'the listener never saw a failure')
  t.match(lines.join('\n'), new RegExp(`answered ${answerOf(REPLY_TOO_LONG).replace(/[()]/g, '\\$&')}`))
  t.match(real.logs.join('\n'), /WARN readiness socket: a client sent more than 1024 bytes; connection closed/)
})

t.test('the byte limit is exact: 1024 bytes with the newline pass, 1025 do not', async (t) => {
  const fits = `error: ${'x'.repeat(MAX_REASON_BYTES)}`
  t.equal(bytes(`${fits}\n`), MAX_MESSAGE_BYTES)
  const a = await startRealListener(t, sockIn(t))
  t.equal(await sendSignal(fits, { socketPath: a.path, env: holdingEnv(), retryMs: 0, log: null }), 'accepted')
  t.same(a.signals, [{ kind: 'failed', reason: 'x'.repeat(MAX_REASON_BYTES) }], 'read whole, not cut')
  const b = await startRealListener(t, sockIn(t))
  t.equal(await sendSignal(`${fits}x`, { socketPath: b.path, env: holdingEnv(), retryMs: 0, log: null }), 'too-late')
  t.same(b.signals, [])
  // Multi-byte: 1023 bytes of text ending in a 2-byte character, plus the newline.
  const accented = `error: ${'x'.repeat(MAX_REASON_BYTES - 2)}é`
  const c = await startRealListener(t, sockIn(t))
  t.equal(await sendSignal(accented, { socketPath: c.path, env: holdingEnv(), retryMs: 0, log: null }), 'accepted')
  const d = await startRealListener(t, sockIn(t))
  t.equal(await sendSignal(`${accented}é`, { socketPath: d.path, env: holdingEnv(), retryMs: 0, log: null }), 'too-late')
})

t.test('answers: already failed, already released, unknown message → too-late, with the answer in the warning', async (t) => {
  const failed = await startRealListener(t, sockIn(t))
  t.equal(await signalFailure('first', { socketPath: failed.path, env: holdingEnv() }), 'accepted')
  const afterFailure = collectLog()
  t.equal(await signalReady({ socketPath: failed.path, env: holdingEnv(), log: afterFailure.log }), 'too-late')
  t.match(afterFailure.lines.join('\n'), `answered ${answerOf(REPLY_ALREADY_FAILED)}`)
  t.same(failed.signals, [{ kind: 'failed', reason: 'first' }], 'the first signal stands')

  const released = await startRealListener(t, sockIn(t))
  released.listener.markReleased() // WARMING_TIMEOUT ran out: the lifecycle releases Init
  const lateError = collectLog()
  t.equal(await signalFailure('too slow', { socketPath: released.path, env: holdingEnv(), log: lateError.log }), 'too-late')
  t.match(lateError.lines.join('\n'), `answered ${answerOf(REPLY_ALREADY_RELEASED)}`)
  t.equal(await signalReady({ socketPath: released.path, env: holdingEnv() }), 'accepted', 'a late ready is harmless: ok')
  t.same(released.signals, [])

  const picky = await startRealListener(t, sockIn(t))
  const unknown = collectLog()
  // (`ready now` would be the named gate "now", docs/gates-and-metrics.md; `now!` is no gate name.)
  t.equal(await sendSignal('ready now!', { socketPath: picky.path, env: holdingEnv(), retryMs: 0, log: unknown.log }), 'too-late')
  t.match(unknown.lines.join('\n'), `answered ${answerOf(REPLY_UNKNOWN)}`)
  t.same(picky.signals, [])
})

t.test('after the release the socket is gone: a repeat is too-late at once, without a warning', async (t) => {
  const real = await startRealListener(t, sockIn(t), { releaseOnSignal: true })
  t.equal(await signalReady({ socketPath: real.path, env: holdingEnv() }), 'accepted')
  await real.firstSignal
  await new Promise((r) => setTimeout(r, 20))
  const { lines, log } = collectLog()
  const start = Date.now()
  // A 60 s retry budget: any retrying would take it all; "at once" needs no tight bound.
  t.equal(await signalReady({ socketPath: real.path, env: holdingEnv(), log, retryMs: 60_000 }), 'too-late')
  t.ok(Date.now() - start < 20_000, 'no retrying')
  t.same(lines, [])
  t.equal(await signalFailure('afterwards', { socketPath: real.path, env: holdingEnv(), log: null }), 'too-late')
  t.same(real.signals, [{ kind: 'ready' }])
})

t.test('a socket that appears 300 ms after the call is found by the retry', async (t) => {
  const socketPath = sockIn(t, 'late.sock')
  let real: Awaited<ReturnType<typeof startRealListener>> | undefined
  const timer = setTimeout(() => { void startRealListener(t, socketPath).then((r) => { real = r }) }, 300)
  t.teardown(() => clearTimeout(timer))
  const start = Date.now()
  t.equal(await signalReady({ socketPath, env: holdingEnv(), retryMs: 3000 }), 'accepted')
  t.ok(Date.now() - start >= 250, 'it waited for the socket')
  t.same(real?.signals, [{ kind: 'ready' }])
})

t.test('20 concurrent signals against a releasing listener: one release, every call settled, none lost', async (t) => {
  const real = await startRealListener(t, sockIn(t), { releaseOnSignal: true })
  const started = Date.now()
  const results = await Promise.all(Array.from({ length: 20 }, () => signalReady({ socketPath: real.path, env: holdingEnv(), log: null })))
  t.ok(results.includes('accepted'), `accepted at least once: ${results.join(',')}`)
  t.ok(results.every((r) => r === 'accepted' || r === 'too-late'), 'the others: accepted or too-late, never no-extension')
  t.same(real.signals, [{ kind: 'ready' }], 'released once')
  t.ok(Date.now() - started < 5000, 'bounded')
})
