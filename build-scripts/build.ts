// Builds the layer for one architecture (`make layer`, or `npx tsx build-scripts/build.ts --help`).
// Output (DIR defaults to dist/):
//   DIR/layer/ (x86_64) or DIR/layer-arm64/   the unpacked layer tree
//   DIR/wait-for-init-<arch>.zip              the reproducible layer zip
//   DIR/wait-for-init-<arch>.cdx.json         its CycloneDX SBOM (sbom.ts)
//   DIR/wait-for-init-<arch>.build.json       sizes, timings, inputs hash (used to skip rebuilds)
// Knobs come from the environment (see config.ts): ARCH, NODE_VERSION, SEA_EXEC_ARGV,
// SEA_EXEC_ARGV_EXTENSION, SEA_USE_CODE_CACHE, SEA_USE_SNAPSHOT, STRIP, ZIP_LEVEL,
// WAIT_FOR_INIT_CACHE, NODE_PINS_FILE.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { ArchInfo, hostArch } from './arch'
import { layerZipName } from './artifact-names'
import { bundle } from './bundle'
import { Metafile, bundledPackages } from './licenses/bundled-packages'
import { parseOptions, runMain } from './cli'
import { BuildConfig, buildConfigFromEnv, cacheDir, pinsFile, readPins } from './config'
import { BuildError } from './errors'
import { CLIENT_PATH, EXTENSION_PATH, buildClientPackage, zipInputsFromTree } from './layer'
import { layerLicenseExpression } from './licenses/license-info'
import { withLock } from './lock'
import { PYTHON_CLIENT_PATH, PYTHON_CLIENT_SOURCE, buildPythonClient } from './python-client'
import { NodeBinary, fetchNodeBinary } from './node-binary'
import { writeNotices } from './licenses/notices'
import { generateSbom } from './licenses/sbom'
import { buildSea } from './sea'
import { writeZip } from './zip'

export interface BuildArgs {
  arch?: string
  out: string
  entry?: string
  client: boolean
  force: boolean
}

export interface BuildManifest {
  arch: string
  nodeVersion: string
  inputsHash: string
  zip: { file: string; bytes: number; sha256: string }
  /** The zip's CycloneDX SBOM. */
  sbom: { file: string; sha256: string }
  /** The layer's license expression (license-info.ts) and the npm packages bundled into the extension. */
  license: string
  bundled: { name: string; version: string; license: string }[]
  layerDir: string
  bytes: { bundle: number; blob: number; nodeOriginal: number; nodeStripped: number; extension: number; unzipped: number }
  timingsMs: Record<string, number>
  config: { sea: BuildConfig['sea']; strip: boolean; zipLevel: number }
  client: boolean
}

