// Every release of Init says why, with the built SEA in the local Lambda sandbox: what released
// it (`by=`), the gates a bare `ready` skipped, a named `ready` taken as a bare one, a slow writer
// that must not release every gate, settings the extension does not know, metrics lines Lambda
// would filter, and budget advice that holds. Bounds are loose (a shared machine): order, and
// "well before the timeout".
import t from 'tap'
import { Sandbox } from '../sandbox'
import { extensionLines, gatesSandbox, type GatesResult, heldOf, ours, outcomeLines, requireLayer, WARMUP_FUNCTION } from './harness'


t.test('no gates configured: `ready db` releases, and the outcome line names db and why it counted', async (t) => {
  const sb = gatesSandbox(t, { WARMING_TIMEOUT: '8000', GATE_SIGNALS: 'ready db@300' })
  const init = await sb.init()
  t.notOk(init.failed)
  const out = (await sb.invoke({})).result as GatesResult
  t.equal(out.sent[0].reply, 'ok\n')
  t.ok(init.completedAt! - out.loadedAt < 5000, 'released at the signal, well before the timeout')
  const outcome = outcomeLines(ours(sb.report()))
  t.equal(outcome.length, 1)
  t.match(outcome[0], /INFO init outcome=ready by=gate:db held=\d+ms: taken as a bare ready because WAIT_FOR_INIT_GATES is not set$/)
})

t.test('gates db,cache: a bare ready releases, and a WARN outcome line names the skipped gate', async (t) => {
  const sb = gatesSandbox(t, { WARMING_TIMEOUT: '8000', WAIT_FOR_INIT_GATES: 'db,cache', GATE_SIGNALS: 'ready db@200;ready@600' })
  const init = await sb.init()
  t.notOk(init.failed)
  const out = (await sb.invoke({})).result as GatesResult
  const bare = out.sent.find((s) => s.message === 'ready')!
  t.ok(init.completedAt! >= bare.sentAt, 'released by the bare ready')
  const outcome = outcomeLines(ours(sb.report()))
  t.equal(outcome.length, 1)
  t.match(outcome[0], /WARN init outcome=ready by=ready held=\d+ms skipped=cache: a bare "ready" released Init before gate\(s\) cache$/)
})

t.test('gates db,cache: `ready`, a 300 ms pause, then ` db` on one connection is `ready db`, not a release', async (t) => {
  const sb = gatesSandbox(t, { WARMING_TIMEOUT: '2500', WAIT_FOR_INIT_GATES: 'db,cache', GATE_SIGNALS: 'ready~300~ db@200' })
  const init = await sb.init()
  t.notOk(init.failed)
  const ext = ours(sb.report())
  t.ok(ext.firstNextAt! - ext.spawnAt! >= 2500, `held to the timeout (${Math.round(ext.firstNextAt! - ext.spawnAt!)} ms)`)
  const outcome = outcomeLines(ext)
  t.equal(outcome.length, 1)
  t.match(outcome[0], /init outcome=timeout by=timeout held=\d+ms pending=cache: gate\(s\) cache not ready within 2500 ms/)
  const out = (await sb.invoke({})).result as GatesResult
  t.equal(out.sent[0].reply, 'ok\n', 'one answer, ok: the whole line was one message')
  t.same(extensionLines(ext).filter((l) => /unknown message/.test(l)), [], 'nothing was taken for an unknown message')
})

t.test('WAIT_FOR_INIT_GATE (a misspelling) is reported, with the setting it probably meant', async (t) => {
  const sb = gatesSandbox(t, { WARMING_TIMEOUT: '8000', WAIT_FOR_INIT_GATE: 'db,cache', GATE_SIGNALS: 'ready db@300' })
  t.notOk((await sb.init()).failed)
  const lines = extensionLines(ours(sb.report()))
  const warnings = lines.filter((l) => l.includes('WAIT_FOR_INIT_GATE '))
  t.equal(warnings.length, 1, 'one warning')
  t.match(warnings[0], /WARN WAIT_FOR_INIT_GATE is not a wait-for-init setting; ignored \(did you mean WAIT_FOR_INIT_GATES\?\)/)
  t.match(outcomeLines(ours(sb.report()))[0], /by=gate:db/, 'and the release it let through is named')
})

