// Memory figures of a live process from /proc/PID/status (kB as the kernel reports them).
import fs from 'node:fs'

export interface ProcMemory { vmRssKb: number | null; vmHwmKb: number | null; rssAnonKb: number | null; rssFileKb: number | null }

export function parseStatus(text: string): ProcMemory {
  const kb = (key: string): number | null => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)
    return m ? Number(m[1]) : null
  }
  return { vmRssKb: kb('VmRSS'), vmHwmKb: kb('VmHWM'), rssAnonKb: kb('RssAnon'), rssFileKb: kb('RssFile') }
}

/** null when the process is gone. */
export function readMemory(pid: number): ProcMemory | null {
  try {
    return parseStatus(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return null
  }
}
