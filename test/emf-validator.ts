// The rules of CloudWatch's embedded metric format, written as a validator so tests can hold the
// extension's metrics line to them. Source: "Specification: Embedded metric format",
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
// (root node, metadata object, MetricDirective, MetricDefinition, target members), with the
// namespace, dimension and unit limits of the CloudWatch API it feeds (PutMetricData,
// Dimension, MetricDatum) and CloudWatch's namespace characters ("Namespaces" in
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html:
// letters, digits, space and . - _ / # :). Returns every violation found; an empty list means valid.

/** CloudWatch's standard units (MetricDatum.Unit). */
export const CLOUDWATCH_UNITS = new Set([
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes',
  'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second',
  'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second',
  'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
])

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const PRINTABLE_ASCII = /^[\x20-\x7E]+$/
const NAMESPACE_CHARACTERS = /^[A-Za-z0-9 ._\-\/#:]+$/

/** Validates one log event's text (the whole line) as an EMF document. */
export function validateEmfLine(line: string): string[] {
  // Root node: the log event MUST be a valid JSON object with no data before or after it.
  let doc: unknown
  try {
    doc = JSON.parse(line)
  } catch (err) {
    return [`not valid JSON: ${(err as Error).message}`]
  }
  if (!isObject(doc)) return ['the root node is not a JSON object']
  if (line.trim() !== line || !line.startsWith('{') || !line.endsWith('}')) return ['data before or after the JSON object']
  return validateEmfDocument(doc)
}

export function validateEmfDocument(doc: Record<string, unknown>): string[] {
  const errors: string[] = []
  // Metadata object: `_aws` MUST be an object with CloudWatchMetrics and Timestamp.
  const aws = doc._aws
  if (!isObject(aws)) return ['_aws is missing or not an object']
  // Timestamp: a number, milliseconds since 1970-01-01T00:00:00Z (an integer in practice; metrics
  // more than 2 weeks old or 2 hours ahead are rejected by CloudWatch).
  if (!isFiniteNumber(aws.Timestamp)) errors.push('_aws.Timestamp must be a number')
  else if (!Number.isInteger(aws.Timestamp) || aws.Timestamp < 1e12) errors.push(`_aws.Timestamp ${aws.Timestamp} is not epoch milliseconds`)
  if (!Array.isArray(aws.CloudWatchMetrics)) return [...errors, '_aws.CloudWatchMetrics must be an array']
  if (aws.CloudWatchMetrics.length === 0) errors.push('_aws.CloudWatchMetrics is empty: no metrics would be extracted')

  aws.CloudWatchMetrics.forEach((directive: unknown, i: number) => {
    const at = `_aws.CloudWatchMetrics[${i}]`
    if (!isObject(directive)) {
      errors.push(`${at} must be an object (MetricDirective)`)
      return
    }
    // Namespace: a string, 1-255 characters (PutMetricData: ASCII without control characters).
    const ns = directive.Namespace
    if (typeof ns !== 'string' || ns.length < 1 || ns.length > 255) errors.push(`${at}.Namespace must be a string of 1-255 characters`)
    else if (!NAMESPACE_CHARACTERS.test(ns) || ns.startsWith(':') || ns.startsWith('AWS/')) errors.push(`${at}.Namespace ${JSON.stringify(ns)} is not a valid custom namespace`)

    // Dimensions: an array of DimensionSets; each a string array of at most 30 dimension keys,
    // each key referencing a top-level member whose value is a string.
    if (!Array.isArray(directive.Dimensions)) errors.push(`${at}.Dimensions must be an array of DimensionSets`)
    else {
      directive.Dimensions.forEach((set: unknown, j: number) => {
        const setAt = `${at}.Dimensions[${j}]`
        if (!Array.isArray(set)) {
          errors.push(`${setAt} must be an array of dimension names`)
          return
        }
        if (set.length > 30) errors.push(`${setAt} has ${set.length} dimensions; at most 30`)
        for (const key of set) {
          if (typeof key !== 'string' || key.length < 1 || key.length > 255 || key.startsWith(':') || !PRINTABLE_ASCII.test(key)) {
            errors.push(`${setAt}: ${JSON.stringify(key)} is not a valid dimension name`)
            continue
          }
          const value = doc[key]
          if (value === undefined) errors.push(`${setAt}: dimension ${key} has no top-level member (target member)`)
          else if (typeof value !== 'string') errors.push(`${setAt}: dimension member ${key} must be a string, got ${typeof value}`)
          else if (value.trim() === '' || value.length > 1024 || !PRINTABLE_ASCII.test(value)) {
            errors.push(`${setAt}: dimension value ${JSON.stringify(value)} is not 1-1024 printable ASCII characters`)
          }
        }
      })
    }

    // Metrics: an array of at most 100 MetricDefinitions {Name, Unit?, StorageResolution?}; each
    // Name references a top-level member holding a number or an array of up to 100 numbers.
    if (!Array.isArray(directive.Metrics)) {
      errors.push(`${at}.Metrics must be an array of MetricDefinitions`)
      return
    }
    if (directive.Metrics.length > 100) errors.push(`${at}.Metrics has more than 100 definitions`)
    directive.Metrics.forEach((metric: unknown, k: number) => {
      const mAt = `${at}.Metrics[${k}]`
      if (!isObject(metric)) {
        errors.push(`${mAt} must be an object (MetricDefinition)`)
        return
      }
      const allowed = new Set(['Name', 'Unit', 'StorageResolution'])
      for (const key of Object.keys(metric)) if (!allowed.has(key)) errors.push(`${mAt} has an unexpected member ${key}`)
      // MetricDatum.MetricName: 1-255 characters, ASCII without control characters.
      if (typeof metric.Name !== 'string' || metric.Name.length < 1 || metric.Name.length > 255 || !PRINTABLE_ASCII.test(metric.Name)) {
        errors.push(`${mAt}.Name must be a string of 1-255 printable ASCII characters`)
        return
      }
      if (metric.Unit !== undefined && (typeof metric.Unit !== 'string' || !CLOUDWATCH_UNITS.has(metric.Unit))) {
        errors.push(`${mAt}.Unit ${JSON.stringify(metric.Unit)} is not a CloudWatch unit`)
      }
      if (metric.StorageResolution !== undefined && metric.StorageResolution !== 1 && metric.StorageResolution !== 60) {
        errors.push(`${mAt}.StorageResolution must be 1 or 60`)
      }
      const value = doc[metric.Name]
      const numbers = Array.isArray(value) ? value : [value]
      if (value === undefined) errors.push(`metric ${metric.Name} has no top-level member (target member)`)
      else if (numbers.length === 0 || numbers.length > 100 || !numbers.every(isFiniteNumber)) {
        errors.push(`metric member ${metric.Name} must be a number or an array of 1-100 numbers, got ${JSON.stringify(value)}`)
      }
    })
  })
  return errors
}
