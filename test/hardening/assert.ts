// t.match(list, [pattern]) passes when the list has MORE elements than the patterns (tcompare
// matches a prefix), so "exactly one outcome line, a timeout" needs the length checked too.
import type { Test } from 'tap'

/** Asserts `actual` has exactly as many elements as `patterns` and each matches its pattern. */
export function matchList(t: Test, actual: readonly unknown[], patterns: readonly unknown[], message?: string): void {
  t.equal(actual.length, patterns.length, `${message ?? 'list'}: exactly ${patterns.length} element(s) in ${JSON.stringify(actual).slice(0, 400)}`)
  t.match(actual, patterns, message ?? 'each element matches its pattern')
}

/** What `fn` throws (undefined when it returns): for asserting on an error's type and message. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}
