// Publishes one region × architecture: look up the newest version, reuse it when it already
// holds this zip (publish-idempotency.ts), else upload (directly, through S3, or signed) and
// publish; then share it. publishTargets runs every target, regions in parallel up to a limit,
// and collects each failure instead of stopping: a re-run then publishes only what is missing.
import path from 'node:path'
import { AwsCli, shortError } from './aws-cli'
import { layerDescription, PublishSettings } from './publish-settings'
import { LayerVersionInfo, latestLayerVersion, layerVersionFrom } from './layer-versions'
import { compareWithLatest, signedDescription } from './publish-idempotency'
import { Target } from './publish-plan'
import { shareVersion } from './layer-sharing'
import { SigningProfile, WaitOptions, getSigningProfile, signZip } from './signer'

export interface PublisherDeps {
  cli: AwsCli
  settings: PublishSettings
  /** package.json version and git revision, for the description and the S3 key. */
  version: string
  revision: string
  log: (line: string) => void
  /** Clock and sleep for the signing job's polling. */
  wait: Omit<WaitOptions, 'timeoutMs'>
}

export interface TargetResult {
  region: string
  architecture: string
  status: 'new' | 'unchanged'
  layerVersionArn: string
  version: number
  codeSha256: string
  /** The local zip's base64 SHA-256 (equal to codeSha256 unless signed). */
  zipSha256: string
  createdDate?: string
  signingProfileVersionArn?: string
}

export type TargetOutcome = { target: Target; result: TargetResult } | { target: Target; error: unknown }

function resultFrom(target: Target, status: TargetResult['status'], v: LayerVersionInfo): TargetResult {
  return {
    region: target.region,
    architecture: target.zip.arch.lambda,
    status,
    layerVersionArn: v.layerVersionArn,
    version: v.version,
    codeSha256: v.codeSha256,
    zipSha256: target.zip.sha256,
    ...(v.createdDate ? { createdDate: v.createdDate } : {}),
    ...(v.signingProfileVersionArn ? { signingProfileVersionArn: v.signingProfileVersionArn } : {}),
  }
}

/**
 * `profile` is the region's signing profile when signing (looked up once per region); `lookup`,
 * the newest version for the target's architecture when already asked for.
 */
export async function publishTarget(d: PublisherDeps, target: Target, profile?: SigningProfile, lookup?: Promise<LayerVersionInfo | undefined>): Promise<TargetResult> {
  const s = d.settings
  const { region, zip } = target
  const arch = zip.arch.lambda
  const log = (line: string) => d.log(`${region} ${arch}: ${line}`)

  const latest = await (lookup ?? latestLayerVersion(d.cli, region, s.layerName, arch))
  const decision = compareWithLatest(latest, { zipSha256: zip.sha256, signingProfileVersionArn: profile?.profileVersionArn })
  let result: TargetResult
  if (decision.unchanged && latest) {
    log(`unchanged, nothing published: ${decision.reason}`)
    result = resultFrom(target, 'unchanged', latest)
  } else {
    log(`publishing: ${decision.reason}`)
    result = resultFrom(target, 'new', await publishNew(d, target, profile, log))
    log(`published version ${result.version}`)
  }
  if (s.permission) {
    await shareVersion(d.cli, { region, layerName: s.layerName, version: result.version, permission: s.permission, readExisting: result.status === 'unchanged' }, log)
  }
  return result
}

