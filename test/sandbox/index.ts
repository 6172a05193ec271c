// Local Lambda execution environment for tests and `make run-local`. See docs/sandbox.md.
import { Sandbox } from './sandbox'
import type { SandboxOptions, SandboxReport } from './types'

export { Sandbox } from './sandbox'
export { FaultInjector } from './faults'
export type { ApiName, FaultAction, FaultRule } from './faults'
export { createZip, extractZip } from './zip'
export * from './types'

export interface RunOptions extends SandboxOptions {
  /** frozen time between Init and the first invoke */
  idleMs?: number
  /** default 1 */
  invokes?: number
  payload?: unknown
}

/** Init → idle → N invokes → spindown shutdown → report; always cleans up. */
export async function runSandbox(opts: RunOptions): Promise<SandboxReport> {
  const invokes = opts.invokes ?? 1
  if (!Number.isInteger(invokes) || invokes < 0) throw new Error(`invokes must be an integer >= 0, got ${JSON.stringify(opts.invokes)}`)
  const idleMs = opts.idleMs ?? 0
  if (!(idleMs >= 0)) throw new Error(`idleMs must be >= 0, got ${JSON.stringify(opts.idleMs)}`)
  const sb = new Sandbox(opts)
  try {
    if (opts.mode !== 'rie') await sb.init() // the RIE runs Init inside the first invoke
    if (idleMs > 0) await sb.idle(idleMs)
    for (let i = 0; i < invokes; i++) await sb.invoke(opts.payload)
    await sb.shutdown('spindown')
    return sb.report()
  } finally {
    await sb.close()
  }
}
