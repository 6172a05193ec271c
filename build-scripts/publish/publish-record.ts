// The record of what was published: dist/published.json (one entry per layer name × region ×
// architecture, merged across runs, so a resumed run completes it), dist/published.md (the same
// as a Markdown table for a release page), and the table printed at the end of a run.
import fs from 'node:fs'
import path from 'node:path'
import { BuildError } from '../errors'

export interface RecordEntry {
  layerName: string
  region: string
  architecture: string
  layerVersionArn: string
  version: number
  /** base64 SHA-256 Lambda reports; for an unsigned zip, the zip's own. */
  codeSha256: string
  /** base64 SHA-256 of the zip that was published (signed: the zip before signing). */
  zipSha256: string
  /** What the last run that checked this entry did. */
  status: 'new' | 'unchanged'
  createdDate?: string
  signingProfileVersionArn?: string
}

export interface PublishedRecord {
  layers: RecordEntry[]
}

const keyOf = (e: Pick<RecordEntry, 'layerName' | 'region' | 'architecture'>) => `${e.layerName}\u0000${e.region}\u0000${e.architecture}`

/** The record in `file`; an empty one when there is none. A file that is not a record is an error, before anything is published. */
export function readRecord(file: string): PublishedRecord {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { layers: [] }
    throw err
  }
  try {
    const parsed = JSON.parse(text) as PublishedRecord
    if (!Array.isArray(parsed?.layers)) throw new Error('no "layers" list')
    for (const e of parsed.layers) {
      if (typeof e?.layerName !== 'string' || typeof e.region !== 'string' || typeof e.architecture !== 'string' || typeof e.layerVersionArn !== 'string') {
        throw new Error(`an entry lacks layerName/region/architecture/layerVersionArn: ${JSON.stringify(e).slice(0, 200)}`)
      }
    }
    return parsed
  } catch (err) {
    throw new BuildError(`${path.relative(process.cwd(), file) || file} is not a publish record (${(err as Error).message}): fix it or move it away, then publish again`)
  }
}

/** `old` with `entries` added, each replacing the entry for the same layer name, region and architecture; sorted. */
export function mergeRecord(old: PublishedRecord, entries: readonly RecordEntry[]): PublishedRecord {
  const byKey = new Map(old.layers.map((e) => [keyOf(e), e]))
  for (const e of entries) byKey.set(keyOf(e), e)
  const layers = [...byKey.values()].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0))
  return { layers }
}

/** Written whole to a temporary file, then renamed: an interrupted run never leaves half a record. */
export function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, text)
  fs.renameSync(tmp, file)
}

export function recordJson(record: PublishedRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`
}

export function recordMarkdown(record: PublishedRecord): string {
  const rows = record.layers.map((e) => `| ${e.region} | ${e.architecture} | \`${e.layerVersionArn}\` | ${e.status} |`)
  return ['| region | architecture | layer version ARN | status |', '| --- | --- | --- | --- |', ...rows, ''].join('\n')
}

export interface TableRow {
  region: string
  architecture: string
  status: 'new' | 'unchanged' | 'FAILED'
  /** The ARN, or the error for a failed row. */
  detail: string
}

/** Plain-text columns for the terminal. */
export function renderTable(rows: readonly TableRow[]): string {
  const head: TableRow = { region: 'region', architecture: 'architecture', status: 'status' as TableRow['status'], detail: 'layer version ARN' }
  const all = [head, ...rows]
  const w = (f: keyof TableRow) => Math.max(...all.map((r) => r[f].length))
  const [wr, wa, ws] = [w('region'), w('architecture'), w('status')]
  return all.map((r) => `${r.region.padEnd(wr)}  ${r.architecture.padEnd(wa)}  ${r.status.padEnd(ws)}  ${r.detail}`.trimEnd()).join('\n')
}
