// The license of the layer as a whole, for `make publish`'s --license-info (Lambda accepts an SPDX
// identifier, a URL or the text, at most 512 characters): an SPDX expression that ANDs the declared
// licenses of what the zip contains, each once, this project's first: our code (package.json), the
// npm packages bundled into the extension (bundled-packages.ts) and the embedded Node.js.
// "Declared" is the word: Node.js's LICENSE, shipped in full at /opt/wait-for-init/NODE-LICENSE,
// also carries the licenses of the libraries Node includes (V8, OpenSSL, ICU, …), which its npm
// package's single `MIT` does not name.
import fs from 'node:fs'
import path from 'node:path'
import { bundleMetafile } from '../bundle'
import { BundledPackage, bundledPackages } from './bundled-packages'
import { pinsFile, readPins } from '../config'
import { BuildError } from '../errors'
import { NODE_DECLARED_LICENSE } from '../node-binary'

/** PublishLayerVersion's limit for LicenseInfo. */
export const LICENSE_INFO_MAX = 512

/** `a AND b AND …` of the given SPDX expressions, each once and in order; compound ones in parentheses. */
export function licenseExpression(licenses: readonly string[]): string {
  const seen: string[] = []
  for (const raw of licenses) {
    const l = raw.trim()
    if (!l) continue
    const term = /\s/.test(l) && !/^\(.*\)$/.test(l) ? `(${l})` : l
    if (!seen.includes(term)) seen.push(term)
  }
  if (seen.length === 0) throw new BuildError('no license to describe the layer with')
  const expression = seen.join(' AND ')
  if (expression.length > LICENSE_INFO_MAX) {
    throw new BuildError(`the layer's license expression is ${expression.length} characters, above Lambda's ${LICENSE_INFO_MAX}: ${expression}`)
  }
  return expression
}

/** The layer's expression from its parts: the project's license, the bundled packages', Node's. */
export function layerLicenseExpression(projectLicense: string, packages: readonly Pick<BundledPackage, 'license'>[], nodeLicense: string): string {
  return licenseExpression([projectLicense, ...packages.map((p) => p.license), nodeLicense])
}

/**
 * --license-info for the layer built from the sources under `root`: package.json's license, the
 * packages esbuild would bundle from extension-src/main.ts today (its metafile, nothing written),
 * and Node's declared license (checked against the verified tarball by every build). The build
 * records the same expression in dist/wait-for-init-<arch>.build.json (`license`).
 */
export async function layerLicenseInfo(root: string): Promise<string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string; license?: string }
  if (!pkg.license) throw new BuildError('package.json has no "license": the layer cannot be published without one')
  const pins = readPins(pinsFile(root))
  const metafile = await bundleMetafile({
    entry: path.join(root, 'extension-src', 'main.ts'),
    outfile: path.join(root, 'dist', 'license-info.cjs'), // not written (write: false)
    version: pkg.version,
    target: `node${pins.default.split('.')[0]}`,
    workingDir: root,
  })
  return layerLicenseExpression(pkg.license, bundledPackages(metafile, root), NODE_DECLARED_LICENSE)
}
