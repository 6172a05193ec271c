// The names of the layer zips, in one place for the publish step and the IaC examples' tests.
import { LambdaArch } from './arch'

/** What `make layer ARCH=<arch>` writes into dist/ (build.ts's zipPathFor). */
export function layerZipName(arch: LambdaArch): string {
  return `wait-for-init-${arch}.zip`
}

/** The release artifacts' folder under dist/. */
export const RELEASE_DIR = 'release'

/** A release artifact, in dist/release/: the version in the name, so downloads of two releases never collide. */
export function releaseZipName(version: string, arch: LambdaArch): string {
  return `wait-for-init-${version}-${arch}.zip`
}
