// Init metrics in CloudWatch embedded metric format: configuration, the record, and the record
// held to the EMF specification (test/emf-validator.ts).
import t from 'tap'
import { buildEmfRecord, createMetricsWriter, DEFAULT_NAMESPACE, namespaceProblem, parseMetrics } from '../../extension-src/metrics'
import { parseConfig } from '../../extension-src/config'
import type { InitOutcome } from '../../extension-src/init-outcome'
import { validateEmfDocument, validateEmfLine } from '../emf-validator'

const NOW = Date.UTC(2026, 11, 2, 3, 0, 0)
const outcome = (o: Partial<InitOutcome> = {}): InitOutcome => ({ outcome: 'ready', heldMs: 912, pendingGates: [], initType: 'on-demand', ...o })

t.test('parseMetrics: off by default; emf turns it on; anything else is an error naming the value', async (t) => {
  t.same(parseMetrics({}), { config: { enabled: false, namespace: DEFAULT_NAMESPACE }, problems: [] })
  t.same(parseMetrics({ WAIT_FOR_INIT_METRICS: 'off' }).config.enabled, false)
  t.same(parseMetrics({ WAIT_FOR_INIT_METRICS: ' EMF ' }).config, { enabled: true, namespace: 'WaitForInit' })
  const bad = parseMetrics({ WAIT_FOR_INIT_METRICS: 'prometheus' })
  t.equal(bad.config.enabled, false)
  t.same(bad.problems, [{ variable: 'WAIT_FOR_INIT_METRICS', message: 'WAIT_FOR_INIT_METRICS="prometheus" is not "emf" or "off"; not writing metrics' }])
})

t.test('parseMetrics: the namespace is validated; an invalid one turns metrics off', async (t) => {
  t.same(parseMetrics({ WAIT_FOR_INIT_METRICS: 'emf', WAIT_FOR_INIT_METRICS_NAMESPACE: 'Team/Payments Init' }).config, { enabled: true, namespace: 'Team/Payments Init' })
  for (const ns of ['AWS/Lambda', ':x', 'caf\u00e9', 'a\tb', 'x'.repeat(256), ' padded']) {
    const r = parseMetrics({ WAIT_FOR_INIT_METRICS: 'emf', WAIT_FOR_INIT_METRICS_NAMESPACE: ns })
    t.equal(r.config.enabled, false, `${JSON.stringify(ns).slice(0, 20)}: metrics off`)
    t.equal(r.problems.length, 1)
    t.equal(r.problems[0].variable, 'WAIT_FOR_INIT_METRICS_NAMESPACE')
    t.ok(r.problems[0].message.startsWith(`WAIT_FOR_INIT_METRICS_NAMESPACE=${JSON.stringify(ns)} `), 'names the value')
  }
  t.equal(namespaceProblem('x'.repeat(255)), undefined, '255 characters are fine')
})

