// The names of the build's and the release's artifacts, in one place, so the build, the release,
// the publishing code and the IaC examples agree on them. `version` is package.json's; nothing
// else names a version.
import { LambdaArch } from './arch'

/** What `make layer ARCH=<arch>` writes into dist/ (build.ts's zipPathFor). */
export function layerZipName(arch: LambdaArch): string {
  return `wait-for-init-${arch}.zip`
}

/** Folder (under the build output, dist/ by default) that `make release` fills. */
export const RELEASE_DIR = 'release'
export const CHECKSUMS_NAME = 'SHA256SUMS'

/** The layer zip of one architecture: byte-identical to `make layer`'s dist/wait-for-init-<arch>.zip. */
export function releaseZipName(version: string, arch: LambdaArch): string {
  return `wait-for-init-${version}-${arch}.zip`
}

/** The CycloneDX SBOM of one architecture's zip (the embedded Node binary differs per architecture). */
export function sbomName(version: string, arch: LambdaArch): string {
  return `wait-for-init-${version}-${arch}.cdx.json`
}

/** The Node client as an npm tarball: the name `npm pack` gives the client package. */
export function clientTarballName(version: string): string {
  return `wait-for-init-${version}.tgz`
}

/** The git tag a release of `version` is made from. */
export function releaseTag(version: string): string {
  return `v${version}`
}
