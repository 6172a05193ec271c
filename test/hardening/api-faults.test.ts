// Reliability, Extensions API faults (docs/reliability.md). The built extension in the local sandbox (fault injection
// on the sandbox's API), and the same binary run directly against a scripted API where the sandbox
// cannot express the fault (a port nobody listens on, breaking an already blocked event/next, a
// clock running 3 600 times faster than real time).
import t, { type Test } from 'tap'
import { matchList } from './assert'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import {
  closeClean, extensionLines, extensionOf, HARDENING_FIXTURES, layerSandbox, outcomeLines, runBinary, scriptedApi, sleep,
  SOCKET, tempDir, waitForLine,
} from './helpers'

const sinceSpawn = (e: { exitAt: number | null; spawnAt: number | null }) => Math.round(e.exitAt! - e.spawnAt!)

t.test('register 403 / 500 / connection closed / reset: clear message, exit 1 in under a second', async (t) => {
  const actions = [
    { status: 403, errorType: 'Extension.InvalidExtensionName' },
    { status: 500, errorType: 'InternalServerError' },
    'refuse' as const,
    'reset' as const,
  ]
  for (const action of actions) {
    const sb = layerSandbox(t, { env: { WARMING_TIMEOUT: '5000' } })
    sb.faults.add({ api: 'extension/register', action })
    const init = await sb.init()
    const ext = extensionOf(sb)
    const label = JSON.stringify(action)
    t.ok(init.failed, `${label}: Init failed`)
    t.equal(ext.exitCode, 1, `${label}: exit code 1`)
    t.ok(sinceSpawn(ext) < 1000, `${label}: exited ${sinceSpawn(ext)} ms after spawn`)
    const why = extensionLines(ext).filter((l) => /could not register/.test(l))
    t.equal(why.length, 1, `${label}: ${why[0]}`)
    if (typeof action === 'object') t.match(why[0], new RegExp(`HTTP ${action.status} \\(${action.errorType.replace('.', '\\.')}`))
    else t.match(why[0], /register failed: (ECONNRESET|socket hang up|.*other side closed)/)
    t.notOk(fs.existsSync(sb.hostPath(SOCKET)), `${label}: socket removed`)
    await closeClean(t, sb)
  }
})

