// A failed warm-up with a long, non-English reason fails Init, end to end: the client from the
// built layer, the real extension binary, the local Lambda sandbox. Before the shared protocol
// module the client cut reasons to 1000 UTF-16 units (up to ~2000 UTF-8 bytes for accented
// text), the extension dropped the oversized message, the client reported `too-late`, and Init
// was held until WARMING_TIMEOUT and then succeeded: the function ran warm on a failed warm-up.
import t from 'tap'
import type { Test } from 'tap'
import path from 'node:path'
import { FIXTURES, ours, requireLayer, sandboxWithLayer } from './harness'
import { MAX_REASON_BYTES, safeReason } from '../../protocol/signal-protocol'
import type { Sandbox } from '../sandbox'

const CLIENT_FUNCTION = path.join(FIXTURES, 'functions', 'client-signal')
const WARMING_TIMEOUT = 8000
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const bytes = (s: string) => Buffer.byteLength(s, 'utf8')

/** Init failed quickly through the extension's init/error; returns the posted message and the log line. */
async function expectFailedInit(t: Test, sb: Sandbox): Promise<{ posted: string; logLine: string }> {
  const init = await sb.init()
  t.equal(init.failed, true, 'Init failed')
  t.ok(init.durationMs < WARMING_TIMEOUT / 2, `failed in ${Math.round(init.durationMs)} ms, not held until WARMING_TIMEOUT`)
  const report = sb.report()
  const posted = report.errors.filter((e) => e.api === 'extension/init/error')
  t.equal(posted.length, 1, 'one init/error posted')
  t.equal(posted[0]?.errorType, 'Extension.FunctionInitFailed')
  const body = posted[0]?.body as { errorMessage?: unknown } | undefined
  t.type(body?.errorMessage, 'string', 'the post carries an errorMessage')
  const lines = ours(report).logs.map((l) => l.text).filter((l) => /init outcome=failed/.test(l))
  t.equal(lines.length, 1, 'one failure line in the extension log')
  t.equal(ours(report).exitCode, 1, 'the extension exited 1 (what fails the Init)')
  return { posted: String(body?.errorMessage ?? ''), logLine: lines[0] ?? '' }
}

/** The first invoke finds no warm function: it runs Init again inline, which fails again. */
async function expectNotWarm(t: Test, sb: Sandbox): Promise<void> {
  const invoke = await sb.invoke({})
  t.equal(invoke.initInline, true, 'the invoke had to run Init itself (nothing warm to route to)')
  t.equal(invoke.failed, true, 'and that Init failed too')
  t.equal(invoke.result, undefined, 'the handler never ran')
}

t.test('holdInitUntil rejecting with "base de données injoignable: " + 2000 é → init/error, cut reason, not warm', async (t) => {
  requireLayer()
  const sb = sandboxWithLayer(t, { functionDir: CLIENT_FUNCTION, env: { WARMING_TIMEOUT: String(WARMING_TIMEOUT), CLIENT_SCENARIO: 'fail-long' } })
  const { posted, logLine } = await expectFailedInit(t, sb)
  const expected = safeReason('base de données injoignable: ' + 'é'.repeat(2000))
  t.equal(posted, expected, 'Lambda records the reason the function gave, cut by bytes')
  t.match(posted, /^base de données injoignable: é+…$/, 'cut on a character boundary and marked')
  t.equal(bytes(posted), MAX_REASON_BYTES - 1)
  t.match(logLine, /ERROR init outcome=failed by=error held=\d+ms: the function reported: base de données injoignable: é+…$/, 'the cut reason, marked, in the log')
  t.notMatch(logLine, UNSAFE, 'the log line is one readable line')
  t.ok(bytes(logLine) < 2 * 1024, `the log line is bounded (${bytes(logLine)} bytes)`)
  await expectNotWarm(t, sb)
})

t.test('signalFailure with a 1 MB reason of every script, controls and lone surrogates → init/error, safe reason', async (t) => {
  requireLayer()
  const sb = sandboxWithLayer(t, { functionDir: CLIENT_FUNCTION, env: { WARMING_TIMEOUT: String(WARMING_TIMEOUT), CLIENT_SCENARIO: 'failure-hostile' } })
  const { posted, logLine } = await expectFailedInit(t, sb)
  // The same reason the fixture builds.
  const mix = 'قاعدة \u202Eמסד\u202C 数据库 😀 é\u0000\u0007\u001b[2J\r\n\u2028\uD800 \uDFFF '
  const reason = 'hostile: ' + mix.repeat(Math.ceil((1024 * 1024) / mix.length))
  t.equal(posted, safeReason(reason), 'Lambda records the safe form of the reason')
  t.ok(bytes(posted) <= MAX_REASON_BYTES, `${bytes(posted)} bytes`)
  t.notMatch(posted, UNSAFE, 'one line, no controls, no bidi overrides, no lone surrogates')
  t.match(posted, /^hostile: قاعدة מסד 数据库 😀 é \[2J \uFFFD \uFFFD قاعدة/, 'every script kept, controls gone, surrogates replaced')
  t.ok(posted.endsWith('…'), 'marked as cut')
  t.match(logLine, /the function reported: hostile: قاعدة מסד 数据库 😀 é/)
  t.notMatch(logLine, UNSAFE, 'the log line is one readable line')
  t.ok(bytes(logLine) < 2 * 1024, `the log line is bounded (${bytes(logLine)} bytes)`)
  await expectNotWarm(t, sb)
})
