// What `make publish` will do, worked out from the environment before any AWS call, so every bad
// variable is reported up front with its name and value.
import { ArchInfo } from '../arch'
import { BuildError } from '../errors'

/**
 * The managed runtimes on Amazon Linux 2023 that accept new functions, from AWS's table
 * "Lambda runtimes" (docs/runtimes.md has the table this was read from and the date).
 * The embedded Node 24 binary needs glibc >= 2.28 (its symbol versions go up to GLIBC_2.28);
 * AL2023 has 2.34, Amazon Linux 2 only 2.26, so AL2-based runtimes (nodejs18.x, python3.9-3.11,
 * java8.al2, java11, java17, provided.al2) cannot run it. nodejs20.x runs it too, but was
 * deprecated on 30 Apr 2026, and the list is capped at 15 (MAX_RUNTIMES).
 */
export const DEFAULT_RUNTIMES = [
  'nodejs22.x', 'nodejs24.x',
  'python3.12', 'python3.13', 'python3.14',
  'java8.al2023', 'java11.al2023', 'java17.al2023', 'java21', 'java25',
  'dotnet8', 'dotnet10',
  'ruby3.3', 'ruby3.4',
  'provided.al2023',
]
/** PublishLayerVersion accepts at most 15 CompatibleRuntimes. */
export const MAX_RUNTIMES = 15
/** Lambda's limit for a zip sent in the request itself; larger ones must come from S3. */
export const DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024
/** How long a signing job may take before the region is given up (SIGNING_TIMEOUT, seconds). */
export const DEFAULT_SIGNING_TIMEOUT_S = 300
/** Regions published at the same time (PUBLISH_CONCURRENCY); the architectures of one region go one after the other. */
export const DEFAULT_CONCURRENCY = 4
/** The placeholder S3_BUCKET may hold: buckets are regional and Lambda and Signer read only from their own region. */
export const REGION_PLACEHOLDER = '{region}'

export interface Permission {
  statementId: string
  principal: string
  organizationId?: string
  /** For messages: who gets access. */
  audience: string
}

export interface Signing {
  /** AWS Signer profile name; a profile of that name must exist in every region published. */
  profileName: string
  timeoutSeconds: number
}

export interface PublishSettings {
  layerName: string
  runtimes: string[]
  license: string
  maxDirectUploadBytes: number
  /** May hold {region} (REGION_PLACEHOLDER); bucketFor() gives the bucket of one region. */
  s3Bucket?: string
  s3Prefix: string
  permission?: Permission
  signing?: Signing
  awsCli: string
  /** REGIONS, in order, without duplicates; empty: the CLI's region (publish-regions.ts). */
  regions: string[]
  /** AWS_REGION, else AWS_DEFAULT_REGION. */
  region?: string
  concurrency: number
  /** PUBLISH_RECORD: where published.json goes (published.md beside it); default: next to the zips. */
  recordFile?: string
  /** Added to every aws call (--endpoint-url); each call names its --region itself. */
  endpointArgs: string[]
  endpointUrl?: string
}

function bad(variable: string, value: string, why: string): BuildError {
  return new BuildError(`${variable}=${JSON.stringify(value)} ${why}`)
}

function get(env: NodeJS.ProcessEnv, name: string): string {
  return (env[name] ?? '').trim()
}