t.test('register: connection refused (nothing listening on AWS_LAMBDA_RUNTIME_API): exit 1 at once', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port
      s.close(() => resolve(p))
    })
  })
  const sock = path.join(tempDir(t), 'w.sock')
  const run = runBinary(t, { AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`, WARMING_TIMEOUT: '5000', WAIT_FOR_INIT_SOCKET: sock })
  const exit = await run.exited
  t.equal(exit.code, 1)
  t.ok(exit.at - run.startedAt < 1000, `exited after ${Math.round(exit.at - run.startedAt)} ms`)
  t.match(run.output(), /could not register with the Extensions API: register failed: ECONNREFUSED/)
  t.notOk(fs.existsSync(sock), 'socket removed')
})

t.test('the first event/next (the one that ends the hold) answered 500 or reset: clear message, exit 1', async (t) => {
  for (const action of [{ status: 500, errorType: 'InternalServerError' }, 'reset' as const]) {
    const sb = layerSandbox(t, { env: { WARMING_TIMEOUT: '8000', SIGNAL_MODE: 'messages', SIGNAL_DELAY_MS: '200' } })
    sb.faults.add({ api: 'extension/event/next', action })
    const init = await sb.init()
    const ext = extensionOf(sb)
    const label = JSON.stringify(action)
    t.ok(init.failed, `${label}: Init failed (the extension exited)`)
    t.equal(ext.exitCode, 1, `${label}: exit 1`)
    matchList(t, outcomeLines(ext), [/init outcome=ready/], `${label}: the hold itself ended normally`)
    t.ok(extensionLines(ext).some((l) => /ERROR event\/next failed: event\/next (answered HTTP 500|failed: ECONNRESET)/.test(l)), `${label}: says event/next failed`)
    const released = ext.logs.find((l) => /init outcome=/.test(l.text))!.at
    t.ok(ext.exitAt! - released < 1000, `${label}: exited ${Math.round(ext.exitAt! - released)} ms after the release that made the call`)
    await closeClean(t, sb)
  }
})

t.test('a blocked event/next broken later (reset, 500, or a non-JSON answer): clear message, exit 1', async (t) => {
  for (const how of ['reset', { status: 500 }] as const) {
    const api = await scriptedApi(t)
    const run = runBinary(t, { AWS_LAMBDA_RUNTIME_API: api.address })
    await api.waitFor('/event/next')
    await sleep(300)
    t.equal(run.child.exitCode, null, 'blocked in event/next')
    const brokenAt = performance.timeOrigin + performance.now()
    api.failHeld(how)
    const exit = await run.exited
    t.equal(exit.code, 1, `${JSON.stringify(how)}: exit 1`)
    t.ok(exit.at - brokenAt < 1000, `exited ${Math.round(exit.at - brokenAt)} ms after the break`)
    t.match(run.output(), how === 'reset' ? /ERROR event\/next failed: event\/next failed: ECONNRESET/ : /ERROR event\/next failed: event\/next answered HTTP 500/)
    t.equal(api.count('/event/next'), 1, 'no retry loop')
  }
})

t.test('init/error failing (500, reset, never answered): the extension still exits non-zero, promptly', async (t) => {
  for (const action of [{ status: 500, errorType: 'InternalServerError' }, 'reset' as const, 'hang' as const]) {
    const sb = layerSandbox(t, { env: { WARMING_TIMEOUT: '8000', SIGNAL_MODE: 'messages', MESSAGES: 'error: db down', SIGNAL_DELAY_MS: '200' } })
    sb.faults.add({ api: 'extension/init/error', action })
    const init = await sb.init()
    const ext = extensionOf(sb)
    const label = JSON.stringify(action)
    t.ok(init.failed, `${label}: Init failed`)
    t.equal(ext.exitCode, 1, `${label}: exit 1`)
    matchList(t, outcomeLines(ext), [/init outcome=failed by=error held=\d+ms: the function reported: db down/])
    t.ok(extensionLines(ext).some((l) => /could not report the failure to Lambda/.test(l)), `${label}: says the report failed`)
    t.ok(sinceSpawn(ext) < 3500, `${label}: exited ${sinceSpawn(ext)} ms after spawn`)
    await closeClean(t, sb)
  }
})

// ---- event/next must have no client timeout of any kind --------------------------------------

/** Builds the fastclock LD_PRELOAD shim (fixtures/fastclock.c); null when no C compiler exists. */
function buildFastclock(t: Test): string | null {
  const cc = ['cc', 'gcc', 'clang'].find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0)
  if (!cc) return null
  const out = path.join(tempDir(t, 'fc'), 'fastclock.so')
  const r = spawnSync(cc, ['-shared', '-fPIC', '-O2', '-o', out, path.join(HARDENING_FIXTURES, 'fastclock.c'), '-ldl'], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`building fastclock.so failed: ${r.stderr}`)
  return out
}

t.test('event/next blocked for 10 hours of process time, across freezes, is never timed out by the client', async (t) => {
  const shim = buildFastclock(t)
  if (!shim) return t.plan(0, 'no C compiler: cannot build the fastclock shim (code inspection only: see docs/reliability.md)')

  // Control 1: the shim really speeds up a Node client's timeouts. Node's built-in fetch (undici)
  // has a 300 s headers timeout; against a server that never answers it fails within seconds.
  await t.test('control: built-in fetch under the shim hits its 300 s headers timeout in real seconds', async (t) => {
    const conns = new Set<net.Socket>()
    const server = net.createServer((c) => conns.add(c.on('error', () => {}))).listen(0, '127.0.0.1') // accepts, never answers
    t.teardown(() => {
      for (const c of conns) c.destroy()
      server.close()
    })
    await new Promise((r) => server.once('listening', r))
    const port = (server.address() as net.AddressInfo).port
    const script = `fetch('http://127.0.0.1:${port}/').then(() => console.log('answered'), (e) => console.log('failed', e.cause && e.cause.code))`
    const started = Date.now()
    const out = await new Promise<string>((resolve) => {
      const c = spawn(process.execPath, ['-e', script], { env: { PATH: process.env.PATH, LD_PRELOAD: shim, FASTCLOCK_FACTOR: '3600' } })
      let text = ''
      c.stdout.on('data', (d) => (text += d))
      const timer = setTimeout(() => c.kill('SIGKILL'), 20000)
      c.on('close', () => { clearTimeout(timer); resolve(text) })
    })
    t.match(out, /failed UND_ERR_HEADERS_TIMEOUT/, 'the control client timed out')
    t.ok(Date.now() - started < 15000, `after ${Date.now() - started} ms real time`)
  })

  // Control 2: the shim speeds up the SEA's own timers: a 120 s WARMING_TIMEOUT (provisioned
  // budget) fires after about 1.2 s real time at factor 100.
  await t.test('control: the SEA under the shim (factor 100) times a 120 s hold out in about a second', async (t) => {
    const api = await scriptedApi(t)
    const sock = path.join(tempDir(t), 'w.sock')
    const run = runBinary(t, {
      AWS_LAMBDA_RUNTIME_API: api.address, WARMING_TIMEOUT: '120000', AWS_LAMBDA_INITIALIZATION_TYPE: 'provisioned-concurrency',
      WAIT_FOR_INIT_SOCKET: sock, FASTCLOCK_FACTOR: '100',
    }, { preload: shim })
    const line = await waitForLine(run, /init outcome=/, 20000)
    const real = line.at - run.startedAt
    t.match(line.text, /init outcome=timeout by=timeout held=1[2-9]\d{4}ms/, line.text)
    t.ok(real < 10000, `the 120 s hold timed out after ${Math.round(real)} ms of real time`)
    api.shutdown()
    t.equal((await run.exited).code, 0)
  })

  // The real case: factor 3 600 (one real second = one hour), event/next held 10 real seconds,
  // with two 1-second freezes (SIGSTOP) in between: ~10 hours of process time.
  const api = await scriptedApi(t)
  const run = runBinary(t, {
    AWS_LAMBDA_RUNTIME_API: api.address, AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'DEBUG', FASTCLOCK_FACTOR: '3600',
  }, { preload: shim })
  await api.waitFor('/event/next')
  for (const pause of [3000, 'freeze', 2000, 'freeze', 3000] as const) {
    if (pause === 'freeze') {
      process.kill(run.pid, 'SIGSTOP')
      await sleep(1000)
      process.kill(run.pid, 'SIGCONT')
    } else {
      await sleep(pause)
    }
    t.equal(run.child.exitCode, null, 'still blocked in event/next')
  }
  t.equal(api.count('/event/next'), 1, 'one event/next in 10 hours: never timed out, never retried')
  t.equal(api.shutdown(), 1, 'the original request is still open and receives SHUTDOWN')
  const exit = await run.exited
  t.equal(exit.code, 0, 'exit 0 after SHUTDOWN')
  const stamps = run.lines.filter((l) => l.text.startsWith('{')).map((l) => Date.parse(JSON.parse(l.text).timestamp))
  const processHours = (stamps[stamps.length - 1] - stamps[0]) / 3_600_000
  t.ok(processHours > 5, `the extension's own clock advanced ${processHours.toFixed(1)} h between its first and last log line`)
  t.notOk(/ERROR/.test(run.output()), 'no error logged')
})

t.test('sandbox: event/next held across a multi-second freeze and a delayed answer', async (t) => {
  const sb = layerSandbox(t, { mode: 'provisioned', env: { WARMING_TIMEOUT: '5000', SIGNAL_MODE: 'messages', SIGNAL_DELAY_MS: '100' } })
  sb.faults.add({ api: 'extension/event/next', when: 1, action: { delayMs: 1500 } })
  const init = await sb.init()
  t.notOk(init.failed)
  await sb.idle(4000) // frozen (SIGSTOP) with event/next blocked
  const inv = await sb.invoke({})
  t.ok(inv.ok, 'invoke fine after the freeze')
  await sb.idle(2000)
  await sb.shutdown('spindown')
  const ext = extensionOf(sb)
  t.equal(ext.exitCode, 0)
  t.notOk(extensionLines(ext).some((l) => /ERROR/.test(l)), 'no error after the freezes')
  t.ok(ext.shutdownMs! < 1000, `exited ${Math.round(ext.shutdownMs!)} ms after SHUTDOWN`)
  await closeClean(t, sb)
})
