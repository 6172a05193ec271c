// The signal protocol between a function (through a client) and the wait-for-init extension.
// This file is the one definition both sides import: the extension's readiness listener and the
// Node client (bundled into it); the Python client's constants are generated from it at build
// time. Pure and dependency-free, and limited to what Node 14 runs, since the client targets it.
//
// A message is one line of UTF-8 text, newline-terminated, on its own connection:
//   ready                → Init may end now
//   ready <gate>         → one named readiness gate is done (WAIT_FOR_INIT_GATES); Init ends
//                          when every configured gate is done. Without configured gates it is
//                          taken as a bare `ready`. The name matches GATE_NAME_PATTERN, exactly.
//   error                → the function's initialization failed (no reason given)
//   error: <reason>      → the same, with a one-line reason that Lambda records
// Keywords are trimmed and case-insensitive. The extension answers one line (REPLY_*).
// A message counts once it is complete (isCompleteWithoutNewline below says when a fragment
// without its newline may be taken). The settings both sides read (WARMING_TIMEOUT,
// WAIT_FOR_INIT_SOCKET, the clients' budgets) are read by the rules at the end of this file.

export const DEFAULT_SOCKET_PATH = '/tmp/wait-for-init.sock'

/** Most bytes the extension reads on one connection, newline included. A longer message is
 *  answered REPLY_TOO_LONG and ignored, so a client must never send one (formatFailure cuts). */
export const MAX_MESSAGE_BYTES = 1024

export const READY_KEYWORD = 'ready'
export const FAILURE_KEYWORD = 'error'
const FAILURE_PREFIX = `${FAILURE_KEYWORD}: `

/** Bytes a reason may take so that `error: <reason>\n` fits in MAX_MESSAGE_BYTES. */
export const MAX_REASON_BYTES = MAX_MESSAGE_BYTES - FAILURE_PREFIX.length - 1

/** Appended to a reason that had to be cut, so the reader knows there was more. */
export const TRUNCATION_MARK = '…'

/** The reason recorded when the function sent a bare `error`. */
export const DEFAULT_FAILURE_REASON = 'the function reported that its initialization failed'

/** A gate name: 1-64 ASCII letters, digits, `_`, `.` or `-` (safe in a reply and a log line). */
export const GATE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/

export function isValidGateName(name: unknown): name is string {
  return typeof name === 'string' && GATE_NAME_PATTERN.test(name)
}

/** `gate` is set for `ready <gate>` only. */
export type Signal = { kind: 'ready'; gate?: string } | { kind: 'failed'; reason: string }
export type Parsed = Signal | { kind: 'unknown' }

export const REPLY_OK = 'ok\n'
export const REPLY_UNKNOWN = 'error: unknown message; expected "ready" or "error: <reason>"\n'
export const REPLY_TOO_LONG = `error: message longer than ${MAX_MESSAGE_BYTES} bytes\n`
export const REPLY_ALREADY_FAILED = 'error: initialization was already reported as failed\n'
export const REPLY_ALREADY_RELEASED = 'error: too late, Init was already released\n'

// Lone UTF-16 surrogates cannot be encoded as UTF-8; they would arrive as U+FFFD anyway.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
// Control characters (C0, DEL, C1), Unicode line and paragraph separators, and the invisible
// bidirectional controls (embeddings, overrides, isolates, marks): each would break the one-line
// message or reorder what a log reader sees. Letters of any script, right-to-left ones included,
// pass through unchanged: the reader's terminal lays them out by itself.
const UNSAFE_CHARACTERS = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g
const WHITESPACE_RUN = /\s+/g

/** Replaces every unsafe character (above: controls, line separators, bidi controls) and every
 *  lone surrogate by `replacement`. The one definition safeReason and the extension's log lines use. */
export function replaceUnsafeCharacters(text: string, replacement: string): string {
  return String(text).replace(LONE_SURROGATE, replacement).replace(UNSAFE_CHARACTERS, replacement)
}

/** UTF-8 length of a code point. */
function utf8Bytes(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4
}

/** UTF-8 length of a string without lone surrogates (each encodes as 3 bytes, U+FFFD, if present). */
export function utf8Length(text: string): number {
  let bytes = 0
  for (const ch of text) bytes += utf8Bytes(ch.codePointAt(0) as number)
  return bytes
}

/**
 * Makes any text a safe, readable reason: one line, no control characters, well-formed UTF-16,
 * whitespace collapsed, and at most `maxBytes` UTF-8 bytes, cut on a character boundary with
 * TRUNCATION_MARK appended when cut. Idempotent.
 */
