// A/B start-up of several builds of the extension, for the lever table (docs/performance.md):
//   npx tsx bench/ab.ts [--runs N] [--hold] [--callgrind] LAYER_DIR|BINARY...
// Spawns each binary directly (no sandbox, no namespace: less noise than `make bench`) in
// rotating order against a minimal Extensions API in this process, without WARMING_TIMEOUT
// (--hold: with it, and `ready` sent on the socket as soon as register arrives), and records spawn → register, spawn → event/next, the process's CPU time (all threads) at
// register and at event/next, and VmRSS / RssAnon / RssFile when event/next arrives (then
// answers SHUTDOWN). Page caches are synced and dropped first. CPU time is what the machine's
// load disturbs least: compare levers by it first when the machine is not idle.
// --callgrind runs each binary under valgrind's callgrind instead and reports instructions before
// the register request leaves and in the whole run (bench/callgrind.ts): slow (tens of seconds a
// run), but repeatable to ~1 % on any machine; times and memory are then meaningless and left out.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { syncAndDropCache } from './page-cache'
import { readMemory } from './proc-memory'
import { signalReady } from './signal'
import { CALLGRIND_ARGS, readDumps } from './callgrind'
import { cpuTimeMsOf } from '../test/sandbox/proctree'
import { summarize } from './stats'
import { parseArgs } from 'node:util'

const AB_USAGE = 'usage: npx tsx bench/ab.ts [--runs N] [--hold] [--callgrind] LAYER_DIR|BINARY...'

interface Sample {
  registerMs: number; nextMs: number; cpuRegisterMs: number; cpuNextMs: number; rssMb: number; anonMb: number; fileMb: number
  /** --callgrind only, in millions of instructions */
  instrRegisterM?: number; instrTotalM?: number
}

function binaryOf(arg: string): string {
  const p = path.resolve(arg)
  const inLayer = path.join(p, 'extensions', 'wait-for-init')
  if (fs.existsSync(inLayer)) return inLayer
  if (fs.existsSync(p) && fs.statSync(p).isFile()) return p
  throw new Error(`${arg}: neither a layer folder with extensions/wait-for-init nor a binary`)
}

