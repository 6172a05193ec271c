// The shared signal-protocol module: grammar, byte limits, and what makes a reason safe.
// Property-based checks of the same rules (random text, against the real listener) live in
// test/contract/protocol-property.test.ts.
import t from 'tap'
import {
  DEFAULT_FAILURE_REASON, DEFAULT_SOCKET_PATH, encodeMessage, fitsMessageLimit, formatFailure, formatReady,
  isAccepted, isCompleteWithoutNewline, MESSAGE_END, MAX_MESSAGE_BYTES, MAX_REASON_BYTES, parseMessage, REPLY_ALREADY_FAILED,
  REPLY_ALREADY_RELEASED, REPLY_OK, REPLY_TOO_LONG, REPLY_UNKNOWN, safeReason, TRUNCATION_MARK, utf8Length,
} from '../../protocol/signal-protocol'

const bytes = (s: string) => Buffer.byteLength(s, 'utf8')
const FRENCH = 'base de données injoignable: ' + 'é'.repeat(2000)

t.test('constants: the limits add up, the path is the documented one', async (t) => {
  t.equal(DEFAULT_SOCKET_PATH, '/tmp/wait-for-init.sock')
  t.equal(MAX_MESSAGE_BYTES, 1024)
  t.equal(MAX_REASON_BYTES, MAX_MESSAGE_BYTES - bytes('error: ') - bytes('\n'), 'reason + prefix + newline = the message limit')
  t.equal(TRUNCATION_MARK, '…')
  for (const reply of [REPLY_OK, REPLY_UNKNOWN, REPLY_TOO_LONG, REPLY_ALREADY_FAILED, REPLY_ALREADY_RELEASED]) {
    t.match(reply, /^[^\n]+\n$/, `${JSON.stringify(reply)} is one line`)
  }
  t.match(REPLY_TOO_LONG, /1024 bytes/)
})

t.test('ready: trimmed, case-insensitive', async (t) => {
  for (const m of ['ready', 'READY', ' Ready\r\n', '\tready ', 'rEaDy\n']) t.same(parseMessage(m), { kind: 'ready' }, JSON.stringify(m))
  t.equal(formatReady(), 'ready')
  t.equal(encodeMessage(formatReady()), 'ready\n')
})

t.test('error with and without a reason', async (t) => {
  t.same(parseMessage('error: db refused connection'), { kind: 'failed', reason: 'db refused connection' })
  t.same(parseMessage('ERROR:timeout'), { kind: 'failed', reason: 'timeout' })
  t.same(parseMessage('error  :  spaced  out '), { kind: 'failed', reason: 'spaced out' })
  t.same(parseMessage('error'), { kind: 'failed', reason: DEFAULT_FAILURE_REASON })
  t.same(parseMessage('error:'), { kind: 'failed', reason: DEFAULT_FAILURE_REASON }, 'an empty reason gets the default')
  t.same(parseMessage('error: \u0000\u0007 '), { kind: 'failed', reason: DEFAULT_FAILURE_REASON }, 'a reason of control characters only')
  const long = parseMessage('error: ' + 'x'.repeat(5000))
  t.same(long, { kind: 'failed', reason: 'x'.repeat(MAX_REASON_BYTES - 3) + '…' }, 'cut to the byte bound exactly (ASCII), marked')
})

t.test('garbage never releases', async (t) => {
  // `ready <name>` is a named gate (see gates.test.ts), so only malformed names stay garbage here.
  for (const m of ['', ' ', 'readyy', 'ready now!', 'ready a b', 'not ready', 'r e a d y', 'ok', 'errors', 'error now', 'error-x',
    '\u0000ready', 'ready\u0000', '{"ready":true}', 'rеady' /* Cyrillic е */, 'ｒｅａｄｙ' /* fullwidth */]) {
    t.equal(parseMessage(m).kind, 'unknown', JSON.stringify(m))
  }
})

