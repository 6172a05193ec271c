// fast-check generators for what a function may pass as a failure reason: any Unicode code
// point, lone surrogate halves, control characters, line breaks, bidi controls, any length.
import fc from 'fast-check'

/** One UTF-16 surrogate half on its own (what a badly cut JS string holds). */
const surrogateHalf = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c))
/** C0, DEL and C1 controls. */
const control = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })).map((c) => String.fromCharCode(c))
/** Line breaks, separators, bidi overrides and marks, odd spaces. */
const tricky = fc.constantFrom('\n', '\r\n', '\r', '\u2028', '\u2029', '\u0085', '\u202E', '\u2066', '\u200F', '\u061C', '\t', ' ', '\u00A0', '\u3000', '\uFEFF')
/** Letters of scripts that take 2, 3 and 4 UTF-8 bytes, right-to-left ones included. */
const script = fc.constantFrom('é', 'ß', 'ж', 'ע', 'ب', 'ह', '中', 'ア', '한', '😀', '👩‍💻', '𝔘', '\u0301')

/** One unit of a hostile reason: any code point, weighted towards the troublesome ones. */
export const reasonUnit: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 4 },
  { arbitrary: script, weight: 3 },
  { arbitrary: tricky, weight: 2 },
  { arbitrary: control, weight: 1 },
  { arbitrary: surrogateHalf, weight: 1 },
)

/** Reasons of any length up to a few thousand units, a good share of them longer than the limit. */
export const hostileReason: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: reasonUnit, maxLength: 64 }),
  fc.string({ unit: reasonUnit, minLength: 300, maxLength: 3000 }),
  fc.tuple(fc.constantFrom('é', '中', '😀', 'x'), fc.integer({ min: 250, max: 2000 }), fc.string({ unit: reasonUnit, maxLength: 20 }))
    .map(([ch, n, tail]) => `base de données injoignable: ${ch.repeat(n)}${tail}`),
  fc.array(fc.string({ unit: reasonUnit, maxLength: 80 }), { maxLength: 40 }).map((lines) => lines.join('\n')),
)

/** Whitespace a client may put around a keyword (trim() removes it all). */
export const padding: fc.Arbitrary<string> = fc.string({ unit: fc.constantFrom(' ', '\t', '\r', '\u00A0', '\u3000'), maxLength: 4 })

/** `word` in a random mix of upper and lower case. */
export function anyCase(word: string): fc.Arbitrary<string> {
  return fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length })
    .map((upper) => [...word].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''))
}
