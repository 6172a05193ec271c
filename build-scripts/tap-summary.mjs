// Reads tap output and prints the closing line CI looks for: "N passed, N failed[, N skipped]".
// tap ends a run with a comment like "# { total: 10, pass: 9, fail: 1, skip: 0 }".
import fs from 'node:fs'

const text = fs.readFileSync(process.argv[2], 'utf8')
const lines = [...text.matchAll(/^# \{ (total: .*) \}$/gm)]
if (lines.length === 0) {
  console.log('0 passed, 1 failed')
  console.error('tap-summary: no tap summary found in the output (did the test run start?)')
  process.exit(0)
}
const counts = Object.fromEntries(lines.at(-1)[1].split(', ').map((kv) => kv.split(': ')).map(([k, v]) => [k, Number(v)]))
const passed = counts.pass ?? 0
const failed = counts.fail ?? 0
const skipped = (counts.skip ?? 0) + (counts.todo ?? 0)
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
