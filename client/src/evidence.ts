// Remembers, per socket path, whether this process has seen the extension's socket. That is
// what tells `too-late` from `no-extension` when the path is missing: the extension removes
// its socket after releasing Init, so "seen before, gone now" means it has already released.
import { lstatSync } from 'fs'

const seenPaths = new Set<string>()
const acceptedPaths = new Set<string>()

/** The extension confirmed a signal at this path: a later "gone" is the normal aftermath. */
export function markAccepted(socketPath: string): void {
  seenPaths.add(socketPath)
  acceptedPaths.add(socketPath)
}

export function wasAccepted(socketPath: string): boolean {
  return acceptedPaths.has(socketPath)
}

export function markSeen(socketPath: string): void {
  seenPaths.add(socketPath)
}

export function wasSeen(socketPath: string): boolean {
  return seenPaths.has(socketPath)
}

/** Synchronous and cheap (one lstat); records the socket if it is there right now. */
export function probe(socketPath: string): boolean {
  try {
    if (lstatSync(socketPath).isSocket()) {
      seenPaths.add(socketPath)
      return true
    }
  } catch {
    // Missing or unreadable: no evidence either way.
  }
  return false
}

/** For tests: forget everything seen so far. */
export function resetEvidence(): void {
  seenPaths.clear()
  acceptedPaths.clear()
}
