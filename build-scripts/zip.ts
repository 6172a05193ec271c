// A reproducible zip writer (and a reader for checks), using only node:zlib.
// Reproducible = the same entries give the same bytes: entries sorted by name, one fixed
// timestamp (1980-01-01 00:00, the DOS epoch), no extra fields (no uid/gid, no atime/mtime), and
// Unix modes recorded in the external attributes, which Lambda honours when it unpacks a layer
// into /opt (an extension must be executable, docs/lambda-lifecycle.md §2.2). Caveat: deflate output is stable for
// one zlib build; a host Node with a different zlib may compress differently.
import zlib from 'node:zlib'
import { BuildError } from './errors'

export interface ZipInput {
  /** Path inside the zip, '/'-separated; a trailing '/' marks a directory. */
  name: string
  /** Unix permission bits (e.g. 0o755). */
  mode: number
  /** File content, or for a symbolic link its target. */
  data?: Buffer
  symlink?: boolean
}

export interface ZipEntry {
  name: string
  mode: number
  isDirectory: boolean
  isSymlink: boolean
  method: number
  crc32: number
  compressedSize: number
  size: number
  data: Buffer
}

const DOS_TIME = 0
const DOS_DATE = (0 << 9) | (1 << 5) | 1 // 1980-01-01
const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000
const S_IFMT = 0o170000
const MADE_BY_UNIX = (3 << 8) | 20
const MAX32 = 0xffffffff

let crcTable: Uint32Array | undefined
/** CRC-32 (zip/gzip polynomial); zlib.crc32 when this Node has it (>= 20.15), else a table. */
export function crc32(data: Buffer): number {
  const native = (zlib as unknown as { crc32?: (d: Buffer) => number }).crc32
  if (native) return native(data) >>> 0
  if (!crcTable) {
    crcTable = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      crcTable[n] = c >>> 0
    }
  }
  let c = 0xffffffff
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function checkName(name: string): void {
  if (name === '' || name.startsWith('/') || name.split('/').some((p) => p === '..') || name.includes('\\')) {
    throw new BuildError(`invalid zip entry name ${JSON.stringify(name)}`)
  }
}

export function writeZip(inputs: readonly ZipInput[], level: number): Buffer {
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new BuildError(`zip compression level must be 0-9, got ${level}`)
  const entries = [...inputs].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
  const chunks: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  const seen = new Set<string>()
  for (const e of entries) {
    checkName(e.name)
    if (seen.has(e.name)) throw new BuildError(`duplicate zip entry ${e.name}`)
    seen.add(e.name)
    const isDir = e.name.endsWith('/')
    const raw = isDir ? Buffer.alloc(0) : (e.data ?? Buffer.alloc(0))
    let method = 0
    let body = raw
    if (!isDir && level > 0 && raw.length > 0) {
      const deflated = zlib.deflateRawSync(raw, { level, memLevel: 9 })
      if (deflated.length < raw.length) {
        method = 8
        body = deflated
      }
    }
    if (raw.length > MAX32 || body.length > MAX32 || offset > MAX32) throw new BuildError(`zip entry ${e.name} needs zip64, which this writer does not do`)
    const crc = crc32(raw)
    const name = Buffer.from(e.name, 'utf8')
    const utf8Flag = /[^\x20-\x7e]/.test(e.name) ? 0x0800 : 0
    const needed = method === 8 ? 20 : 10

    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(needed, 4)
    local.writeUInt16LE(utf8Flag, 6)
    local.writeUInt16LE(method, 8)
    local.writeUInt16LE(DOS_TIME, 10)
    local.writeUInt16LE(DOS_DATE, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(raw.length, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)
    chunks.push(local, name, body)

    const mode = (e.mode & 0o7777) | (isDir ? S_IFDIR : e.symlink ? S_IFLNK : S_IFREG)
    const cd = Buffer.alloc(46)
    cd.writeUInt32LE(0x02014b50, 0)
    cd.writeUInt16LE(MADE_BY_UNIX, 4)
    cd.writeUInt16LE(needed, 6)
    cd.writeUInt16LE(utf8Flag, 8)
    cd.writeUInt16LE(method, 10)
    cd.writeUInt16LE(DOS_TIME, 12)
    cd.writeUInt16LE(DOS_DATE, 14)
    cd.writeUInt32LE(crc, 16)
    cd.writeUInt32LE(body.length, 20)
    cd.writeUInt32LE(raw.length, 24)
    cd.writeUInt16LE(name.length, 28)
    // extra length, comment length, disk number start, internal attributes: all 0
    cd.writeUInt32LE(((mode << 16) | (isDir ? 0x10 : 0)) >>> 0, 38)
    cd.writeUInt32LE(offset, 42)
    central.push(cd, name)
    offset += local.length + name.length + body.length
  }
  if (entries.length > 0xffff) throw new BuildError('too many zip entries for a non-zip64 archive')
  const cdBytes = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(cdBytes.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...chunks, cdBytes, end])
}

/** Reads every entry (central directory + data, inflated and CRC-checked). For checks and tests. */
export function readZip(zip: Buffer): ZipEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  if (eocd < 0 || eocd + 22 > zip.length) throw new BuildError('not a zip file (no end of central directory)')
  const count = zip.readUInt16LE(eocd + 10)
  let at = zip.readUInt32LE(eocd + 16)
  if (at === MAX32 || count === 0xffff) throw new BuildError('ZIP64 archives are not supported')
  const out: ZipEntry[] = []
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new BuildError(`bad central directory entry ${i}`)
    const method = zip.readUInt16LE(at + 10)
    const crc = zip.readUInt32LE(at + 16)
    const compressedSize = zip.readUInt32LE(at + 20)
    const size = zip.readUInt32LE(at + 24)
    const nameLen = zip.readUInt16LE(at + 28)
    const extraLen = zip.readUInt16LE(at + 30)
    const commentLen = zip.readUInt16LE(at + 32)
    const ext = zip.readUInt32LE(at + 38)
    const localOffset = zip.readUInt32LE(at + 42)
    const name = zip.toString('utf8', at + 46, at + 46 + nameLen)
    const lNameLen = zip.readUInt16LE(localOffset + 26)
    const lExtraLen = zip.readUInt16LE(localOffset + 28)
    const start = localOffset + 30 + lNameLen + lExtraLen
    const body = zip.subarray(start, start + compressedSize)
    const data = method === 8 ? zlib.inflateRawSync(body) : method === 0 ? Buffer.from(body) : undefined
    if (!data) throw new BuildError(`${name}: unsupported compression method ${method}`)
    if (data.length !== size || crc32(data) !== crc) throw new BuildError(`${name}: size or CRC mismatch`)
    // Only zips made on Unix carry modes; others get the usual defaults.
    const unixMode = zip.readUInt16LE(at + 4) >> 8 === 3 ? ext >>> 16 : 0
    const isDirectory = name.endsWith('/') || (unixMode & S_IFMT) === S_IFDIR
    const mode = unixMode & 0o7777 || (isDirectory ? 0o755 : 0o644)
    out.push({ name, mode, isDirectory, isSymlink: (unixMode & S_IFMT) === S_IFLNK, method, crc32: crc, compressedSize, size, data })
    at += 46 + nameLen + extraLen + commentLen
  }
  return out
}
