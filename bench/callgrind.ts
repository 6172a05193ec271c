// Instruction counts of one extension run under valgrind's callgrind (bench/ab.ts --callgrind).
// Instructions, unlike milliseconds, hardly move with the machine's load, so two builds can be
// compared on a busy machine (docs/performance.md, "Instructions"). The run is cut in two where
// the register request's bytes leave the process: `--dump-before=uv_try_write` (libuv's write,
// which Node exports, so the stripped SEA has the symbol) writes one dump of everything before
// the first write, the rest comes in later dumps. No earlier write happens on that path: the
// extension logs nothing before register unless something is wrong.
import fs from 'node:fs'
import path from 'node:path'

export const CALLGRIND_ARGS = ['--tool=callgrind', '--dump-before=uv_try_write', '--smc-check=all-non-file'] as const

/** The `summary:`/`totals:` count of one callgrind output file, or null. */
export function instructionsIn(text: string): number | null {
  const m = /^(?:summary|totals):\s+(\d+)/m.exec(text)
  return m ? Number(m[1]) : null
}

/**
 * Instructions before the first write (the first dump, `<out>.1`) and in all, from the files
 * callgrind wrote for `out` (`out.1`, `out.2`, …, then `out` itself at exit). Removes them.
 */
export function readDumps(out: string): { beforeFirstWrite: number; total: number } {
  const dir = path.dirname(out)
  const base = path.basename(out)
  const files = fs.readdirSync(dir).filter((f) => f === base || f.startsWith(`${base}.`))
  let total = 0
  let before: number | null = null
  for (const f of files) {
    const n = instructionsIn(fs.readFileSync(path.join(dir, f), 'utf8')) ?? 0
    total += n
    if (f === `${base}.1`) before = n
    fs.rmSync(path.join(dir, f), { force: true })
  }
  if (files.length === 0) throw new Error(`callgrind wrote no output at ${out}`)
  if (before === null) throw new Error(`callgrind never reached uv_try_write (no ${base}.1): the process wrote nothing`)
  return { beforeFirstWrite: before, total }
}
