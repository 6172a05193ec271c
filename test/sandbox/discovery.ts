// External-extension discovery (docs/lambda-lifecycle.md §2.2) and the launch checks Go's exec would fail on.
import fs from 'node:fs'
import path from 'node:path'

export interface DiscoveredExtension {
  name: string
  /** host path of /opt/extensions/NAME */
  hostPath: string
}

/** Every top-level non-directory entry, byte-wise sorted; a missing folder means none (§2.2 1–3). */
export function discoverExtensions(optHostDir: string): DiscoveredExtension[] {
  const dir = path.join(optHostDir, 'extensions')
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true })
  } catch {
    return []
  }
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((name) => ({ name, hostPath: path.join(dir, name) }))
}

export interface LaunchProblem {
  /** RIE's agent error type: PermissionDenied or UnknownError */
  errorType: 'PermissionDenied' | 'UnknownError'
  message: string
}

/**
 * Checks what execve(2) would reject. Needed because libuv and nsenter (execvp) run a file with
 * no recognised header through /bin/sh instead of failing with ENOEXEC, which would turn an empty
 * `.gitkeep` into a process that exits 0 instead of the Extension.LaunchError Lambda reports.
 * `toHost` maps an interpreter path as seen in the sandbox to the host; `masked` holds host real
 * paths hidden from extensions (node).
 */
export function checkExecutable(hostPath: string, toHost: (p: string) => string, masked: Set<string>): LaunchProblem | null {
  let st: fs.Stats
  try {
    st = fs.statSync(hostPath)
  } catch (e) {
    return { errorType: 'UnknownError', message: `${(e as NodeJS.ErrnoException).code}: cannot stat (dangling symlink?)` }
  }
  if (st.isDirectory()) return { errorType: 'PermissionDenied', message: 'EACCES: is a directory' }
  if (!st.isFile()) return { errorType: 'UnknownError', message: 'not a regular file' }
  if ((st.mode & 0o111) === 0) return { errorType: 'PermissionDenied', message: 'EACCES: permission denied (no execute bit)' }
  const head = Buffer.alloc(256)
  let n = 0
  try {
    const fd = fs.openSync(hostPath, 'r')
    try { n = fs.readSync(fd, head, 0, head.length, 0) } finally { fs.closeSync(fd) }
  } catch (e) {
    return { errorType: 'PermissionDenied', message: `${(e as NodeJS.ErrnoException).code}: cannot read` }
  }
  if (n >= 4 && head.readUInt32BE(0) === 0x7f454c46) return null
  if (n >= 2 && head[0] === 0x23 && head[1] === 0x21) {
    const line = head.subarray(2, n).toString('latin1').split('\n')[0].trim()
    const interp = line.split(/[ \t]+/)[0]
    if (!interp) return { errorType: 'UnknownError', message: 'ENOEXEC: empty #! line' }
    const host = toHost(interp)
    try {
      const ist = fs.statSync(host)
      if (masked.has(fs.realpathSync(host))) return { errorType: 'PermissionDenied', message: `EACCES: interpreter ${interp} is masked in the sandbox` }
      if (!ist.isFile() || (ist.mode & 0o111) === 0) return { errorType: 'PermissionDenied', message: `EACCES: interpreter ${interp} is not executable` }
    } catch {
      return { errorType: 'UnknownError', message: `ENOENT: interpreter ${interp} not found` }
    }
    return null
  }
  return { errorType: 'UnknownError', message: n === 0 ? 'ENOEXEC: exec format error (empty file)' : 'ENOEXEC: exec format error' }
}
