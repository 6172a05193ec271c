// A lock file so concurrent builds of the same output (parallel tap jobs each calling
// `make layer`) run one after the other instead of writing the same files at once.
// The file holds the owner's pid; a lock whose owner is gone is taken over.
import fs from 'node:fs'
import { BuildError } from './errors'

const POLL_MS = 250
const WAIT_LIMIT_MS = 20 * 60_000

function ownerAlive(file: string): boolean {
  let pid: number
  try {
    pid = Number(fs.readFileSync(file, 'utf8').trim())
  } catch {
    return true // being written right now: treat as held
  }
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export async function withLock<T>(file: string, log: (l: string) => void, fn: () => Promise<T>): Promise<T> {
  const start = Date.now()
  let told = false
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' })
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      if (!ownerAlive(file)) {
        fs.rmSync(file, { force: true })
        continue
      }
      if (!told) {
        log(`waiting for another build holding ${file}`)
        told = true
      }
      if (Date.now() - start > WAIT_LIMIT_MS) throw new BuildError(`gave up waiting for ${file} after ${WAIT_LIMIT_MS / 60_000} min (remove it if no build is running)`)
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
  }
  try {
    return await fn()
  } finally {
    fs.rmSync(file, { force: true })
  }
}