export function publishSettingsFromEnv(env: NodeJS.ProcessEnv, license: string): PublishSettings {
  const layerName = get(env, 'LAYER_NAME') || 'wait-for-init'
  if (!/^[A-Za-z0-9_-]{1,140}$/.test(layerName)) throw bad('LAYER_NAME', layerName, 'is not a valid layer name (letters, digits, - and _, at most 140)')

  const runtimesText = get(env, 'COMPATIBLE_RUNTIMES')
  const runtimes = runtimesText ? runtimesText.split(/[\s,]+/).filter(Boolean) : [...DEFAULT_RUNTIMES]
  for (const r of runtimes) if (!/^[a-z][a-z0-9.]*$/.test(r)) throw bad('COMPATIBLE_RUNTIMES', runtimesText, `holds ${JSON.stringify(r)}, which is not a runtime identifier`)
  if (runtimes.length > MAX_RUNTIMES) throw bad('COMPATIBLE_RUNTIMES', runtimesText, `lists ${runtimes.length} runtimes; Lambda accepts at most ${MAX_RUNTIMES}`)

  const maxText = get(env, 'MAX_DIRECT_UPLOAD_BYTES')
  const maxDirectUploadBytes = maxText === '' ? DIRECT_UPLOAD_LIMIT : Number(maxText)
  if (!/^\d+$/.test(maxText || '0') || !Number.isSafeInteger(maxDirectUploadBytes) || maxDirectUploadBytes <= 0) {
    throw bad('MAX_DIRECT_UPLOAD_BYTES', maxText, 'must be a positive number of bytes')
  }

  const s3Bucket = get(env, 'S3_BUCKET') || undefined
  if (s3Bucket) {
    if (/[{}]/.test(s3Bucket.split(REGION_PLACEHOLDER).join(''))) throw bad('S3_BUCKET', s3Bucket, `holds a placeholder other than ${REGION_PLACEHOLDER}`)
    bucketFor(s3Bucket, 'us-east-1')
  }
  let s3Prefix = get(env, 'S3_PREFIX') || 'wait-for-init/'
  if (s3Prefix.startsWith('/')) throw bad('S3_PREFIX', s3Prefix, 'must not start with /')
  if (!s3Prefix.endsWith('/')) s3Prefix += '/'

  const publicText = get(env, 'PUBLIC')
  if (publicText && !/^(0|1|true|false|yes|no)$/i.test(publicText)) throw bad('PUBLIC', publicText, 'must be 1 or 0')
  const isPublic = /^(1|true|yes)$/i.test(publicText)
  const orgId = get(env, 'ORG_ID')
  const principal = get(env, 'PRINCIPAL')
  if (orgId && !/^o-[a-z0-9]{10,32}$/.test(orgId)) throw bad('ORG_ID', orgId, 'is not an AWS Organizations id (o-xxxxxxxxxx)')
  if (principal && !/^\d{12}$/.test(principal)) throw bad('PRINCIPAL', principal, 'must be a 12-digit AWS account id')
  if ([isPublic, !!orgId, !!principal].filter(Boolean).length > 1) {
    throw new BuildError('set only one of PUBLIC=1 (every account), ORG_ID (one organization) or PRINCIPAL (one account)')
  }
  let permission: Permission | undefined
  if (isPublic) permission = { statementId: `${layerName}-public`, principal: '*', audience: 'every AWS account' }
  if (orgId) permission = { statementId: `${layerName}-org-${orgId}`, principal: '*', organizationId: orgId, audience: `organization ${orgId}` }
  if (principal) permission = { statementId: `${layerName}-account-${principal}`, principal, audience: `account ${principal}` }

  const signing = signingFromEnv(env)
  if (signing && !s3Bucket) {
    throw bad('SIGNING_PROFILE', signing.profileName, `needs S3_BUCKET: a versioned bucket in each region for the zip and the signed copy (e.g. my-artifacts-${REGION_PLACEHOLDER})`)
  }

  const regions = regionsFromEnv(env)
  const region = get(env, 'AWS_REGION') || get(env, 'AWS_DEFAULT_REGION') || undefined
  if (region && !isRegionName(region)) throw bad(get(env, 'AWS_REGION') ? 'AWS_REGION' : 'AWS_DEFAULT_REGION', region, 'is not an AWS region name (e.g. eu-west-1)')
  const concurrencyText = get(env, 'PUBLISH_CONCURRENCY')
  const concurrency = concurrencyText === '' ? DEFAULT_CONCURRENCY : Number(concurrencyText)
  if (!/^\d+$/.test(concurrencyText || '1') || concurrency < 1 || concurrency > 32) throw bad('PUBLISH_CONCURRENCY', concurrencyText, 'must be a whole number from 1 to 32')

  const recordFile = get(env, 'PUBLISH_RECORD') || undefined
  if (recordFile && !/\.json$/.test(recordFile)) throw bad('PUBLISH_RECORD', recordFile, 'must be a .json file (published.md is written beside it)')

  const endpointUrl = get(env, 'AWS_ENDPOINT_URL') || undefined
  if (endpointUrl && !/^https?:\/\/[^\s/]+/.test(endpointUrl)) throw bad('AWS_ENDPOINT_URL', endpointUrl, 'is not an http(s) URL')
  // Passed explicitly: older CLIs ignore AWS_ENDPOINT_URL.
  const endpointArgs = endpointUrl ? ['--endpoint-url', endpointUrl] : []

  return {
    layerName,
    runtimes,
    license,
    maxDirectUploadBytes,
    s3Bucket,
    s3Prefix,
    permission,
    signing,
    awsCli: get(env, 'AWS_CLI') || 'aws',
    regions,
    region,
    concurrency,
    recordFile,
    endpointArgs,
    endpointUrl,
  }
}

