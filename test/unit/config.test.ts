import t from 'tap'
import { parseConfig, parseWarmingTimeout, validateSocketPath, DEFAULT_SOCKET_PATH, MAX_WARMING_TIMEOUT_MS } from '../../extension-src/config'
import { initBudgetFor } from '../../extension-src/init-budget'

const base = { AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001' }

t.test('WARMING_TIMEOUT: unset, empty and blank mean "no hold" without an error', async (t) => {
  for (const raw of [undefined, '', '   ', '\t']) {
    const r = parseWarmingTimeout(raw)
    t.equal(r.value, null, `value for ${JSON.stringify(raw)}`)
    t.equal(r.problem, undefined, `no problem for ${JSON.stringify(raw)}`)
  }
})

t.test('WARMING_TIMEOUT: valid whole numbers, surrounding blanks tolerated', async (t) => {
  t.equal(parseWarmingTimeout('1').value, 1)
  t.equal(parseWarmingTimeout('5000').value, 5000)
  t.equal(parseWarmingTimeout(' 2500 ').value, 2500)
  t.equal(parseWarmingTimeout(String(MAX_WARMING_TIMEOUT_MS)).value, MAX_WARMING_TIMEOUT_MS)
})

t.test('WARMING_TIMEOUT: every invalid value is rejected with a message naming the variable and value', async (t) => {
  for (const raw of ['abc', '-5', '1.5', '1e99', '1e3', '0x10', 'Infinity', '-Infinity', 'NaN', '0', '00', '+5', '5ms', '5 000', String(MAX_WARMING_TIMEOUT_MS + 1), '99999999999999999999999']) {
    const r = parseWarmingTimeout(raw)
    t.equal(r.value, null, `${raw} → no hold`)
    t.match(r.problem, /^WARMING_TIMEOUT=/, `${raw} → names the variable`)
    t.ok(r.problem!.includes(JSON.stringify(raw)), `${raw} → quotes the value`)
  }
})

t.test('socket path validation', async (t) => {
  t.equal(validateSocketPath(undefined).value, DEFAULT_SOCKET_PATH)
  t.equal(validateSocketPath('').value, DEFAULT_SOCKET_PATH)
  t.equal(validateSocketPath('/tmp/x.sock').problem, undefined)
  t.match(validateSocketPath('relative.sock').problem, /WAIT_FOR_INIT_SOCKET=.*absolute/)
  t.match(validateSocketPath('/tmp/' + 'a'.repeat(103)).problem, /108|107|at most/)
  t.equal(validateSocketPath('/tmp/' + 'a'.repeat(102)).problem, undefined, '107 bytes is the longest allowed')
})

t.test('Init budget per initialization type (spec §6)', async (t) => {
  t.equal(initBudgetFor('on-demand').limitMs, 10_000)
  t.equal(initBudgetFor(undefined).limitMs, 10_000, 'missing → strictest')
  t.equal(initBudgetFor('lambda-managed-instances').limitMs, 10_000, 'unfamiliar → strictest')
  t.equal(initBudgetFor('provisioned-concurrency').limitMs, 130_000)
  t.equal(initBudgetFor('snap-start').limitMs, 130_000)
  for (const type of ['on-demand', 'provisioned-concurrency']) {
    const b = initBudgetFor(type)
    t.ok(b.maxHoldMs > 0 && b.maxHoldMs < b.limitMs, `${type}: hold strictly inside the limit`)
  }
})

t.test('parseConfig caps the hold at the Init budget with a warning', async (t) => {
  const onDemand = parseConfig({ ...base, WARMING_TIMEOUT: '60000', AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' })
  t.equal(onDemand.config.holdMs, initBudgetFor('on-demand').maxHoldMs)
  t.equal(onDemand.config.requestedHoldMs, 60000)
  t.equal(onDemand.problems.length, 1)
  t.equal(onDemand.problems[0].level, 'warn')
  t.match(onDemand.problems[0].message, /WARMING_TIMEOUT=60000 exceeds/)

  const pc = parseConfig({ ...base, WARMING_TIMEOUT: '60000', AWS_LAMBDA_INITIALIZATION_TYPE: 'provisioned-concurrency' })
  t.equal(pc.config.holdMs, 60000, 'provisioned concurrency allows a minute')
  t.same(pc.problems, [])
})

t.test('parseConfig: a bad socket path disables the hold; a bad timeout too', async (t) => {
  const badPath = parseConfig({ ...base, WARMING_TIMEOUT: '3000', WAIT_FOR_INIT_SOCKET: 'x.sock' })
  t.equal(badPath.config.holdMs, null)
  t.equal(badPath.problems[0].variable, 'WAIT_FOR_INIT_SOCKET')
  const badTimeout = parseConfig({ ...base, WARMING_TIMEOUT: 'soon' })
  t.equal(badTimeout.config.holdMs, null)
  t.equal(badTimeout.problems[0].level, 'error')
  t.notOk(badTimeout.fatal)
})

t.test('parseConfig: missing AWS_LAMBDA_RUNTIME_API is fatal with a clear message', async (t) => {
  for (const value of [undefined, '', 'http://127.0.0.1:9001', 'localhost']) {
    const r = parseConfig({ AWS_LAMBDA_RUNTIME_API: value })
    t.ok(r.fatal, `fatal for ${JSON.stringify(value)}`)
    t.match(r.fatal!.message, /AWS_LAMBDA_RUNTIME_API=/)
  }
  t.notOk(parseConfig({ AWS_LAMBDA_RUNTIME_API: '[::1]:9001' }).fatal)
})
