// Property-based: whatever a function passes as a failure reason, the client's message is one
// the extension's real listener reads whole, answers `ok`, and turns into a failed signal whose
// reason is safe (one line, no control characters, well-formed, at most MAX_REASON_BYTES).
// And `ready` in any case, with any padding, is a ready signal; a keyword with more after it
// is not. Pure checks run thousands of cases; the socket round trips a few hundred.
import t from 'tap'
import type { Test } from 'tap'
import fc from 'fast-check'
import path from 'node:path'
import {
  DEFAULT_FAILURE_REASON, fitsMessageLimit, formatFailure, MAX_REASON_BYTES, parseMessage, safeReason, TRUNCATION_MARK,
} from '../../protocol/signal-protocol'
import { failureMessage, sendSignal } from '../../client/src/signal'
import { signalFailure } from '../../client/src/index'
import { tempDir, holdingEnv } from '../client/helpers'
import { startRealListener } from './real-listener'
import { anyCase, hostileReason, padding } from './arbitraries'

// Shrinking a 3000-unit counterexample (over a socket, too) can take many minutes: bound every
// run, shrinking included; the passing runs take about a second each.
fc.configureGlobal({ interruptAfterTimeLimit: 20_000, markInterruptAsFailure: true })

const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** ASCII only, bounded: a counterexample's raw line breaks and separators would corrupt the TAP
 *  stream (a failing subtest was once reported as `ok` with "no tests found"). */
