// Argument parsing for `npm run sandbox -- …`; tests and docs/sandbox.md rely on this interface.
import { parseOptions, UsageError } from '../../build-scripts/cli'
import type { RunOptions } from './index'
import { MODES, type Mode } from './types'

export { UsageError }

export const USAGE = `usage: npm run sandbox -- --function DIR [--handler index.handler] [--layer ZIP_OR_DIR]...
       [--env K=V]... [--mode on-demand|provisioned|managed-instances|rie] [--idle MS] [--invokes N] [--payload JSON]
       [--init-timeout MS] [--json]`

export interface CliArgs { run: RunOptions; json: boolean; help: boolean }

function int(flag: string, v: string, min: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`${flag}: expected an integer >= ${min}, got ${JSON.stringify(v)}`)
  return Number(v)
}

export function parseArgs(argv: string[]): CliArgs {
  const v = parseOptions(argv, {
    function: { type: 'string' },
    handler: { type: 'string' },
    layer: { type: 'string', multiple: true, default: [] },
    env: { type: 'string', multiple: true, default: [] },
    mode: { type: 'string' },
    idle: { type: 'string' },
    invokes: { type: 'string' },
    'init-timeout': { type: 'string' },
    payload: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  })
  const run: RunOptions = { functionDir: v.function ?? '', layers: v.layer, env: {} }
  if (v.handler !== undefined) run.handler = v.handler
  for (const kv of v.env) {
    const k = kv.indexOf('=')
    if (k <= 0) throw new UsageError(`--env: expected K=V, got ${JSON.stringify(kv)}`)
    run.env![kv.slice(0, k)] = kv.slice(k + 1)
  }
  if (v.mode !== undefined) {
    if (!(MODES as readonly string[]).includes(v.mode)) throw new UsageError(`--mode: expected ${MODES.slice(0, -1).join(', ')} or ${MODES[MODES.length - 1]}, got ${JSON.stringify(v.mode)}`)
    run.mode = v.mode as Mode
  }
  if (v.idle !== undefined) run.idleMs = int('--idle', v.idle, 0)
  if (v.invokes !== undefined) run.invokes = int('--invokes', v.invokes, 0)
  if (v['init-timeout'] !== undefined) run.initTimeoutMs = int('--init-timeout', v['init-timeout'], 1)
  if (v.payload !== undefined) {
    try { run.payload = JSON.parse(v.payload) } catch (e) { throw new UsageError(`--payload: not valid JSON (${(e as Error).message}): ${JSON.stringify(v.payload)}`) }
  }
  if (!v.help && !run.functionDir) throw new UsageError('--function DIR is required')
  return { run, json: v.json, help: v.help }
}
