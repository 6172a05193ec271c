// The CycloneDX SBOM of one layer zip. The maintained generator for esbuild bundles,
// @cyclonedx/cyclonedx-esbuild (its CLI, the interface it declares stable), reads the build's
// metafile and lists the npm packages that put bytes into the bundle, with their declared
// licenses, purls and how they depend on each other. Completed here with what it cannot see:
//   - the embedded Node.js (name `node`, the npm package it came from as purl, that tarball's
//     pinned sha512), which the bundle does not import;
//   - each package's sha512 from package-lock.json (checked against node_modules by bundled-packages.ts);
//   - the zip's own SHA-256 on the main component, so the SBOM names the bytes it describes;
//   - a serialNumber derived from the content (UUID v5), and no timestamp: the same sources give
//     the same SBOM, as they give the same zip.
// Dropped: the generator's "virtual" components, which are our esbuild plugin's stand-ins for
// Node built-ins (lazy-builtins.ts), not packages. The result is validated against the CycloneDX
// 1.6 JSON schema (the library ships it; ajv checks it offline).
import crypto from 'node:crypto'
import path from 'node:path'
import { ArchInfo } from '../arch'
import { BundledPackage } from './bundled-packages'
import { BuildError } from '../errors'
import { describeFailure, runCommand } from '../run-command'

export const SBOM_SPEC_VERSION = '1.6'
const CLI_TIMEOUT_MS = 2 * 60_000

export interface SbomNode {
  version: string
  arch: ArchInfo
  /** sha512 integrity of the node-linux-<arch> npm tarball (node-pins.json). */
  integrity: string
  declaredLicense: string
}

export interface SbomOptions {
  /** esbuild metafile of the bundle, and the folder its paths are relative to. */
  metafile: string
  workingDir: string
  /** The bundled packages as bundled-packages.ts read them from the same metafile. */
  packages: readonly BundledPackage[]
  node: SbomNode
  /** SHA-256 (hex) of the layer zip this SBOM describes. */
  zipSha256: string
  /** The cyclonedx-esbuild CLI (default: resolved from workingDir's node_modules). */
  cli?: string
}

interface CdxLicense { license?: { id?: string; name?: string; acknowledgement?: string }; expression?: string }
interface CdxComponent {
  type: string
  name: string
  group?: string
  version?: string
  'bom-ref'?: string
  description?: string
  licenses?: CdxLicense[]
  purl?: string
  hashes?: { alg: string; content: string }[]
  externalReferences?: { url: string; type: string; comment?: string }[]
  properties?: { name: string; value: string }[]
  [key: string]: unknown
}
interface CdxBom {
  serialNumber?: string
  metadata: { component?: CdxComponent; [key: string]: unknown }
  components?: CdxComponent[]
  dependencies?: { ref: string; dependsOn?: string[] }[]
  [key: string]: unknown
}

/** An npm integrity string (sha512-<base64>) as CycloneDX wants it: algorithm name and hex. */
export function integrityToHash(integrity: string): { alg: string; content: string } {
  const m = /^sha512-([A-Za-z0-9+/]+={0,2})$/.exec(integrity)
  if (!m) throw new BuildError(`not a sha512 integrity string: ${JSON.stringify(integrity)}`)
  return { alg: 'SHA-512', content: Buffer.from(m[1], 'base64').toString('hex') }
}

