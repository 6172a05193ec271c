// Reads CHANGELOG.md (Keep a Changelog: one `## [VERSION] - YYYY-MM-DD` section per release), so a
// release can refuse a version the changelog does not describe, and its notes come from there.
import fs from 'node:fs'
import { BuildError } from '../errors'

export interface ChangelogEntry {
  version: string
  /** The date on the heading, when it has one. */
  date?: string
  /** The section's text below the heading, trimmed. */
  body: string
}

const HEADING = /^## \[([^\]]+)\](?:\s+-\s+(\d{4}-\d{2}-\d{2}))?\s*$/

/** Every `## [x]` section of a changelog, in file order. */
export function parseChangelog(text: string): ChangelogEntry[] {
  const entries: ChangelogEntry[] = []
  let current: { version: string; date?: string; lines: string[] } | undefined
  const close = () => {
    if (current) entries.push({ version: current.version, date: current.date, body: current.lines.join('\n').trim() })
  }
  for (const line of text.split(/\r?\n/)) {
    const m = HEADING.exec(line)
    if (m) {
      close()
      current = { version: m[1], date: m[2], lines: [] }
    } else if (/^## /.test(line)) {
      close()
      current = undefined
    } else if (current) {
      current.lines.push(line)
    }
  }
  close()
  return entries
}

/**
 * The changelog's entry for `version`, or a BuildError saying what to add: the entry must exist,
 * carry a date and say something.
 */
export function changelogEntry(file: string, version: string): ChangelogEntry {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    throw new BuildError(`cannot read the changelog ${file}: ${(err as Error).message}`)
  }
  const howTo = `add a section "## [${version}] - YYYY-MM-DD" describing the release (docs/development.md, Releasing)`
  const entry = parseChangelog(text).find((e) => e.version === version)
  if (!entry) throw new BuildError(`${file} has no entry for version ${version} (package.json): ${howTo}`)
  if (!entry.date) throw new BuildError(`${file}: the entry for ${version} has no date: ${howTo}`)
  if (!entry.body) throw new BuildError(`${file}: the entry for ${version} is empty: ${howTo}`)
  return entry
}
