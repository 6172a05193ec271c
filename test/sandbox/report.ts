// Assembles the JSON report (docs/sandbox.md) from the sandbox's records.
import type { Generation } from './records'
import type { ExtensionReport, RuntimeReport, SandboxReport } from './types'

/** What the sandbox records; the report derives extensions, runtimes and `ok` from it. */
export type ReportInput = Pick<SandboxReport,
  'isolation' | 'mode' | 'apiAddress' | 'tempDir' | 'inits' | 'invokes' | 'shutdowns' | 'errors' | 'rejections' | 'freezes' | 'faultHits' | 'logs'
> & { gens: Generation[] }

export function buildReport(i: ReportInput): SandboxReport {
  const extensions: ExtensionReport[] = []
  const runtimes: RuntimeReport[] = []
  for (const g of i.gens) {
    for (const e of g.all) {
      const p = e.proc
      const shutdownFrom = e.shutdownEventAt ?? e.shutdownStartAt
      extensions.push({
        name: e.name, generation: g.index, internal: e.internal, state: e.state, registeredEvents: [...e.events],
        pid: p?.pid ?? null, spawnAt: e.spawnAt, registerAt: e.registerAt, firstNextAt: e.firstNextAt,
        startupToRegisterMs: e.spawnAt !== null && e.registerAt !== null ? e.registerAt - e.spawnAt : null,
        cpuAtRegisterMs: e.cpuAtRegisterMs, cpuAtFirstNextMs: e.cpuAtFirstNextMs,
        rssAfterInitKb: e.memAfterInit?.vmRssKb ?? null, vmHwmKb: e.memAfterInit?.vmHwmKb ?? null,
        rssAnonKb: e.memAfterInit?.rssAnonKb ?? null, rssFileKb: e.memAfterInit?.rssFileKb ?? null,
        launchError: e.launchError, errorType: e.errorType, shutdownEventAt: e.shutdownEventAt,
        exitAt: p?.exitAt ?? null, exitCode: p?.exitCode ?? null, exitSignal: p?.exitSignal ?? null,
        shutdownMs: shutdownFrom !== null && p?.exitAt != null ? p.exitAt - shutdownFrom : null,
        logs: [...e.logs],
      })
    }
    const r = g.runtime
    runtimes.push({
      generation: g.index, state: r.state, pid: r.proc?.pid ?? null, spawnAt: r.spawnAt, firstNextAt: r.firstNextAt,
      exitAt: r.proc?.exitAt ?? null, exitCode: r.proc?.exitCode ?? null, exitSignal: r.proc?.exitSignal ?? null,
      shutdownSignal: r.shutdownSignal, logs: [...r.logs],
    })
  }
  const first = i.inits[0] ?? null
  const ok = first !== null && !first.failed && i.invokes.every((v) => v.ok)
  return {
    ok, isolation: { ...i.isolation }, mode: i.mode, apiAddress: i.apiAddress, tempDir: i.tempDir,
    init: first, inits: [...i.inits], extensions, runtime: runtimes[runtimes.length - 1] ?? null, runtimes,
    invokes: [...i.invokes], shutdowns: [...i.shutdowns], errors: [...i.errors], rejections: [...i.rejections],
    freezes: [...i.freezes], faultHits: [...i.faultHits], logs: [...i.logs],
  }
}
