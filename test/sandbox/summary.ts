// Human-readable summary of a sandbox report (CLI without --json, make run-local).
import type { SandboxReport } from './types'

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${Math.round(v)} ms`)
const kb = (v: number | null): string => (v === null ? '–' : `${(v / 1024).toFixed(1)} MB`)

export function formatSummary(r: SandboxReport, opts: { logs?: boolean } = {}): string {
  const out: string[] = []
  out.push(`Sandbox: mode ${r.mode}, isolation ${r.isolation.enabled ? 'on' : 'off'} (${r.isolation.reason})`)
  for (const i of r.inits) {
    const status = i.timedOut ? `TIMED OUT (${i.errorType})` : i.failed ? `FAILED ${i.errorType}: ${i.errorMessage}` : 'ok'
    out.push(`Init${i.phase === 'invoke' ? ' (inline, inside an invoke)' : ''}: ${ms(i.durationMs)}, held ${ms(i.heldMs)} after the runtime was ready — ${status}`)
  }
  for (const e of r.extensions) {
    const parts = [
      `events [${e.registeredEvents.join(', ')}]`,
      e.startupToRegisterMs !== null ? `registered after ${ms(e.startupToRegisterMs)}` : 'never registered',
      `RSS after Init ${kb(e.rssAfterInitKb)}`,
      e.exitCode !== null || e.exitSignal !== null ? `exit ${e.exitSignal ?? e.exitCode}` : '',
      e.launchError ? `launch error ${e.launchError}` : '',
    ].filter(Boolean)
    out.push(`  extension ${e.name}${e.generation ? ` (generation ${e.generation})` : ''}: ${e.state}; ${parts.join('; ')}`)
  }
  r.invokes.forEach((v, n) => {
    const what = v.error ? `ERROR ${v.error.errorType}: ${v.error.errorMessage}` : JSON.stringify(v.result)
    out.push(`Invoke ${n + 1}: response after ${ms(v.responseMs)}, extensions added ${ms(v.extensionOverheadMs)}${v.initInline ? ' (Init ran inline)' : ''} → ${what}`)
  })
  for (const s of r.shutdowns) {
    out.push(`Shutdown (${s.reason}): ${ms(s.durationMs)}, runtime ${s.runtimeSignal ?? 'already gone'}${s.killedAtDeadline.length ? `, SIGKILL at deadline: ${s.killedAtDeadline.join(', ')}` : ''}`)
  }
  if (r.rejections.length) out.push(`API rejections: ${r.rejections.map((x) => `${x.method} ${x.path} → ${x.status} ${x.errorType ?? ''}`).join('; ')}`)
  if (opts.logs) {
    const lines = r.logs.filter((l) => l.source !== 'platform')
    if (lines.length) {
      out.push('Logs:')
      for (const l of lines.slice(0, 200)) out.push(`  [${l.source}${l.stream === 'stderr' ? ' stderr' : ''}] ${l.text}`)
    }
  }
  out.push(r.ok ? 'Result: OK' : 'Result: NOT OK')
  return out.join('\n')
}
