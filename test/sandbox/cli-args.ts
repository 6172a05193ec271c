// Argument parsing for `npm run sandbox -- …` (interface fixed by issue #2).
import type { RunOptions } from './index'
import { MODES, type Mode } from './types'

export const USAGE = `usage: npm run sandbox -- --function DIR [--handler index.handler] [--layer ZIP_OR_DIR]...
       [--env K=V]... [--mode on-demand|provisioned|managed-instances|rie] [--idle MS] [--invokes N] [--payload JSON]
       [--init-timeout MS] [--json]`

export class UsageError extends Error {}

export interface CliArgs { run: RunOptions; json: boolean; help: boolean }

export function parseArgs(argv: string[]): CliArgs {
  const run: RunOptions = { functionDir: '', layers: [], env: {} }
  let json = false
  let help = false
  const int = (flag: string, v: string, min: number): number => {
    if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`${flag}: expected an integer >= ${min}, got ${JSON.stringify(v)}`)
    return Number(v)
  }
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i]
    let value: string | undefined
    const eq = flag.indexOf('=')
    if (flag.startsWith('--') && eq > 0) { value = flag.slice(eq + 1); flag = flag.slice(0, eq) }
    const need = (): string => {
      if (value !== undefined) return value
      const v = argv[++i]
      if (v === undefined) throw new UsageError(`${flag} needs a value`)
      return v
    }
    switch (flag) {
      case '--function': run.functionDir = need(); break
      case '--handler': run.handler = need(); break
      case '--layer': run.layers!.push(need()); break
      case '--env': {
        const kv = need()
        const k = kv.indexOf('=')
        if (k <= 0) throw new UsageError(`--env: expected K=V, got ${JSON.stringify(kv)}`)
        run.env![kv.slice(0, k)] = kv.slice(k + 1)
        break
      }
      case '--mode': {
        const m = need()
        if (!(MODES as readonly string[]).includes(m)) throw new UsageError(`--mode: expected ${MODES.slice(0, -1).join(', ')} or ${MODES[MODES.length - 1]}, got ${JSON.stringify(m)}`)
        run.mode = m as Mode
        break
      }
      case '--idle': run.idleMs = int(flag, need(), 0); break
      case '--invokes': run.invokes = int(flag, need(), 0); break
      case '--init-timeout': run.initTimeoutMs = int(flag, need(), 1); break
      case '--payload': {
        const p = need()
        try { run.payload = JSON.parse(p) } catch (e) { throw new UsageError(`--payload: not valid JSON (${(e as Error).message}): ${JSON.stringify(p)}`) }
        break
      }
      case '--json': if (value !== undefined) throw new UsageError('--json takes no value'); json = true; break
      case '-h': case '--help': help = true; break
      default: throw new UsageError(`unknown option ${JSON.stringify(argv[i])}`)
    }
  }
  if (!help && !run.functionDir) throw new UsageError('--function DIR is required')
  return { run, json, help }
}
