// Minimal ZIP reader/writer on node:zlib, so layer zips work without unzip/zip on the machine.
// Handles stored and deflated entries, Unix modes (executable bits!) and symlinks; no ZIP64.
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'

const S_IFMT = 0o170000
const S_IFLNK = 0o120000
const S_IFDIR = 0o040000

export interface ZipEntryInfo {
  name: string
  mode: number
  isDir: boolean
  isSymlink: boolean
  data: Buffer
}

export function readZip(file: string): ZipEntryInfo[] {
  const buf = fs.readFileSync(file)
  let eocd = -1
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break }
  }
  if (eocd < 0) throw new Error(`layer zip ${file}: not a zip file (no end-of-central-directory record)`)
  const count = buf.readUInt16LE(eocd + 10)
  let p = buf.readUInt32LE(eocd + 16)
  if (p === 0xffffffff || count === 0xffff) throw new Error(`layer zip ${file}: ZIP64 archives are not supported`)
  const entries: ZipEntryInfo[] = []
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`layer zip ${file}: corrupt central directory`)
    const madeBy = buf.readUInt16LE(p + 4) >> 8
    const method = buf.readUInt16LE(p + 10)
    const csize = buf.readUInt32LE(p + 20)
    const nameLen = buf.readUInt16LE(p + 28)
    const extraLen = buf.readUInt16LE(p + 30)
    const commentLen = buf.readUInt16LE(p + 32)
    const external = buf.readUInt32LE(p + 38)
    const local = buf.readUInt32LE(p + 42)
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen)
    p += 46 + nameLen + extraLen + commentLen
    const lNameLen = buf.readUInt16LE(local + 26)
    const lExtraLen = buf.readUInt16LE(local + 28)
    const start = local + 30 + lNameLen + lExtraLen
    const raw = buf.subarray(start, start + csize)
    let data: Buffer
    if (method === 0) data = Buffer.from(raw)
    else if (method === 8) data = zlib.inflateRawSync(raw)
    else throw new Error(`layer zip ${file}: entry ${name} uses unsupported compression method ${method}`)
    const unixMode = madeBy === 3 ? external >>> 16 : 0
    const isDir = name.endsWith('/') || (unixMode & S_IFMT) === S_IFDIR
    const isSymlink = (unixMode & S_IFMT) === S_IFLNK
    const mode = unixMode & 0o7777 || (isDir ? 0o755 : 0o644)
    entries.push({ name, mode, isDir, isSymlink, data })
  }
  return entries
}

/** Extracts into dest (existing files are replaced: a later layer wins). */
export function extractZip(file: string, dest: string): void {
  const root = path.resolve(dest)
  for (const e of readZip(file)) {
    const target = path.resolve(root, e.name)
    if (target !== root && !target.startsWith(root + path.sep)) {
      throw new Error(`layer zip ${file}: entry ${JSON.stringify(e.name)} escapes the layer root`)
    }
    if (e.isDir) { fs.mkdirSync(target, { recursive: true, mode: e.mode }); continue }
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.rmSync(target, { force: true, recursive: true })
    if (e.isSymlink) fs.symlinkSync(e.data.toString('utf8'), target)
    else { fs.writeFileSync(target, e.data); fs.chmodSync(target, e.mode) }
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

function crc32(data: Buffer): number {
  let c = 0xffffffff
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

const DOS_DATE_1980_01_01 = (1 << 5) | 1

/** Zips a directory tree (deflate, Unix modes and symlinks kept). Used by tests. */
export function createZip(srcDir: string, zipFile: string): void {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(srcDir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name
      const full = path.join(srcDir, r)
      const st = fs.lstatSync(full)
      const isDir = st.isDirectory()
      const entryName = isDir ? `${r}/` : r
      const content = isDir ? Buffer.alloc(0) : st.isSymbolicLink() ? Buffer.from(fs.readlinkSync(full)) : fs.readFileSync(full)
      const deflated = zlib.deflateRawSync(content)
      const method = content.length > 0 ? 8 : 0
      const stored = method === 8 ? deflated : content
      const nameBuf = Buffer.from(entryName)
      const crc = crc32(content)
      const local = Buffer.alloc(30)
      local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0x0800, 6)
      local.writeUInt16LE(method, 8); local.writeUInt16LE(DOS_DATE_1980_01_01, 12); local.writeUInt32LE(crc, 14)
      local.writeUInt32LE(stored.length, 18); local.writeUInt32LE(content.length, 22)
      local.writeUInt16LE(nameBuf.length, 26)
      const central = Buffer.alloc(46)
      central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE((3 << 8) | 20, 4); central.writeUInt16LE(20, 6)
      central.writeUInt16LE(0x0800, 8); central.writeUInt16LE(method, 10); central.writeUInt16LE(DOS_DATE_1980_01_01, 14)
      central.writeUInt32LE(crc, 16)
      central.writeUInt32LE(stored.length, 20); central.writeUInt32LE(content.length, 24)
      central.writeUInt16LE(nameBuf.length, 28)
      central.writeUInt32LE(((st.mode & 0xffff) << 16) >>> 0, 38); central.writeUInt32LE(offset, 42)
      locals.push(local, nameBuf, stored)
      centrals.push(central, nameBuf)
      offset += local.length + nameBuf.length + stored.length
      if (isDir) walk(r)
    }
  }
  walk('')
  const cd = Buffer.concat(centrals)
  const eocd = Buffer.alloc(22)
  eocd.writeUInt32LE(0x06054b50, 0)
  eocd.writeUInt16LE(centrals.length / 2, 8); eocd.writeUInt16LE(centrals.length / 2, 10)
  eocd.writeUInt32LE(cd.length, 12); eocd.writeUInt32LE(offset, 16)
  fs.writeFileSync(zipFile, Buffer.concat([...locals, cd, eocd]))
}
