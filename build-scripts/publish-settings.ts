// What `make publish` will do, worked out from the environment before any AWS call, so every bad
// variable is reported up front with its name and value.
import { ArchInfo } from './arch'
import { BuildError } from './errors'

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

export interface Permission {
  statementId: string
  principal: string
  organizationId?: string
  /** For messages: who gets access. */
  audience: string
}

export interface PublishSettings {
  layerName: string
  runtimes: string[]
  license: string
  maxDirectUploadBytes: number
  s3Bucket?: string
  s3Prefix: string
  permission?: Permission
  awsCli: string
  /** Arguments added to every aws call (--region, --endpoint-url). */
  commonArgs: string[]
  region?: string
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
  if (s3Bucket && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s3Bucket)) throw bad('S3_BUCKET', s3Bucket, 'is not a valid S3 bucket name')
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

  const region = get(env, 'AWS_REGION') || get(env, 'AWS_DEFAULT_REGION') || undefined
  const endpointUrl = get(env, 'AWS_ENDPOINT_URL') || undefined
  if (endpointUrl && !/^https?:\/\/[^\s/]+/.test(endpointUrl)) throw bad('AWS_ENDPOINT_URL', endpointUrl, 'is not an http(s) URL')
  // Passed explicitly: older CLIs ignore AWS_ENDPOINT_URL, v1 reads only AWS_DEFAULT_REGION.
  const commonArgs = [...(region ? ['--region', region] : []), ...(endpointUrl ? ['--endpoint-url', endpointUrl] : [])]

  return {
    layerName,
    runtimes,
    license,
    maxDirectUploadBytes,
    s3Bucket,
    s3Prefix,
    permission,
    awsCli: get(env, 'AWS_CLI') || 'aws',
    commonArgs,
    region,
    endpointUrl,
  }
}

/** Layer description (Lambda allows 256 characters). */
export function layerDescription(version: string, revision: string, arch: ArchInfo): string {
  return `wait-for-init ${version} (${revision}, ${arch.lambda}): holds Lambda Init until the function signals ready`.slice(0, 256)
}
