// The client's gate option against the extension's real readiness listener with named gates.
import t from 'tap'
import path from 'node:path'
import { holdInitUntil, signalReady } from '../../client/src/index'
import type { SignalResult } from '../../client/src/config'
import { ReadinessListener } from '../../extension-src/readiness-listener'
import { createGateTracker } from '../../extension-src/gates'
import type { Signal } from '../../protocol/signal-protocol'
import { collectLog, holdingEnv, tempDir } from './helpers'

const silent = { debug() {}, info() {}, warn() {}, error() {} }

async function gatedExtension(t: Parameters<typeof tempDir>[0], gates: string[]) {
  const socketPath = path.join(tempDir(t), 'g.sock')
  const signals: Signal[] = []
  const tracker = createGateTracker(gates, () => 0)
  const listener = new ReadinessListener({ path: socketPath, log: silent, onSignal: (s) => signals.push(s), gates: tracker })
  await listener.start()
  t.teardown(() => listener.close())
  return { socketPath, signals, tracker }
}

t.test('signalReady({ gate }) completes one gate; the last one releases', async (t) => {
  const ext = await gatedExtension(t, ['db', 'cache'])
  const opts = { socketPath: ext.socketPath, env: holdingEnv(), log: null }
  t.equal(await signalReady({ ...opts, gate: 'db' }), 'accepted')
  t.same(ext.signals, [], 'not released by one gate of two')
  t.same(ext.tracker.pending(), ['cache'])
  t.equal(await signalReady({ ...opts, gate: 'cache' }), 'accepted')
  t.same(ext.signals, [{ kind: 'ready', gate: 'cache' }])
})

t.test('an unconfigured gate is refused: too-late, with the extension\'s answer in the warning', async (t) => {
  const ext = await gatedExtension(t, ['db'])
  const { lines, log } = collectLog()
  t.equal(await signalReady({ socketPath: ext.socketPath, env: holdingEnv(), log, gate: 'cache' }), 'too-late')
  t.same(ext.signals, [])
  t.same(ext.tracker.pending(), ['db'])
  t.equal(lines.length, 1)
  t.match(lines[0], /unknown gate \\"cache\\"; configured gates: db/)
})

t.test('an invalid gate name is never sent; the warning names the option and the value', async (t) => {
  const ext = await gatedExtension(t, ['db'])
  for (const gate of ['my db', '', 'x'.repeat(65), 42 as unknown as string, null as unknown as string]) {
    const { lines, log } = collectLog()
    const result = await signalReady({ socketPath: ext.socketPath, env: holdingEnv(), log, gate })
    t.equal(result, 'too-late', `${JSON.stringify(gate)}: not taken`)
    t.equal(lines.length, 1)
    t.match(lines[0], /option gate must be 1-64 of A-Z a-z 0-9 _ \. -, got .*; not signalling/)
  }
  t.same(ext.signals, [], 'nothing released')
  const { lines, log } = collectLog()
  t.equal(await signalReady({ socketPath: ext.socketPath, env: {}, log, gate: 'my db' }), 'no-extension', 'no-extension when nothing holds')
  t.equal(lines.length, 1)
})

t.test('holdInitUntil(work, { gate }) sends ready <gate> when the work succeeds', async (t) => {
  const ext = await gatedExtension(t, ['secrets', 'tracer'])
  const results: SignalResult[] = []
  let done!: () => void
  const reported = new Promise<void>((r) => (done = r))
  const opts = { socketPath: ext.socketPath, env: holdingEnv(), log: null }
  const value = await holdInitUntil(async () => 'loaded', { ...opts, gate: 'secrets', onResult: (r) => { results.push(r); done() } })
  t.equal(value, 'loaded', 'the work\'s own value')
  await reported
  t.same(results, ['accepted'])
  t.same(ext.tracker.pending(), ['tracer'], 'only the named gate completed')
  t.same(ext.signals, [])
})

t.test('without configured gates, a named ready releases Init', async (t) => {
  const ext = await gatedExtension(t, [])
  t.equal(await signalReady({ socketPath: ext.socketPath, env: holdingEnv(), log: null, gate: 'tracer' }), 'accepted')
  t.same(ext.signals, [{ kind: 'ready', gate: 'tracer' }])
})
