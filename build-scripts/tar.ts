// Reads one member out of a gzipped tar (npm tarballs are ustar, sometimes with pax headers),
// so fetching Node needs no `tar` binary and no temporary tree of 1 500 header files.
import zlib from 'node:zlib'
import { BuildError } from './errors'

const BLOCK = 512

function field(block: Buffer, start: number, len: number): string {
  const raw = block.subarray(start, start + len)
  const nul = raw.indexOf(0)
  return raw.toString('utf8', 0, nul < 0 ? len : nul)
}

function octal(block: Buffer, start: number, len: number): number {
  const s = field(block, start, len).trim()
  const n = s === '' ? 0 : parseInt(s, 8)
  if (!Number.isSafeInteger(n)) throw new BuildError(`corrupt tar header (size ${JSON.stringify(s)})`)
  return n
}

/** Returns the content of `memberPath` inside the .tgz buffer, or throws naming what is missing. */
export function extractTgzMember(tgz: Buffer, memberPath: string, what = 'tarball'): Buffer {
  let tar: Buffer
  try {
    tar = zlib.gunzipSync(tgz)
  } catch (err) {
    throw new BuildError(`${what} is not a valid gzip file: ${(err as Error).message}`)
  }
  let at = 0
  let paxPath: string | undefined
  while (at + BLOCK <= tar.length) {
    const header = tar.subarray(at, at + BLOCK)
    if (header.every((b) => b === 0)) break
    const size = octal(header, 124, 12)
    const type = String.fromCharCode(header[156] || 0x30)
    const prefix = field(header, 345, 155)
    const name = paxPath ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100))
    const body = tar.subarray(at + BLOCK, at + BLOCK + size)
    if (body.length < size) throw new BuildError(`${what} is truncated inside ${name}`)
    paxPath = undefined
    if (type === 'x') {
      // pax extended header: records "LEN key=value\n"; only `path` matters here.
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))
      paxPath = m?.[1]
    } else if ((type === '0' || type === '\0') && name === memberPath) {
      return Buffer.from(body)
    }
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK
  }
  throw new BuildError(`${what} has no ${memberPath}`)
}
