// Init metrics in CloudWatch embedded metric format (EMF): with WAIT_FOR_INIT_METRICS=emf the
// extension prints one JSON object per Init on stdout; Lambda sends stdout to CloudWatch Logs,
// which extracts the metrics from it (no API call, no extra permission, nothing to wait for).
// Off by default: every metric is a billed custom metric (docs/gates-and-metrics.md, "Cost").
//
// Document structure: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
// Pure: parsing and the record builder; main.ts wires the writer and the clock.

import type { InitOutcome } from './init-outcome'

export const METRICS_VARIABLE = 'WAIT_FOR_INIT_METRICS'
export const NAMESPACE_VARIABLE = 'WAIT_FOR_INIT_METRICS_NAMESPACE'
export const DEFAULT_NAMESPACE = 'WaitForInit'
/** CloudWatch's limit on a namespace (PutMetricData, Namespace: 1-255 characters). */
export const MAX_NAMESPACE_LENGTH = 255
/** CloudWatch's limit on a dimension value. */
const MAX_DIMENSION_VALUE_LENGTH = 1024

export interface MetricsConfig {
  enabled: boolean
  namespace: string
}

export interface MetricsParse {
  config: MetricsConfig
  /** One per invalid variable; the message names the variable and its value. */
  problems: { variable: string; message: string }[]
}

/** Reads WAIT_FOR_INIT_METRICS (unset/empty/off/none: off; emf: on) and the namespace. An
 *  invalid value turns metrics off: publishing somewhere the operator did not ask for is worse
 *  than publishing nothing and saying so. */
export function parseMetrics(env: Record<string, string | undefined>): MetricsParse {
  const problems: MetricsParse['problems'] = []
  const rawFormat = env[METRICS_VARIABLE]
  const format = (rawFormat ?? '').trim().toLowerCase()
  let enabled = false
  if (format === 'emf') enabled = true
  else if (format !== '' && format !== 'off' && format !== 'none') {
    problems.push({ variable: METRICS_VARIABLE, message: `${METRICS_VARIABLE}=${JSON.stringify(rawFormat)} is not "emf" or "off"; not writing metrics` })
  }

  const rawNamespace = env[NAMESPACE_VARIABLE]
  let namespace = DEFAULT_NAMESPACE
  if (rawNamespace !== undefined && rawNamespace.trim() !== '') {
    const why = namespaceProblem(rawNamespace)
    if (why) {
      problems.push({ variable: NAMESPACE_VARIABLE, message: `${NAMESPACE_VARIABLE}=${JSON.stringify(rawNamespace)} ${why}; not writing metrics` })
      enabled = false
    } else {
      namespace = rawNamespace
    }
  }
  return { config: { enabled, namespace }, problems }
}

/** CloudWatch's namespace rules: printable ASCII, 1-255 characters, not starting with ":",
 *  and not in the "AWS/" space reserved for AWS services. */
export function namespaceProblem(namespace: string): string | undefined {
  if (namespace.length > MAX_NAMESPACE_LENGTH) return `is longer than ${MAX_NAMESPACE_LENGTH} characters`
  if (!/^[\x20-\x7E]+$/.test(namespace)) return 'may contain only printable ASCII characters'
  if (namespace.trim() !== namespace) return 'must not start or end with a space'
  if (namespace.startsWith(':')) return 'must not start with ":"'
  if (/^AWS\//i.test(namespace)) return 'must not start with "AWS/" (reserved for AWS services)'
  return undefined
}

export const METRIC_NAMES = { holdMs: 'InitHoldMs', timeout: 'InitTimeout', failed: 'InitFailed' } as const
export const DIMENSION_SETS = [['FunctionName'], ['FunctionName', 'Outcome']]

/** The EMF document for one Init. Metric and dimension members sit at the top level, as the
 *  specification requires; InitType and PendingGates are plain properties (searchable in Logs
 *  Insights, not dimensions, so they create no extra billed metrics). */
export function buildEmfRecord(
  outcome: InitOutcome, options: { namespace: string; functionName: string | undefined; timestampMs: number },
): Record<string, unknown> {
  const record: Record<string, unknown> = {
    _aws: {
      Timestamp: Math.round(options.timestampMs),
      CloudWatchMetrics: [
        {
          Namespace: options.namespace,
          Dimensions: DIMENSION_SETS.map((set) => [...set]),
          Metrics: [
            { Name: METRIC_NAMES.holdMs, Unit: 'Milliseconds' },
            { Name: METRIC_NAMES.timeout, Unit: 'Count' },
            { Name: METRIC_NAMES.failed, Unit: 'Count' },
          ],
        },
      ],
    },
    FunctionName: dimensionValue(options.functionName),
    Outcome: outcome.outcome,
    InitType: outcome.initType,
    [METRIC_NAMES.holdMs]: outcome.heldMs,
    [METRIC_NAMES.timeout]: outcome.outcome === 'timeout' ? 1 : 0,
    [METRIC_NAMES.failed]: outcome.outcome === 'failed' ? 1 : 0,
  }
  if (outcome.pendingGates.length > 0) record.PendingGates = outcome.pendingGates.join(',')
  return record
}

/** A dimension value CloudWatch accepts: printable ASCII, non-blank, at most 1024 characters. */
function dimensionValue(raw: string | undefined): string {
  const clean = (raw ?? '').replace(/[^\x20-\x7E]/g, '?').trim().slice(0, MAX_DIMENSION_VALUE_LENGTH)
  return clean === '' ? 'unknown' : clean
}

/** Returns the per-Init metrics writer, or undefined when metrics are off. */
export function createMetricsWriter(
  config: MetricsConfig,
  deps: { functionName: string | undefined; write: (line: string) => void; nowMs: () => number },
): ((outcome: InitOutcome) => void) | undefined {
  if (!config.enabled) return undefined
  return (outcome) => {
    const record = buildEmfRecord(outcome, { namespace: config.namespace, functionName: deps.functionName, timestampMs: deps.nowMs() })
    deps.write(JSON.stringify(record)) // one object, one line: Logs extracts EMF per log event
  }
}