t.test('isCompleteWithoutNewline: only the original protocol\'s bare ready, and only without gates', async (t) => {
  for (const m of ['ready', 'READY', ' ready ', 'Ready\r', '\tready']) {
    t.equal(isCompleteWithoutNewline(m, false), true, `${JSON.stringify(m)} without gates: taken after the quiet gap`)
    t.equal(isCompleteWithoutNewline(m, true), false, `${JSON.stringify(m)} with gates: may be the start of ready <gate>`)
  }
  for (const m of ['', ' ', 'r', 'rea', 'ready db', 'ready ', 'error', 'error: db down', 'err', 'readyy', 'x']) {
    t.equal(isCompleteWithoutNewline(m, false), m.trim().toLowerCase() === 'ready', `${JSON.stringify(m)} waits for its newline`)
    t.equal(isCompleteWithoutNewline(m, true), false)
  }
  t.equal(encodeMessage('ready db').endsWith(MESSAGE_END), true, 'what the clients send ends every message')
})

t.test('isAccepted: only the ok reply', async (t) => {
  for (const a of ['ok', 'ok\n', 'OK', ' ok \r\n']) t.equal(isAccepted(a), true, JSON.stringify(a))
  for (const a of ['', 'okay', 'ok!', 'not ok', REPLY_UNKNOWN, REPLY_TOO_LONG, REPLY_ALREADY_FAILED, REPLY_ALREADY_RELEASED, 'error']) {
    t.equal(isAccepted(a), false, JSON.stringify(a))
  }
})

t.test('safeReason keeps every script readable and unchanged', async (t) => {
  for (const text of [
    'base de données injoignable', 'Datenbank nicht erreichbar: Größe', 'データベースに接続できません', '数据库无法访问',
    'قاعدة البيانات غير متاحة', 'מסד הנתונים אינו זמין', 'база данных недоступна', 'डेटाबेस उपलब्ध नहीं', 'pool 🔥 exhausted 👩‍💻',
  ]) {
    t.equal(safeReason(text), text, text)
  }
})

t.test('safeReason: one line, no control or bidi characters, whitespace collapsed', async (t) => {
  t.equal(safeReason('line one\nline two\r\nthree\u2028four\u2029five\u0085six'), 'line one line two three four five six')
  t.equal(safeReason('bell\u0007 nul\u0000 esc\u001b[31m red del\u007f c1\u009b'), 'bell nul esc [31m red del c1')
  t.equal(safeReason('\t  padded \u00a0\u3000 '), 'padded', 'Unicode spaces are whitespace too')
  // Trojan-source style reordering: the controls go, the letters stay.
  t.equal(safeReason('user\u202Eexe.txt\u202C \u2066iso\u2069 \u200Emark\u200F \u061Calm'), 'user exe.txt iso mark alm')
})

t.test('safeReason: lone surrogates become U+FFFD, pairs stay', async (t) => {
  t.equal(safeReason('a\uD800b'), 'a\uFFFDb', 'lone high')
  t.equal(safeReason('a\uDC00b'), 'a\uFFFDb', 'lone low')
  t.equal(safeReason('\uDC00\uD800'), '\uFFFD\uFFFD', 'reversed pair')
  t.equal(safeReason('end\uD83D'), 'end\uFFFD', 'high at the end')
  t.equal(safeReason('😀'), '😀', 'a real pair')
  t.equal(Buffer.from(safeReason('x\uD800y'), 'utf8').toString('utf8'), 'x\uFFFDy', 'round-trips through UTF-8')
})

