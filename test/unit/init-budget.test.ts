import t from 'tap'
import { emulatorCapFor, functionTimeoutSecondsFor, initBudgetFor, MAX_FUNCTION_TIMEOUT_S, MIN_HANDLER_SHARE_MS } from '../../extension-src/init-budget'

t.test('emulator cap: the handler keeps max(1 s, a third of the timeout)', async (t) => {
  t.same(emulatorCapFor(3000), { functionTimeoutMs: 3000, handlerShareMs: 1000, maxHoldMs: 2000 })
  t.same(emulatorCapFor(6000), { functionTimeoutMs: 6000, handlerShareMs: 2000, maxHoldMs: 4000 })
  t.same(emulatorCapFor(300_000), { functionTimeoutMs: 300_000, handlerShareMs: 100_000, maxHoldMs: 200_000 })
  t.equal(emulatorCapFor(1000).maxHoldMs, 0, '1 s: nothing left to hold')
  t.equal(emulatorCapFor(1500).maxHoldMs, 500)
  for (let s = 1; s <= 900; s++) {
    const c = emulatorCapFor(s * 1000)
    if (c.maxHoldMs + c.handlerShareMs !== c.functionTimeoutMs && c.maxHoldMs !== 0) t.fail(`${s} s: parts do not add up`)
    if (c.handlerShareMs < MIN_HANDLER_SHARE_MS) t.fail(`${s} s: handler share ${c.handlerShareMs} < 1 s`)
  }
})

t.test('the cap is what keeps sam local alive: without it, a 5 s hold outlasts a 3 s timeout', async (t) => {
  // The sandbox's RIE mode proves it with processes (test/workflows/sam-local.test.ts); here the
  // arithmetic: Init + handler must fit the function timeout.
  const timeoutMs = 3000
  const uncapped = Math.min(5000, initBudgetFor(undefined).maxHoldMs)
  t.ok(uncapped >= timeoutMs, `uncapped hold ${uncapped} ms ≥ timeout ${timeoutMs} ms: every invoke would time out`)
  t.ok(emulatorCapFor(timeoutMs).maxHoldMs < timeoutMs, 'capped hold ends before the timeout')
})

t.test('initialization types', async (t) => {
  t.equal(initBudgetFor('lambda-managed-instances').initializationType, 'lambda-managed-instances')
  t.equal(initBudgetFor(' Lambda-Managed-Instances ').maxHoldMs, 125_000, 'trimmed, case-insensitive')
  t.equal(initBudgetFor('').initializationType, 'unknown')
  t.equal(initBudgetFor('snap-start').maxHoldMs, 125_000)
  t.equal(initBudgetFor('on-demand').maxHoldMs, 9000)
})

t.test('the advised function timeout is the smallest that lets the whole hold through', async (t) => {
  t.equal(functionTimeoutSecondsFor(5000), 8, '5 s hold → 8 s timeout (5 s + a third of 8 s)')
  t.equal(functionTimeoutSecondsFor(1000), 2)
  for (let hold = 1; hold <= 60_000; hold += 997) {
    const s = functionTimeoutSecondsFor(hold)
    if (s === null) {
      t.fail(`${hold} ms: no advice`)
      continue
    }
    if (emulatorCapFor(s * 1000).maxHoldMs < hold) t.fail(`${hold} ms: ${s} s is too short`)
    if (s > 1 && emulatorCapFor((s - 1) * 1000).maxHoldMs >= hold) t.fail(`${hold} ms: ${s - 1} s would do`)
  }
})

t.test('the advice never names a function timeout above Lambda\'s 900 s maximum', async (t) => {
  t.equal(functionTimeoutSecondsFor(599_000), 899, 'the largest hold 900 s still lets through: 599 s + a third')
  t.equal(functionTimeoutSecondsFor(600_000), 900)
  t.equal(functionTimeoutSecondsFor(600_001), null, 'no timeout up to 900 s holds more')
  t.equal(functionTimeoutSecondsFor(900_000), null, 'WARMING_TIMEOUT=900000: no advice, never 1 350 s')
  t.equal(MAX_FUNCTION_TIMEOUT_S, 900)
})
