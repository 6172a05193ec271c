// What one `make publish` run will do, worked out before any layer is touched: the regions (REGIONS,
// else the CLI's own region), every region × architecture to publish, and the S3 bucket each
// region needs. Problems that would fail every region (a zip above the direct-upload limit with no
// bucket, one bucket for many regions) are reported here, up front.
import path from 'node:path'
import { ArchInfo } from '../arch'
import { BuildError } from '../errors'
import { PublishSettings, REGION_PLACEHOLDER, bucketFor, isRegionName } from './publish-settings'

export interface LocalZip {
  arch: ArchInfo
  file: string
  bytes: number
  /** base64 SHA-256, the form Lambda reports as CodeSha256. */
  sha256: string
}

export interface Target {
  region: string
  zip: LocalZip
  /** How the zip reaches Lambda: in the request, from S3, or signed by AWS Signer (always through S3). */
  via: 'direct' | 's3' | 'signed'
  /** The region's bucket (S3_BUCKET with {region} filled in), when `via` is not direct. */
  bucket?: string
}

/**
 * REGIONS when set; else the CLI's region: AWS_REGION / AWS_DEFAULT_REGION, else the profile's
 * (`aws configure get region`, asked only then). `source` says which, for the log.
 */
export async function resolveRegions(s: PublishSettings, profileRegion: () => Promise<string | undefined>): Promise<{ regions: string[]; source: string }> {
  if (s.regions.length) return { regions: s.regions, source: 'REGIONS' }
  if (s.region) return { regions: [s.region], source: 'AWS_REGION' }
  const configured = await profileRegion()
  if (configured && isRegionName(configured)) return { regions: [configured], source: 'the AWS CLI profile' }
  if (configured) throw new BuildError(`the AWS CLI profile's region ${JSON.stringify(configured)} is not an AWS region name: set REGIONS or AWS_REGION`)
  throw new BuildError('no region to publish to: set REGIONS (e.g. REGIONS="eu-west-1 us-east-1"), AWS_REGION, or a region in the AWS CLI profile (`aws configure set region eu-west-1`)')
}

/** Every region × architecture, regions in the order given, architectures in the order given within each. */
export function planTargets(s: PublishSettings, regions: readonly string[], zips: readonly LocalZip[]): Target[] {
  const tooBig = zips.filter((z) => z.bytes > s.maxDirectUploadBytes)
  if (tooBig.length && !s.s3Bucket) {
    const z = tooBig[0]
    throw new BuildError(
      `${path.basename(z.file)} is ${(z.bytes / 1e6).toFixed(1)} MB, above the direct-upload limit of ${s.maxDirectUploadBytes} bytes (MAX_DIRECT_UPLOAD_BYTES): ` +
        'set S3_BUCKET to a bucket in the target region and publish again (the zip is uploaded there first)',
    )
  }
  const needsBucket = !!s.signing || tooBig.length > 0
  // Lambda reads layer content, and Signer reads and writes objects, only in their own region.
  if (needsBucket && regions.length > 1 && !s.s3Bucket!.includes(REGION_PLACEHOLDER)) {
    throw new BuildError(
      `S3_BUCKET=${JSON.stringify(s.s3Bucket)} names one bucket for ${regions.length} regions, but a bucket lives in one region and ` +
        `${s.signing ? 'Lambda and AWS Signer use' : 'Lambda uses'} buckets of their own region only: put ${REGION_PLACEHOLDER} in the name (e.g. ${s.s3Bucket}-${REGION_PLACEHOLDER}), one bucket per region`,
    )
  }
  const targets: Target[] = []
  for (const region of regions) {
    const bucket = needsBucket ? bucketFor(s.s3Bucket!, region) : undefined
    for (const zip of zips) {
      const via = s.signing ? 'signed' : zip.bytes > s.maxDirectUploadBytes ? 's3' : 'direct'
      targets.push({ region, zip, via, ...(via === 'direct' ? {} : { bucket }) })
    }
  }
  return targets
}