t.test('safeReason cuts by UTF-8 bytes on a code point boundary, with the mark', async (t) => {
  const cases: [string, string][] = [['1-byte', 'a'], ['2-byte', 'é'], ['3-byte', '中'], ['4-byte', '😀']]
  for (const [name, ch] of cases) {
    const out = safeReason(ch.repeat(3000))
    t.ok(bytes(out) <= MAX_REASON_BYTES, `${name}: ${bytes(out)} bytes`)
    t.ok(bytes(out) > MAX_REASON_BYTES - bytes(ch) - 3, `${name}: no more than one character short of the bound`)
    t.ok(out.endsWith('…'), `${name}: marked`)
    t.equal(out.slice(0, -1), ch.repeat((out.length - 1) / ch.length), `${name}: only whole characters before the mark`)
  }
  // Fewer UTF-16 units than the byte bound, more bytes: only a byte count sees it must be cut.
  const short = safeReason('é'.repeat(600))
  t.equal(short, 'é'.repeat(506) + '…', '600 é = 600 units but 1200 bytes: cut to 506 é + the mark')
  t.equal(safeReason('😀'.repeat(300)), '😀'.repeat(253) + '…', '300 emoji = 600 units but 1200 bytes')
  const fr = safeReason(FRENCH)
  t.ok(fr.startsWith('base de données injoignable: éé'))
  t.equal(bytes(fr), MAX_REASON_BYTES - 1, 'the French reason: 1013 bytes of text (an é does not fit the last byte) + the mark')
  t.notOk(/ …$/.test(safeReason('word '.repeat(400))), 'no space before the mark')
})

t.test('safeReason with a custom bound; tiny bounds stay bounded', async (t) => {
  t.equal(safeReason('abcdefgh', 6), 'abc…')
  t.equal(safeReason('abc', 3), 'abc', 'fits exactly: not cut')
  t.equal(safeReason('abcd', 3), '…')
  t.equal(safeReason('abcd', 2), '', 'no room even for the mark')
  t.equal(safeReason('abcd', -5), '')
  t.equal(safeReason('é'.repeat(10), 5), 'é…', 'the second é would not fit with the mark')
})

t.test('safeReason is idempotent', async (t) => {
  for (const text of [FRENCH, 'a\nb', '😀'.repeat(600), ' x ', 'a\uD800'.repeat(400)]) {
    const once = safeReason(text)
    t.equal(safeReason(once), once, JSON.stringify(text.slice(0, 20)))
  }
})

t.test('formatFailure: always a message the extension reads whole', async (t) => {
  t.equal(formatFailure('db down'), 'error: db down')
  t.equal(formatFailure(''), 'error', 'empty reason: bare error')
  t.equal(formatFailure(' \n\t'), 'error', 'whitespace-only reason: bare error')
  t.equal(formatFailure('a\nb'), 'error: a b')
  for (const reason of [FRENCH, 'x'.repeat(1_000_000), '😀'.repeat(1000), '\uD800'.repeat(2000)]) {
    const message = formatFailure(reason)
    t.ok(fitsMessageLimit(message), `${bytes(encodeMessage(message))} bytes with the newline`)
    const parsed = parseMessage(message)
    t.same(parsed, { kind: 'failed', reason: safeReason(reason) }, 'the extension reads back the same safe reason')
  }
})

t.test('the old client cut (1000 UTF-16 units) did not fit; the new cut does', async (t) => {
  // What the client sent before this module existed: cut by characters, not bytes.
  let old = FRENCH.replace(/[\r\n]+/g, ' ').trim()
  if (old.length > 1000) old = old.slice(0, 997) + '...'
  t.notOk(fitsMessageLimit(`error: ${old}`), `old message: ${bytes(`error: ${old}\n`)} bytes > ${MAX_MESSAGE_BYTES}`)
  t.ok(fitsMessageLimit(formatFailure(FRENCH)))
})

t.test('fitsMessageLimit counts bytes, newline included', async (t) => {
  t.equal(fitsMessageLimit('x'.repeat(MAX_MESSAGE_BYTES - 1)), true)
  t.equal(fitsMessageLimit('x'.repeat(MAX_MESSAGE_BYTES)), false)
  t.equal(fitsMessageLimit('é'.repeat(512)), false, '1024 bytes + newline')
  t.equal(utf8Length('a\uD800'), 4, 'a lone surrogate counts as the 3 bytes of U+FFFD')
})