/** RFC 4122 version 5 (SHA-1, name-based) UUID of `name` in the URL namespace. */
export function uuidV5(name: string): string {
  const namespace = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex')
  const h = crypto.createHash('sha1').update(namespace).update(name).digest().subarray(0, 16)
  h[6] = (h[6] & 0x0f) | 0x50
  h[8] = (h[8] & 0x3f) | 0x80
  const x = h.toString('hex')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`
}

const isVirtual = (c: CdxComponent) => (c.properties ?? []).some((p) => p.name === 'cdx:esbuild:input:isVirtual' && p.value === 'true')

/** Runs the generator on the metafile; returns its BOM (reproducible mode, not yet validated). */
async function runGenerator(opts: SbomOptions): Promise<CdxBom> {
  // The package exports only its plugin; the CLI is its `bin`, beside dist/.
  const cli = opts.cli ?? path.join(path.dirname(require.resolve('@cyclonedx/cyclonedx-esbuild', { paths: [opts.workingDir] })), '..', 'bin', 'cyclonedx-esbuild-cli.js')
  const args = [cli, '--spec-version', SBOM_SPEC_VERSION, '--output-reproducible', '--no-validate', '--mc-type', 'application', '--build-working-dir', opts.workingDir, '--output-file', '-', opts.metafile]
  // Its own environment: no NODE_OPTIONS from a surrounding tap or tsx.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME }
  const r = await runCommand(process.execPath, args, { cwd: opts.workingDir, env, timeoutMs: CLI_TIMEOUT_MS })
  if (r.code !== 0) throw new BuildError(describeFailure('cyclonedx-esbuild', r, CLI_TIMEOUT_MS))
  try {
    return JSON.parse(r.stdout) as CdxBom
  } catch {
    throw new BuildError(`cyclonedx-esbuild printed something that is not JSON:\n${r.stdout.slice(0, 500)}`)
  }
}

/** The SBOM of one layer zip, serialized (2-space JSON and a newline), validated against the schema. */
export async function generateSbom(opts: SbomOptions): Promise<string> {
  const bom = await runGenerator(opts)
  const virtual = new Set((bom.components ?? []).filter(isVirtual).map((c) => c['bom-ref']))
  const components = (bom.components ?? []).filter((c) => !isVirtual(c))

  // The generator and bundled-packages.ts read the same metafile: they must find the same packages.
  const key = (name: string, version?: string) => `${name}@${version}`
  const fromGenerator = components.map((c) => key(c.group ? `${c.group}/${c.name}` : c.name, c.version)).sort()
  const fromMetafile = opts.packages.map((p) => key(p.name, p.version)).sort()
  if (JSON.stringify(fromGenerator) !== JSON.stringify(fromMetafile)) {
    throw new BuildError(`cyclonedx-esbuild lists ${fromGenerator.join(', ') || 'nothing'} but the metafile holds ${fromMetafile.join(', ') || 'nothing'}`)
  }
  for (const c of components) {
    const p = opts.packages.find((q) => key(q.name, q.version) === key(c.group ? `${c.group}/${c.name}` : c.name, c.version))!
    c.hashes = [integrityToHash(p.integrity)]
  }

  const node = opts.node
  const npmName = `node-linux-${node.arch.npm}`
  const nodeRef = `node@${node.version}`
  components.push({
    type: 'platform',
    name: 'node',
    version: node.version,
    'bom-ref': nodeRef,
    description: `Node.js, the official ${node.arch.lambda} binary as published on the npm registry; stripped, with the extension's bundle injected, it is extensions/wait-for-init`,
    licenses: [{ license: { id: node.declaredLicense, acknowledgement: 'declared' } }],
    purl: nodePurl(node.arch, node.version),
    hashes: [integrityToHash(node.integrity)],
    externalReferences: [
      { url: `https://registry.npmjs.org/${npmName}/-/${npmName}-${node.version}.tgz`, type: 'distribution' },
      { url: 'https://nodejs.org/', type: 'website' },
    ],
  })
  components.sort((a, b) => String(a['bom-ref']).localeCompare(String(b['bom-ref'])))
  bom.components = components

  const main = bom.metadata.component
  if (!main?.['bom-ref']) throw new BuildError('cyclonedx-esbuild wrote no main component (is package.json beside the entry?)')
  // The layer zip is not the npm package the generator takes it for (the client tarball is).
  delete main.purl
  main.description = `${main.description ?? 'wait-for-init'} (the layer zip for ${node.arch.lambda})`
  main.hashes = [{ alg: 'SHA-256', content: opts.zipSha256 }]
  const deps: { ref: string; dependsOn?: string[] }[] = (bom.dependencies ?? [])
    .filter((d) => !virtual.has(d.ref))
    .map((d) => ({ ...d, dependsOn: d.dependsOn?.filter((r) => !virtual.has(r)) }))
  const mainDeps = deps.find((d) => d.ref === main['bom-ref'])
  if (mainDeps) mainDeps.dependsOn = [...(mainDeps.dependsOn ?? []), nodeRef].sort()
  else deps.push({ ref: main['bom-ref'], dependsOn: [nodeRef] })
  deps.push({ ref: nodeRef })
  bom.dependencies = deps
    .map((d) => (d.dependsOn && d.dependsOn.length ? d : { ref: d.ref }))
    .sort((a, b) => a.ref.localeCompare(b.ref))

  delete bom.serialNumber
  const body = JSON.stringify(bom)
  const serial = `urn:uuid:${uuidV5(`wait-for-init-sbom:${crypto.createHash('sha256').update(body).digest('hex')}`)}`
  const { $schema, bomFormat, specVersion, version, ...rest } = bom as Record<string, unknown>
  const text = `${JSON.stringify({ $schema, bomFormat, specVersion, serialNumber: serial, version, ...rest }, null, 2)}\n`

  // Loaded here, not at the top: `make layer` imports this module on every run, also the no-op one.
  const { Spec, Validation } = require('@cyclonedx/cyclonedx-library') as typeof import('@cyclonedx/cyclonedx-library')
  const errors = await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text)
  if (errors !== null) throw new BuildError(`the SBOM does not validate against CycloneDX ${SBOM_SPEC_VERSION}: ${JSON.stringify(errors).slice(0, 1000)}`)
  return text
}

/** The purl of the npm package the embedded Node came from. */
export function nodePurl(arch: ArchInfo, version: string): string {
  return `pkg:npm/node-linux-${arch.npm}@${version}`
}
