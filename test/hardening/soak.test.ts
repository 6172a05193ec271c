// Reliability, soak (docs/reliability.md), short form for the tap suite: 20 consecutive lifecycles of the built extension
// (the full 200 are `make soak`, test/soak/soak.ts), each with a correct outcome line and no leak.
import t from 'tap'
import { runCycle, runSoak, listeningSockets } from '../soak/soak-runner'
import { HOSTILE_FUNCTION, layerSandbox, requireLayer, startHolding, talk } from './helpers'

t.test('the leak probe sees the listening socket while the extension holds (control)', async (t) => {
  const sb = layerSandbox(t, { env: { WARMING_TIMEOUT: '8000' } })
  const h = await startHolding(sb)
  t.equal(listeningSockets(h.pid), 1, 'one listening socket during the hold')
  await talk(h.socketPath, ['ready\n'])
  await h.init
  t.equal(listeningSockets(h.pid), 0, 'none after the release')
})

t.test('20 consecutive lifecycles: Init held until ready, 2 invokes, SHUTDOWN; nothing leaks', async (t) => {
  const result = await runSoak({ layerDir: requireLayer(), functionDir: HOSTILE_FUNCTION, cycles: 20 })
  for (const c of result.cycles) t.same(c.problems, [], `cycle ${c.index + 1} (${c.mode}, ${Math.round(c.ms)} ms): ${c.outcomeLine}`)
  t.same(result.problems, [], `descriptors of the test process: ${result.fdsBefore} → ${result.fdsAfter}`)
  t.equal(result.failed, 0)
  t.comment(`20 lifecycles in ${Math.round(result.totalMs)} ms`)
})

t.test('a cycle that ends by timeout instead of ready is reported (the checks can fail)', async (t) => {
  const c = await runCycle(1, { layerDir: requireLayer(), functionDir: HOSTILE_FUNCTION, cycles: 1, env: { SIGNAL_MODE: 'never', WARMING_TIMEOUT: '200' } })
  t.ok(c.problems.some((p) => /outcome lines: .*outcome=timeout/.test(p)), `reported: ${c.problems.join(' | ')}`)
})