export function safeReason(text: string, maxBytes: number = MAX_REASON_BYTES): string {
  // A bound too small for the mark (or not a number) still yields a bounded result: nothing.
  const limit = Number.isFinite(maxBytes) ? Math.max(0, Math.floor(maxBytes)) : MAX_REASON_BYTES
  const clean = replaceUnsafeCharacters(String(text).replace(LONE_SURROGATE, '\uFFFD'), ' ')
    .replace(WHITESPACE_RUN, ' ')
    .trim()
  // A UTF-16 unit never takes more than 3 UTF-8 bytes: short strings need no counting.
  if (clean.length * 3 <= limit || utf8Length(clean) <= limit) return clean
  const budget = limit - utf8Length(TRUNCATION_MARK)
  if (budget < 0) return ''
  let used = 0
  let end = 0
  for (const ch of clean) {
    const size = utf8Bytes(ch.codePointAt(0) as number)
    if (used + size > budget) break
    used += size
    end += ch.length
  }
  return `${clean.slice(0, end).trimEnd()}${TRUNCATION_MARK}`
}

/** `ready`, or `ready <gate>`. The caller checks the name with isValidGateName first. */
export function formatReady(gate?: string): string {
  return gate === undefined ? READY_KEYWORD : `${READY_KEYWORD} ${gate}`
}

const UNKNOWN_GATE_PREFIX = 'error: unknown gate'

/** The answer to `ready <gate>` naming a gate that is not configured (nothing changes). The
 *  configured names are listed as far as they fit in one message. */
export function formatUnknownGateReply(gate: string, configured: readonly string[]): string {
  const head = `${UNKNOWN_GATE_PREFIX} ${JSON.stringify(gate)}; configured gates: `
  let list = configured.join(',')
  if (utf8Length(head) + utf8Length(list) + 1 > MAX_MESSAGE_BYTES) {
    const room = MAX_MESSAGE_BYTES - utf8Length(head) - utf8Length(TRUNCATION_MARK) - 1
    list = `${list.slice(0, Math.max(0, room))}${TRUNCATION_MARK}` // names are ASCII: 1 byte each
  }
  return `${head}${list}\n`
}

/** Client side: whether an answer line says the gate name is not configured. */
export function isUnknownGateReply(answerLine: string): boolean {
  return answerLine.trim().startsWith(UNKNOWN_GATE_PREFIX)
}

/** `error: <safe reason>`, or a bare `error` when the reason is empty once made safe. */
export function formatFailure(reason: string): string {
  const safe = safeReason(reason)
  return safe === '' ? FAILURE_KEYWORD : `${FAILURE_PREFIX}${safe}`
}

/** What ends a message on the wire: every client sends it, so no message waits for a quiet gap. */
export const MESSAGE_END = '\n'

/** The text a client writes for a message: the line and its newline. */
export function encodeMessage(message: string): string {
  return `${message}${MESSAGE_END}`
}

/** Whether the extension reads `message` whole: its UTF-8 bytes plus the newline fit MAX_MESSAGE_BYTES. */
export function fitsMessageLimit(message: string): boolean {
  return utf8Length(encodeMessage(message)) <= MAX_MESSAGE_BYTES
}

/** Extension side: what one received line means. The reason comes back safe and bounded. */
export function parseMessage(raw: string): Parsed {
  const text = raw.trim()
  if (text.toLowerCase() === READY_KEYWORD) return { kind: 'ready' }
  // `ready <gate>`: keyword case-insensitive, the name exact. A malformed name is an unknown message.
  const gated = /^ready[ \t]+(\S+)$/i.exec(text)
  if (gated) return isValidGateName(gated[1]) ? { kind: 'ready', gate: gated[1] } : { kind: 'unknown' }
  const failure = /^error(?:\s*:\s*([\s\S]*))?$/i.exec(text)
  if (failure) {
    const reason = safeReason(failure[1] ?? '')
    return { kind: 'failed', reason: reason || DEFAULT_FAILURE_REASON }
  }
  return { kind: 'unknown' }
}

/** Quiet gap (ms) after which the original raw protocol's bare `ready`, sent without a newline
 *  and without closing, is taken (isCompleteWithoutNewline). */
export const QUIET_MS = 50

/**
 * The completeness rule, extension side. A message is complete at its newline (MESSAGE_END) or
 * at the end of the stream; the clients always send the newline (encodeMessage). Without either,
 * the text received so far may be taken after QUIET_MS of quiet only where the original raw
 * protocol needs it: a bare `ready` (its sample wrote `ready` and waited for the answer), and
 * only when no gates are configured. Anything else waits for the newline, the end of the stream
 * or the idle limit: with gates, `ready` may be the start of `ready db` from a slow writer, and
 * `error` the start of `error: <reason>`; taking either early would release every gate or lose
 * the reason.
 */
export function isCompleteWithoutNewline(buffered: string, gatesConfigured: boolean): boolean {
  return !gatesConfigured && buffered.trim().toLowerCase() === READY_KEYWORD
}

/** Client side: whether the extension's answer line confirms the signal. */
export function isAccepted(answerLine: string): boolean {
  return answerLine.trim().toLowerCase() === REPLY_OK.trim()
}

