// Layer zips for the sandbox, on the project's own zip reader/writer (build-scripts/zip.ts, node:zlib
// only), so layer zips work without unzip/zip on the machine. Unix modes (executable bits!) and
// symlinks are kept; no ZIP64.
import fs from 'node:fs'
import path from 'node:path'
import { readZip, writeZip, ZipEntry, ZipInput } from '../../build-scripts/zip'

function readLayerZip(file: string): ZipEntry[] {
  try {
    return readZip(fs.readFileSync(file))
  } catch (err) {
    throw new Error(`layer zip ${file}: ${(err as Error).message}`)
  }
}

/** Extracts into dest (existing files are replaced: a later layer wins). */
export function extractZip(file: string, dest: string): void {
  const root = path.resolve(dest)
  for (const e of readLayerZip(file)) {
    const target = path.resolve(root, e.name)
    if (target !== root && !target.startsWith(root + path.sep)) {
      throw new Error(`layer zip ${file}: entry ${JSON.stringify(e.name)} escapes the layer root`)
    }
    if (e.isDirectory) { fs.mkdirSync(target, { recursive: true, mode: e.mode }); continue }
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.rmSync(target, { force: true, recursive: true })
    if (e.isSymlink) fs.symlinkSync(e.data.toString('utf8'), target)
    else { fs.writeFileSync(target, e.data); fs.chmodSync(target, e.mode) }
  }
}

/** Zips a directory tree (deflate, Unix modes and symlinks kept). Used by tests. */
export function createZip(srcDir: string, zipFile: string): void {
  const inputs: ZipInput[] = []
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(srcDir, rel))) {
      const r = rel ? `${rel}/${name}` : name
      const full = path.join(srcDir, r)
      const st = fs.lstatSync(full)
      if (st.isDirectory()) {
        inputs.push({ name: `${r}/`, mode: st.mode })
        walk(r)
      } else if (st.isSymbolicLink()) {
        inputs.push({ name: r, mode: st.mode, data: Buffer.from(fs.readlinkSync(full)), symlink: true })
      } else {
        inputs.push({ name: r, mode: st.mode, data: fs.readFileSync(full) })
      }
    }
  }
  walk('')
  fs.writeFileSync(zipFile, writeZip(inputs, 6))
}
