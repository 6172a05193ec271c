import t from 'tap'
import path from 'node:path'
import { runLifecycle, LifecycleDeps, FUNCTION_INIT_FAILED } from '../../extension-src/lifecycle'
import { ReadinessListener } from '../../extension-src/readiness-listener'
import { parseConfig } from '../../extension-src/config'
import type { LambdaEvent } from '../../extension-src/extensions-api'
import { exchange, recordingLogger, shortTempDir } from './helpers'

/** A scripted Extensions API that records the order of calls. */
function fakeApi() {
  const calls: string[] = []
  let releaseShutdown: (e: LambdaEvent) => void = () => {}
  const shutdown = new Promise<LambdaEvent>((r) => (releaseShutdown = r))
  return {
    calls,
    shutdown: () => releaseShutdown({ eventType: 'SHUTDOWN', shutdownReason: 'spindown', deadlineMs: Date.now() + 2000 }),
    registerError: undefined as Error | undefined,
    api: {
      async register(name: string, events: string[]) {
        calls.push(`register:${name}:${events.join(',')}`)
        if (this.registerError) throw this.registerError
        return 'id'
      },
      nextEvent() {
        calls.push('next')
        return shutdown
      },
      async initError(type: string, message: string) {
        calls.push(`initError:${type}:${message}`)
      },
    } as LifecycleDeps['api'] & { registerError?: Error },
  }
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
  t.same(outcomes(log).map((l) => l.fields), [{ outcome: 'no-hold', heldMs: 0 }])
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
  ;(fake.api as { registerError?: Error }).registerError = new Error('register answered HTTP 403 (Extension.InvalidExtensionName)')
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
  const { d, log } = deps(t, {})
  d.api = { ...d.api, nextEvent: () => Promise.reject(new Error('event/next answered HTTP 500 (InternalServerError)')) }
  t.equal(await runLifecycle(d), 1)
  t.match(log.lines.at(-1)?.message, /event\/next failed: .*500/)
})
