// Which built layer the tests that run the SEA use: dist/layer (x86_64, the default) or, with
// WFI_TEST_ARCH=arm64, dist/layer-arm64. `make test-native` sets it to the machine's own
// architecture, so on an arm64 machine the same tests run the arm64 binary natively.
// Nothing from build-scripts/ is imported: tap runs this file's importer (ensure-layer.ts, its
// `before` program) with coverage on whatever the setting says, and a build module loaded there
// shows up as uncovered code that fails the run.
import path from 'node:path'

export type TestArch = 'x86_64' | 'arm64'

/** The names build-scripts/arch.ts parseArch accepts (test/unit/release-parts.test.ts holds the two to the same answers). */
export function testArch(env: NodeJS.ProcessEnv = process.env): TestArch {
  const v = (env.WFI_TEST_ARCH ?? '').trim().toLowerCase()
  if (v === '' || v === 'x86_64' || v === 'x64' || v === 'amd64') return 'x86_64'
  if (v === 'arm64' || v === 'aarch64') return 'arm64'
  throw new Error(`WFI_TEST_ARCH=${JSON.stringify(env.WFI_TEST_ARCH)} is not a Lambda architecture: use x86_64 or arm64`)
}

/** The layer tree `make layer ARCH=<arch>` writes under `root`. */
export function testLayerDir(root: string, arch: TestArch = testArch()): string {
  return path.join(root, 'dist', arch === 'x86_64' ? 'layer' : `layer-${arch}`)
}