function printable(text: string): string {
  const escaped = text.replace(/[^\x20-\x7E]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return escaped.length > 1500 ? `${escaped.slice(0, 1500)}... (${escaped.length} characters)` : escaped
}

/** Asserts a fast-check run found no counterexample and really ran `runs` cases. */
function holds<Ts>(t: Test, details: fc.RunDetails<Ts>, runs: number, name: string): void {
  t.equal(details.failed, false, details.failed ? `${name}: ${printable(fc.defaultReportMessage(details) ?? '')}` : name)
  t.equal(details.numRuns, runs, `${runs} cases ran`)
}

/** Throws (fast-check reports the counterexample) unless `reason` is safe. */
function assertSafe(reason: string): void {
  if (UNSAFE.test(reason)) throw new Error(`control or bidi character in ${JSON.stringify(reason.slice(0, 80))}`)
  if (LONE_SURROGATE.test(reason)) throw new Error(`lone surrogate in ${JSON.stringify(reason.slice(0, 80))}`)
  if (/\s\s/.test(reason) || reason !== reason.trim()) throw new Error(`uncollapsed whitespace in ${JSON.stringify(reason.slice(0, 80))}`)
  const bytes = Buffer.byteLength(reason, 'utf8')
  if (bytes > MAX_REASON_BYTES) throw new Error(`${bytes} bytes > ${MAX_REASON_BYTES}`)
  if (reason === '') throw new Error('empty reason')
}

t.test('formatFailure(any reason) fits the limit and parses back to the same safe reason', async (t) => {
  holds(t, fc.check(fc.property(hostileReason, (raw) => {
    const message = formatFailure(raw)
    if (!fitsMessageLimit(message)) throw new Error(`does not fit: ${Buffer.byteLength(message)} bytes`)
    const parsed = parseMessage(message)
    if (parsed.kind !== 'failed') throw new Error(`parsed as ${parsed.kind}`)
    assertSafe(parsed.reason)
    const safe = safeReason(raw)
    if (parsed.reason !== (safe === '' ? DEFAULT_FAILURE_REASON : safe)) throw new Error('the extension reads a different reason')
    if (safeReason(safe) !== safe) throw new Error('safeReason is not idempotent')
  }), { numRuns: 3000 }), 3000, 'no counterexample')
})

t.test('a reason is cut only when it does not fit, and a cut one is marked and nearly full', async (t) => {
  holds(t, fc.check(fc.property(hostileReason, (raw) => {
    const safe = safeReason(raw)
    const whole = safeReason(raw, Number.MAX_SAFE_INTEGER) // the same cleaning, never cut
    const wholeBytes = Buffer.byteLength(whole, 'utf8')
    if (wholeBytes <= MAX_REASON_BYTES) {
      if (safe !== whole) throw new Error('a reason that fits was changed beyond cleaning')
    } else {
      if (!safe.endsWith(TRUNCATION_MARK)) throw new Error('a cut reason is not marked')
      const kept = safe.slice(0, -TRUNCATION_MARK.length)
      if (!whole.startsWith(kept)) throw new Error('the cut reason is not a prefix of the cleaned one')
      // At most one code point (4 bytes) plus a dropped trailing space short of the bound.
      if (Buffer.byteLength(safe, 'utf8') < MAX_REASON_BYTES - 5) throw new Error(`cut too short: ${Buffer.byteLength(safe, 'utf8')} bytes`)
    }
  }), { numRuns: 2000 }), 2000, 'no counterexample')
})

t.test('signalFailure(any reason) against the real listener: ok, and Init fails with that safe reason', async (t) => {
  const dir = tempDir(t, 'wfi-prop-')
  let run = 0
  holds(t, await fc.check(fc.asyncProperty(hostileReason, async (raw) => {
    const socketPath = path.join(dir, `p${run++}.sock`)
    const real = await startRealListener({ teardown: () => {} }, socketPath)
    try {
      const result = await signalFailure(raw, { socketPath, env: holdingEnv(), retryMs: 0, attemptTimeoutMs: 5000, log: null })
      if (result !== 'accepted') throw new Error(`client result ${result}; extension log: ${real.logs.join(' | ')}`)
      if (real.signals.length !== 1) throw new Error(`${real.signals.length} signals`)
      const signal = real.signals[0]
      if (signal.kind !== 'failed') throw new Error(`signal ${signal.kind}`)
      assertSafe(signal.reason)
      const expected = safeReason(raw) || DEFAULT_FAILURE_REASON
      if (signal.reason !== expected) throw new Error(`reason ${JSON.stringify(signal.reason.slice(0, 60))} != ${JSON.stringify(expected.slice(0, 60))}`)
      if (real.logs.some((l) => / WARN /.test(l))) throw new Error(`the extension warned: ${real.logs.join(' | ')}`)
    } finally {
      real.close()
    }
  }), { numRuns: 200 }), 200, 'no counterexample')
})

t.test('ready in any case with any padding is ready, over the socket too', async (t) => {
  const dir = tempDir(t, 'wfi-prop-')
  let run = 0
  const readyLike = fc.tuple(padding, anyCase('ready'), padding).map(([a, w, b]) => `${a}${w}${b}`)
  holds(t, fc.check(fc.property(readyLike, (m) => {
    if (parseMessage(m).kind !== 'ready') throw new Error(`${JSON.stringify(m)} not ready`)
  }), { numRuns: 1000 }), 1000, 'no counterexample')
  holds(t, await fc.check(fc.asyncProperty(readyLike, async (m) => {
    const socketPath = path.join(dir, `r${run++}.sock`)
    const real = await startRealListener({ teardown: () => {} }, socketPath)
    try {
      const result = await sendSignal(m, { socketPath, env: holdingEnv(), retryMs: 0, log: null })
      if (result !== 'accepted') throw new Error(`${JSON.stringify(m)}: ${result}`)
      if (real.signals.length !== 1 || real.signals[0].kind !== 'ready') throw new Error(`signals ${JSON.stringify(real.signals)}`)
    } finally {
      real.close()
    }
  }), { numRuns: 100 }), 100, 'no counterexample')
})

/**
 * The grammar of docs/protocol.md, written out independently of parseMessage: what a message
 * means, or null when it is not a signal.
 *   ready  = *WS "ready" *WS
 *   gated  = *WS "ready" 1*(SP / HTAB) gate *WS       gate = 1*64( ALPHA / DIGIT / "_" / "." / "-" )
 *   failure = *WS "error" [ *WS ":" *WS reason ] *WS
 */
function grammar(message: string): { kind: 'ready'; gate?: string } | { kind: 'failed' } | null {
  const text = message.trim()
  const lower = text.toLowerCase()
  if (lower === 'ready') return { kind: 'ready' }
  if (lower.startsWith('ready') && /^[ \t]/.test(text.slice(5))) {
    const name = text.slice(5).replace(/^[ \t]+/, '')
    const valid = name.length >= 1 && name.length <= 64 && [...name].every((c) => /[A-Za-z0-9_.-]/.test(c))
    return valid ? { kind: 'ready', gate: name } : null
  }
  if (lower === 'error') return { kind: 'failed' }
  if (lower.startsWith('error') && text.slice(5).trimStart().startsWith(':')) return { kind: 'failed' }
  return null
}

t.test('a keyword followed by anything else is a signal only as the grammar says: a gate name after ready, a reason after error:', async (t) => {
  const dir = tempDir(t, 'wfi-prop-')
  let run = 0
  // Anything after the keyword, gate-name characters included (so `ready db`, `ready now`,
  // `ready x y`, a 65-character name and `ready\tdb` are drawn), and near misses without a gap.
  const gateChar = fc.constantFrom(...'abcdbzAZ09_.-')
  const tail = fc.oneof(
    fc.string({ unit: gateChar, minLength: 1, maxLength: 70 }),
    // Names around the 64-character bound (the default size rarely draws long strings).
    fc.integer({ min: 60, max: 70 }).chain((n) => fc.string({ unit: gateChar, minLength: n, maxLength: n })),
    fc.string({ unit: fc.oneof(gateChar, fc.constantFrom(' ', '\t', '!', ':', '?', '\u00a0', 'é', '/', ',')), minLength: 1, maxLength: 20 }),
    fc.string({ maxLength: 12 }),
  )
  const gap = fc.constantFrom('', ' ', '  ', '\t', ' \t', ':', ' : ', '\u00a0')
  const message = fc.tuple(fc.oneof(anyCase('ready'), anyCase('error')), gap, tail).map(([w, g, rest]) => `${w}${g}${rest}`)
  const gateDrawn = { named: 0, unknown: 0 }
  holds(t, fc.check(fc.property(message, (m) => {
    const parsed = parseMessage(m)
    const expected = grammar(m)
    if (expected === null) {
      gateDrawn.unknown++
      if (parsed.kind !== 'unknown') throw new Error(`${JSON.stringify(m)} parsed as ${parsed.kind}, the grammar says it is no signal`)
    } else if (expected.kind === 'ready') {
      if (expected.gate !== undefined) gateDrawn.named++
      if (parsed.kind !== 'ready' || parsed.gate !== expected.gate) throw new Error(`${JSON.stringify(m)} parsed as ${JSON.stringify(parsed)}, expected ${JSON.stringify(expected)}`)
    } else if (parsed.kind !== 'failed') throw new Error(`${JSON.stringify(m)} parsed as ${parsed.kind}, expected a failure`)
  }), { numRuns: 3000 }), 3000, 'no counterexample')
  t.ok(gateDrawn.named > 100 && gateDrawn.unknown > 100, `both kinds drawn: ${gateDrawn.named} named gates, ${gateDrawn.unknown} non-signals`)

  // Over the socket, against a listener with gates db,cache (as the extension wires it): a
  // non-signal, or a gate nobody configured, is refused and never settles the listener.
  const refused = (m: string): boolean => {
    const g = grammar(m)
    return g === null || (g.kind === 'ready' && g.gate !== undefined && !['db', 'cache'].includes(g.gate))
  }
  holds(t, await fc.check(fc.asyncProperty(message.filter(refused), async (m) => {
    const socketPath = path.join(dir, `n${run++}.sock`)
    const real = await startRealListener({ teardown: () => {} }, socketPath, { gates: ['db', 'cache'] })
    try {
      const result = await sendSignal(m, { socketPath, env: holdingEnv(), retryMs: 0, attemptTimeoutMs: 60_000, log: null })
      if (result !== 'too-late') throw new Error(`${JSON.stringify(m)}: ${result}`)
      if (real.signals.length !== 0) throw new Error(`${JSON.stringify(m)} settled the listener: ${JSON.stringify(real.signals)}`)
      if (real.gates!.pending().length !== 2) throw new Error(`${JSON.stringify(m)} marked a gate ready`)
    } finally {
      real.close()
    }
  }), { numRuns: 100 }), 100, 'no counterexample')
})

t.test('failureMessage(any value) is a message the extension reads whole', async (t) => {
  holds(t, fc.check(fc.property(fc.anything(), (value) => {
    const message = failureMessage(value)
    if (!fitsMessageLimit(message)) throw new Error(`does not fit: ${Buffer.byteLength(message)} bytes`)
    if (parseMessage(message).kind !== 'failed') throw new Error(`${JSON.stringify(message)} is not a failure`)
  }), { numRuns: 1000 }), 1000, 'no counterexample')
})