/** An AWS region name: us-east-1, us-gov-west-1, ap-southeast-5, eusc-de-east-1. */
export function isRegionName(value: string): boolean {
  return /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/.test(value)
}

/** REGIONS: space- or comma-separated region names, duplicates dropped, order kept. */
export function regionsFromEnv(env: NodeJS.ProcessEnv): string[] {
  const text = get(env, 'REGIONS')
  const regions: string[] = []
  for (const r of text.split(/[\s,]+/).filter(Boolean)) {
    if (!isRegionName(r)) throw bad('REGIONS', text, `holds ${JSON.stringify(r)}, which is not an AWS region name (e.g. eu-west-1)`)
    if (!regions.includes(r)) regions.push(r)
  }
  return regions
}

/** SIGNING_PROFILE and SIGNING_TIMEOUT; undefined when not signing. */
export function signingFromEnv(env: NodeJS.ProcessEnv): Signing | undefined {
  const profileName = get(env, 'SIGNING_PROFILE')
  if (!profileName) return undefined
  // AWS Signer profile names: 2 to 64 letters, digits and underscores.
  if (!/^[A-Za-z0-9_]{2,64}$/.test(profileName)) throw bad('SIGNING_PROFILE', profileName, 'is not an AWS Signer profile name (2-64 letters, digits and _)')
  const timeoutText = get(env, 'SIGNING_TIMEOUT')
  const timeoutSeconds = timeoutText === '' ? DEFAULT_SIGNING_TIMEOUT_S : Number(timeoutText)
  if (!/^\d+$/.test(timeoutText || '1') || timeoutSeconds < 1 || timeoutSeconds > 3600) {
    throw bad('SIGNING_TIMEOUT', timeoutText, 'must be a whole number of seconds from 1 to 3600')
  }
  return { profileName, timeoutSeconds }
}

/** The bucket of one region: S3_BUCKET with {region} replaced. Throws naming S3_BUCKET when the result is no bucket name. */
export function bucketFor(template: string, region: string): string {
  const bucket = template.split(REGION_PLACEHOLDER).join(region)
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    const shown = bucket === template ? '' : ` (${bucket} in ${region})`
    throw bad('S3_BUCKET', template, `is not a valid S3 bucket name${shown}: 3-63 lower-case letters, digits, dots and hyphens`)
  }
  return bucket
}

/** Layer description (Lambda allows 256 characters). */
export function layerDescription(version: string, revision: string, arch: ArchInfo): string {
  return `wait-for-init ${version} (${revision}, ${arch.lambda}): holds Lambda Init until the function signals ready`.slice(0, 256)
}