t.test('parseConfig carries the metrics settings and reports their problems as errors', async (t) => {
  const r = parseConfig({ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:1', WAIT_FOR_INIT_METRICS: 'yes' })
  t.same(r.config.metrics, { enabled: false, namespace: 'WaitForInit' })
  t.match(r.problems, [{ level: 'error', variable: 'WAIT_FOR_INIT_METRICS', message: /"yes"/ }])
})

t.test('the record: namespace, dimension sets, three metrics, properties', async (t) => {
  const r = buildEmfRecord(outcome({ outcome: 'timeout', heldMs: 5001, pendingGates: ['cache', 'tracer'] }), {
    namespace: 'WaitForInit', functionName: 'orders-api', timestampMs: NOW + 0.4,
  })
  t.same(r, {
    _aws: {
      Timestamp: NOW,
      CloudWatchMetrics: [{
        Namespace: 'WaitForInit',
        Dimensions: [['FunctionName'], ['FunctionName', 'Outcome']],
        Metrics: [
          { Name: 'InitHoldMs', Unit: 'Milliseconds' },
          { Name: 'InitTimeout', Unit: 'Count' },
          { Name: 'InitFailed', Unit: 'Count' },
        ],
      }],
    },
    FunctionName: 'orders-api',
    Outcome: 'timeout',
    InitType: 'on-demand',
    InitHoldMs: 5001,
    InitTimeout: 1,
    InitFailed: 0,
    PendingGates: 'cache,tracer',
  })
  t.same(validateEmfDocument(r), [])
})

t.test('every outcome gives a record valid under the EMF specification', async (t) => {
  for (const o of ['ready', 'timeout', 'failed', 'no-hold'] as const) {
    const r = buildEmfRecord(outcome({ outcome: o, heldMs: o === 'no-hold' ? 0 : 100 }), { namespace: 'WaitForInit', functionName: 'f', timestampMs: NOW })
    t.same(validateEmfLine(JSON.stringify(r)), [], `${o}: valid`)
    t.equal(r.InitTimeout, o === 'timeout' ? 1 : 0, `${o}: InitTimeout`)
    t.equal(r.InitFailed, o === 'failed' ? 1 : 0, `${o}: InitFailed`)
    t.notOk('PendingGates' in r, `${o}: no PendingGates without pending gates`)
  }
})

t.test('a missing or odd function name still gives a valid dimension value', async (t) => {
  for (const name of [undefined, '', '  ', 'fn\u00e9\n']) {
    const r = buildEmfRecord(outcome(), { namespace: 'WaitForInit', functionName: name, timestampMs: NOW })
    t.same(validateEmfDocument(r), [], `${JSON.stringify(name)}: valid`)
  }
  t.equal(buildEmfRecord(outcome(), { namespace: 'N', functionName: undefined, timestampMs: NOW }).FunctionName, 'unknown')
})

t.test('the validator itself rejects what the specification forbids', async (t) => {
  const good = buildEmfRecord(outcome(), { namespace: 'WaitForInit', functionName: 'f', timestampMs: NOW })
  const mutate = (fn: (d: any) => void) => {
    const d = JSON.parse(JSON.stringify(good))
    fn(d)
    return validateEmfDocument(d)
  }
  t.match(mutate((d) => delete d._aws), ['_aws is missing or not an object'])
  t.match(mutate((d) => (d._aws.Timestamp = new Date(NOW).toISOString())), [/Timestamp must be a number/])
  t.match(mutate((d) => (d._aws.Timestamp = NOW / 1000)), [/not epoch milliseconds/])
  t.match(mutate((d) => (d._aws.CloudWatchMetrics = {})), [/CloudWatchMetrics must be an array/])
  t.match(mutate((d) => (d._aws.CloudWatchMetrics[0].Namespace = 'AWS/Lambda')), [/not a valid custom namespace/])
  t.match(mutate((d) => (d._aws.CloudWatchMetrics[0].Dimensions = ['FunctionName'])), [/must be an array of dimension names/])
  t.match(mutate((d) => (d._aws.CloudWatchMetrics[0].Dimensions = [Array.from({ length: 31 }, () => 'FunctionName')])), [/at most 30/])
  t.match(mutate((d) => delete d.FunctionName), [/dimension FunctionName has no top-level member/, /dimension FunctionName has no top-level member/])
  t.match(mutate((d) => (d.Outcome = 3)), [/must be a string/])
  t.match(mutate((d) => (d._aws.CloudWatchMetrics[0].Metrics[0].Unit = 'ms')), [/not a CloudWatch unit/])
  t.match(mutate((d) => (d.InitHoldMs = '912')), [/must be a number or an array/])
  t.match(mutate((d) => delete d.InitFailed), [/metric InitFailed has no top-level member/])
  t.match(validateEmfLine('{"_aws":{}} trailing'), [/not valid JSON/])
  t.match(validateEmfLine(' ' + JSON.stringify(good)), [/data before or after/])
})

t.test('createMetricsWriter: nothing when off; one JSON line per outcome when on', async (t) => {
  const lines: string[] = []
  const deps = { functionName: 'f', write: (l: string) => lines.push(l), nowMs: () => NOW }
  t.equal(createMetricsWriter({ enabled: false, namespace: 'WaitForInit' }, deps), undefined)
  const write = createMetricsWriter({ enabled: true, namespace: 'Custom/NS' }, deps)!
  write(outcome({ heldMs: 42 }))
  t.equal(lines.length, 1)
  t.notOk(lines[0].includes('\n'), 'a single line')
  t.same(validateEmfLine(lines[0]), [])
  t.match(JSON.parse(lines[0]), { InitHoldMs: 42, _aws: { CloudWatchMetrics: [{ Namespace: 'Custom/NS' }] } })
})
