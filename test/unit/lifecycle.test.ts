import t from 'tap'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { runLifecycle, LifecycleDeps, FUNCTION_INIT_FAILED, INIT_ERROR_WAIT_MS } from '../../extension-src/lifecycle'
import { ReadinessListener } from '../../extension-src/readiness-listener'
import { parseConfig } from '../../extension-src/config'
import type { LambdaEvent, RegisteredExtension } from '../../extension-src/extensions-api'
import { exchange, recordingLogger, shortTempDir } from './helpers'

/** A scripted Extensions API that records the order of calls. */
function fakeApi() {
  const calls: string[] = []
  let releaseShutdown: (e: LambdaEvent) => void = () => {}
  const shutdown = new Promise<LambdaEvent>((r) => (releaseShutdown = r))
  const registered: RegisteredExtension = {
    identifier: 'id',
    nextEvent() {
      calls.push('next')
      return shutdown
    },
    async initError(type: string, message: string) {
      calls.push(`initError:${type}:${message}`)
    },
  }
  const fake = {
    calls,
    registered,
    shutdown: () => releaseShutdown({ eventType: 'SHUTDOWN', shutdownReason: 'spindown', deadlineMs: Date.now() + 2000 }),
    registerError: undefined as Error | undefined,
    api: {
      async register(name: string, events: readonly string[]) {
        calls.push(`register:${name}:${events.join(',')}`)
        if (fake.registerError) throw fake.registerError
        return registered
      },
    } as LifecycleDeps['api'],
  }
  return fake
}

