// Named gates from a Python function: the real SEA and the layer's python/wait_for_init client in
// the sandbox under a Python custom runtime (python3 stands for Lambda's python3.x runtimes).
// "db" is signalled by signal_ready(gate="db"), "cache" by hold_init_until(..., gate="cache").
import path from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { FIXTURES, outcomeLines, ours } from './harness'
import { python3, startPythonSandbox } from '../workflows/python-helpers'

const python = python3()
type Part = { doneAt: number; result: string | null }
type State = { loadedAt: number; db: Part; cache: Part }

const start = (t: Test, env: Record<string, string>) =>
  startPythonSandbox(t, python!, path.join(FIXTURES, 'functions', 'python-gates'), env)

if (!python) t.plan(0, 'python3 not installed')
else {
  t.test('signal_ready(gate="db") at ~300 ms and hold_init_until(gate="cache") at ~900 ms: released after both', async (t) => {
    const sb = await start(t, { WARMING_TIMEOUT: '8000', WAIT_FOR_INIT_GATES: 'db,cache', DB_MS: '300', CACHE_MS: '900' })
    if (!sb) return
    const init = await sb.init()
    t.notOk(init.failed)
    const state = (await sb.invoke({})).result as State
    t.equal(state.db.result, 'accepted')
    t.equal(state.cache.result, 'accepted')
    t.ok(state.db.doneAt < state.cache.doneAt, 'db finished first')
    t.ok(init.completedAt! >= state.cache.doneAt, 'Init completed after the cache gate, not at db')
    t.ok(init.completedAt! - state.loadedAt < 5000, `released ${Math.round(init.completedAt! - state.loadedAt)} ms after load, well before 8000`)
    t.match(outcomeLines(ours(sb.report())), [/init outcome=ready by=gate:(db|cache) held=\d+ms$/])
  })

  t.test('a gate the operator did not configure is refused; the timeout names the pending one', async (t) => {
    const sb = await start(t, { WARMING_TIMEOUT: '2000', WAIT_FOR_INIT_GATES: 'cache,secrets', DB_MS: '100', CACHE_MS: '200' })
    if (!sb) return
    const init = await sb.init()
    t.notOk(init.failed)
    const state = (await sb.invoke({})).result as State
    t.equal(state.db.result, 'too-late', '"db" is not a configured gate')
    t.equal(state.cache.result, 'accepted')
    t.match(outcomeLines(ours(sb.report())), [/init outcome=timeout by=timeout held=\d+ms pending=secrets:/])
  })
}
