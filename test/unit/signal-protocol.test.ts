import t from 'tap'
import { parseMessage, MAX_REASON_BYTES, utf8Length } from '../../protocol/signal-protocol'

t.test('ready: trimmed, case-insensitive', async (t) => {
  for (const m of ['ready', 'READY', ' Ready\r\n', '\tready ']) t.same(parseMessage(m), { kind: 'ready' }, JSON.stringify(m))
})

t.test('error with and without a reason', async (t) => {
  t.same(parseMessage('error: db refused connection'), { kind: 'failed', reason: 'db refused connection' })
  t.same(parseMessage('ERROR:timeout'), { kind: 'failed', reason: 'timeout' })
  const bare = parseMessage('error')
  t.equal(bare.kind, 'failed')
  t.ok(bare.kind === 'failed' && bare.reason.length > 0, 'a bare error still has a reason')
  const long = parseMessage('error: ' + 'x'.repeat(5000))
  t.ok(long.kind === 'failed', 'a long reason still fails Init')
  if (long.kind === 'failed') {
    t.equal(utf8Length(long.reason), MAX_REASON_BYTES, 'the reason is cut to the byte bound exactly (ASCII)')
    t.ok(long.reason.endsWith('…'), 'a cut reason is marked')
  }
})

t.test('garbage never releases', async (t) => {
  // `ready <name>` is a named gate (see gates.test.ts), so only malformed names stay garbage here.
  for (const m of ['', 'readyy', 'ready now!', 'ready a b', 'not ready', 'r e a d y', 'ok', 'errors', '\u0000ready', 'ready\u0000', '{"ready":true}', 'rеady' /* Cyrillic е */]) {
    t.equal(parseMessage(m).kind, 'unknown', JSON.stringify(m))
  }
})
