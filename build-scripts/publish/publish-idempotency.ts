// Whether the newest layer version for an architecture already holds what we would publish, so a
// re-run creates no new version. Pure logic; docs/publishing.md explains the rules to users.
//
// Unsigned: Lambda's CodeSha256 is the SHA-256 of the zip it was given, so it equals the local
// zip's exactly when the content is the same.
//
// Signed: the CodeSha256 is the signed zip's, and AWS Signer never produces the same bytes twice
// (each job embeds a fresh signature), so signing again to compare would always differ, and would
// cost an upload and a signing job per region on every run. Instead the version records which
// zip it was signed from: its Description ends with SIGNED_MARK + the unsigned zip's base64
// SHA-256. That record lives on the layer version itself, so any machine re-running the publish
// sees it. A signed version counts as unchanged when it was signed from this zip by the current
// version of the signing profile (a rotated profile signs again).
import { LayerVersionInfo } from './layer-versions'

export const SIGNED_MARK = '; signed from zip sha256 '
/** Lambda's limit for a layer version's Description. */
export const DESCRIPTION_LIMIT = 256

export interface Wanted {
  /** base64 SHA-256 of the local zip. */
  zipSha256: string
  /** Set when signing: the signing profile's current version ARN. */
  signingProfileVersionArn?: string
}

export interface Decision {
  unchanged: boolean
  /** One line for the log: why this version is reused, or why a new one is published. */
  reason: string
}

/** The description of a signed version: `base`, cut to fit, then the mark and the source zip's hash. */
export function signedDescription(base: string, zipSha256: string): string {
  const tail = `${SIGNED_MARK}${zipSha256}`
  return `${base.slice(0, DESCRIPTION_LIMIT - tail.length)}${tail}`
}

/** The source zip's hash a signed version's description records, if any. */
export function signedFromZip(description: string): string | undefined {
  const at = description.lastIndexOf(SIGNED_MARK)
  if (at < 0) return undefined
  const sha = description.slice(at + SIGNED_MARK.length)
  return /^[A-Za-z0-9+/]{43}=$/.test(sha) ? sha : undefined
}

export function compareWithLatest(latest: LayerVersionInfo | undefined, want: Wanted): Decision {
  if (!latest) return { unchanged: false, reason: 'no version for this architecture yet' }
  const v = `version ${latest.version}`
  if (!want.signingProfileVersionArn) {
    if (latest.codeSha256 === want.zipSha256) return { unchanged: true, reason: `${v} has the zip's CodeSha256 ${want.zipSha256}` }
    return { unchanged: false, reason: `${v} has CodeSha256 ${latest.codeSha256}, the zip ${want.zipSha256}` }
  }
  if (latest.signingProfileVersionArn !== want.signingProfileVersionArn) {
    const by = latest.signingProfileVersionArn ? `signed by ${latest.signingProfileVersionArn}` : 'not signed'
    return { unchanged: false, reason: `${v} is ${by}, not by ${want.signingProfileVersionArn}` }
  }
  const source = signedFromZip(latest.description)
  if (source === want.zipSha256) return { unchanged: true, reason: `${v} was signed by the same profile version from the zip with sha256 ${want.zipSha256}` }
  return { unchanged: false, reason: source ? `${v} was signed from a zip with sha256 ${source}, the zip is ${want.zipSha256}` : `${v} does not record which zip it was signed from` }
}
