// /proc helpers: the sandbox's process tree, freeze/thaw with SIGSTOP/SIGCONT (docs/lambda-lifecycle.md §7), memory.
import fs from 'node:fs'
import { sleep } from './clock'
import type { MemoryStats } from './types'

export interface ProcStat {
  pid: number
  state: string
  ppid: number
  pgrp: number
  session: number
}

export function readStat(pid: number): ProcStat | null {
  let text: string
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  // comm may contain spaces and parentheses: fields resume after the last ')'
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return { pid, state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]) }
}

function allStats(): ProcStat[] {
  const out: ProcStat[] = []
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const s = readStat(Number(name))
    if (s) out.push(s)
  }
  return out
}

/**
 * Every live process of the sandbox. `live` are the launched processes still running (each leads
 * its own session and process group): they, their session/group members and all their
 * descendants (even after setsid) belong to the sandbox. For `dead` launched pids only session
 * and group membership counts, and only while no process owns that pid: the kernel does not
 * reuse a pid still used as a SID/PGID, but once the session is empty it may give the pid to an
 * unrelated process (even another sandbox's session leader). A daemon that double-forked out of the
 * tree AND left the session escapes, as it escapes Lambda's per-PID exit watcher (§8 row 12a).
 */
export function sandboxProcesses(live: number[], dead: number[] = []): ProcStat[] {
  if (live.length === 0 && dead.length === 0) return []
  const stats = allStats()
  const liveSet = new Set(live)
  const groupSet = new Set([...live, ...dead])
  const byPid = new Map(stats.map((s) => [s.pid, s]))
  const ours = (id: number): boolean => liveSet.has(id) || (groupSet.has(id) && !byPid.has(id))
  const member = new Map<number, boolean>()
  const isMember = (s: ProcStat, depth = 0): boolean => {
    const known = member.get(s.pid)
    if (known !== undefined) return known
    let r = liveSet.has(s.pid) || ours(s.session) || ours(s.pgrp)
    if (!r && depth < 64) {
      const parent = byPid.get(s.ppid)
      r = parent ? isMember(parent, depth + 1) : false
    }
    member.set(s.pid, r)
    return r
  }
  return stats.filter((s) => s.state !== 'Z' && s.state !== 'X' && isMember(s))
}

const stopped = (state: string): boolean => state === 'T' || state === 't' || state === 'Z' || state === 'X'

/** SIGSTOP every process until /proc confirms all are stopped (new children are caught too). */
export async function freezeTree(live: number[], dead: number[], timeoutMs = 2000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs
  const all = new Set<number>()
  for (;;) {
    const procs = sandboxProcesses(live, dead)
    let pending = procs.filter((p) => !stopped(p.state))
    if (pending.length === 0) {
      procs.forEach((p) => all.add(p.pid))
      return [...all]
    }
    for (const p of pending) {
      all.add(p.pid)
      try { process.kill(p.pid, 'SIGSTOP') } catch { /* already gone */ }
    }
    while (pending.length > 0) {
      pending = pending.filter((p) => {
        const s = readStat(p.pid)
        return s !== null && !stopped(s.state)
      })
      if (pending.length === 0) break
      if (Date.now() > deadline) throw new Error(`freeze not confirmed for pids ${pending.map((p) => p.pid).join(',')}`)
      await sleep(1)
    }
  }
}

export function thawTree(live: number[], dead: number[]): number[] {
  const procs = sandboxProcesses(live, dead)
  for (const p of procs) {
    try { process.kill(p.pid, 'SIGCONT') } catch { /* gone */ }
  }
  return procs.map((p) => p.pid)
}

export function killTree(live: number[], dead: number[]): number[] {
  const procs = sandboxProcesses(live, dead)
  for (const p of procs) {
    try { process.kill(p.pid, 'SIGKILL') } catch { /* gone */ }
  }
  return procs.map((p) => p.pid)
}

export function memoryOf(pid: number): MemoryStats | null {
  let text: string
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return null
  }
  const kb = (key: string): number | null => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)
    return m ? Number(m[1]) : null
  }
  return { vmHwmKb: kb('VmHWM'), vmRssKb: kb('VmRSS'), rssAnonKb: kb('RssAnon'), rssFileKb: kb('RssFile') }
}

/**
 * CPU time a process has used so far, in ms: the sum over its threads of the first field of
 * /proc/PID/task/TID/schedstat (ns on the CPU). Per thread, because /proc/PID/schedstat covers the
 * main thread only and V8's platform workers (GC, compiler) run on others. Nanosecond precision,
 * unlike utime+stime in /proc/PID/stat (clock ticks, usually 10 ms). A thread that already exited
 * is not counted (none does during a Node start-up). null when the process is gone.
 */
export function cpuTimeMsOf(pid: number): number | null {
  let tids: string[]
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`)
  } catch {
    return null
  }
  let ns = 0
  for (const tid of tids) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
    } catch {
      /* the thread ended meanwhile */
    }
  }
  return ns / 1e6
}
