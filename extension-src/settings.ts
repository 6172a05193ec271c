// Every setting wait-for-init reads, as one list made from the constants where each is defined
// (the protocol module for those the clients read too, the extension's modules for the rest),
// and the report of WAIT_FOR_INIT_* variables that are none of them: a misspelled gates
// setting would otherwise turn the first `ready db` into a full release, silently.
// test/unit/settings.test.ts checks that every WAIT_FOR_INIT_* name in the sources is listed.

import { CLIENT_SETTINGS } from '../protocol/signal-protocol'
import { GATES_VARIABLE } from './gates'
import { METRICS_VARIABLE, NAMESPACE_VARIABLE } from './metrics'
import { DEBUG_MODULES_VARIABLE } from './debug-modules'

export const SETTINGS_PREFIX = 'WAIT_FOR_INIT_'

/** Every variable the extension or a client reads. */
export const KNOWN_SETTINGS: readonly string[] = [...CLIENT_SETTINGS, GATES_VARIABLE, METRICS_VARIABLE, NAMESPACE_VARIABLE, DEBUG_MODULES_VARIABLE]

export interface UnknownSetting {
  variable: string
  /** The known setting it is probably a misspelling of, when one is near. */
  suggestion?: string
}

/** WAIT_FOR_INIT_* variables (prefix in any case) that are not known settings, in environment order. */
export function findUnknownSettings(env: Record<string, string | undefined>, known: readonly string[] = KNOWN_SETTINGS): UnknownSetting[] {
  const unknown: UnknownSetting[] = []
  for (const variable of Object.keys(env)) {
    if (!variable.toUpperCase().startsWith(SETTINGS_PREFIX) || known.includes(variable)) continue
    const suggestion = closest(variable, known)
    unknown.push(suggestion === undefined ? { variable } : { variable, suggestion })
  }
  return unknown
}

export function unknownSettingMessage(u: UnknownSetting): string {
  return `${u.variable} is not a wait-for-init setting; ignored${u.suggestion ? ` (did you mean ${u.suggestion}?)` : ''}`
}

/** The known name nearest to `name`, if near enough to be a typo. Compared case-insensitively
 *  and without the shared prefix (which would make every name look near): at most a third of
 *  the rest in edits, and at least 2 allowed. Failing that, the one known name whose last words
 *  are the rest (the prefix + TIMEOUT: WARMING_TIMEOUT, a setting outside the prefix that people
 *  put under it). */
function closest(name: string, known: readonly string[]): string | undefined {
  const key = (n: string) => {
    const upper = n.toUpperCase()
    return upper.startsWith(SETTINGS_PREFIX) ? upper.slice(SETTINGS_PREFIX.length) : upper
  }
  const wanted = key(name)
  const endingWith = known.filter((candidate) => key(candidate).endsWith(`_${wanted}`))
  let best: { name: string; distance: number } | undefined
  for (const candidate of known) {
    const distance = editDistance(wanted, key(candidate))
    if (!best || distance < best.distance) best = { name: candidate, distance }
  }
  const allowed = Math.max(2, Math.floor(wanted.length / 3))
  if (best && best.distance <= allowed) return best.name
  return endingWith.length === 1 ? endingWith[0] : undefined
}

/**
 * Levenshtein distance (insertions, deletions, substitutions), two rows of dynamic programming.
 * Home-made on purpose: every runtime dependency is bundled into the extension binary, and a
 * dozen lines over names of ~30 characters do not justify one (fastest-levenshtein, the usual
 * choice, computes the same number).
 */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}
