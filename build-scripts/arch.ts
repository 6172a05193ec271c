// The two Lambda architectures and the names each tool uses for them.
import { BuildError } from './errors'

export type LambdaArch = 'x86_64' | 'arm64'
export const LAMBDA_ARCHES: readonly LambdaArch[] = ['x86_64', 'arm64']

export interface ArchInfo {
  /** Lambda's name (CompatibleArchitectures, zip file name). */
  lambda: LambdaArch
  /** Node's `process.arch` and the suffix of the npm package `node-linux-<npm>`. */
  npm: 'x64' | 'arm64'
  /** ELF e_machine of binaries for this arch. */
  elfMachine: number
}

const ARCHES: Record<LambdaArch, ArchInfo> = {
  x86_64: { lambda: 'x86_64', npm: 'x64', elfMachine: 62 /* EM_X86_64 */ },
  arm64: { lambda: 'arm64', npm: 'arm64', elfMachine: 183 /* EM_AARCH64 */ },
}

/** Accepts Lambda's names and the common aliases (x64, amd64, aarch64). */
export function parseArch(value: string | undefined, variable = 'ARCH'): ArchInfo {
  const v = (value ?? '').trim().toLowerCase()
  if (v === 'x86_64' || v === 'x64' || v === 'amd64') return ARCHES.x86_64
  if (v === 'arm64' || v === 'aarch64') return ARCHES.arm64
  throw new BuildError(`${variable}=${JSON.stringify(value ?? '')} is not a Lambda architecture: use x86_64 or arm64`)
}

/** The arch of the machine running the build, or undefined when Lambda has no such arch. */
export function hostArch(processArch: string = process.arch): ArchInfo | undefined {
  if (processArch === 'x64') return ARCHES.x86_64
  if (processArch === 'arm64') return ARCHES.arm64
  return undefined
}
