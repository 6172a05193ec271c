// Size and build time of the layer under test, from the build manifest that `make layer` writes
// next to it (dist/wait-for-init-<arch>.build.json); sizes are recomputed from the tree when
// there is no manifest.
import fs from 'node:fs'
import path from 'node:path'

export interface LayerInfo {
  manifest: string | null
  arch: string | null
  nodeVersion: string | null
  zipBytes: number | null
  unzippedBytes: number
  extensionBytes: number
  /** wall time of the last full (non-cached) `make layer` build */
  buildMs: number | null
  config: unknown
  /** the Node binary the SEA was built from, after strip (or as shipped with STRIP=0) */
  nodeBaseBytes: number | null
  /** the Node flags baked into the SEA */
  seaExecArgv: string[] | null
  strip: boolean | null
}

interface Manifest {
  arch: string
  nodeVersion: string
  layerDir: string
  zip: { bytes: number }
  bytes: { unzipped: number; extension: number; nodeOriginal: number; nodeStripped: number }
  timingsMs: { total?: number }
  config: { sea?: { execArgv?: string[] }; strip?: boolean }
}

function treeBytes(dir: string): number {
  let n = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) n += treeBytes(p)
    else if (e.isFile()) n += fs.statSync(p).size
  }
  return n
}

export function layerInfo(layerDir: string): LayerInfo {
  const dir = path.resolve(layerDir)
  const parent = path.dirname(dir)
  for (const name of fs.existsSync(parent) ? fs.readdirSync(parent).sort() : []) {
    if (!/^wait-for-init-.*\.build\.json$/.test(name)) continue
    try {
      const m = JSON.parse(fs.readFileSync(path.join(parent, name), 'utf8')) as Manifest
      if (path.resolve(m.layerDir) !== dir) continue
      return {
        manifest: path.join(parent, name), arch: m.arch, nodeVersion: m.nodeVersion, zipBytes: m.zip.bytes,
        unzippedBytes: m.bytes.unzipped, extensionBytes: m.bytes.extension, buildMs: m.timingsMs.total ?? null, config: m.config,
        nodeBaseBytes: m.config.strip === false ? m.bytes.nodeOriginal : m.bytes.nodeStripped,
        seaExecArgv: m.config.sea?.execArgv ?? null, strip: m.config.strip ?? null,
      }
    } catch {
      /* not a manifest of this layer */
    }
  }
  const ext = path.join(dir, 'extensions', 'wait-for-init')
  return {
    manifest: null, arch: null, nodeVersion: null, zipBytes: null, unzippedBytes: treeBytes(dir),
    extensionBytes: fs.existsSync(ext) ? fs.statSync(ext).size : 0, buildMs: null, config: null,
    nodeBaseBytes: null, seaExecArgv: null, strip: null,
  }
}