t.test('EMF with the JSON log format at WARN: one warning that the metrics lines would be filtered', async (t) => {
  const sb = gatesSandbox(t, {
    WARMING_TIMEOUT: '3000', GATE_SIGNALS: 'ready@100', WAIT_FOR_INIT_METRICS: 'emf', AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN',
  })
  t.notOk((await sb.init()).failed)
  const docs = extensionLines(ours(sb.report())).map((l) => JSON.parse(l) as Record<string, unknown>)
  const warnings = docs.filter((d) => d.level === 'WARN' && /WAIT_FOR_INIT_METRICS/.test(String(d.message)))
  t.equal(warnings.length, 1, 'one warning')
  t.match(warnings[0].message, /AWS_LAMBDA_LOG_LEVEL=WARN/)
  t.match(warnings[0].message, /without a "level"/)
  t.equal(docs.filter((d) => '_aws' in d).length, 1, 'the metrics line is still written')
})

t.test('EMF: the per-outcome dimension set carries InitHoldMs only', async (t) => {
  const sb = gatesSandbox(t, { WARMING_TIMEOUT: '3000', GATE_SIGNALS: 'ready@100', WAIT_FOR_INIT_METRICS: 'emf' })
  t.notOk((await sb.init()).failed)
  const line = extensionLines(ours(sb.report())).find((l) => l.includes('"_aws"'))!
  const directives = JSON.parse(line)._aws.CloudWatchMetrics as { Dimensions: string[][]; Metrics: { Name: string }[] }[]
  const perOutcome = directives.filter((d) => d.Dimensions.some((set) => set.includes('Outcome')))
  t.equal(perOutcome.length, 1)
  t.same(perOutcome[0].Metrics.map((m) => m.Name), ['InitHoldMs'])
  const series = directives.reduce((n, d) => n + d.Dimensions.length * d.Metrics.length, 0)
  t.equal(series, 4, '4 billed series per line')
})

t.test('WAIT_FOR_INIT_METRICS_NAMESPACE=Team@Init is refused with a line naming the variable and value', async (t) => {
  const sb = gatesSandbox(t, { WARMING_TIMEOUT: '3000', GATE_SIGNALS: 'ready@100', WAIT_FOR_INIT_METRICS: 'emf', WAIT_FOR_INIT_METRICS_NAMESPACE: 'Team@Init' })
  t.notOk((await sb.init()).failed)
  const lines = extensionLines(ours(sb.report()))
  const errors = lines.filter((l) => / ERROR /.test(l))
  t.equal(errors.length, 1)
  t.match(errors[0], /WAIT_FOR_INIT_METRICS_NAMESPACE="Team@Init" may contain only letters, digits, space and/)
  t.same(lines.filter((l) => l.includes('"_aws"')), [], 'no metrics line')
})

t.test('sam local, WARMING_TIMEOUT=20000 and a 3 s timeout: the advice names the 9 000 ms cap, no timeout that would not hold it', async (t) => {
  const sb = new Sandbox({ functionDir: WARMUP_FUNCTION, layers: [requireLayer()], mode: 'rie', functionTimeoutMs: 3000, env: { WARMING_TIMEOUT: '20000', SIGNAL_MODE: 'at-load' } })
  t.teardown(() => sb.close())
  t.equal((await sb.invoke({})).httpStatus, 200)
  const warnings = extensionLines(ours(sb.report())).filter((l) => /AWS_LAMBDA_FUNCTION_TIMEOUT=3\b/.test(l))
  t.equal(warnings.length, 1)
  t.match(warnings[0], /at most 9000 ms/)
  t.match(warnings[0], /a function timeout of 14 s or more holds those 9000 ms/)
  t.notMatch(warnings[0], /30 s/)
  t.notMatch(warnings[0], /holds the whole WARMING_TIMEOUT/)
})

t.test('an outcome line and its held= agree with the hold the sandbox saw', async (t) => {
  const sb = gatesSandbox(t, { WARMING_TIMEOUT: '1500', GATE_SIGNALS: '' })
  t.notOk((await sb.init()).failed)
  const ext = ours(sb.report())
  const outcome = outcomeLines(ext)
  t.equal(outcome.length, 1)
  t.match(outcome[0], /WARN init outcome=timeout by=timeout held=\d+ms: no signal from the function within 1500 ms/)
  t.ok(heldOf(outcome[0]) >= 1498)
})
