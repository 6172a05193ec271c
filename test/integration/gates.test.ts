// Named readiness gates and EMF metrics with the built SEA in the local Lambda sandbox.
// Bounds are loose on purpose (a noisy shared machine): order, and "well before the timeout".
import t from 'tap'
import { extensionLines, gatesSandbox, type GatesResult, heldOf, ours, outcomeLines } from './harness'
import type { ExtensionReport } from '../sandbox'
import { validateEmfLine } from '../emf-validator'

/** Lines of the extension's stdout that are EMF documents. */
const emfLines = (ext: ExtensionReport): string[] =>
  ext.logs.filter((l) => l.stream === 'stdout' && l.text.includes('"_aws"')).map((l) => l.text)

t.test('gates db,cache: ready db, then ready cache → released after the cache signal, well before the timeout', async (t) => {
  const sb = gatesSandbox(t, { WARMING_TIMEOUT: '8000', WAIT_FOR_INIT_GATES: 'db,cache', GATE_SIGNALS: 'ready db@300;ready cache@900', AWS_LAMBDA_LOG_LEVEL: 'DEBUG' })
  const init = await sb.init()
  t.notOk(init.failed)
  const out = (await sb.invoke({})).result as GatesResult
  const db = out.sent.find((s) => s.message === 'ready db')!
  const cache = out.sent.find((s) => s.message === 'ready cache')!
  t.equal(db.reply, 'ok\n')
  t.equal(cache.reply, 'ok\n')
  t.ok(db.sentAt < cache.sentAt, 'db signalled first')
  t.ok(init.completedAt! >= cache.sentAt, `Init completed ${Math.round(init.completedAt! - cache.sentAt)} ms after the cache signal (not at db's)`)
  t.ok(init.completedAt! - out.loadedAt < 5000, `released ${Math.round(init.completedAt! - out.loadedAt)} ms after load, well before 8000`)
  const ext = ours(sb.report())
  const outcome = outcomeLines(ext)
  t.equal(outcome.length, 1)
  t.match(outcome[0], /init outcome=ready by=gate:cache held=\d+ms$/)
  const gateLines = extensionLines(ext).filter((l) => /DEBUG gate /.test(l))
  t.match(gateLines, [/gate db ready at \d+ms; waiting for cache/, /gate cache ready at \d+ms; all gates ready/], 'each gate logged at debug, in order')
  t.same(emfLines(ext), [], 'no metrics line without WAIT_FOR_INIT_METRICS')
})

t.test('gates db,cache with only ready db → held to the timeout; the outcome line names cache', async (t) => {
  const sb = gatesSandbox(t, { WARMING_TIMEOUT: '2500', WAIT_FOR_INIT_GATES: 'db,cache', GATE_SIGNALS: 'ready db@300' })
  const init = await sb.init()
  t.notOk(init.failed)
  const ext = ours(sb.report())
  const heldFromSpawn = ext.firstNextAt! - ext.spawnAt!
  t.ok(heldFromSpawn >= 2500 && heldFromSpawn < 6000, `first event/next ${Math.round(heldFromSpawn)} ms after spawn`)
  const outcome = outcomeLines(ext)
  t.equal(outcome.length, 1)
  t.match(outcome[0], /WARN init outcome=timeout by=timeout held=\d+ms pending=cache: gate\(s\) cache not ready within 2500 ms/)
  // libuv's loop clock has whole milliseconds: the timer may fire up to ~1 ms before performance.now()
  // reaches the deadline, and held= is rounded.
  t.ok(heldOf(outcome[0]) >= 2498, `held=${heldOf(outcome[0])}ms, the hold lasted the whole WARMING_TIMEOUT`)
  const out = (await sb.invoke({})).result as GatesResult
  t.equal(out.sent[0].reply, 'ok\n', 'ready db was accepted')
})

t.test('a bare ready releases every gate, and the outcome line names the one it skipped', async (t) => {
  const sb = gatesSandbox(t, { WARMING_TIMEOUT: '8000', WAIT_FOR_INIT_GATES: 'db,cache', GATE_SIGNALS: 'ready db@200;ready@600' })
  const init = await sb.init()
  t.notOk(init.failed)
  const out = (await sb.invoke({})).result as GatesResult
  const bare = out.sent.find((s) => s.message === 'ready')!
  t.equal(bare.reply, 'ok\n')
  t.ok(init.completedAt! >= bare.sentAt, 'released after the bare ready')
  t.ok(init.completedAt! - out.loadedAt < 5000, 'well before the timeout')
  t.match(outcomeLines(ours(sb.report())), [/WARN init outcome=ready by=ready held=\d+ms skipped=cache: /])
})

t.test('an unknown gate is answered with an error and releases nothing', async (t) => {
  const sb = gatesSandbox(t, { WARMING_TIMEOUT: '2000', WAIT_FOR_INIT_GATES: 'db,cache', GATE_SIGNALS: 'ready nope@200' })
  const init = await sb.init()
  t.notOk(init.failed)
  const ext = ours(sb.report())
  t.ok(ext.firstNextAt! - ext.spawnAt! >= 2000, 'held to the timeout')
  t.match(outcomeLines(ext)[0], /init outcome=timeout by=timeout held=\d+ms pending=db,cache/)
  t.ok(extensionLines(ext).some((l) => /WARN readiness socket: "ready nope" names no configured gate \(db,cache\)/.test(l)), 'warned')
  const out = (await sb.invoke({})).result as GatesResult
  t.equal(out.sent[0].reply, 'error: unknown gate "nope"; configured gates: db,cache\n')
})

