// Init metrics in CloudWatch embedded metric format: configuration, the record, and the record
// held to the EMF specification (test/emf-validator.ts).
import t from 'tap'
import {
  buildEmfRecord, cloudWatchNameProblem, createMetricsWriter, DEFAULT_NAMESPACE, filteredMetricsWarning, METRIC_NAMES, namespaceProblem, parseMetrics,
} from '../../extension-src/metrics'
import { parseConfig } from '../../extension-src/config'
import type { InitOutcome } from '../../extension-src/init-outcome'
import { validateEmfDocument, validateEmfLine } from '../emf-validator'

const NOW = Date.UTC(2026, 11, 2, 3, 0, 0)
const outcome = (o: Partial<InitOutcome> = {}): InitOutcome => ({ outcome: 'ready', by: 'ready', heldMs: 912, pendingGates: [], skippedGates: [], initType: 'on-demand', ...o })

t.test('parseMetrics: off by default; emf turns it on; anything else is an error naming the value', async (t) => {
  t.same(parseMetrics({}), { config: { enabled: false, namespace: DEFAULT_NAMESPACE }, problems: [] })
  t.same(parseMetrics({ WAIT_FOR_INIT_METRICS: 'off' }).config.enabled, false)
  t.same(parseMetrics({ WAIT_FOR_INIT_METRICS: ' EMF ' }).config, { enabled: true, namespace: 'WaitForInit' })
  const bad = parseMetrics({ WAIT_FOR_INIT_METRICS: 'prometheus' })
  t.equal(bad.config.enabled, false)
  t.same(bad.problems, [{ variable: 'WAIT_FOR_INIT_METRICS', message: 'WAIT_FOR_INIT_METRICS="prometheus" is not "emf" or "off"; not writing metrics' }])
})

t.test('parseMetrics: the namespace is validated with CloudWatch\'s characters; an invalid one turns metrics off', async (t) => {
  t.same(parseMetrics({ WAIT_FOR_INIT_METRICS: 'emf', WAIT_FOR_INIT_METRICS_NAMESPACE: 'Team/Payments Init' }).config, { enabled: true, namespace: 'Team/Payments Init' })
  t.same(parseMetrics({ WAIT_FOR_INIT_METRICS: 'emf', WAIT_FOR_INIT_METRICS_NAMESPACE: 'a.b-c_d/e#f:g 9' }).config.namespace, 'a.b-c_d/e#f:g 9', 'every allowed character')
  t.same(parseMetrics({ WAIT_FOR_INIT_METRICS: 'emf', WAIT_FOR_INIT_METRICS_NAMESPACE: '  Team/Init \t' }).config, { enabled: true, namespace: 'Team/Init' }, 'trimmed, like every setting')
  t.same(parseMetrics({ WAIT_FOR_INIT_METRICS: 'emf', WAIT_FOR_INIT_METRICS_NAMESPACE: '   ' }).config.namespace, DEFAULT_NAMESPACE, 'blank means the default')
  // Printable ASCII that CloudWatch's namespace characters exclude: our old check let each through.
  for (const ns of ['Team@Init', 'a+b', 'ns!', 'a=b', 'x,y', '(x)', 'a*b', 'q?', 'a~b', 'a;b', 'a"b', "a'b", 'a\\b', 'a|b', '[x]', '{x}', 'a<b', 'a%b', 'a$b', 'a&b', 'a^b', 'a`b']) {
    const r = parseMetrics({ WAIT_FOR_INIT_METRICS: 'emf', WAIT_FOR_INIT_METRICS_NAMESPACE: ns })
    t.equal(r.config.enabled, false, `${ns}: metrics off`)
    t.match(r.problems, [{ variable: 'WAIT_FOR_INIT_METRICS_NAMESPACE', message: `WAIT_FOR_INIT_METRICS_NAMESPACE=${JSON.stringify(ns)} may contain only letters, digits, space and . - _ / # :` }])
  }
  for (const ns of ['AWS/Lambda', ':x', 'caf\u00e9', 'a\tb', 'x'.repeat(256), 'a\u202eb']) {
    const r = parseMetrics({ WAIT_FOR_INIT_METRICS: 'emf', WAIT_FOR_INIT_METRICS_NAMESPACE: ns })
    t.equal(r.config.enabled, false, `${JSON.stringify(ns).slice(0, 20)}: metrics off`)
    t.equal(r.problems.length, 1)
    t.equal(r.problems[0].variable, 'WAIT_FOR_INIT_METRICS_NAMESPACE')
    t.ok(r.problems[0].message.startsWith(`WAIT_FOR_INIT_METRICS_NAMESPACE=${JSON.stringify(ns)} `), 'names the value')
  }
  t.equal(namespaceProblem('x'.repeat(255)), undefined, '255 characters are fine')
})

t.test('our metric names follow the same CloudWatch characters', async (t) => {
  for (const name of Object.values(METRIC_NAMES)) t.equal(cloudWatchNameProblem(name), undefined, name)
  t.match(cloudWatchNameProblem('Init@Hold'), /may contain only/)
  t.match(cloudWatchNameProblem(''), /1-255/)
})

