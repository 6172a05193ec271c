// Init metrics in CloudWatch embedded metric format (EMF): with WAIT_FOR_INIT_METRICS=emf the
// extension prints one JSON object per Init on stdout; Lambda sends stdout to CloudWatch Logs,
// which extracts the metrics from it (no API call, no extra permission, nothing to wait for).
// Off by default: every metric is a billed custom metric (docs/gates-and-metrics.md, "Cost").
//
// Document structure: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
// Pure: parsing and the record builder; main.ts wires the writer and the clock.

import type { InitOutcome } from './init-outcome'
import type { Level } from './logger'
import { LEVELS } from './logger'
import { settingText } from '../protocol/signal-protocol'

export const METRICS_VARIABLE = 'WAIT_FOR_INIT_METRICS'
export const NAMESPACE_VARIABLE = 'WAIT_FOR_INIT_METRICS_NAMESPACE'
export const DEFAULT_NAMESPACE = 'WaitForInit'
/** CloudWatch's limit on a namespace and on a metric name (PutMetricData: 1-255 characters). */
export const MAX_NAME_LENGTH = 255
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
  const text = settingText(rawNamespace) // the one rule of every setting: trimmed, blank means the default
  if (text !== '') {
    const why = namespaceProblem(text)
    if (why) {
      problems.push({ variable: NAMESPACE_VARIABLE, message: `${NAMESPACE_VARIABLE}=${JSON.stringify(rawNamespace)} ${why}; not writing metrics` })
      enabled = false
    } else {
      namespace = text
    }
  }
  return { config: { enabled, namespace }, problems }
}

/**
 * CloudWatch's character rule for namespaces, which we hold our metric names to as well:
 * letters, digits, space and `. - _ / # :`, 1-255 characters ("Namespaces" in
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html, and
 * PutMetricData's 1-255 length, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html).
 * A name outside it passes JSON and fails only at extraction, visible nowhere but the EMF errors
 * in the AWS/Logs namespace, so it is refused here instead.
 */
export function cloudWatchNameProblem(name: string): string | undefined {
  if (name.length < 1 || name.length > MAX_NAME_LENGTH) return `must be 1-${MAX_NAME_LENGTH} characters long`
  if (!/^[A-Za-z0-9 ._\-\/#:]+$/.test(name)) return 'may contain only letters, digits, space and . - _ / # : (CloudWatch\'s namespace characters)'
  return undefined
}

/** A custom namespace: CloudWatch's characters, not starting with ":" (PutMetricData's pattern),
 *  and not in the "AWS/" space reserved for AWS services. */
export function namespaceProblem(namespace: string): string | undefined {
  const why = cloudWatchNameProblem(namespace)
  if (why) return why
  if (namespace.startsWith(':')) return 'must not start with ":"'
  if (/^AWS\//i.test(namespace)) return 'must not start with "AWS/" (reserved for AWS services)'
  return undefined
}

export const METRIC_NAMES = { holdMs: 'InitHoldMs', timeout: 'InitTimeout', failed: 'InitFailed' } as const

/**
 * Two directives (EMF allows several per document): every metric per function, and only the
 * hold time per outcome, since per outcome InitTimeout and InitFailed would only repeat what
 * the Outcome value says. 3 + 1 = 4 billed series per line; per function at most 3 + 4 (one
 * per Outcome value) = 7 custom metrics (docs/gates-and-metrics.md, "Cost").
 */
export const DIRECTIVES: readonly { dimensions: readonly string[]; metrics: readonly (keyof typeof METRIC_NAMES)[] }[] = [
  { dimensions: ['FunctionName'], metrics: ['holdMs', 'timeout', 'failed'] },
  { dimensions: ['FunctionName', 'Outcome'], metrics: ['holdMs'] },
]
const UNITS: Record<keyof typeof METRIC_NAMES, string> = { holdMs: 'Milliseconds', timeout: 'Count', failed: 'Count' }

/** The EMF document for one Init, made from the outcome record. Metric and dimension members sit
 *  at the top level, as the specification requires; ReleasedBy, InitType, PendingGates and
 *  SkippedGates are plain properties (searchable in Logs Insights, not dimensions, so they create
 *  no extra billed metrics). */
export function buildEmfRecord(
  outcome: InitOutcome, options: { namespace: string; functionName: string | undefined; timestampMs: number },
): Record<string, unknown> {
  const record: Record<string, unknown> = {
    _aws: {
      Timestamp: Math.round(options.timestampMs),
      CloudWatchMetrics: DIRECTIVES.map((d) => ({
        Namespace: options.namespace,
        Dimensions: [[...d.dimensions]],
        Metrics: d.metrics.map((m) => ({ Name: METRIC_NAMES[m], Unit: UNITS[m] })),
      })),
    },
    FunctionName: dimensionValue(options.functionName),
    Outcome: outcome.outcome,
    ReleasedBy: outcome.by,
    InitType: outcome.initType,
    [METRIC_NAMES.holdMs]: outcome.heldMs,
    [METRIC_NAMES.timeout]: outcome.outcome === 'timeout' ? 1 : 0,
    [METRIC_NAMES.failed]: outcome.outcome === 'failed' ? 1 : 0,
  }
  if (outcome.pendingGates.length > 0) record.PendingGates = outcome.pendingGates.join(',')
  if (outcome.skippedGates.length > 0) record.SkippedGates = outcome.skippedGates.join(',')
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

/**
 * Lambda's log-level filtering (JSON log format, docs/lambda-lifecycle.md §13) takes a JSON line
 * without a `level` member as INFO and drops it when the application log level is above INFO.
 * An EMF line has no `level` (giving it one would label metrics as warnings or errors), so at
 * WARN and above the metrics may never reach CloudWatch: say so once, at a level that is itself
 * logged (never below WARN). undefined: nothing to say.
 */
export function filteredMetricsWarning(
  config: MetricsConfig, log: { format: 'text' | 'json'; minLevel: Level },
): { level: 'warn' | 'error'; message: string } | undefined {
  if (!config.enabled || log.format !== 'json' || LEVELS.indexOf(log.minLevel) <= LEVELS.indexOf('INFO')) return undefined
  return {
    level: LEVELS.indexOf(log.minLevel) > LEVELS.indexOf('WARN') ? 'error' : 'warn',
    message:
      `${METRICS_VARIABLE}=emf with AWS_LAMBDA_LOG_FORMAT=JSON and AWS_LAMBDA_LOG_LEVEL=${log.minLevel}: Lambda takes a JSON line ` +
      `without a "level" as INFO and filters it out at this level, so the metrics lines may never reach CloudWatch; ` +
      'set the application log level to INFO (or lower) to keep them, or unset WAIT_FOR_INIT_METRICS',
  }
}