t.test("the layer's client: signalReady({ gate }) for each gate releases after the last", async (t) => {
  const sb = gatesSandbox(t, { WARMING_TIMEOUT: '8000', WAIT_FOR_INIT_GATES: 'db,cache', GATE_SIGNALS: 'ready cache@200;ready db@700', GATE_CLIENT: '1' })
  const init = await sb.init()
  t.notOk(init.failed)
  const out = (await sb.invoke({})).result as GatesResult
  t.same(out.sent.map((s) => [s.message, s.reply]), [['ready cache', 'accepted'], ['ready db', 'accepted']])
  t.ok(init.completedAt! >= out.sent[1].sentAt, 'released after the last gate')
  t.match(outcomeLines(ours(sb.report()))[0], /init outcome=ready/)
})

t.test('invalid WAIT_FOR_INIT_GATES: one error line naming the variable and value, and no hold', async (t) => {
  const sb = gatesSandbox(t, { WARMING_TIMEOUT: '5000', WAIT_FOR_INIT_GATES: 'db;cache' })
  const init = await sb.init()
  t.notOk(init.failed)
  const lines = extensionLines(ours(sb.report()))
  const errors = lines.filter((l) => /ERROR/.test(l))
  t.equal(errors.length, 1)
  t.ok(errors[0].includes('WAIT_FOR_INIT_GATES="db;cache"'), errors[0])
  t.match(outcomeLines(ours(sb.report()))[0], /init outcome=no-hold/)
})

t.test('WAIT_FOR_INIT_METRICS=emf: exactly one valid EMF line per Init, InitHoldMs = the outcome line\'s hold', async (t) => {
  const cases: { env: Record<string, string>; outcome: string; timeout: number; failed: number; pending?: string }[] = [
    { env: { WARMING_TIMEOUT: '8000', WAIT_FOR_INIT_GATES: 'db', GATE_SIGNALS: 'ready db@400' }, outcome: 'ready', timeout: 0, failed: 0 },
    { env: { WARMING_TIMEOUT: '1500', WAIT_FOR_INIT_GATES: 'db,cache', GATE_SIGNALS: 'ready db@200' }, outcome: 'timeout', timeout: 1, failed: 0, pending: 'cache' },
    { env: { WARMING_TIMEOUT: '8000', GATE_SIGNALS: 'error: pool exhausted@300' }, outcome: 'failed', timeout: 0, failed: 1 },
    { env: {}, outcome: 'no-hold', timeout: 0, failed: 0 },
  ]
  for (const c of cases) {
    const sb = gatesSandbox(t, { ...c.env, WAIT_FOR_INIT_METRICS: 'emf' })
    await sb.init()
    const ext = ours(sb.report())
    const lines = emfLines(ext)
    t.equal(lines.length, 1, `${c.outcome}: exactly one EMF line`)
    t.same(validateEmfLine(lines[0]), [], `${c.outcome}: valid under the EMF specification`)
    const doc = JSON.parse(lines[0])
    t.equal(doc.Outcome, c.outcome)
    t.equal(doc.FunctionName, 'orders-api')
    t.equal(doc._aws.CloudWatchMetrics[0].Namespace, 'WaitForInit')
    t.equal(doc.InitTimeout, c.timeout)
    t.equal(doc.InitFailed, c.failed)
    t.equal(doc.PendingGates, c.pending, `${c.outcome}: pending gates`)
    t.equal(doc.InitType, 'provisioned-concurrency')
    const outcome = outcomeLines(ext)
    t.equal(outcome.length, 1)
    t.equal(doc.InitHoldMs, heldOf(outcome[0]), `${c.outcome}: InitHoldMs ${doc.InitHoldMs} matches ${outcome[0]}`)
    t.ok(Math.abs(doc._aws.Timestamp - Date.now()) < 60_000, 'Timestamp is now, in ms')
    await sb.close()
  }
})

t.test('WAIT_FOR_INIT_METRICS_NAMESPACE overrides the namespace; invalid values are one error each and no metrics', async (t) => {
  const custom = gatesSandbox(t, { WARMING_TIMEOUT: '3000', GATE_SIGNALS: 'ready@100', WAIT_FOR_INIT_METRICS: 'emf', WAIT_FOR_INIT_METRICS_NAMESPACE: 'Team/Init' })
  await custom.init()
  const lines = emfLines(ours(custom.report()))
  t.equal(lines.length, 1)
  t.equal(JSON.parse(lines[0])._aws.CloudWatchMetrics[0].Namespace, 'Team/Init')
  await custom.close()

  const invalid: Record<string, string>[] = [{ WAIT_FOR_INIT_METRICS: 'cloudwatch' }, { WAIT_FOR_INIT_METRICS: 'emf', WAIT_FOR_INIT_METRICS_NAMESPACE: 'AWS/Lambda' }]
  for (const env of invalid) {
    const sb = gatesSandbox(t, { WARMING_TIMEOUT: '3000', GATE_SIGNALS: 'ready@100', ...env })
    await sb.init()
    const ext = ours(sb.report())
    const errors = extensionLines(ext).filter((l) => /ERROR/.test(l))
    const [variable, value] = Object.entries(env).at(-1)!
    t.equal(errors.length, 1, `${variable}: one error line`)
    t.ok(errors[0].includes(`${variable}=${JSON.stringify(value)}`), errors[0])
    t.same(emfLines(ext), [], `${variable}: no metrics line`)
    t.match(outcomeLines(ext)[0], /init outcome=ready/, 'the hold itself is unaffected')
    await sb.close()
  }
})
