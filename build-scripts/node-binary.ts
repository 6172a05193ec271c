// Fetches the pinned official Node binary for an architecture from the npm registry
// (`npm pack node-linux-<arch>@<version>`), checks the tarball against the sha512 integrity pinned
// in node-pins.json, extracts bin/node and strips it, and keeps the tarball's LICENSE and the
// license its package.json declares (the layer ships them, notices.ts). Everything is cached per version and arch so
// a second build downloads nothing; each cache entry is written to a temporary name and renamed,
// so concurrent builds (parallel tests) never see half-written files.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { ArchInfo } from './arch'
import { machineName, readElfHeader, stripElf } from './elf'
import { BuildError } from './errors'
import { describeFailure, runCommand } from './run-command'
import { extractTgzMember } from './tar'

export interface NodeBinary {
  version: string
  arch: ArchInfo
  /** The binary as shipped (with symbols). */
  original: string
  /** The same, stripped before any injection. */
  stripped: string
  /** Node's LICENSE file from the same verified tarball (Node's own license and its dependencies'). */
  licenseFile: string
  /** The `license` the tarball's package.json declares (always NODE_DECLARED_LICENSE: checked). */
  declaredLicense: string
  /** The pinned sha512 integrity of the npm tarball all of this came from. */
  integrity: string
  /** Whether this call had to run `npm pack`. */
  downloaded: boolean
}

export interface FetchNodeOptions {
  version: string
  arch: ArchInfo
  /** `sha512-…` integrity the tarball must have. */
  integrity: string
  cacheDir: string
  log: (line: string) => void
  /** `npm` executable; injectable for tests. */
  npm?: string
}

const NPM_TIMEOUT_MS = 10 * 60_000

/**
 * The license Node's npm package declares. Publishing names it without fetching Node
 * (license-info.ts), so every build checks the verified tarball still says this: a Node whose
 * declared license changed stops the build until its LICENSE has been reviewed.
 */
export const NODE_DECLARED_LICENSE = 'MIT'

export function sha512Integrity(data: Buffer): string {
  return 'sha512-' + crypto.createHash('sha512').update(data).digest('base64')
}

function writeAtomic(file: string, data: Buffer | string, mode = 0o644): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`
  fs.writeFileSync(tmp, data, { mode })
  fs.renameSync(tmp, file)
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file)
  } catch {
    return undefined
  }
}

async function npmPack(pkg: string, destDir: string, npm: string): Promise<Buffer> {
  const tmp = fs.mkdtempSync(path.join(destDir, '.pack-'))
  try {
    // No NODE_OPTIONS or npm_config_* from a surrounding `npm run`/tap: only what npm needs.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_loglevel: 'error' }
    const r = await runCommand(npm, ['pack', pkg, '--pack-destination', tmp, '--json'], { cwd: tmp, env, timeoutMs: NPM_TIMEOUT_MS })
    if (r.code !== 0) throw new BuildError(describeFailure(`npm pack ${pkg}`, r, NPM_TIMEOUT_MS))
    const tgz = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'))
    if (!tgz) throw new BuildError(`npm pack ${pkg} wrote no tarball`)
    return fs.readFileSync(path.join(tmp, tgz))
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

export async function fetchNodeBinary(opts: FetchNodeOptions): Promise<NodeBinary> {
  const { version, arch, integrity, log } = opts
  if (!/^sha512-[A-Za-z0-9+/]{86}==$/.test(integrity)) {
    throw new BuildError(`pinned integrity for node-linux-${arch.npm}@${version} is not a sha512 integrity string: ${JSON.stringify(integrity)}`)
  }
  const pkg = `node-linux-${arch.npm}@${version}`
  const dir = path.join(opts.cacheDir, `node-v${version}-linux-${arch.npm}`)
  fs.mkdirSync(dir, { recursive: true })
  const tgzPath = path.join(dir, `node-linux-${arch.npm}-${version}.tgz`)

  // 1. The tarball: the cached copy if it still matches the pin, else a fresh `npm pack`.
  let downloaded = false
  let tgz = readIfExists(tgzPath)
  if (tgz && sha512Integrity(tgz) !== integrity) {
    log(`cached ${path.basename(tgzPath)} does not match the pinned integrity; fetching it again`)
    tgz = undefined
  }
  if (!tgz) {
    log(`fetching ${pkg} from the npm registry (~50 MB, once; cached in ${dir})`)
    const fresh = await npmPack(pkg, dir, opts.npm ?? 'npm')
    const got = sha512Integrity(fresh)
    if (got !== integrity) {
      throw new BuildError(
        `integrity mismatch for ${pkg}: pinned ${integrity}, downloaded ${got}. Refusing to build with an unverified Node binary. ` +
          `If the pin itself is wrong, compare with \`npm view ${pkg} dist.integrity\` and fix build-scripts/node-pins.json.`,
      )
    }
    writeAtomic(tgzPath, fresh)
    tgz = fresh
    downloaded = true
  }

  // 2. bin/node and its stripped copy, each stamped with the integrity of the tarball it came from.
  const original = path.join(dir, 'node')
  const stripped = path.join(dir, 'node.stripped')
  const stampOk = (file: string) => readIfExists(`${file}.integrity`)?.toString() === integrity && fs.existsSync(file)
  let binary: Buffer | undefined
  if (!stampOk(original)) {
    binary = extractTgzMember(tgz, 'package/bin/node', `${pkg} tarball`)
    const elf = readElfHeader(binary, `bin/node of ${pkg}`)
    if (elf.machine !== arch.elfMachine) {
      throw new BuildError(`bin/node of ${pkg} is ${machineName(elf.machine)}, expected ${machineName(arch.elfMachine)}`)
    }
    writeAtomic(original, binary, 0o755)
    writeAtomic(`${original}.integrity`, integrity)
  }
  if (!stampOk(stripped)) {
    const { output } = stripElf(binary ?? fs.readFileSync(original), `bin/node of ${pkg}`)
    writeAtomic(stripped, output, 0o755)
    writeAtomic(`${stripped}.integrity`, integrity)
  }

  // 3. The notices that travel with the binary, from the same verified tarball.
  const licenseFile = path.join(dir, 'LICENSE')
  const manifestFile = path.join(dir, 'package.json')
  for (const [file, member] of [[licenseFile, 'package/LICENSE'], [manifestFile, 'package/package.json']] as const) {
    if (!stampOk(file)) {
      writeAtomic(file, extractTgzMember(tgz, member, `${pkg} tarball`))
      writeAtomic(`${file}.integrity`, integrity)
    }
  }
  let declaredLicense: unknown
  try {
    declaredLicense = (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { license?: unknown }).license
  } catch (err) {
    throw new BuildError(`package.json of ${pkg} is not JSON: ${(err as Error).message}`)
  }
  if (declaredLicense !== NODE_DECLARED_LICENSE) {
    throw new BuildError(
      `package.json of ${pkg} declares the license ${JSON.stringify(declaredLicense)}, not ${NODE_DECLARED_LICENSE}: review its LICENSE ` +
        '(the layer redistributes it) and update NODE_DECLARED_LICENSE in build-scripts/node-binary.ts',
    )
  }
  return { version, arch, original, stripped, licenseFile, declaredLicense: NODE_DECLARED_LICENSE, integrity, downloaded }
}
