// The notices of everything the layer redistributes, written outside extensions/ (Lambda starts
// every file in /opt/extensions, docs/lambda-lifecycle.md §2.2) into wait-for-init/, which Lambda
// unpacks at /opt/wait-for-init/:
//   LICENSE               this project's license
//   NODE-LICENSE          Node.js's LICENSE, from the very npm tarball the build verified: Node's
//                         own license and those of the libraries it includes (V8, OpenSSL, ICU, …)
//   THIRD-PARTY-NOTICES   every npm package bundled into the extension (bundled-packages.ts):
//                         name, version, license id and the license text it ships
import fs from 'node:fs'
import path from 'node:path'
import { ArchInfo } from '../arch'
import { BundledPackage } from './bundled-packages'
import { BuildError } from '../errors'

export const NOTICES_DIR = 'wait-for-init'
export const PROJECT_LICENSE_PATH = `${NOTICES_DIR}/LICENSE`
export const NODE_LICENSE_PATH = `${NOTICES_DIR}/NODE-LICENSE`
export const THIRD_PARTY_NOTICES_PATH = `${NOTICES_DIR}/THIRD-PARTY-NOTICES`

export interface EmbeddedNode {
  version: string
  arch: ArchInfo
  /** The license Node's npm package declares. */
  declaredLicense: string
}

const RULE = '-'.repeat(78)

/** THIRD-PARTY-NOTICES: a summary, then each bundled package's license text under a header. */
export function renderThirdPartyNotices(packages: readonly BundledPackage[], node: EmbeddedNode): string {
  const out = [
    'Third-party software in the wait-for-init layer',
    '',
    'extensions/wait-for-init is a Node.js single-executable application. It contains:',
    '',
    `- Node.js ${node.version} (${node.declaredLicense}), the official binary from the npm package`,
    `  node-linux-${node.arch.npm}@${node.version}. Its license, and the licenses of the libraries`,
    '  Node.js includes, are in NODE-LICENSE beside this file.',
    `- ${packages.length === 0 ? 'no npm package.' : 'these npm packages, bundled into its script:'}`,
  ]
  for (const p of packages) out.push(`    ${p.name} ${p.version} (${p.license})`)
  out.push('', 'The license texts of the bundled npm packages follow, as each package ships them.')
  for (const p of packages) {
    out.push('', RULE, `${p.name} ${p.version}`, `License: ${p.license}`, `Text from: ${p.location}/${p.licenseSource}`, RULE, '', p.licenseText)
  }
  return `${out.join('\n')}\n`
}

export interface NoticeSources {
  /** The project's LICENSE file. */
  projectLicense: string
  /** Node's LICENSE file from its verified tarball. */
  nodeLicense: string
  node: EmbeddedNode
  packages: readonly BundledPackage[]
}

/** Writes the three notice files into the layer tree `treeDir`; returns their paths inside the layer. */
export function writeNotices(treeDir: string, src: NoticeSources): string[] {
  for (const [file, what] of [[src.projectLicense, 'the project LICENSE'], [src.nodeLicense, "Node's LICENSE"]] as const) {
    if (!fs.existsSync(file)) throw new BuildError(`${what} (${file}) is missing: the layer must carry it`)
  }
  fs.mkdirSync(path.join(treeDir, NOTICES_DIR), { recursive: true })
  fs.copyFileSync(src.projectLicense, path.join(treeDir, PROJECT_LICENSE_PATH))
  fs.copyFileSync(src.nodeLicense, path.join(treeDir, NODE_LICENSE_PATH))
  fs.writeFileSync(path.join(treeDir, THIRD_PARTY_NOTICES_PATH), renderThirdPartyNotices(src.packages, src.node))
  return [PROJECT_LICENSE_PATH, NODE_LICENSE_PATH, THIRD_PARTY_NOTICES_PATH]
}
