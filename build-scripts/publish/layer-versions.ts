// The newest version of a layer for one architecture in one region: `list-layer-versions`
// filtered by architecture (versions of both architectures share one layer name and one version
// sequence), then `get-layer-version` for what the list leaves out (CodeSha256, signing).
import { AwsCallError, AwsCli } from './aws-cli'

/** Lookups page through every version and may be retried by the CLI when throttled. */
const LOOKUP_TIMEOUT_MS = 120_000

export interface LayerVersionInfo {
  version: number
  layerVersionArn: string
  description: string
  /** base64 SHA-256 of the zip Lambda stored (the signed one, for a signed layer). */
  codeSha256: string
  createdDate?: string
  signingProfileVersionArn?: string
  signingJobArn?: string
}

/** The highest Version in a ListLayerVersions answer (AWS does not document the order, so none is assumed). */
export function newestListed(layerVersions: unknown): number | undefined {
  if (!Array.isArray(layerVersions)) return undefined
  let newest: number | undefined
  for (const v of layerVersions as { Version?: unknown }[]) {
    if (typeof v?.Version === 'number' && (newest === undefined || v.Version > newest)) newest = v.Version
  }
  return newest
}

/** A GetLayerVersion or PublishLayerVersion answer, checked. */
export function layerVersionFrom(what: string, out: Record<string, unknown>): LayerVersionInfo {
  const content = (out.Content ?? {}) as Record<string, unknown>
  if (typeof out.LayerVersionArn !== 'string' || typeof out.Version !== 'number' || typeof content.CodeSha256 !== 'string') {
    throw new AwsCallError(`${what} answered without LayerVersionArn/Version/Content.CodeSha256: ${JSON.stringify(out).slice(0, 300)}`, what)
  }
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined)
  return {
    version: out.Version,
    layerVersionArn: out.LayerVersionArn,
    description: typeof out.Description === 'string' ? out.Description : '',
    codeSha256: content.CodeSha256,
    createdDate: str(out.CreatedDate),
    signingProfileVersionArn: str(content.SigningProfileVersionArn),
    signingJobArn: str(content.SigningJobArn),
  }
}

export async function latestLayerVersion(cli: AwsCli, region: string, layerName: string, arch: string): Promise<LayerVersionInfo | undefined> {
  let listed: Record<string, unknown>
  try {
    // The CLI follows NextMarker itself and prints one merged list.
    listed = await cli.call(region, 'aws lambda list-layer-versions', ['lambda', 'list-layer-versions', '--layer-name', layerName, '--compatible-architecture', arch], LOOKUP_TIMEOUT_MS)
  } catch (err) {
    if (err instanceof AwsCallError && err.code === 'ResourceNotFoundException') return undefined // no layer of that name yet
    throw err
  }
  const newest = newestListed(listed.LayerVersions)
  if (newest === undefined) return undefined
  const got = await cli.call(region, 'aws lambda get-layer-version', ['lambda', 'get-layer-version', '--layer-name', layerName, '--version-number', String(newest)], LOOKUP_TIMEOUT_MS)
  return layerVersionFrom('aws lambda get-layer-version', got)
}