function deps(t: { teardown(fn: () => void): void }, env: Record<string, string>, overrides: Partial<LifecycleDeps> = {}) {
  const dir = shortTempDir(t)
  const socketPath = path.join(dir, 'w.sock')
  const { config } = parseConfig({ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:1', WAIT_FOR_INIT_SOCKET: socketPath, ...env })
  const fake = fakeApi()
  const log = recordingLogger()
  const started = performance.now()
  const d: LifecycleDeps = {
    config,
    extensionName: 'wait-for-init',
    api: fake.api,
    log,
    createListener: (onSignal) => {
      fake.calls.push('listen')
      return new ReadinessListener({ path: socketPath, log, onSignal })
    },
    elapsedMs: () => performance.now() - started,
    setTimer: (ms, fn) => {
      const h = setTimeout(fn, ms)
      return { cancel: () => clearTimeout(h) }
    },
    ...overrides,
  }
  return { d, fake, log, socketPath }
}

const outcomes = (log: ReturnType<typeof recordingLogger>) => log.lines.filter((l) => /^init outcome=/.test(l.message))

t.test('no WARMING_TIMEOUT: register then next at once, no socket', async (t) => {
  const { d, fake, log } = deps(t, {})
  const run = runLifecycle(d)
  await new Promise((r) => setTimeout(r, 20))
  t.same(fake.calls, ['register:wait-for-init:SHUTDOWN', 'next'])
  fake.shutdown()
  t.equal(await run, 0)
  t.same(outcomes(log).map((l) => l.fields), [{ outcome: 'no-hold', releasedBy: 'none', heldMs: 0 }])
  t.same(outcomes(log).map((l) => l.message), ['init outcome=no-hold by=none held=0ms: WARMING_TIMEOUT not set'])
})

t.test('an invalid WARMING_TIMEOUT is not "not set": the no-hold line says it is invalid', async (t) => {
  const { d, fake, log } = deps(t, { WARMING_TIMEOUT: 'abc' })
  const run = runLifecycle(d)
  await new Promise((r) => setTimeout(r, 20))
  fake.shutdown()
  t.equal(await run, 0)
  t.same(outcomes(log).map((l) => l.message), ['init outcome=no-hold by=none held=0ms: WARMING_TIMEOUT is invalid'])
})

t.test('holding: listen before register, release on ready, socket removed', async (t) => {
  const { d, fake, log, socketPath } = deps(t, { WARMING_TIMEOUT: '5000' })
  const run = runLifecycle(d)
  await new Promise((r) => setTimeout(r, 50))
  t.same(fake.calls, ['listen', 'register:wait-for-init:SHUTDOWN'], 'still holding: no next yet')
  t.equal(await exchange(socketPath, ['ready\n']), 'ok\n')
  await new Promise((r) => setTimeout(r, 20))
  t.same(fake.calls.slice(-1), ['next'])
  await t.rejects(exchange(socketPath, ['ready\n']), { code: 'ENOENT' }, 'socket gone after release')
  fake.shutdown()
  t.equal(await run, 0)
  const o = outcomes(log)
  t.equal(o.length, 1, 'exactly one outcome line')
  t.equal(o[0].fields?.outcome, 'ready')
})

t.test('advice that changes nothing about this Init runs once registered, never before register', async (t) => {
  const { d, fake, socketPath } = deps(t, { WARMING_TIMEOUT: '5000' })
  d.onRegistered = () => fake.calls.push('advice')
  const run = runLifecycle(d)
  await new Promise((r) => setTimeout(r, 50))
  t.same(fake.calls, ['listen', 'register:wait-for-init:SHUTDOWN', 'advice'], 'listen, register, then the advice')
  t.equal(await exchange(socketPath, ['ready\n']), 'ok\n')
  fake.shutdown()
  t.equal(await run, 0)
  t.same(fake.calls, ['listen', 'register:wait-for-init:SHUTDOWN', 'advice', 'next'], 'once')
  const { d: d2, fake: fake2 } = deps(t, {})
  d2.onRegistered = () => fake2.calls.push('advice')
  const run2 = runLifecycle(d2)
  fake2.shutdown()
  t.equal(await run2, 0)
  t.same(fake2.calls, ['register:wait-for-init:SHUTDOWN', 'advice', 'next'], 'without a hold too')
})

t.test('holding: the socket is bound before register is called, in the same tick (no wait for "listening")', async (t) => {
  const { d, fake, socketPath } = deps(t, { WARMING_TIMEOUT: '5000' })
  const seen: { socket: boolean; sameTick: boolean }[] = []
  const register = fake.api.register.bind(fake.api)
  d.api = {
    register: (name, events) => {
      seen.push({ socket: fs.lstatSync(socketPath, { throwIfNoEntry: false })?.isSocket() ?? false, sameTick: !tickPassed })
      return register(name, events)
    },
  }
  let tickPassed = false
  process.nextTick(() => (tickPassed = true)) // queued before the run: it fires before any awaited 'listening' event
  const run = runLifecycle(d)
  t.same(seen, [{ socket: true, sameTick: true }], 'register was called synchronously, with the socket already bound')
  t.equal(await exchange(socketPath, ['ready\n']), 'ok\n')
  fake.shutdown()
  t.equal(await run, 0)
})

t.test('holding: a socket left at the path is probed and replaced before register is called', async (t) => {
  const { d, fake, socketPath } = deps(t, { WARMING_TIMEOUT: '5000' })
  spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`], { stdio: 'ignore' })
  t.ok(fs.lstatSync(socketPath).isSocket(), 'a dead socket from an earlier Init')
  const seen: boolean[] = []
  const register = fake.api.register.bind(fake.api)
  d.api = {
    register: async (name, events) => {
      // The dead file would be here too: what proves the bind is that the socket answers.
      seen.push(await exchange(socketPath, ['ready\n']).then((a) => a === 'ok\n', () => false))
      return register(name, events)
    },
  }
  const run = runLifecycle(d)
  await new Promise((r) => setTimeout(r, 50))
  t.same(seen, [true], 'at register, the new socket was listening and answered')
  fake.shutdown()
  t.equal(await run, 0)
})

t.test('holding: timeout releases after WARMING_TIMEOUT counted from start', async (t) => {
  const { d, fake, log } = deps(t, { WARMING_TIMEOUT: '300' })
  const started = Date.now()
  const run = runLifecycle(d)
  while (!fake.calls.includes('next')) await new Promise((r) => setTimeout(r, 5))
  const waited = Date.now() - started
  t.ok(waited >= 280 && waited < 3000, `released after ${waited} ms`)
  fake.shutdown()
  t.equal(await run, 0)
  t.same(outcomes(log).map((l) => l.fields?.outcome), ['timeout'])
})

t.test('error: <reason> posts init/error and exits non-zero without calling next', async (t) => {
  const { d, fake, log, socketPath } = deps(t, { WARMING_TIMEOUT: '5000' })
  const run = runLifecycle(d)
  await new Promise((r) => setTimeout(r, 50))
  t.equal(await exchange(socketPath, ['error: db down\n']), 'ok\n')
  t.equal(await run, 1)
  t.same(fake.calls, ['listen', 'register:wait-for-init:SHUTDOWN', `initError:${FUNCTION_INIT_FAILED}:db down`])
  t.same(outcomes(log).map((l) => l.fields?.outcome), ['failed'])
})

t.test('register failure: clear error, exit 1, socket cleaned up', async (t) => {
  const { d, fake, log, socketPath } = deps(t, { WARMING_TIMEOUT: '5000' })
  fake.registerError = new Error('register answered HTTP 403 (Extension.InvalidExtensionName)')
  t.equal(await runLifecycle(d), 1)
  t.match(log.lines.find((l) => l.level === 'ERROR')?.message, /could not register.*403/)
  await t.rejects(exchange(socketPath, ['ready\n']), { code: 'ENOENT' })
})

t.test('a socket path that cannot be used: one error line and no hold', async (t) => {
  const { d, fake, log } = deps(t, { WARMING_TIMEOUT: '5000' })
  d.createListener = (onSignal) => new ReadinessListener({ path: '/nonexistent-dir/x.sock', log, onSignal })
  const run = runLifecycle(d)
  await new Promise((r) => setTimeout(r, 20))
  t.same(fake.calls, ['register:wait-for-init:SHUTDOWN', 'next'])
  fake.shutdown()
  t.equal(await run, 0)
  t.equal(log.lines.filter((l) => l.level === 'ERROR').length, 1)
  t.same(outcomes(log).map((l) => l.fields?.outcome), ['no-hold'])
})

t.test('event/next failing exits 1 with the reason', async (t) => {
  const { d, fake, log } = deps(t, {})
  fake.registered.nextEvent = () => Promise.reject(new Error('event/next answered HTTP 500 (InternalServerError)'))
  t.equal(await runLifecycle(d), 1)
  t.match(log.lines.at(-1)?.message, /event\/next failed: .*500/)
})

t.test('an INVOKE (never subscribed) does not wedge the loop: event/next again, then SHUTDOWN', async (t) => {
  const { d, fake } = deps(t, {})
  const events: LambdaEvent[] = [{ eventType: 'INVOKE' }, { eventType: 'shutdown' }]
  fake.registered.nextEvent = async () => {
    fake.calls.push('next')
    return events.shift()!
  }
  t.equal(await runLifecycle(d), 0, 'lower-case shutdown is SHUTDOWN too')
  t.same(fake.calls, ['register:wait-for-init:SHUTDOWN', 'next', 'next'])
})

t.test('the outcome line is one record: failed carries the held time and the sanitized reason', async (t) => {
  const { d, log, socketPath } = deps(t, { WARMING_TIMEOUT: '5000' })
  const run = runLifecycle(d)
  await new Promise((r) => setTimeout(r, 50))
  await exchange(socketPath, ['error: bad\u0007thing\n'])
  t.equal(await run, 1)
  const [line] = outcomes(log)
  t.equal(line.level, 'ERROR')
  t.match(line.message, /^init outcome=failed by=error held=\d+ms: the function reported: bad thing$/, 'one line, the control character made safe')
  t.equal(line.fields?.outcome, 'failed')
  t.equal(line.fields?.releasedBy, 'error')
  t.type(line.fields?.heldMs, 'number')
})

t.test('init/error that never answers: gives up after INIT_ERROR_WAIT_MS and exits 1', async (t) => {
  // The clock is the lifecycle's injected timer, not the wall clock: the test used to start its
  // own stopwatch after the client's answer arrived, while the lifecycle's 1 000 ms had started
  // before it was written, so a stall of 50 ms between the two on a loaded machine failed it.
  const { d, fake, log, socketPath } = deps(t, { WARMING_TIMEOUT: '5000' })
  fake.registered.initError = () => new Promise(() => {})
  let giveUp: { ms: number; fire: () => void } | undefined
  let armed: () => void = () => {}
  const giveUpArmed = new Promise<void>((resolve) => (armed = resolve))
  const realTimer = d.setTimer
  d.setTimer = (ms, fn) => {
    if (ms !== INIT_ERROR_WAIT_MS) return realTimer(ms, fn) // the hold's own WARMING_TIMEOUT timer
    giveUp = { ms, fire: fn }
    armed()
    return { cancel: () => (giveUp = undefined) }
  }
  let exited: number | undefined
  const run = runLifecycle(d).then((code) => (exited = code))
  await new Promise((r) => setTimeout(r, 50))
  await exchange(socketPath, ['error: db down\n'])
  await Promise.race([giveUpArmed, new Promise((r) => setTimeout(r, 10_000).unref())])
  t.equal(giveUp?.ms, INIT_ERROR_WAIT_MS, 'init/error is bounded by INIT_ERROR_WAIT_MS')
  if (!giveUp) return
  await new Promise((r) => setImmediate(r))
  t.equal(exited, undefined, 'still waiting for init/error until the bound runs out')
  giveUp.fire()
  t.equal(await run, 1)
  t.match(log.lines.at(-1)?.message, /init\/error not answered within 1000 ms/)
})

t.test('a stop signal during the hold: logged, socket removed by its one owner, exit 0 without event/next', async (t) => {
  let stop: (signal: string) => void = () => {}
  const { d, fake, log, socketPath } = deps(t, { WARMING_TIMEOUT: '5000' }, { onTerminate: (s) => (stop = s) })
  const run = runLifecycle(d)
  await new Promise((r) => setTimeout(r, 50))
  t.ok(fs.existsSync(socketPath), 'listening while held')
  stop('SIGTERM')
  t.equal(await run, 0)
  t.notOk(fs.existsSync(socketPath), 'socket removed')
  t.match(log.lines.at(-1)?.message, /^SIGTERM received after \d+ ms; exiting$/)
  t.notOk(fake.calls.includes('next'), 'no event/next')
})

t.test('a socket owned by someone else is never deleted, on any exit path', async (t) => {
  const { d, fake, socketPath } = deps(t, { WARMING_TIMEOUT: '5000' })
  const other = net.createServer()
  await new Promise<void>((r) => other.listen(socketPath, r))
  t.teardown(() => other.close())
  fake.registerError = new Error('register answered HTTP 500')
  t.equal(await runLifecycle(d), 1)
  t.ok(fs.existsSync(socketPath), "the other process's socket is still there")
})
