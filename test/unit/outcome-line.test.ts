// The outcome line: one per Init, made from the InitOutcome record alone, in a grammar that the
// CloudWatch Logs Insights queries of README.md and docs/gates-and-metrics.md parse. The queries'
// `filter … like` and `parse` clauses are read from the docs and run here on real lines, so a
// change of either side that breaks a documented query fails this test.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { outcomeFields, outcomeLine } from '../../extension-src/outcome-line'
import { createLogger } from '../../extension-src/logger'
import type { InitOutcome } from '../../extension-src/init-outcome'

const ROOT = path.resolve(__dirname, '..', '..')
const base = { pendingGates: [], skippedGates: [], initType: 'on-demand' }

/** One record of every kind the lifecycle makes, with the line each must give. */
const CASES: { record: InitOutcome; level: string; message: string }[] = [
  { record: { ...base, outcome: 'ready', by: 'ready', heldMs: 2043 }, level: 'info', message: 'init outcome=ready by=ready held=2043ms' },
  { record: { ...base, outcome: 'ready', by: 'gate:cache', heldMs: 906 }, level: 'info', message: 'init outcome=ready by=gate:cache held=906ms' },
  {
    record: { ...base, outcome: 'ready', by: 'ready', heldMs: 612, skippedGates: ['db', 'secrets'] },
    level: 'warn',
    message: 'init outcome=ready by=ready held=612ms skipped=db,secrets: a bare "ready" released Init before gate(s) db,secrets',
  },
  {
    record: { ...base, outcome: 'ready', by: 'gate:tracer', heldMs: 388, gateTakenAsBare: true },
    level: 'info',
    message: 'init outcome=ready by=gate:tracer held=388ms: taken as a bare ready because WAIT_FOR_INIT_GATES is not set',
  },
  { record: { ...base, outcome: 'timeout', by: 'timeout', heldMs: 5001 }, level: 'warn', message: 'init outcome=timeout by=timeout held=5001ms: no signal from the function within 5000 ms' },
  {
    record: { ...base, outcome: 'timeout', by: 'timeout', heldMs: 5001, pendingGates: ['cache', 'db'] },
    level: 'warn',
    message: 'init outcome=timeout by=timeout held=5001ms pending=cache,db: gate(s) cache,db not ready within 5000 ms',
  },
  {
    record: { ...base, outcome: 'failed', by: 'error', heldMs: 812, reason: 'db: unreachable\u202e (pool=3)' },
    level: 'error',
    message: 'init outcome=failed by=error held=812ms: the function reported: db: unreachable? (pool=3)',
  },
  { record: { ...base, outcome: 'no-hold', by: 'none', heldMs: 0, noHoldReason: 'WARMING_TIMEOUT not set' }, level: 'info', message: 'init outcome=no-hold by=none held=0ms: WARMING_TIMEOUT not set' },
]

/** What the extension writes for a record in the Text format. */
function textLine(record: InitOutcome): string {
  const lines: string[] = []
  const log = createLogger({ name: 'wait-for-init', format: 'text', minLevel: 'DEBUG', write: (l) => { lines.push(l) } })
  const line = outcomeLine(record, 5000)
  log[line.level](line.message, line.fields)
  return lines[0]
}

t.test('every kind of release gives its one line, level and fields, from the record alone', async (t) => {
  for (const c of CASES) {
    const line = outcomeLine(c.record, 5000)
    t.equal(line.message, c.message)
    t.equal(line.level, c.level, `${c.message}: ${c.level}`)
    t.same(line.fields, outcomeFields(c.record))
    t.equal(line.fields.releasedBy, c.record.by)
    t.equal(line.fields.heldMs, c.record.heldMs)
    t.same(line.fields.pendingGates ?? [], c.record.pendingGates)
    t.same(line.fields.skippedGates ?? [], c.record.skippedGates)
  }
})

