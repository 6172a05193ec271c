// Signing a layer zip with AWS Signer for Lambda code signing, in one region: check the signing
// profile, upload the zip to the region's versioned bucket, start a signing job on that object
// version, and wait for the signed copy Signer writes back to the bucket.
import { AwsCallError, AwsCli, QUICK_TIMEOUT_MS } from './aws-cli'
import { BuildError } from '../errors'

/** The only Signer platform Lambda code signing accepts. */
export const LAMBDA_SIGNING_PLATFORM = 'AWSLambda-SHA384-ECDSA'

export interface SigningProfile {
  name: string
  /** What a code signing config trusts, and what Lambda records on a version signed with it. */
  profileVersionArn: string
}

export interface SignedObject {
  bucket: string
  key: string
  jobId: string
}

export interface JobState {
  status: string
  statusReason?: string
  /** DescribeSigningJob's signedObject.s3. */
  signedObject?: { bucketName?: string; key?: string }
}

/** The parts of a DescribeSigningJob answer we use. */
export function jobStateFrom(out: Record<string, unknown>): JobState {
  const s3 = ((out.signedObject ?? {}) as { s3?: { bucketName?: unknown; key?: unknown } }).s3 ?? {}
  return {
    status: typeof out.status === 'string' ? out.status : '',
    ...(typeof out.statusReason === 'string' && out.statusReason ? { statusReason: out.statusReason } : {}),
    signedObject: { bucketName: typeof s3.bucketName === 'string' ? s3.bucketName : undefined, key: typeof s3.key === 'string' ? s3.key : undefined },
  }
}

/** Signer's profile of that name in the region, checked to be active and for Lambda. */
export async function getSigningProfile(cli: AwsCli, region: string, name: string): Promise<SigningProfile> {
  let out: Record<string, unknown>
  try {
    out = await cli.call(region, 'aws signer get-signing-profile', ['signer', 'get-signing-profile', '--profile-name', name], QUICK_TIMEOUT_MS)
  } catch (err) {
    if (err instanceof AwsCallError && err.code === 'ResourceNotFoundException') {
      throw new BuildError(
        `AWS Signer profile ${name} (SIGNING_PROFILE) does not exist in ${region}; profiles are regional: ` +
          `aws signer put-signing-profile --platform-id ${LAMBDA_SIGNING_PLATFORM} --profile-name ${name} --region ${region}`,
      )
    }
    throw err
  }
  if (out.status !== 'Active') {
    throw new BuildError(`AWS Signer profile ${name} in ${region} is ${String(out.status)}${out.statusReason ? ` (${String(out.statusReason)})` : ''}, not Active: it cannot sign`)
  }
  if (out.platformId !== LAMBDA_SIGNING_PLATFORM) {
    throw new BuildError(`AWS Signer profile ${name} in ${region} is for platform ${String(out.platformId)}; Lambda code signing needs ${LAMBDA_SIGNING_PLATFORM}`)
  }
  if (typeof out.profileVersionArn !== 'string') throw new BuildError(`aws signer get-signing-profile answered without profileVersionArn for ${name} in ${region}`)
  return { name, profileVersionArn: out.profileVersionArn }
}

/** Uploads a file and returns the object's version: Signer signs only a named version of an object. */
export async function uploadVersioned(cli: AwsCli, region: string, bucket: string, key: string, file: string): Promise<string> {
  const out = await cli.call(region, 'aws s3api put-object', ['s3api', 'put-object', '--bucket', bucket, '--key', key, '--body', file])
  if (typeof out.VersionId !== 'string' || !out.VersionId || out.VersionId === 'null') {
    throw new BuildError(
      `s3://${bucket} (S3_BUCKET in ${region}) has no versioning, and AWS Signer signs only versioned objects: ` +
        `aws s3api put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=Enabled --region ${region}`,
    )
  }
  return out.VersionId
}

export interface WaitOptions {
  timeoutMs: number
  sleep: (ms: number) => Promise<void>
  now: () => number
}

/** Poll delays: quick at first (Lambda zips sign in seconds), then every 10 s. */
export const POLL_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 10_000]

/**
 * Polls `describe` until the job succeeds, fails, or `timeoutMs` passes.
 *
 * Not `aws signer wait successful-signing-job`: that waiter polls every 20 s up to 25 times, so
 * every signed region would cost at least 20 s although a Lambda zip signs in seconds, its bound
 * (8+ minutes) is not ours to set, and when the job fails it prints "Waiter encountered a terminal
 * failure state" without the job's statusReason, which is the one thing the user needs.
 */
export async function waitForSigningJob(describe: () => Promise<JobState>, o: WaitOptions): Promise<JobState> {
  const deadline = o.now() + o.timeoutMs
  for (let attempt = 0; ; attempt++) {
    const job = await describe()
    if (job.status === 'Succeeded') return job
    if (job.status === 'Failed') throw new BuildError(`the signing job failed: ${job.statusReason || 'Signer gave no reason'}`)
    const left = deadline - o.now()
    if (left <= 0) throw new BuildError(`the signing job is still ${job.status || 'not finished'} after ${Math.round(o.timeoutMs / 1000)} s (SIGNING_TIMEOUT)`)
    await o.sleep(Math.min(POLL_DELAYS_MS[Math.min(attempt, POLL_DELAYS_MS.length - 1)], left))
  }
}

export interface SignRequest {
  region: string
  bucket: string
  /** Where the unsigned zip goes; Signer writes the signed copy under `signedPrefix`. */
  key: string
  signedPrefix: string
  file: string
  profileName: string
}

/** Uploads, signs and waits; returns where the signed zip is. A failed or timed-out job throws with the reason and the job id. */
export async function signZip(cli: AwsCli, req: SignRequest, wait: WaitOptions, log: (line: string) => void): Promise<SignedObject> {
  const { region, bucket } = req
  const version = await uploadVersioned(cli, region, bucket, req.key, req.file)
  log(`uploaded s3://${bucket}/${req.key} (version ${version}); starting a signing job with profile ${req.profileName}`)
  const started = await cli.call(region, 'aws signer start-signing-job', [
    'signer', 'start-signing-job',
    '--source', JSON.stringify({ s3: { bucketName: bucket, key: req.key, version } }),
    '--destination', JSON.stringify({ s3: { bucketName: bucket, prefix: req.signedPrefix } }),
    '--profile-name', req.profileName,
  ], QUICK_TIMEOUT_MS)
  const jobId = started.jobId
  if (typeof jobId !== 'string' || !jobId) throw new BuildError(`aws signer start-signing-job answered without a jobId: ${JSON.stringify(started).slice(0, 300)}`)
  const describe = async () => jobStateFrom(await cli.call(region, 'aws signer describe-signing-job', ['signer', 'describe-signing-job', '--job-id', jobId], QUICK_TIMEOUT_MS))
  let job: JobState
  try {
    job = await waitForSigningJob(describe, wait)
  } catch (err) {
    if (err instanceof BuildError && !(err instanceof AwsCallError)) throw new BuildError(`${err.message} (job ${jobId})`)
    throw err
  }
  const signed = job.signedObject ?? {}
  if (!signed.key) throw new BuildError(`signing job ${jobId} succeeded without a signed object in its description`)
  return { bucket: signed.bucketName || bucket, key: signed.key, jobId }
}