// ---- Settings: one rule per variable, for the extension and both clients ----------------------
// Lambda gives extensions the function's environment (docs/lambda-lifecycle.md §2.3), so the
// function's client and the extension read the same values; they must read them the same way,
// or one side waits on a socket the other never opens. Every rule: the value is trimmed, and
// unset, empty or blank means the default. The Python client gets these constants and its
// trimming characters from build-scripts/python-client.ts; test/contract/settings.test.ts runs
// the extension, the Node client and the Python client over one table of values.

export const WARMING_TIMEOUT_VARIABLE = 'WARMING_TIMEOUT'
export const SOCKET_VARIABLE = 'WAIT_FOR_INIT_SOCKET'
export const CLIENT_RETRY_VARIABLE = 'WAIT_FOR_INIT_CLIENT_RETRY_MS'
export const CLIENT_TIMEOUT_VARIABLE = 'WAIT_FOR_INIT_CLIENT_TIMEOUT_MS'
/** Every variable a client reads: the extension knows them too (it reports unknown ones). */
export const CLIENT_SETTINGS: readonly string[] = [WARMING_TIMEOUT_VARIABLE, SOCKET_VARIABLE, CLIENT_RETRY_VARIABLE, CLIENT_TIMEOUT_VARIABLE]

/** sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107
/** No Lambda Init can last longer than 15 minutes (docs/lambda-lifecycle.md §6: max(130 s, function timeout ≤ 900 s)). */
export const MAX_WARMING_TIMEOUT_MS = 900_000
export const DEFAULT_CLIENT_RETRY_MS = 1000
export const DEFAULT_CLIENT_TIMEOUT_MS = 1000
/** Upper bound of both client budgets: anything larger would defeat "never add seconds to Init". */
export const MAX_CLIENT_BUDGET_MS = 60_000

/** A setting as read: the value to use, and what was wrong with the raw value, if anything (a
 *  description naming the variable and the value; each side adds what it does about it). */
export interface Setting<T> {
  value: T
  problem?: string
}

/** The one trimming rule: what is left of a setting's value; '' when unset, empty or blank. */
export function settingText(raw: string | undefined): string {
  return typeof raw === 'string' ? raw.trim() : ''
}

const quoted = (name: string, raw: string | undefined): string => `${name}=${JSON.stringify(raw)}`

/** WAIT_FOR_INIT_SOCKET: trimmed; default when blank; else an absolute path of at most
 *  MAX_SOCKET_PATH_BYTES UTF-8 bytes without NUL. null: unusable, the extension does not hold. */
export function readSocketPath(raw: string | undefined): Setting<string | null> {
  const text = settingText(raw)
  if (text === '') return { value: DEFAULT_SOCKET_PATH }
  if (!text.startsWith('/')) return { value: null, problem: `${quoted(SOCKET_VARIABLE, raw)} must be an absolute path` }
  if (text.includes('\0')) return { value: null, problem: `${quoted(SOCKET_VARIABLE, raw)} contains a NUL byte` }
  const bytes = utf8Length(text)
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    return { value: null, problem: `${SOCKET_VARIABLE} is ${bytes} bytes long; a Unix socket path may have at most ${MAX_SOCKET_PATH_BYTES}` }
  }
  return { value: text }
}

/** WARMING_TIMEOUT: trimmed; blank means no hold; else digits only (no sign, decimals, exponent,
 *  hex, Infinity), 1 to MAX_WARMING_TIMEOUT_MS. null: the extension does not hold Init. */
export function readWarmingTimeout(raw: string | undefined): Setting<number | null> {
  const text = settingText(raw)
  if (text === '') return { value: null }
  if (!/^[0-9]+$/.test(text)) return { value: null, problem: `${quoted(WARMING_TIMEOUT_VARIABLE, raw)} is not a whole number of milliseconds` }
  const value = Number(text)
  if (value === 0) return { value: null, problem: `${quoted(WARMING_TIMEOUT_VARIABLE, raw)} must be greater than 0` }
  if (value > MAX_WARMING_TIMEOUT_MS) {
    return { value: null, problem: `${quoted(WARMING_TIMEOUT_VARIABLE, raw)} is larger than any Lambda Init can last (${MAX_WARMING_TIMEOUT_MS} ms)` }
  }
  return { value }
}

/** A client budget (CLIENT_RETRY_VARIABLE, CLIENT_TIMEOUT_VARIABLE): trimmed; blank means
 *  `fallback`; else a whole number of ms from 0 to MAX_CLIENT_BUDGET_MS, or `fallback` with a problem. */
export function readClientBudget(name: string, raw: string | undefined, fallback: number): Setting<number> {
  const text = settingText(raw)
  if (text === '') return { value: fallback }
  if (/^[0-9]{1,15}$/.test(text) && Number(text) <= MAX_CLIENT_BUDGET_MS) return { value: Number(text) }
  return { value: fallback, problem: `${name} must be an integer from 0 to ${MAX_CLIENT_BUDGET_MS} (ms), got ${JSON.stringify(raw)}` }
}
