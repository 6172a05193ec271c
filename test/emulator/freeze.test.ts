// The freeze proof (a real SIGSTOP of the whole tree) and the freeze mechanics of docs/lambda-lifecycle.md §7 (§9 item 39).
import fs from 'node:fs'
import t from 'tap'
import { readStat } from '../sandbox/proctree'
import { closeAndCheck, sandbox, sandboxTmpFile, writeFunction } from './helpers'

// A warm-up of many short steps started at module scope and NOT awaited: a single long timer
// would hide a fake freeze (overdue at thaw, it would fire before the handler runs).
const WARM_UP_FN = {
  'index.js': `'use strict'
const fs = require('fs')
const { spawn } = require('child_process')
const loadedAt = Date.now()
let steps = 0
;(function step() { setTimeout(() => { steps++; if (steps < 20) step() }, 100) })()
// a descendant of the runtime: it must be frozen too
const child = spawn('sleep', ['30'], { stdio: 'ignore' })
fs.writeFileSync(process.env.PID_FILE, String(child.pid))
exports.handler = async () => ({ steps, sinceLoadMs: Date.now() - loadedAt })
`,
}

const IDLE_MS = 2500 // > 20 × 100 ms: without a real freeze the warm-up would be complete

t.test('freeze proof: provisioned, no extension → the first invoke sees the warm-up unfinished', async (t) => {
  const pidFile = sandboxTmpFile(t, 'freeze-child')
  const sb = sandbox(t, { functionDir: writeFunction(t, WARM_UP_FN), mode: 'provisioned', env: { PID_FILE: pidFile } })
  const init = await sb.init()
  t.equal(init.failed, false)
  const idle = sb.idle(IDLE_MS)
  const rtPid = sb.report().runtime!.pid!
  const childPid = Number(fs.readFileSync(sb.hostPath(pidFile), 'utf8'))
  // The freeze is a SIGSTOP to the process tree: wait (bounded) until the kernel shows it.
  for (const deadline = Date.now() + 3000; Date.now() < deadline;) {
    if (readStat(rtPid)?.state === 'T' && readStat(childPid)?.state === 'T') break
    await new Promise((r) => setTimeout(r, 10))
  }
  t.equal(readStat(rtPid)?.state, 'T', 'runtime process is stopped while idle')
  t.equal(readStat(childPid)?.state, 'T', "the runtime's child process is stopped too")
  await idle
  const first = await sb.invoke()
  const second = await sb.invoke()
  const r = await closeAndCheck(t, sb)
  const res = first.result as { steps: number; sinceLoadMs: number }
  t.ok(res.steps < 20, `warm-up unfinished at the first invoke: ${res.steps}/20 steps`)
  t.ok(res.steps <= 5, 'timers did not run during the frozen idle time')
  t.ok(res.sinceLoadMs >= IDLE_MS, `Date.now() jumped by the idle gap (${res.sinceLoadMs} ms since module load)`)
  t.ok((second.result as { steps: number }).steps - res.steps <= 2, 'frozen again right after the first invoke')
  t.ok(r.freezes.length >= 2, `${r.freezes.length} freezes recorded`)
  t.ok(r.freezes.every((f) => f.pids.includes(rtPid) && f.pids.includes(childPid)), 'every freeze covered the runtime and its child')
  t.ok(r.freezes[0].at >= init.completedAt!, 'frozen once Init completed')
  const left = readStat(childPid)
  t.ok(left === null || left.state === 'Z', 'the child was killed with the sandbox (gone or a zombie awaiting reaping)')
})

t.test('control: the same run with freezing disabled finishes the warm-up (the proof can fail)', async (t) => {
  const pidFile = sandboxTmpFile(t, 'freeze-ctl')
  const sb = sandbox(t, { functionDir: writeFunction(t, WARM_UP_FN), mode: 'provisioned', env: { PID_FILE: pidFile }, freeze: false })
  await sb.init()
  await sb.idle(IDLE_MS)
  const inv = await sb.invoke()
  const r = await closeAndCheck(t, sb)
  t.equal((inv.result as { steps: number }).steps, 20)
  t.same(r.freezes, [])
})

t.test('on-demand: not frozen between Init and the invoke unless idle() is called', async (t) => {
  const pidFile = sandboxTmpFile(t, 'freeze-od')
  const sb = sandbox(t, { functionDir: writeFunction(t, WARM_UP_FN), env: { PID_FILE: pidFile } })
  await sb.init()
  t.not(readStat(sb.report().runtime!.pid!)?.state, 'T', 'on-demand: the first invoke follows Init, no freeze in between')
  await new Promise((r) => setTimeout(r, 600))
  const inv = await sb.invoke()
  await closeAndCheck(t, sb)
  t.ok((inv.result as { steps: number }).steps >= 3, 'the warm-up raced the (late) first invoke')
})
