// Puts a binary's page cache in a known, clean state before RSS is measured (docs/performance.md): a file
// that was just written has dirty page-cache pages, and a process mapping it then shows 10–15 MB
// more file-backed RSS than Lambda, which reads layers from a read-only image. fsync writes the
// dirty pages back; `dd iflag=nocache count=0` (posix_fadvise DONTNEED) drops the clean ones.
// Pages still mapped by some running process cannot be dropped: the bench measures its own copy.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'

/** Bytes of the file in the page cache (util-linux fincore), or null when fincore is missing. */
export function residentBytes(file: string): number | null {
  const r = spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', file], { encoding: 'utf8', timeout: 10_000 })
  if (r.status !== 0) return null
  const n = Number(r.stdout.trim())
  return Number.isFinite(n) ? n : null
}

export interface DropResult {
  file: string
  residentBefore: number | null
  residentAfter: number | null
}

export function syncAndDropCache(file: string): DropResult {
  const residentBefore = residentBytes(file)
  const fd = fs.openSync(file, 'r')
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  const r = spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0'], { encoding: 'utf8', timeout: 10_000 })
  if (r.status !== 0) throw new Error(`dd iflag=nocache on ${file} failed: ${(r.stderr || r.error?.message || '').trim()}`)
  return { file, residentBefore, residentAfter: residentBytes(file) }
}
