// Named readiness gates: configuration, the tracker, the protocol grammar, the listener and the
// lifecycle's outcome line.
import t from 'tap'
import path from 'node:path'
import { createGateTracker, parseGates, MAX_GATES } from '../../extension-src/gates'
import { ReadinessListener } from '../../extension-src/readiness-listener'
import { runLifecycle, LifecycleDeps } from '../../extension-src/lifecycle'
import { parseConfig } from '../../extension-src/config'
import type { InitOutcome } from '../../extension-src/init-outcome'
import type { LambdaEvent } from '../../extension-src/extensions-api'
import {
  formatReady, formatUnknownGateReply, isUnknownGateReply, isValidGateName, MAX_MESSAGE_BYTES, parseMessage, Signal,
} from '../../protocol/signal-protocol'
import { exchange, recordingLogger, shortTempDir } from './helpers'
import fc from 'fast-check'
import { anyCase } from '../contract/arbitraries'

t.test('parseGates: comma-separated names, whitespace around them ignored', async (t) => {
  t.same(parseGates(undefined), { gates: [] })
  t.same(parseGates('  '), { gates: [] })
  t.same(parseGates('db'), { gates: ['db'] })
  t.same(parseGates('db, cache ,secrets.v2,trace-1,A_Z'), { gates: ['db', 'cache', 'secrets.v2', 'trace-1', 'A_Z'] })
  t.same(parseGates('x'.repeat(64)).gates, ['x'.repeat(64)])
})

t.test('parseGates: anything else is one problem naming the variable and the value', async (t) => {
  for (const raw of ['db,,cache', 'db,', 'my db', 'db;cache', 'é', 'x'.repeat(65), 'db,db', 'db,a\nb']) {
    const r = parseGates(raw)
    t.same(r.gates, [], `${JSON.stringify(raw)}: no gates`)
    t.match(r.problem, /^WAIT_FOR_INIT_GATES=/, `${JSON.stringify(raw)}: names the variable`)
    t.ok(r.problem!.includes(JSON.stringify(raw)), `${JSON.stringify(raw)}: names the value`)
    t.match(r.problem, /not holding Init$/)
  }
  const many = Array.from({ length: MAX_GATES + 1 }, (_, i) => `g${i}`).join(',')
  t.match(parseGates(many).problem, /at most 32/)
})