/** The Logs Insights queries of a doc: `filter @message like /…/` and `parse @message …` clauses, per fenced block. */
function documentedQueries(file: string): { filter?: RegExp; parse: { pattern: RegExp; names: string[] } }[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8')
  const blocks = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => /parse @message/.test(b))
  return blocks.map((block) => {
    const oneLine = block.replace(/\n/g, ' ')
    const filter = /filter @message like \/(.+?)\/ /.exec(oneLine)?.[1]
    const glob = /parse @message "(.+?)" as ([\w, ]+?)\s*(\||$)/.exec(oneLine)
    const regex = /parse @message \/(.+?)\/\s*(\||$)/.exec(oneLine)
    if (glob) {
      // A glob: `*` captures as little as it can, everything else is literal.
      const pattern = new RegExp(glob[1].split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('(.*?)'))
      return { filter: filter ? new RegExp(filter) : undefined, parse: { pattern, names: glob[2].split(',').map((n) => n.trim()) } }
    }
    if (!regex) throw new Error(`${file}: cannot read the parse clause of ${JSON.stringify(block)}`)
    const pattern = new RegExp(regex[1])
    return { filter: filter ? new RegExp(filter) : undefined, parse: { pattern, names: [...regex[1].matchAll(/\(\?<(\w+)>/g)].map((m) => m[1]) } }
  })
}

function run(query: ReturnType<typeof documentedQueries>[number], line: string): Record<string, string> | null {
  if (query.filter && !query.filter.test(line)) return null
  const m = query.parse.pattern.exec(line)
  if (!m) return {}
  return Object.fromEntries(query.parse.names.map((name, i) => [name, m.groups?.[name] ?? m[i + 1]]))
}

t.test('the documented Logs Insights queries parse the outcome lines', async (t) => {
  const queries = [...documentedQueries('README.md'), ...documentedQueries('docs/gates-and-metrics.md')]
  const byNames = (names: string[]) => queries.filter((q) => names.every((n) => q.parse.names.includes(n)))
  const lines = CASES.map((c) => textLine(c.record))

  const main = byNames(['outcome', 'releasedBy', 'held'])
  t.equal(main.length, 1, 'one query for outcome, releasedBy and held')
  for (const [i, c] of CASES.entries()) {
    t.same(run(main[0], lines[i]), { outcome: c.record.outcome, releasedBy: c.record.by, held: String(c.record.heldMs) }, lines[i])
  }

  const pending = byNames(['pending'])
  t.ok(pending.length >= 2, 'the pending-gates query, in README and in the docs')
  for (const q of pending) {
    t.same(run(q, lines[5]), { pending: 'cache,db' }, 'a timeout with pending gates')
    t.same(run(q, lines[4]), {}, 'a timeout without gates: passes the filter, parses nothing')
    t.equal(run(q, lines[0]), null, 'a ready line does not pass the filter')
  }

  const skipped = byNames(['skipped'])
  t.ok(skipped.length >= 2, 'the skipped-gates query, in README and in the docs')
  for (const q of skipped) {
    t.same(run(q, lines[2]), { skipped: 'db,secrets' })
    for (const i of [0, 1, 3, 4, 5, 6, 7]) t.equal(run(q, lines[i]), null, `${lines[i]}: not a skip`)
  }
})

const GRAMMAR = /^\[wait-for-init\] (INFO|WARN|ERROR) init outcome=(ready|timeout|failed|no-hold) by=(ready|gate:[A-Za-z0-9_.-]{1,64}|timeout|error|none) held=\d+ms( pending=[A-Za-z0-9_.,-]+)?( skipped=[A-Za-z0-9_.,-]+)?(: .+)?$/

t.test('every outcome line shown in the docs is one the grammar allows', async (t) => {
  const files = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)]
  let seen = 0
  for (const file of files) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8')
    for (const block of text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)) {
      for (const line of block[1].split('\n').filter((l) => l.startsWith('[wait-for-init]') && l.includes('init outcome='))) {
        seen++
        t.match(line, GRAMMAR, `${file}: ${line}`)
      }
    }
  }
  t.ok(seen >= 10, `${seen} example lines checked`)
  for (const c of CASES) t.match(textLine(c.record), GRAMMAR, 'and every line the extension writes')
})
