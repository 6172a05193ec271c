// Which built layer the tests that run the SEA use: dist/layer (x86_64, the default) or, with
// WFI_TEST_ARCH=arm64, dist/layer-arm64. `make test-native` sets it to the machine's own
// architecture, so on an arm64 machine the same tests run the arm64 binary natively.
import path from 'node:path'
import { LambdaArch, parseArch } from '../../build-scripts/arch'

export function testArch(env: NodeJS.ProcessEnv = process.env): LambdaArch {
  const v = env.WFI_TEST_ARCH
  return v === undefined || v === '' ? 'x86_64' : parseArch(v, 'WFI_TEST_ARCH').lambda
}

/** The layer tree `make layer ARCH=<arch>` writes under `root`. */
export function testLayerDir(root: string, arch: LambdaArch = testArch()): string {
  return path.join(root, 'dist', arch === 'x86_64' ? 'layer' : `layer-${arch}`)
}