async function publishNew(d: PublisherDeps, target: Target, profile: SigningProfile | undefined, log: (line: string) => void): Promise<LayerVersionInfo> {
  const s = d.settings
  const { region, zip } = target
  const mb = (zip.bytes / 1e6).toFixed(1)
  const key = `${s.s3Prefix}${s.layerName}-${zip.arch.lambda}-${d.version}-${d.revision}.zip`
  let description = layerDescription(d.version, d.revision, zip.arch)
  let content: string[]
  if (target.via === 'signed') {
    const signed = await signZip(
      d.cli,
      { region, bucket: target.bucket!, key, signedPrefix: `${s.s3Prefix}signed/`, file: zip.file, profileName: profile!.name },
      { ...d.wait, timeoutMs: s.signing!.timeoutSeconds * 1000 },
      log,
    )
    log(`signing job ${signed.jobId} succeeded: s3://${signed.bucket}/${signed.key}`)
    description = signedDescription(description, zip.sha256)
    content = ['--content', JSON.stringify({ S3Bucket: signed.bucket, S3Key: signed.key })]
  } else if (target.via === 's3') {
    log(`uploading ${mb} MB to s3://${target.bucket}/${key} (above the direct-upload limit)`)
    const put = await d.cli.call(region, 'aws s3api put-object', ['s3api', 'put-object', '--bucket', target.bucket!, '--key', key, '--body', zip.file])
    // Pin the object version when the bucket keeps versions, so a concurrent upload cannot swap it.
    const version = typeof put.VersionId === 'string' && put.VersionId !== 'null' ? { S3ObjectVersion: put.VersionId } : {}
    content = ['--content', JSON.stringify({ S3Bucket: target.bucket, S3Key: key, ...version })]
  } else {
    content = ['--zip-file', `fileb://${zip.file}`]
  }
  log(`publishing ${s.layerName} (${mb} MB, ${target.via === 'direct' ? 'direct upload' : target.via === 's3' ? 'from S3' : 'signed, from S3'})`)
  const out = await d.cli.call(region, 'aws lambda publish-layer-version', [
    'lambda', 'publish-layer-version',
    '--layer-name', s.layerName,
    '--description', description,
    '--license-info', s.license,
    '--compatible-architectures', zip.arch.lambda,
    '--compatible-runtimes', ...s.runtimes,
    ...content,
  ])
  const published = layerVersionFrom('aws lambda publish-layer-version', out)
  if (profile && published.signingProfileVersionArn !== profile.profileVersionArn) {
    // The next run would not recognise it as signed and would publish again.
    log(`WARNING: Lambda reports version ${published.version} as ${published.signingProfileVersionArn ? `signed by ${published.signingProfileVersionArn}` : 'unsigned'}, not by ${profile.profileVersionArn}`)
  }
  return published
}

/**
 * Every target; the regions up to `concurrency` at a time (each region's own API limits apply, so
 * regions do not slow each other). Within a region the lookups of all architectures run at once
 * (reads), then the architectures are published one after the other, so version numbers follow
 * the order given. A region's signing profile is looked up once, before anything else there.
 */
export async function publishTargets(d: PublisherDeps, targets: readonly Target[], concurrency: number): Promise<TargetOutcome[]> {
  const regions = [...new Set(targets.map((t) => t.region))]
  const outcomes = new Map<Target, TargetOutcome>()
  const runRegion = async (region: string) => {
    let profile: SigningProfile | undefined
    let profileError: unknown
    if (d.settings.signing) {
      try {
        profile = await getSigningProfile(d.cli, region, d.settings.signing.profileName)
        d.log(`${region}: signing with ${profile.profileVersionArn}`)
      } catch (err) {
        d.log(`${region}: FAILED: ${err instanceof Error ? err.message : String(err)}`)
        profileError = err
      }
    }
    const mine = targets.filter((t) => t.region === region)
    const lookups = profileError ? [] : mine.map((t) => latestLayerVersion(d.cli, region, d.settings.layerName, t.zip.arch.lambda))
    for (const p of lookups) p.catch(() => undefined) // each rejection is handled with its target below
    for (const [i, target] of mine.entries()) {
      if (profileError) {
        outcomes.set(target, { target, error: profileError })
        continue
      }
      try {
        outcomes.set(target, { target, result: await publishTarget(d, target, profile, lookups[i]) })
      } catch (error) {
        d.log(`${region} ${target.zip.arch.lambda}: FAILED: ${error instanceof Error ? error.message : String(error)}`)
        outcomes.set(target, { target, error })
      }
    }
  }
  // A few lines of worker pool: a dependency would not be smaller.
  const queue = [...regions]
  const worker = async () => {
    for (let r = queue.shift(); r !== undefined; r = queue.shift()) await runRegion(r)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, regions.length) }, worker))
  return targets.map((t) => outcomes.get(t)!)
}

/** `region arch: error` lines for the end-of-run report. */
export function failureLines(outcomes: readonly TargetOutcome[]): string[] {
  return outcomes.flatMap((o) => ('error' in o ? [`${o.target.region} ${o.target.zip.arch.lambda} (${path.basename(o.target.zip.file)}): ${shortError(o.error)}`] : []))
}
