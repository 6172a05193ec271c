// `make release`: both architectures built from a clean tree, and the artifacts users download
// (npx tsx build-scripts/release/release.ts --help):
//   OUT/release/wait-for-init-<version>-x86_64.zip     byte-identical to `make layer`'s zip
//   OUT/release/wait-for-init-<version>-arm64.zip
//   OUT/release/wait-for-init-<version>-<arch>.cdx.json the CycloneDX SBOM of each zip
//   OUT/release/wait-for-init-<version>.tgz             the Node client package
//   OUT/release/SHA256SUMS                              `sha256sum -c SHA256SUMS` verifies all of them
// "From a clean tree": no uncommitted or untracked file in the git checkout (ALLOW_DIRTY=1 overrides,
// and says so), every layer rebuilt (--force: nothing reused from an earlier dist/), and the
// bundled packages checked against package-lock.json (bundled-packages.ts). The version is
// package.json's and CHANGELOG.md must have an entry for it. RELEASE_TAG (CI sets it from the
// pushed tag) must then name the same version.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { LAMBDA_ARCHES, LambdaArch } from '../arch'
import { buildLayer } from '../build'
import { changelogEntry } from './changelog'
import { parseOptions, runMain } from '../cli'
import { packClient } from '../client-package'
import { BuildError } from '../errors'
import { CHECKSUMS_NAME, RELEASE_DIR, clientTarballName, releaseTag, releaseZipName, sbomName } from '../artifact-names'
import { runCommand } from '../run-command'

const log = (line: string) => process.stderr.write(`[release] ${line}\n`)

export const RELEASE_USAGE = `usage: npx tsx build-scripts/release/release.ts [--out DIR] [--changelog FILE]
  --out        build folder (default dist/); the release is written to DIR/release/
  --changelog  the changelog that must describe the version (default CHANGELOG.md)
Environment: ALLOW_DIRTY=1 releases from a checkout with uncommitted changes;
RELEASE_TAG=vX.Y.Z refuses unless it names package.json's version.`

/** Refuses a tag that does not name `version` (a pushed v0.2.0 must not release 0.1.0). */
export function checkTag(tag: string | undefined, version: string): void {
  if (tag === undefined || tag === '') return
  if (tag !== releaseTag(version)) {
    throw new BuildError(`RELEASE_TAG=${JSON.stringify(tag)} does not match package.json's version ${version}: tag ${releaseTag(version)}, or bump the version`)
  }
}

/** Paths `git status` reports as changed or untracked under `root`; throws when it is not a git checkout. */
export async function uncommittedChanges(root: string): Promise<string[]> {
  const r = await runCommand('git', ['status', '--porcelain', '--untracked-files=normal'], { cwd: root, timeoutMs: 60_000 })
  if (r.spawnError || r.code !== 0) {
    throw new BuildError(`cannot tell whether ${root} is a clean git checkout (\`git status\` failed: ${(r.stderr || r.spawnError?.message || '').trim()})`)
  }
  return r.stdout.split('\n').filter(Boolean).map((l) => l.slice(3))
}

export async function checkCleanTree(root: string, allowDirty: boolean): Promise<void> {
  let changes: string[]
  try {
    changes = await uncommittedChanges(root)
  } catch (err) {
    if (!allowDirty) throw new BuildError(`${(err as Error).message}; ALLOW_DIRTY=1 releases anyway`)
    log(`warning: ${(err as Error).message}; releasing anyway (ALLOW_DIRTY=1)`)
    return
  }
  if (changes.length === 0) return
  const list = `${changes.slice(0, 5).join(', ')}${changes.length > 5 ? ` and ${changes.length - 5} more` : ''}`
  if (!allowDirty) {
    throw new BuildError(`the tree has uncommitted changes (${list}): commit or stash them, so the release is what a commit holds; ALLOW_DIRTY=1 releases anyway`)
  }
  log(`warning: releasing with uncommitted changes (${list}) because ALLOW_DIRTY=1`)
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')
}

/** SHA256SUMS in the format `sha256sum -c` reads: `<hex>  <name>`, sorted by name. */
export function checksums(dir: string, names: readonly string[]): string {
  return [...names].sort().map((n) => `${sha256(path.join(dir, n))}  ${n}\n`).join('')
}

export interface ReleaseOptions {
  root: string
  out: string
  changelog: string
  allowDirty: boolean
  tag?: string
  arches?: readonly LambdaArch[]
}

/** Runs the whole release; returns the release folder and the files in it. */
export async function release(opts: ReleaseOptions): Promise<{ dir: string; files: string[] }> {
  const { version } = JSON.parse(fs.readFileSync(path.join(opts.root, 'package.json'), 'utf8')) as { version: string }
  // The cheap refusals first, before minutes of building.
  checkTag(opts.tag, version)
  const entry = changelogEntry(opts.changelog, version)
  await checkCleanTree(opts.root, opts.allowDirty)
  log(`releasing ${version} (${path.basename(opts.changelog)}: ${entry.date})`)

  const dir = path.join(opts.out, RELEASE_DIR)
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  const files: string[] = []
  for (const arch of opts.arches ?? LAMBDA_ARCHES) {
    const m = await buildLayer({ arch, out: opts.out, client: true, force: true }, opts.root)
    for (const [from, name] of [[m.zip.file, releaseZipName(version, arch)], [m.sbom.file, sbomName(version, arch)]]) {
      fs.copyFileSync(from, path.join(dir, name))
      files.push(name)
    }
  }
  const tgz = await packClient(opts.root, opts.out)
  if (path.basename(tgz) !== clientTarballName(version)) throw new BuildError(`npm pack wrote ${path.basename(tgz)}, expected ${clientTarballName(version)}`)
  fs.copyFileSync(tgz, path.join(dir, clientTarballName(version)))
  files.push(clientTarballName(version))

  fs.writeFileSync(path.join(dir, CHECKSUMS_NAME), checksums(dir, files))
  files.push(CHECKSUMS_NAME)
  for (const f of [...files].sort()) log(`${path.relative(process.cwd(), path.join(dir, f))} (${fs.statSync(path.join(dir, f)).size} bytes)`)
  return { dir, files: files.sort() }
}

if (require.main === module) {
  runMain('release', RELEASE_USAGE, async () => {
    const root = path.resolve(__dirname, '..', '..')
    const v = parseOptions(process.argv.slice(2), {
      out: { type: 'string' },
      changelog: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    })
    if (v.help) return void process.stdout.write(`${RELEASE_USAGE}\n`)
    const allow = (process.env.ALLOW_DIRTY ?? '').trim()
    if (allow && !/^(0|1)$/.test(allow)) throw new BuildError(`ALLOW_DIRTY=${JSON.stringify(allow)} must be 1 or 0`)
    await release({
      root,
      out: path.resolve(v.out ?? path.join(root, 'dist')),
      changelog: path.resolve(v.changelog ?? path.join(root, 'CHANGELOG.md')),
      allowDirty: allow === '1',
      tag: process.env.RELEASE_TAG,
    })
  })
}
