// Shared helpers for the client tests: temporary directories and a log collector.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export function tempDir(t: { teardown: (fn: () => void) => void }, prefix = 'wfi-client-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function collectLog(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = []
  return { lines, log: (line: string) => { lines.push(line) } }
}

export function elapsedSince(start: number): number {
  return Date.now() - start
}

/** An environment in which the extension would hold (WARMING_TIMEOUT set, large). */
export function holdingEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { WARMING_TIMEOUT: '600000', ...extra }
}