t.test('filteredMetricsWarning: only JSON format above INFO with metrics on, at a level that is itself logged', async (t) => {
  const on = { enabled: true, namespace: 'WaitForInit' }
  t.equal(filteredMetricsWarning(on, { format: 'json', minLevel: 'INFO' }), undefined, 'INFO: the line passes')
  t.equal(filteredMetricsWarning(on, { format: 'json', minLevel: 'DEBUG' }), undefined)
  t.equal(filteredMetricsWarning(on, { format: 'text', minLevel: 'ERROR' }), undefined, 'Text format: Lambda does not filter')
  t.equal(filteredMetricsWarning({ ...on, enabled: false }, { format: 'json', minLevel: 'WARN' }), undefined, 'metrics off: nothing to lose')
  const warn = filteredMetricsWarning(on, { format: 'json', minLevel: 'WARN' })
  t.equal(warn?.level, 'warn')
  t.match(warn?.message, /^WAIT_FOR_INIT_METRICS=emf with AWS_LAMBDA_LOG_FORMAT=JSON and AWS_LAMBDA_LOG_LEVEL=WARN: .*without a "level" as INFO/)
  t.equal(filteredMetricsWarning(on, { format: 'json', minLevel: 'ERROR' })?.level, 'error', 'at ERROR, a warning would itself be filtered')
})

t.test('parseConfig carries the metrics settings and reports their problems as errors', async (t) => {
  const r = parseConfig({ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:1', WAIT_FOR_INIT_METRICS: 'yes' })
  t.same(r.config.metrics, { enabled: false, namespace: 'WaitForInit' })
  t.match(r.problems, [{ level: 'error', variable: 'WAIT_FOR_INIT_METRICS', message: /"yes"/ }])
})

t.test('the record: namespace, two directives (every metric per function, the hold per outcome), properties', async (t) => {
  const r = buildEmfRecord(outcome({ outcome: 'timeout', by: 'timeout', heldMs: 5001, pendingGates: ['cache', 'tracer'] }), {
    namespace: 'WaitForInit', functionName: 'orders-api', timestampMs: NOW + 0.4,
  })
  t.same(r, {
    _aws: {
      Timestamp: NOW,
      CloudWatchMetrics: [
        {
          Namespace: 'WaitForInit',
          Dimensions: [['FunctionName']],
          Metrics: [
            { Name: 'InitHoldMs', Unit: 'Milliseconds' },
            { Name: 'InitTimeout', Unit: 'Count' },
            { Name: 'InitFailed', Unit: 'Count' },
          ],
        },
        { Namespace: 'WaitForInit', Dimensions: [['FunctionName', 'Outcome']], Metrics: [{ Name: 'InitHoldMs', Unit: 'Milliseconds' }] },
      ],
    },
    FunctionName: 'orders-api',
    Outcome: 'timeout',
    ReleasedBy: 'timeout',
    InitType: 'on-demand',
    InitHoldMs: 5001,
    InitTimeout: 1,
    InitFailed: 0,
    PendingGates: 'cache,tracer',
  })
  t.same(validateEmfDocument(r), [])
  const directives = (r._aws as { CloudWatchMetrics: { Dimensions: string[][]; Metrics: unknown[] }[] }).CloudWatchMetrics
  t.equal(directives.reduce((n, d) => n + d.Dimensions.length * d.Metrics.length, 0), 4, '4 billed series per line')
})

t.test('the record carries what released Init and the gates a bare ready skipped', async (t) => {
  const r = buildEmfRecord(outcome({ by: 'ready', skippedGates: ['db', 'secrets'] }), { namespace: 'WaitForInit', functionName: 'f', timestampMs: NOW })
  t.equal(r.ReleasedBy, 'ready')
  t.equal(r.SkippedGates, 'db,secrets')
  t.notOk('PendingGates' in r)
  t.equal(buildEmfRecord(outcome({ by: 'gate:db' }), { namespace: 'N', functionName: 'f', timestampMs: NOW }).ReleasedBy, 'gate:db')
  t.same(validateEmfDocument(r), [])
})

t.test('every outcome gives a record valid under the EMF specification', async (t) => {
  for (const o of ['ready', 'timeout', 'failed', 'no-hold'] as const) {
    const r = buildEmfRecord(outcome({ outcome: o, heldMs: o === 'no-hold' ? 0 : 100 }), { namespace: 'WaitForInit', functionName: 'f', timestampMs: NOW })
    t.same(validateEmfLine(JSON.stringify(r)), [], `${o}: valid`)
    t.equal(r.InitTimeout, o === 'timeout' ? 1 : 0, `${o}: InitTimeout`)
    t.equal(r.InitFailed, o === 'failed' ? 1 : 0, `${o}: InitFailed`)
    t.notOk('PendingGates' in r, `${o}: no PendingGates without pending gates`)
    t.notOk('SkippedGates' in r, `${o}: no SkippedGates without skipped gates`)
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
  t.match(mutate((d) => (d._aws.CloudWatchMetrics[0].Namespace = 'Team@Init')), [/not a valid custom namespace/])
  t.match(mutate((d) => (d._aws.CloudWatchMetrics[0].Metrics[0].Name = 'x'.repeat(256))), [/1-255 printable ASCII/])
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