async function main(): Promise<void> {
  let parsed
  try {
    parsed = parseArgs({ args: process.argv.slice(2), strict: true, allowPositionals: true, options: { runs: { type: 'string' }, hold: { type: 'boolean' }, callgrind: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } })
  } catch (err) {
    const e = err as { code?: string; message: string }
    const flag = /'(-[^' ]+)/.exec(e.message)?.[1] ?? '?'
    throw new Error(e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `unknown option ${JSON.stringify(flag)}\n${AB_USAGE}` : `${flag} needs a value`)
  }
  if (parsed.values.help) {
    process.stdout.write(AB_USAGE + '\n')
    return
  }
  const runsText = parsed.values.runs ?? '30'
  if (!/^[1-9][0-9]*$/.test(runsText)) throw new Error(`--runs ${JSON.stringify(runsText)} must be a positive whole number`)
  const runs = Number(runsText)
  const targets = parsed.positionals
  if (targets.length < 1) throw new Error(AB_USAGE)
  const bins = targets.map(binaryOf)
  const hold = parsed.values.hold === true
  const callgrind = parsed.values.callgrind === true
  const socketPath = `/tmp/wait-for-init-ab-${process.pid}.sock`

  let current: { pid: number; spawnAt: number; registerAt?: number; cpuRegisterMs?: number; sample?: Sample; done: () => void } | null = null
  const server = http.createServer((req, res) => {
    const at = performance.now()
    req.resume()
    req.on('end', () => {
      const c = current
      if (!c) return res.writeHead(500).end()
      if (req.url?.endsWith('/register')) {
        c.registerAt = at
        c.cpuRegisterMs = cpuTimeMsOf(c.pid) ?? NaN
        res.writeHead(200, { 'Lambda-Extension-Identifier': 'ab' }).end('{}')
        if (hold) void signalReady(socketPath, 5000) // the socket exists before register (listen first)
      } else if (req.url?.endsWith('/event/next')) {
        const m = readMemory(c.pid)
        const mb = (kb: number | null | undefined) => ((kb ?? NaN) * 1024) / 1e6
        c.sample = {
          registerMs: (c.registerAt ?? NaN) - c.spawnAt, nextMs: at - c.spawnAt,
          cpuRegisterMs: c.cpuRegisterMs ?? NaN, cpuNextMs: cpuTimeMsOf(c.pid) ?? NaN,
          rssMb: mb(m?.vmRssKb), anonMb: mb(m?.rssAnonKb), fileMb: mb(m?.rssFileKb),
        }
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"eventType":"SHUTDOWN","shutdownReason":"spindown","deadlineMs":0}')
      } else res.writeHead(200).end('{}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port

  const runOne = (bin: string): Promise<Sample> =>
    new Promise((resolve, reject) => {
      const spawnAt = performance.now()
      const env: NodeJS.ProcessEnv = { AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`, AWS_LAMBDA_LOG_LEVEL: 'ERROR' }
      if (hold) Object.assign(env, { WARMING_TIMEOUT: '5000', WAIT_FOR_INIT_SOCKET: socketPath })
      const out = `/tmp/wait-for-init-ab-${process.pid}.callgrind`
      const [cmd, args] = callgrind ? ['valgrind', [...CALLGRIND_ARGS, `--callgrind-out-file=${out}`, bin]] : [bin, []]
      const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] })
      let stderr = ''
      child.stderr?.on('data', (d) => (stderr += d))
      const timer = setTimeout(() => child.kill('SIGKILL'), callgrind ? 300_000 : 10_000)
      current = { pid: child.pid!, spawnAt, done: () => undefined }
      const me = current
      child.on('error', (err) => reject(new Error(`${cmd}: ${err.message}${callgrind ? ' (apt-get install valgrind)' : ''}`)))
      child.on('exit', (code) => {
        clearTimeout(timer)
        if (!me.sample || code !== 0) return reject(new Error(`${bin} exited ${code} without a full run: ${stderr.trim().slice(-300)}`))
        if (callgrind) {
          const d = readDumps(out)
          Object.assign(me.sample, { instrRegisterM: d.beforeFirstWrite / 1e6, instrTotalM: d.total / 1e6 })
        }
        resolve(me.sample)
      })
    })

  for (const b of bins) syncAndDropCache(b)
  const samples: Sample[][] = bins.map(() => [])
  for (let i = callgrind ? 0 : -1; i < runs; i++) { // a warm-up run first, but not under callgrind (no cache effects there)
    for (let k = 0; k < bins.length; k++) {
      const j = (i + k + bins.length) % bins.length // rotate the order every run
      const s = await runOne(bins[j])
      if (i >= 0) samples[j].push(s)
    }
  }
  server.close()
  const f = (v: number | null) => (v === null ? '–' : v.toFixed(1))
  const mode = hold ? 'WARMING_TIMEOUT set, ready at register' : 'no WARMING_TIMEOUT'
  if (callgrind) process.stdout.write(`${runs} runs each under callgrind, medians (max) — millions of instructions before the register request left, and in the whole run (${mode})\n`)
  else process.stdout.write(`${runs} runs each, medians (p90) — spawn → register, spawn → event/next (${mode}), CPU at register and at event/next, memory at event/next\n`)
  for (const [j, t] of targets.entries()) {
    const col = (k: keyof Sample) => {
      const s = summarize(samples[j].map((x) => x[k] ?? null))
      return `${f(s.median)} (${f(callgrind ? s.max : s.p90)})`
    }
    if (callgrind) {
      process.stdout.write(`${t}\n  before register ${col('instrRegisterM')} M  whole run ${col('instrTotalM')} M\n`)
      continue
    }
    process.stdout.write(
      `${t}\n  register ${col('registerMs')} ms  next ${col('nextMs')} ms  CPU ${col('cpuRegisterMs')} / ${col('cpuNextMs')} ms  ` +
        `VmRSS ${col('rssMb')} MB  anon ${col('anonMb')}  file ${col('fileMb')}\n`,
    )
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`[ab] error: ${(err as Error).message}\n`)
    process.exit(1)
  })
}
