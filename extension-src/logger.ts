// Logging in the shape Lambda's log pipeline expects. Text lines start with `[wait-for-init]`;
// with AWS_LAMBDA_LOG_FORMAT=JSON every line is one JSON object (Lambda's advanced logging
// controls), and AWS_LAMBDA_LOG_LEVEL filters in both formats. No line carries a control or
// bidirectional-control character: every message and string field goes through the protocol's
// one definition of unsafe characters (what safeReason removes), whatever it quotes.

import { replaceUnsafeCharacters } from '../protocol/signal-protocol'

export type Level = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL'
export const LEVELS: readonly Level[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']

/** What an unsafe character becomes in a log line. */
const UNSAFE_MARK = '?'

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

export interface LoggerOptions {
  name: string
  format: 'text' | 'json'
  minLevel: Level
  write?: (line: string) => void
  now?: () => Date
}

export interface LogSettings {
  format: 'text' | 'json'
  minLevel: Level
  /** Problems found while reading the settings, to be logged once the logger exists. */
  problems: string[]
}

/** Reads AWS_LAMBDA_LOG_FORMAT / AWS_LAMBDA_LOG_LEVEL; unknown values fall back with a warning. */
export function readLogSettings(env: NodeJS.ProcessEnv): LogSettings {
  const problems: string[] = []
  const rawFormat = (env.AWS_LAMBDA_LOG_FORMAT ?? '').trim()
  let format: 'text' | 'json' = 'text'
  if (/^json$/i.test(rawFormat)) format = 'json'
  else if (rawFormat !== '' && !/^text$/i.test(rawFormat)) {
    problems.push(`AWS_LAMBDA_LOG_FORMAT=${JSON.stringify(rawFormat)} is not Text or JSON; using Text`)
  }
  const rawLevel = (env.AWS_LAMBDA_LOG_LEVEL ?? '').trim().toUpperCase()
  let minLevel: Level = 'INFO'
  if ((LEVELS as readonly string[]).includes(rawLevel)) minLevel = rawLevel as Level
  else if (rawLevel !== '') {
    problems.push(`AWS_LAMBDA_LOG_LEVEL=${JSON.stringify(env.AWS_LAMBDA_LOG_LEVEL)} is not one of ${LEVELS.join(', ')}; using INFO`)
  }
  return { format, minLevel, problems }
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'))
  const now = options.now ?? (() => new Date())
  const threshold = LEVELS.indexOf(options.minLevel)
  const emit = (level: Level, message: string, fields?: Record<string, unknown>) => {
    if (LEVELS.indexOf(level) < threshold) return
    const text = replaceUnsafeCharacters(message, UNSAFE_MARK)
    if (options.format === 'json') {
      write(JSON.stringify({ timestamp: now().toISOString(), level, extension: options.name, message: text, ...safeFields(fields) }))
    } else {
      // Fields are for machines (JSON mode); text messages already say what matters.
      write(`[${options.name}] ${level} ${text}`)
    }
  }
  return {
    debug: (m, f) => emit('DEBUG', m, f),
    info: (m, f) => emit('INFO', m, f),
    warn: (m, f) => emit('WARN', m, f),
    error: (m, f) => emit('ERROR', m, f),
  }
}

/** String fields (and strings in arrays) made safe like messages; other values as they are. */
function safeFields(fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!fields) return fields
  const clean = (v: unknown): unknown =>
    typeof v === 'string' ? replaceUnsafeCharacters(v, UNSAFE_MARK) : Array.isArray(v) ? v.map(clean) : v
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, clean(v)]))
}

/** Makes untrusted text (a reason sent by the function) safe for one log line: bounded, and no
 *  control, line-separator or bidirectional-control character (the set safeReason removes). */
export function sanitizeForLog(text: string, maxLength = 200): string {
  const clean = replaceUnsafeCharacters(text, UNSAFE_MARK)
  if (clean.length <= maxLength) return clean
  // Never end on the first half of a surrogate pair: the log would show U+FFFD for an emoji.
  const end = /[\uD800-\uDBFF]/.test(clean[maxLength - 1] ?? '') ? maxLength - 1 : maxLength
  return clean.slice(0, end) + '…'
}
