import t from 'tap'
import { createLogger, readLogSettings, sanitizeForLog } from '../../extension-src/logger'

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
