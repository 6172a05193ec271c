// The npm packages the extension's bundle really contains, read from esbuild's metafile: every
// input file that put bytes into the output (tree-shaken modules do not count), mapped to the
// package folder in node_modules that holds it. Each comes with its locked version and integrity
// (package-lock.json must agree with node_modules), its declared license and the license text the
// package ships. The notices (notices.ts), the SBOM (sbom.ts) and the license expression given to
// Lambda (license-info.ts) are all made from this list, so a package added to the bundle appears
// in all three without anyone editing a list.
import fs from 'node:fs'
import path from 'node:path'
import { BuildError } from '../errors'

/** The part of esbuild's metafile this module reads. */
export interface Metafile {
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>
}

export interface BundledPackage {
  /** The package folder relative to the working directory, as package-lock.json keys it (node_modules/fetch-blob). */
  location: string
  name: string
  version: string
  /** The `license` its package.json declares (an SPDX expression). */
  license: string
  /** The `integrity` package-lock.json records for it (sha512-…). */
  integrity: string
  /** The license text the package ships, and where it was found (file name, or README's License section). */
  licenseText: string
  licenseSource: string
}

/** Package folders of the inputs that contributed bytes to any output, sorted. */
export function packageLocations(metafile: Metafile): string[] {
  const locations = new Set<string>()
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (bytesInOutput <= 0) continue
      const p = input.replace(/\\/g, '/')
      // Virtual modules of esbuild plugins are namespaced (`lazy-builtin:esm:https`): no package.
      if (/^[a-z][\w-]*:/i.test(p)) continue
      const at = p.lastIndexOf('node_modules/')
      if (at < 0) continue // the project's own source
      const rest = p.slice(at + 'node_modules/'.length).split('/')
      const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
      locations.add(`${p.slice(0, at)}node_modules/${name}`)
    }
  }
  return [...locations].sort()
}

/** LICENSE, LICENCE.md, COPYING.txt, LICENSE-MIT, LICENSE.APACHE2…, but not license-checker.js. */
const LICENSE_FILE = /^(licen[cs]e|copying)([-.][\w.-]+)?$/i
const CODE_FILE = /\.(c|m)?(j|t)sx?$|\.json$|\.map$/i

/** The License section of a README (an ATX `## License` or a setext `License\n---` heading), or undefined. */
export function readmeLicenseSection(readme: string): string | undefined {
  const lines = readme.split(/\r?\n/)
  const isSetextUnderline = (l: string | undefined) => l !== undefined && /^\s*(-{3,}|={3,})\s*$/.test(l)
  const headingAt = (i: number): boolean => /^#{1,6}\s/.test(lines[i]) || (lines[i].trim() !== '' && isSetextUnderline(lines[i + 1]))
  for (let i = 0; i < lines.length; i++) {
    const atx = /^#{1,6}\s+licen[cs]e\b/i.test(lines[i])
    const setext = /^licen[cs]e\b/i.test(lines[i].trim()) && isSetextUnderline(lines[i + 1])
    if (!atx && !setext) continue
    let end = i + (setext ? 2 : 1)
    while (end < lines.length && !headingAt(end)) end++
    // Markdown link definitions ([rfc]: http://…) belong to the whole README, not to the notice.
    const body = lines
      .slice(i + (setext ? 2 : 1), end)
      .filter((l) => !/^\s*\[[^\]]+\]:\s*\S+/.test(l))
      .join('\n')
      .trim()
    return body || undefined
  }
  return undefined
}

/** The license text a package folder ships: its LICENSE/COPYING files, else its README's License section. */
export function licenseTextOf(dir: string, what: string): { text: string; source: string } {
  const names = fs.readdirSync(dir).filter((f) => LICENSE_FILE.test(f) && !CODE_FILE.test(f) && fs.statSync(path.join(dir, f)).isFile()).sort()
  if (names.length > 0) {
    const text = names.map((f) => fs.readFileSync(path.join(dir, f), 'utf8').trim()).join('\n\n')
    return { text, source: names.join(', ') }
  }
  const readme = fs.readdirSync(dir).find((f) => /^readme(\.(md|markdown|txt))?$/i.test(f))
  const section = readme ? readmeLicenseSection(fs.readFileSync(path.join(dir, readme), 'utf8')) : undefined
  if (section) return { text: section, source: `${readme} (License section)` }
  throw new BuildError(`${what} ships no LICENSE or COPYING file and its README has no License section: its notice cannot be reproduced in the layer`)
}

interface Lockfile {
  packages?: Record<string, { version?: string; integrity?: string }>
}

function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T
  } catch (err) {
    throw new BuildError(`cannot read ${what} (${file}): ${(err as Error).message}`)
  }
}

/** The declared license of a package.json: `license`, or the legacy `licenses: [{ type }]` joined with OR. */
function declaredLicense(pkg: { license?: unknown; licenses?: unknown }): string | undefined {
  if (typeof pkg.license === 'string' && pkg.license.trim()) return pkg.license.trim()
  if (pkg.license && typeof (pkg.license as { type?: unknown }).type === 'string') return (pkg.license as { type: string }).type
  if (Array.isArray(pkg.licenses)) {
    const types = pkg.licenses.map((l: { type?: unknown }) => l?.type).filter((t): t is string => typeof t === 'string')
    if (types.length) return types.length === 1 ? types[0] : `(${types.join(' OR ')})`
  }
  return undefined
}

/**
 * Every npm package in the bundle described by `metafile` (paths relative to `workingDir`), with
 * the version and integrity package-lock.json (`lockfile`, default workingDir/package-lock.json)
 * locks for it. Throws a BuildError naming the package when node_modules and the lockfile
 * disagree, or when a package declares no license or ships no license text.
 */
export function bundledPackages(metafile: Metafile, workingDir: string, lockfile = path.join(workingDir, 'package-lock.json')): BundledPackage[] {
  const lock = readJson<Lockfile>(lockfile, 'the lockfile')
  return packageLocations(metafile).map((location) => {
    const dir = path.resolve(workingDir, location)
    const pkg = readJson<{ name?: string; version?: string; license?: unknown; licenses?: unknown }>(path.join(dir, 'package.json'), `${location}/package.json`)
    if (!pkg.name || !pkg.version) throw new BuildError(`${location}/package.json has no name or version`)
    const locked = lock.packages?.[location]
    if (!locked) throw new BuildError(`${location} is bundled but package-lock.json has no entry for it: run \`npm install\` and commit the lockfile`)
    if (locked.version !== pkg.version) {
      throw new BuildError(`${location} is ${pkg.version} but package-lock.json locks ${locked.version}: node_modules is stale, run \`npm ci\``)
    }
    if (!locked.integrity) throw new BuildError(`package-lock.json records no integrity for ${location}`)
    const license = declaredLicense(pkg)
    if (!license) throw new BuildError(`${location} (${pkg.name} ${pkg.version}) declares no license in its package.json: the layer cannot redistribute it`)
    const { text, source } = licenseTextOf(dir, `${location} (${pkg.name} ${pkg.version})`)
    return { location, name: pkg.name, version: pkg.version, license, integrity: locked.integrity, licenseText: text, licenseSource: source }
  })
}
