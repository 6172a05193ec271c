import t from 'tap'
import { createLogger, readLogSettings, sanitizeForLog } from '../../extension-src/logger'
import { safeReason } from '../../protocol/signal-protocol'

const fixed = () => new Date('2026-01-02T03:04:05.678Z')

t.test('text lines start with the product prefix', async (t) => {
  const lines: string[] = []
  const log = createLogger({ name: 'wait-for-init', format: 'text', minLevel: 'INFO', write: (l) => lines.push(l), now: fixed })
  log.info('hello', { heldMs: 12 })
  log.debug('hidden')
  t.same(lines, ['[wait-for-init] INFO hello'])
})

t.test('JSON lines carry timestamp, level, message', async (t) => {
  const lines: string[] = []
  const log = createLogger({ name: 'wait-for-init', format: 'json', minLevel: 'WARN', write: (l) => lines.push(l), now: fixed })
  log.info('filtered')
  log.warn('careful', { outcome: 'timeout' })
  t.equal(lines.length, 1)
  t.same(JSON.parse(lines[0]), { timestamp: '2026-01-02T03:04:05.678Z', level: 'WARN', extension: 'wait-for-init', message: 'careful', outcome: 'timeout' })
})

t.test('settings from Lambda advanced logging variables', async (t) => {
  t.same(readLogSettings({}), { format: 'text', minLevel: 'INFO', problems: [] })
  t.same(readLogSettings({ AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'debug' }), { format: 'json', minLevel: 'DEBUG', problems: [] })
  const bad = readLogSettings({ AWS_LAMBDA_LOG_FORMAT: 'xml', AWS_LAMBDA_LOG_LEVEL: 'loud' })
  t.equal(bad.format, 'text')
  t.equal(bad.minLevel, 'INFO')
  t.equal(bad.problems.length, 2)
  t.match(bad.problems[0], /AWS_LAMBDA_LOG_FORMAT="xml"/)
  t.match(bad.problems[1], /AWS_LAMBDA_LOG_LEVEL="loud"/)
})

t.test('sanitizeForLog removes control characters and bounds length', async (t) => {
  t.equal(sanitizeForLog('a\nb\u0000c'), 'a?b?c')
  t.equal(sanitizeForLog('x'.repeat(300)).length, 201)
  // 'a' + emoji pairs: a cut at 200 units would fall inside a pair.
  const emoji = sanitizeForLog('a' + '😀'.repeat(150))
  t.equal(emoji, 'a' + '😀'.repeat(99) + '…', 'a cut never splits a surrogate pair')
})

t.test('no log line carries a bidi control: the set safeReason removes, in messages and fields, in both formats', async (t) => {
  // Every character safeReason turns into a space (its one definition in the protocol module).
  const unsafe = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c', '\u2028', '\u2029', '\u0085', '\u001b', '\u007f']
  for (const ch of unsafe) t.equal(safeReason(`a${ch}b`), 'a b', `U+${ch.charCodeAt(0).toString(16).padStart(4, '0')} is unsafe for safeReason`)
  const hostile = `ready${unsafe.join('')}evil`
  t.equal(sanitizeForLog(hostile), `ready${'?'.repeat(unsafe.length)}evil`)
  for (const format of ['text', 'json'] as const) {
    const lines: string[] = []
    const log = createLogger({ name: 'wait-for-init', format, minLevel: 'DEBUG', write: (l) => { lines.push(l) } })
    log.warn(`WARMING_TIMEOUT=${JSON.stringify(hostile)} is not a whole number`, { variable: hostile, gates: [hostile] })
    t.equal(lines.length, 1)
    const text = format === 'json' ? JSON.stringify(JSON.parse(lines[0])).replace(/\\u[0-9a-f]{4}/g, '') : lines[0]
    t.notMatch(text, /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/, `${format}: nothing unsafe left`)
    t.match(lines[0], /ready(\?|\\u001b)+evil/, `${format}: each replaced by ? (or escaped by JSON.stringify)`)
  }
  t.equal(sanitizeForLog('rtl עברית ok'), 'rtl עברית ok', 'right-to-left letters themselves pass')
})