const log = (line: string) => process.stderr.write(`[build] ${line}\n`)
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`

export const BUILD_USAGE = `usage: npx tsx build-scripts/build.ts [--arch x86_64|arm64] [--out DIR] [--entry FILE] [--no-client] [--force]
  --arch       architecture to build (default: ARCH, else x86_64)
  --out        output folder (default dist/)
  --entry      extension entry point (default extension-src/main.ts)
  --no-client  leave the client package out of the layer
  --force      rebuild even when the inputs are unchanged`

export function parseBuildArgs(argv: readonly string[], root: string): BuildArgs & { help: boolean } {
  const v = parseOptions(argv, {
    arch: { type: 'string' },
    out: { type: 'string' },
    entry: { type: 'string' },
    'no-client': { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  })
  return {
    arch: v.arch,
    out: path.resolve(v.out ?? path.join(root, 'dist')),
    entry: v.entry === undefined ? undefined : path.resolve(v.entry),
    client: !v['no-client'],
    force: v.force,
    help: v.help,
  }
}

export function layerDirFor(out: string, arch: ArchInfo): string {
  return path.join(out, arch.lambda === 'x86_64' ? 'layer' : `layer-${arch.lambda}`)
}

export function zipPathFor(out: string, arch: ArchInfo): string {
  return path.join(out, layerZipName(arch.lambda))
}

export function sbomPathFor(out: string, arch: ArchInfo): string {
  return path.join(out, `wait-for-init-${arch.lambda}.cdx.json`)
}

/** Hash of everything that can change the output, so an unchanged tree is not rebuilt. */
function inputsHash(root: string, extra: { files: string[]; values: unknown }): string {
  const h = crypto.createHash('sha256')
  const files: string[] = []
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return
    for (const name of fs.readdirSync(dir).sort()) {
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue
      const abs = path.join(dir, name)
      if (fs.statSync(abs).isDirectory()) walk(abs)
      else files.push(abs)
    }
  }
  for (const d of ['protocol', 'extension-src', 'client', PYTHON_CLIENT_SOURCE, 'build-scripts']) walk(path.join(root, d))
  files.push(path.join(root, 'package.json'), path.join(root, 'package-lock.json'), path.join(root, 'LICENSE'), ...extra.files)
  for (const f of files) {
    h.update(path.relative(root, f) + '\0')
    h.update(fs.existsSync(f) ? fs.readFileSync(f) : Buffer.from('missing'))
    h.update('\0')
  }
  h.update(JSON.stringify(extra.values))
  return h.digest('hex')
}

function sha256(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex')
}

function upToDate(manifestPath: string, hash: string): BuildManifest | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as BuildManifest
    if (m.inputsHash !== hash) return undefined
    if (!fs.existsSync(path.join(m.layerDir, EXTENSION_PATH))) return undefined
    if (sha256(fs.readFileSync(m.zip.file)) !== m.zip.sha256) return undefined
    if (!m.sbom || sha256(fs.readFileSync(m.sbom.file)) !== m.sbom.sha256) return undefined
    return m
  } catch {
    return undefined
  }
}

export async function buildLayer(args: BuildArgs, root: string, env: NodeJS.ProcessEnv = process.env): Promise<BuildManifest> {
  const pinsPath = pinsFile(root, env)
  const pins = readPins(pinsPath)
  const config = buildConfigFromEnv(env, pins, args.arch)
  const { arch } = config
  for (const n of config.notices) log(`notice: ${n}`)
  const host = hostArch()
  if (!host) throw new BuildError(`cannot build on a ${process.arch} host: the SEA blob needs a pinned Node for x64 or arm64`)

  fs.mkdirSync(args.out, { recursive: true })
  const zipPath = zipPathFor(args.out, arch)
  const manifestPath = path.join(args.out, `wait-for-init-${arch.lambda}.build.json`)
  const entry = args.entry ?? path.join(root, 'extension-src', 'main.ts')
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string; license?: string }
  const projectLicense = pkg.license
  if (!projectLicense) throw new BuildError('package.json has no "license": the layer must say under which license it is shipped')

  return withLock(path.join(args.out, `.build-${arch.lambda}.lock`), log, async () => {
    const hash = inputsHash(root, {
      files: [entry, pinsPath],
      values: { config, client: args.client, hostNode: process.version, hostArch: host.lambda },
    })
    const current = args.force ? undefined : upToDate(manifestPath, hash)
    if (current) {
      log(`${path.relative(process.cwd(), zipPath)} is up to date (${mb(current.zip.bytes)})`)
      return current
    }

    const t0 = performance.now()
    const timings: Record<string, number> = {}
    const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const s = performance.now()
      const r = await fn()
      timings[name] = Math.round(performance.now() - s)
      return r
    }
    const integrityFor = (a: ArchInfo) => {
      const v = pins.versions[config.nodeVersion][a.npm]
      if (!v) throw new BuildError(`node-pins.json has no ${a.npm} integrity for Node ${config.nodeVersion}`)
      return v
    }
    const fetchFor = (a: ArchInfo): Promise<NodeBinary> =>
      fetchNodeBinary({ version: config.nodeVersion, arch: a, integrity: integrityFor(a), cacheDir: cacheDir(env), log })

    const target = await step('fetchNode', () => fetchFor(arch))
    // The blob must come from the same Node version as the embedded binary, run on this host.
    const blobNode = host.lambda === arch.lambda ? target : await step('fetchHostNode', () => fetchFor(host))

    const work = path.join(args.out, `.work-${arch.lambda}`)
    fs.rmSync(work, { recursive: true, force: true })
    fs.mkdirSync(work, { recursive: true })
    const tree = layerDirFor(args.out, arch)
    const treeTmp = `${tree}.tmp`
    fs.rmSync(treeTmp, { recursive: true, force: true })
    fs.mkdirSync(path.join(treeTmp, path.dirname(EXTENSION_PATH)), { recursive: true })

    if (args.client) {
      await step('client', async () => buildClientPackage(root, path.join(treeTmp, CLIENT_PATH)))
      await step('pythonClient', async () => buildPythonClient(root, path.join(treeTmp, PYTHON_CLIENT_PATH)))
    }

    const major = config.nodeVersion.split('.')[0]
    const metafilePath = path.join(work, 'main.meta.json')
    const bundled = await step('bundle', () =>
      bundle({ entry, outfile: path.join(work, 'main.cjs'), version: pkg.version, target: `node${major}`, metafile: metafilePath, workingDir: root }),
    )
    for (const w of bundled.warnings) log(`esbuild warning: ${w}`)
    // What the bundle really contains decides the notices, the SBOM and the license expression.
    const packages = bundledPackages(JSON.parse(fs.readFileSync(metafilePath, 'utf8')) as Metafile, root)
    writeNotices(treeTmp, { projectLicense: path.join(root, 'LICENSE'), nodeLicense: target.licenseFile, node: target, packages })

    const extension = path.join(treeTmp, EXTENSION_PATH)
    const sea = await step('sea', () =>
      buildSea({
        blobNode: blobNode.original,
        baseBinary: config.strip ? target.stripped : target.original,
        bundle: bundled.outfile,
        workDir: work,
        output: extension,
        sea: config.sea,
        postjectCli: require.resolve('postject/dist/cli.js', { paths: [root] }),
      }),
    )

    const zipBytes = await step('zip', async () => {
      const inputs = zipInputsFromTree(treeTmp)
      const zip = writeZip(inputs, config.zipLevel)
      fs.writeFileSync(`${zipPath}.tmp`, zip)
      return { zip, unzipped: inputs.reduce((n, e) => n + (e.data?.length ?? 0), 0) }
    })
    const sbomPath = sbomPathFor(args.out, arch)
    const sbom = await step('sbom', () =>
      generateSbom({ metafile: metafilePath, workingDir: root, packages, node: target, zipSha256: sha256(zipBytes.zip) }),
    )
    fs.writeFileSync(`${sbomPath}.tmp`, sbom)
    fs.rmSync(tree, { recursive: true, force: true })
    fs.renameSync(treeTmp, tree)
    fs.renameSync(`${zipPath}.tmp`, zipPath)
    fs.renameSync(`${sbomPath}.tmp`, sbomPath)
    timings.total = Math.round(performance.now() - t0)

    const manifest: BuildManifest = {
      arch: arch.lambda,
      nodeVersion: config.nodeVersion,
      inputsHash: hash,
      zip: { file: zipPath, bytes: zipBytes.zip.length, sha256: sha256(zipBytes.zip) },
      sbom: { file: sbomPath, sha256: sha256(Buffer.from(sbom)) },
      license: layerLicenseExpression(projectLicense, packages, target.declaredLicense),
      bundled: packages.map((p) => ({ name: p.name, version: p.version, license: p.license })),
      layerDir: tree,
      bytes: {
        bundle: bundled.bytes,
        blob: sea.blobBytes,
        nodeOriginal: fs.statSync(target.original).size,
        nodeStripped: fs.statSync(target.stripped).size,
        extension: sea.outputBytes,
        unzipped: zipBytes.unzipped,
      },
      timingsMs: timings,
      config: { sea: config.sea, strip: config.strip, zipLevel: config.zipLevel },
      client: args.client,
    }
    fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n')
    const b = manifest.bytes
    log(
      `${arch.lambda}: Node ${config.nodeVersion} ${mb(b.nodeOriginal)} -> ${config.strip ? `stripped ${mb(b.nodeStripped)}` : 'not stripped (STRIP=0)'} -> SEA ${mb(b.extension)} ` +
        `(bundle ${(b.bundle / 1024).toFixed(1)} KB); zip ${mb(manifest.zip.bytes)} (level ${config.zipLevel}), unzipped ${mb(b.unzipped)}; ` +
        `${(timings.total / 1000).toFixed(1)} s`,
    )
    log(`bundled: ${manifest.bundled.map((p) => `${p.name} ${p.version}`).join(', ') || 'no npm package'}; license ${manifest.license}`)
    log(`wrote ${path.relative(process.cwd(), zipPath)}, ${path.relative(process.cwd(), sbomPath)} and ${path.relative(process.cwd(), tree)}/`)
    return manifest
  })
}

if (require.main === module) {
  runMain('build', BUILD_USAGE, async () => {
    const root = path.resolve(__dirname, '..')
    const args = parseBuildArgs(process.argv.slice(2), root)
    if (args.help) process.stdout.write(`${BUILD_USAGE}\n`)
    else await buildLayer(args, root)
  })
}