t.test('parseConfig: invalid gates mean no hold; gates without WARMING_TIMEOUT warn', async (t) => {
  const base = { AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001', WARMING_TIMEOUT: '5000' }
  const good = parseConfig({ ...base, WAIT_FOR_INIT_GATES: 'db,cache' })
  t.same(good.config.gates, ['db', 'cache'])
  t.equal(good.config.holdMs, 5000)
  t.same(good.problems, [])
  const bad = parseConfig({ ...base, WAIT_FOR_INIT_GATES: 'db cache' })
  t.equal(bad.config.holdMs, null, 'no hold')
  t.equal(bad.problems.length, 1, 'one problem')
  t.match(bad.problems[0], { level: 'error', variable: 'WAIT_FOR_INIT_GATES', message: /"db cache"/ })
  const unused = parseConfig({ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001', WAIT_FOR_INIT_GATES: 'db' })
  t.match(unused.problems, [{ level: 'warn', variable: 'WAIT_FOR_INIT_GATES', message: /WARMING_TIMEOUT is not/ }])
})

t.test('protocol: ready <gate> (keyword case-insensitive, name exact) and formatReady', async (t) => {
  t.same(parseMessage('ready db'), { kind: 'ready', gate: 'db' })
  t.same(parseMessage('  READY   Cache.v2 \n'), { kind: 'ready', gate: 'Cache.v2' }, 'name kept exactly')
  t.same(parseMessage('ready'), { kind: 'ready' })
  t.same(parseMessage('ready db cache'), { kind: 'unknown' }, 'one name per message')
  t.same(parseMessage('ready d\u00e9j\u00e0'), { kind: 'unknown' }, 'a name outside the grammar')
  t.same(parseMessage(`ready ${'x'.repeat(65)}`), { kind: 'unknown' })
  t.same(parseMessage('readydb'), { kind: 'unknown' })
  t.equal(formatReady(), 'ready')
  t.equal(formatReady('db'), 'ready db')
  t.same(parseMessage(formatReady('tracer_1')), { kind: 'ready', gate: 'tracer_1' }, 'round trip')
  t.ok(isValidGateName('a.b-c_D9'))
  t.notOk(isValidGateName(''))
  t.notOk(isValidGateName('a b'))
  t.notOk(isValidGateName(7))
})

t.test('protocol (property): any valid name after any-case "ready" parses as that gate, exactly', async (t) => {
  const nameChar = fc.constantFrom(...'ABCXYZabcxyz0189_.-')
  const name = fc.string({ unit: nameChar, minLength: 1, maxLength: 64 })
  const gap = fc.string({ unit: fc.constantFrom(' ', '\t'), minLength: 1, maxLength: 3 })
  const result = fc.check(fc.property(anyCase('ready'), gap, name, (keyword, space, gate) => {
    const parsed = parseMessage(`${keyword}${space}${gate}\n`)
    return parsed.kind === 'ready' && parsed.gate === gate && parseMessage(formatReady(gate)).kind === 'ready'
  }), { numRuns: 500 })
  t.notOk(result.failed, result.counterexample ? `counterexample ${JSON.stringify(result.counterexample)}` : 'no counterexample')
  t.equal(result.numRuns, 500)
})

t.test('protocol: the unknown-gate reply names the gate and the configured ones, within the message limit', async (t) => {
  const reply = formatUnknownGateReply('dbx', ['db', 'cache'])
  t.equal(reply, 'error: unknown gate "dbx"; configured gates: db,cache\n')
  t.ok(isUnknownGateReply(reply))
  t.notOk(isUnknownGateReply('ok\n'))
  const many = Array.from({ length: 32 }, (_, i) => `gate-${i}-${'x'.repeat(50)}`)
  const long = formatUnknownGateReply('y'.repeat(64), many)
  t.ok(Buffer.byteLength(long) <= MAX_MESSAGE_BYTES, `${Buffer.byteLength(long)} bytes`)
  t.match(long, /…\n$/)
  t.equal(long.indexOf('\n'), long.length - 1, 'one line')
})

t.test('tracker: released when every gate is ready; a bare ready releases all', async (t) => {
  let clock = 0
  const g = createGateTracker(['db', 'cache'], () => clock)
  t.same(g.pending(), ['db', 'cache'])
  clock = 300
  t.same(g.admit('db'), { kind: 'pending', pending: ['cache'] })
  clock = 400
  t.same(g.admit('db'), { kind: 'pending', pending: ['cache'] }, 'a repeated gate is harmless')
  t.equal(g.readyAt('db'), 300, 'first ready time kept')
  t.same(g.admit('nope'), { kind: 'unknown' })
  t.same(g.admit('Cache'), { kind: 'unknown' }, 'names are exact')
  t.same(g.pending(), ['cache'], 'unknown gates change nothing')
  clock = 900
  t.same(g.admit('cache'), { kind: 'complete' })
  t.equal(g.readyAt('cache'), 900)
  t.same(g.pending(), [])

  t.same(g.skipped(), [], 'every gate reported: nothing skipped')

  const bare = createGateTracker(['db', 'cache', 'secrets'], () => 0)
  t.same(bare.admit('cache'), { kind: 'pending', pending: ['db', 'secrets'] })
  t.same(bare.admit(undefined), { kind: 'complete' })
  t.same(bare.pending(), [], 'a bare ready leaves nothing pending')
  t.same(bare.skipped(), ['db', 'secrets'], 'but remembers what it skipped, in configuration order')
  t.same(bare.admit(undefined), { kind: 'complete' })
  t.same(bare.skipped(), ['db', 'secrets'], 'a second bare ready changes nothing')
})

t.test('tracker without configured gates: a named ready counts as a bare one', async (t) => {
  const g = createGateTracker([], () => 0)
  t.same(g.admit('db'), { kind: 'complete' })
  t.same(g.pending(), [])
  t.same(g.skipped(), [], 'no gates, nothing skipped')
})

function gatedListener(t: Parameters<typeof shortTempDir>[0], gates: string[]) {
  const socketPath = path.join(shortTempDir(t), 'g.sock')
  const signals: Signal[] = []
  const log = recordingLogger()
  let clock = 0
  const tracker = createGateTracker(gates, () => clock)
  const listener = new ReadinessListener({ path: socketPath, log, onSignal: (s) => signals.push(s), gates: tracker })
  t.teardown(() => listener.close())
  return { listener, signals, log, socketPath, tracker, tick: (ms: number) => (clock = ms) }
}

t.test('listener: onSignal only once every gate said ready; each gate logged at debug', async (t) => {
  const { listener, signals, log, socketPath, tick } = gatedListener(t, ['db', 'cache'])
  await listener.start()
  tick(300)
  t.equal(await exchange(socketPath, ['ready db\n']), 'ok\n')
  t.same(signals, [], 'one gate of two: not released')
  t.equal(await exchange(socketPath, ['ready nope\n']), 'error: unknown gate "nope"; configured gates: db,cache\n')
  t.same(signals, [], 'an unknown gate releases nothing')
  tick(900)
  t.equal(await exchange(socketPath, ['READY cache\n']), 'ok\n')
  t.same(signals, [{ kind: 'ready', gate: 'cache' }], 'released by the last gate')
  const debug = log.lines.filter((l) => l.level === 'DEBUG').map((l) => l.message)
  t.same(debug, ['gate db ready at 300ms; waiting for cache', 'gate cache ready at 900ms; all gates ready'])
  t.match(log.lines.find((l) => l.level === 'WARN')?.message, /"ready nope" names no configured gate/)
})

t.test('listener: a bare ready releases all gates; error still fails Init', async (t) => {
  const a = gatedListener(t, ['db', 'cache'])
  await a.listener.start()
  t.equal(await exchange(a.socketPath, ['ready db\n']), 'ok\n')
  t.equal(await exchange(a.socketPath, ['ready\n']), 'ok\n')
  t.same(a.signals, [{ kind: 'ready' }])

  const b = gatedListener(t, ['db', 'cache'])
  await b.listener.start()
  t.equal(await exchange(b.socketPath, ['ready db\n']), 'ok\n')
  t.equal(await exchange(b.socketPath, ['error: pool exhausted\n']), 'ok\n')
  t.same(b.signals, [{ kind: 'failed', reason: 'pool exhausted' }])
  t.match(await exchange(b.socketPath, ['ready cache\n']), /already reported as failed/, 'no ready after a failure')
  t.equal(b.signals.length, 1)
})

t.test('listener without configured gates: ready <name> releases (a library may always name its gate)', async (t) => {
  const { listener, signals, socketPath } = gatedListener(t, [])
  await listener.start()
  t.equal(await exchange(socketPath, ['ready tracer\n']), 'ok\n')
  t.same(signals, [{ kind: 'ready', gate: 'tracer' }])
})

/** The lifecycle with a real gated listener and a fake Extensions API. */
function gatedLifecycle(t: Parameters<typeof shortTempDir>[0], env: Record<string, string>) {
  const socketPath = path.join(shortTempDir(t), 'l.sock')
  const { config } = parseConfig({ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:1', WAIT_FOR_INIT_SOCKET: socketPath, ...env })
  const log = recordingLogger()
  const started = performance.now()
  const elapsed = () => performance.now() - started
  const tracker = createGateTracker(config.gates, elapsed)
  const records: InitOutcome[] = []
  let shutdown: (e: LambdaEvent) => void = () => {}
  const shutdownEvent = new Promise<LambdaEvent>((r) => (shutdown = r))
  let nextCalls = 0
  const d: LifecycleDeps = {
    config,
    extensionName: 'wait-for-init',
    api: {
      register: async () => ({
        identifier: 'id',
        nextEvent: () => {
          nextCalls++
          return shutdownEvent
        },
        initError: async () => undefined,
      }),
    },
    log,
    createListener: (onSignal) => new ReadinessListener({ path: socketPath, log, onSignal, gates: tracker }),
    elapsedMs: elapsed,
    setTimer: (ms, fn) => {
      const h = setTimeout(fn, ms)
      return { cancel: () => clearTimeout(h) }
    },
    pendingGates: () => tracker.pending(),
    skippedGates: () => tracker.skipped(),
    onOutcome: (r) => records.push(r),
  }
  const done = runLifecycle(d)
  return { done, log, records, socketPath, nextCalls: () => nextCalls, stop: () => shutdown({ eventType: 'SHUTDOWN', shutdownReason: 'spindown', deadlineMs: 0 }) }
}

async function waitForSocket(socketPath: string): Promise<void> {
  const fs = await import('node:fs')
  for (let i = 0; i < 200 && !fs.existsSync(socketPath); i++) await new Promise((r) => setTimeout(r, 5))
}

t.test('lifecycle: timeout with a gate pending names it in the outcome line and the record', async (t) => {
  const run = gatedLifecycle(t, { WARMING_TIMEOUT: '400', WAIT_FOR_INIT_GATES: 'db,cache' })
  await waitForSocket(run.socketPath)
  t.equal(await exchange(run.socketPath, ['ready db\n']), 'ok\n')
  while (run.nextCalls() === 0) await new Promise((r) => setTimeout(r, 10))
  run.stop()
  t.equal(await run.done, 0)
  const line = run.log.lines.find((l) => /^init outcome=/.test(l.message))
  t.match(line?.message, /^init outcome=timeout by=timeout held=\d+ms pending=cache: gate\(s\) cache not ready within 400 ms$/)
  t.equal(run.records.length, 1, 'one record')
  t.same(run.records[0].pendingGates, ['cache'])
  t.same(run.records[0].skippedGates, [])
  t.equal(run.records[0].outcome, 'timeout')
  t.equal(run.records[0].by, 'timeout')
  t.equal(line?.message.match(/held=(\d+)ms/)?.[1], String(run.records[0].heldMs), 'line and record agree')
})

t.test('lifecycle: every gate ready releases with outcome=ready, by the last gate, and nothing pending', async (t) => {
  const run = gatedLifecycle(t, { WARMING_TIMEOUT: '8000', WAIT_FOR_INIT_GATES: 'db,cache' })
  await waitForSocket(run.socketPath)
  await exchange(run.socketPath, ['ready cache\n'])
  t.equal(run.nextCalls(), 0, 'still held after one gate')
  await exchange(run.socketPath, ['ready db\n'])
  while (run.nextCalls() === 0) await new Promise((r) => setTimeout(r, 10))
  run.stop()
  t.equal(await run.done, 0)
  t.equal(run.records.length, 1, 'exactly one record')
  const [record] = run.records
  t.same(record, { outcome: 'ready', by: 'gate:db', heldMs: record.heldMs, pendingGates: [], skippedGates: [], initType: 'unknown' }, 'the whole record, nothing extra')
  t.ok(record.heldMs < 8000)
  const line = run.log.lines.filter((l) => /^init outcome=/.test(l.message))
  t.same(line.map((l) => [l.level, l.message]), [['INFO', `init outcome=ready by=gate:db held=${record.heldMs}ms`]])
})

t.test('lifecycle: a bare ready with gates configured releases, and the outcome names the skipped gates at WARN', async (t) => {
  const run = gatedLifecycle(t, { WARMING_TIMEOUT: '8000', WAIT_FOR_INIT_GATES: 'db,cache,secrets' })
  await waitForSocket(run.socketPath)
  await exchange(run.socketPath, ['ready cache\n'])
  await exchange(run.socketPath, ['ready\n'])
  while (run.nextCalls() === 0) await new Promise((r) => setTimeout(r, 10))
  run.stop()
  t.equal(await run.done, 0)
  t.equal(run.records.length, 1)
  t.match(run.records[0], { outcome: 'ready', by: 'ready', pendingGates: [], skippedGates: ['db', 'secrets'] })
  const lines = run.log.lines.filter((l) => /^init outcome=/.test(l.message))
  t.equal(lines.length, 1)
  t.equal(lines[0].level, 'WARN')
  t.equal(lines[0].message, `init outcome=ready by=ready held=${run.records[0].heldMs}ms skipped=db,secrets: a bare "ready" released Init before gate(s) db,secrets`)
  t.same(lines[0].fields, { outcome: 'ready', releasedBy: 'ready', heldMs: run.records[0].heldMs, skippedGates: ['db', 'secrets'] })
})

t.test('lifecycle without configured gates: a named ready releases, and the INFO outcome line names it as taken for a bare one', async (t) => {
  const run = gatedLifecycle(t, { WARMING_TIMEOUT: '8000' })
  await waitForSocket(run.socketPath)
  t.equal(await exchange(run.socketPath, ['ready tracer\n']), 'ok\n')
  while (run.nextCalls() === 0) await new Promise((r) => setTimeout(r, 10))
  run.stop()
  t.equal(await run.done, 0)
  t.match(run.records, [{ outcome: 'ready', by: 'gate:tracer', gateTakenAsBare: true, skippedGates: [] }])
  t.equal(run.records.length, 1)
  const lines = run.log.lines.filter((l) => /^init outcome=/.test(l.message))
  t.same(lines.map((l) => [l.level, l.message]), [
    ['INFO', `init outcome=ready by=gate:tracer held=${run.records[0].heldMs}ms: taken as a bare ready because WAIT_FOR_INIT_GATES is not set`],
  ])
})
