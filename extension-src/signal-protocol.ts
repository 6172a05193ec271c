// The function → extension signal protocol, as pure functions (see README "Signal protocol").
// A message is one short line of text. `ready` releases Init; `error` or `error: <reason>` reports
// that the function's initialization failed. Matching is trimmed and case-insensitive, like the
// original sample's plain `ready`. Anything else is rejected: garbage must never release Init.

export type Signal = { kind: 'ready' } | { kind: 'failed'; reason: string }
export type Parsed = Signal | { kind: 'unknown' }

/** Longest message we read; anything longer is hostile or a bug, and is cut off. */
export const MAX_MESSAGE_BYTES = 1024
export const MAX_REASON_LENGTH = 500

export function parseMessage(raw: string): Parsed {
  const text = raw.trim()
  if (/^ready$/i.test(text)) return { kind: 'ready' }
  const failure = /^error(?:\s*:\s*([\s\S]*))?$/i.exec(text)
  if (failure) {
    const reason = (failure[1] ?? '').trim().slice(0, MAX_REASON_LENGTH)
    return { kind: 'failed', reason: reason || 'the function reported that its initialization failed' }
  }
  return { kind: 'unknown' }
}

/**
 * True for a fragment that is the start of a keyword but not yet a message ("r", "rea", "err").
 * A slow writer's fragment must not be judged after the quiet gap: "r" + pause + "eady" is `ready`.
 */
export function isIncompleteKeyword(raw: string): boolean {
  const text = raw.trim().toLowerCase()
  return text !== '' && text !== 'ready' && text !== 'error' && ('ready'.startsWith(text) || 'error'.startsWith(text))
}

export const REPLY_OK = 'ok\n'
export const REPLY_UNKNOWN = 'error: unknown message; expected "ready" or "error: <reason>"\n'
export const REPLY_TOO_LONG = `error: message longer than ${MAX_MESSAGE_BYTES} bytes\n`
export const REPLY_ALREADY_FAILED = 'error: initialization was already reported as failed\n'
export const REPLY_ALREADY_RELEASED = 'error: too late, Init was already released\n'
