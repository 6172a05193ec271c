import t from 'tap'
import { parseConfig, parseFunctionTimeout, parseWarmingTimeout, validateSocketPath, DEFAULT_SOCKET_PATH, MAX_WARMING_TIMEOUT_MS } from '../../extension-src/config'
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

t.test('Init budget per initialization type (docs/lambda-lifecycle.md §6)', async (t) => {
  t.equal(initBudgetFor('on-demand').limitMs, 10_000)
  t.equal(initBudgetFor(undefined).limitMs, 10_000, 'missing → strictest')
  t.equal(initBudgetFor('some-future-type').limitMs, 10_000, 'unfamiliar → strictest')
  t.equal(initBudgetFor('lambda-managed-instances').maxHoldMs, 125_000, 'Managed Instances: 130 s minus 5 s')
  t.equal(initBudgetFor('provisioned-concurrency').limitMs, 130_000)
  t.equal(initBudgetFor('snap-start').limitMs, 130_000)
  for (const type of ['on-demand', 'provisioned-concurrency', 'lambda-managed-instances']) {
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

t.test('Managed Instances: a two-minute WARMING_TIMEOUT is kept, a longer one capped at 125 s', async (t) => {
  const lmi = { ...base, AWS_LAMBDA_INITIALIZATION_TYPE: 'lambda-managed-instances' }
  const two = parseConfig({ ...lmi, WARMING_TIMEOUT: '120000' })
  t.equal(two.config.holdMs, 120_000)
  t.same(two.problems, [])
  const long = parseConfig({ ...lmi, WARMING_TIMEOUT: '600000' })
  t.equal(long.config.holdMs, 125_000)
  t.equal(long.problems.length, 1)
  t.match(long.problems[0].message, /lambda-managed-instances Init allows/)
})

t.test('AWS_LAMBDA_FUNCTION_TIMEOUT: whole seconds 1..900; anything else named and ignored', async (t) => {
  t.equal(parseFunctionTimeout(undefined).valueMs, null)
  t.equal(parseFunctionTimeout(' ').valueMs, null)
  t.equal(parseFunctionTimeout(' ').problem, undefined)
  t.equal(parseFunctionTimeout('3').valueMs, 3000)
  t.equal(parseFunctionTimeout('900').valueMs, 900_000)
  for (const raw of ['0', '-3', '3.5', '3s', 'abc', '901', '1e3', '0x10']) {
    const r = parseFunctionTimeout(raw)
    t.equal(r.valueMs, null, `${raw} → ignored`)
    t.ok(r.problem!.startsWith(`AWS_LAMBDA_FUNCTION_TIMEOUT=${JSON.stringify(raw)} `), `${raw} → names the variable and value`)
  }
})

// The sam local setup of docs/local-development.md: SAM's default 3 s timeout, a 5 s hold.
const emulator = { ...base, AWS_LAMBDA_FUNCTION_TIMEOUT: '3', WARMING_TIMEOUT: '5000' }

t.test('emulator (no init type): the hold leaves the handler a third of the timeout, at least 1 s, one warning', async (t) => {
  const r = parseConfig(emulator)
  t.equal(r.config.holdMs, 2000, '3 s timeout → hold 2 s, handler keeps 1 s')
  t.equal(r.config.requestedHoldMs, 5000)
  t.equal(r.config.emulator?.functionTimeoutMs, 3000)
  t.equal(r.problems.length, 1, 'exactly one warning')
  t.equal(r.problems[0].level, 'warn')
  t.match(r.problems[0].message, /WARMING_TIMEOUT=5000/)
  t.match(r.problems[0].message, /AWS_LAMBDA_FUNCTION_TIMEOUT=3\b/)
  t.match(r.problems[0].message, /holding at most 2000 ms/)
  t.match(r.problems[0].message, /function timeout of 8 s or more/)

  const thirty = parseConfig({ ...base, AWS_LAMBDA_FUNCTION_TIMEOUT: '30', WARMING_TIMEOUT: '25000' })
  t.equal(thirty.config.holdMs, 9000, '30 s timeout would allow 20 s, but the 9 s cap for an unknown type still binds')
  t.equal(thirty.problems.length, 1, 'still one warning')
  t.match(thirty.problems[0].message, /unknown Init allows/)

  const six = parseConfig({ ...base, AWS_LAMBDA_FUNCTION_TIMEOUT: '6', WARMING_TIMEOUT: '5000' })
  t.equal(six.config.holdMs, 4000, '6 s → the handler keeps 2 s (a third)')

  const fits = parseConfig({ ...base, AWS_LAMBDA_FUNCTION_TIMEOUT: '10', WARMING_TIMEOUT: '5000' })
  t.equal(fits.config.holdMs, 5000, 'a hold that fits is not touched')
  t.same(fits.problems, [])

  const one = parseConfig({ ...base, AWS_LAMBDA_FUNCTION_TIMEOUT: '1', WARMING_TIMEOUT: '5000' })
  t.equal(one.config.holdMs, null, 'a 1 s timeout leaves nothing to hold')
  t.match(one.problems[0].message, /not holding Init/)
})

t.test('real Lambda (init type set) ignores AWS_LAMBDA_FUNCTION_TIMEOUT entirely', async (t) => {
  for (const type of ['on-demand', 'provisioned-concurrency', 'snap-start', 'lambda-managed-instances']) {
    const r = parseConfig({ ...emulator, AWS_LAMBDA_FUNCTION_TIMEOUT: 'garbage', AWS_LAMBDA_INITIALIZATION_TYPE: type })
    t.equal(r.config.holdMs, 5000, `${type}: hold 5 s as asked`)
    t.equal(r.config.emulator, null)
    t.same(r.problems, [], `${type}: no warning, not even for a bad AWS_LAMBDA_FUNCTION_TIMEOUT`)
  }
})

t.test('emulator with a bad AWS_LAMBDA_FUNCTION_TIMEOUT: named, ignored, the 9 s cap applies', async (t) => {
  const r = parseConfig({ ...emulator, AWS_LAMBDA_FUNCTION_TIMEOUT: '3s' })
  t.equal(r.config.holdMs, 5000)
  t.equal(r.config.emulator, null)
  t.equal(r.problems.length, 1)
  t.equal(r.problems[0].variable, 'AWS_LAMBDA_FUNCTION_TIMEOUT')
  t.match(r.problems[0].message, /AWS_LAMBDA_FUNCTION_TIMEOUT="3s"/)
})

/** The function timeout (s) an emulator warning advises, or null when it advises none. */
const advisedSeconds = (message: string): number | null => Number(/a function timeout of (\d+) s or more/i.exec(message)?.[1] ?? NaN) || null

t.test('emulator advice only names a function timeout that works: set it, and the hold it promises is what you get', async (t) => {
  // Every edge: the emulator cap (timeouts 1-3 s), the unknown-type 9 000 ms cap, and the 900 s maximum.
  for (const hold of [1000, 2000, 5000, 8999, 9000, 9001, 12_000, 20_000, 125_000, 599_000, 600_001, 900_000]) {
    for (const timeoutS of [1, 2, 3, 6]) {
      const r = parseConfig({ ...base, AWS_LAMBDA_FUNCTION_TIMEOUT: String(timeoutS), WARMING_TIMEOUT: String(hold) })
      const warning = r.problems.find((p) => /does not fit/.test(p.message))
      if (!warning) continue // the hold fits this timeout
      const seconds = advisedSeconds(warning.message)
      t.ok(seconds !== null, `${hold} ms / ${timeoutS} s: some advice`)
      t.ok(seconds! <= 900, `${hold} ms / ${timeoutS} s: ${seconds} s is a timeout Lambda allows`)
      const promised = Math.min(hold, 9000)
      t.notMatch(warning.message, hold > 9000 ? /holds the whole WARMING_TIMEOUT/ : /can be held/, `${hold} ms: the right promise`)
      const followed = parseConfig({ ...base, AWS_LAMBDA_FUNCTION_TIMEOUT: String(seconds), WARMING_TIMEOUT: String(hold) })
      t.equal(followed.config.holdMs, promised, `${hold} ms with the advised ${seconds} s: holds ${promised} ms as promised`)
    }
  }
})

t.test('emulator advice at each edge, in words', async (t) => {
  const over = parseConfig({ ...base, AWS_LAMBDA_FUNCTION_TIMEOUT: '3', WARMING_TIMEOUT: '20000' }).problems[0].message
  t.match(over, /holding at most 2000 ms so the handler keeps 1000 ms\. Without an initialization type at most 9000 ms can be held, whatever the function timeout; a function timeout of 14 s or more holds those 9000 ms$/)
  const max = parseConfig({ ...base, AWS_LAMBDA_FUNCTION_TIMEOUT: '3', WARMING_TIMEOUT: '900000' }).problems[0].message
  t.match(max, /a function timeout of 14 s or more holds those 9000 ms$/, 'never 1 350 s')
  const exact = parseConfig({ ...base, AWS_LAMBDA_FUNCTION_TIMEOUT: '3', WARMING_TIMEOUT: '9000' }).problems[0].message
  t.match(exact, /A function timeout of 14 s or more holds the whole WARMING_TIMEOUT$/, '9 000 ms itself fits the cap')
  const none = parseConfig({ ...base, AWS_LAMBDA_FUNCTION_TIMEOUT: '1', WARMING_TIMEOUT: '5000' })
  t.match(none.problems[0].message, /not holding Init so the handler keeps 1000 ms\. A function timeout of 8 s or more holds the whole WARMING_TIMEOUT$/)
  t.equal(none.config.noHoldReason, 'AWS_LAMBDA_FUNCTION_TIMEOUT leaves no time to hold')
})

t.test('gates with an invalid WARMING_TIMEOUT: the warning says invalid, not "not set"', async (t) => {
  const invalid = parseConfig({ ...base, WAIT_FOR_INIT_GATES: 'db,cache', WARMING_TIMEOUT: 'abc' })
  t.same(invalid.problems.map((p) => [p.level, p.variable]), [['error', 'WARMING_TIMEOUT'], ['warn', 'WAIT_FOR_INIT_GATES']])
  t.equal(invalid.problems[1].message, 'WAIT_FOR_INIT_GATES is set but WARMING_TIMEOUT="abc" is invalid; not holding Init')
  t.notMatch(invalid.problems.map((p) => p.message).join('\n'), /is not set|is not;/)
  const unset = parseConfig({ ...base, WAIT_FOR_INIT_GATES: 'db' })
  t.equal(unset.problems[0].message, 'WAIT_FOR_INIT_GATES is set but WARMING_TIMEOUT is not set; not holding Init')
})

t.test('every way of not holding has its reason for the outcome line', async (t) => {
  const reason = (env: Record<string, string>) => parseConfig({ ...base, ...env }).config.noHoldReason
  t.equal(reason({}), 'WARMING_TIMEOUT not set')
  t.equal(reason({ WARMING_TIMEOUT: '  ' }), 'WARMING_TIMEOUT not set')
  t.equal(reason({ WARMING_TIMEOUT: '5s' }), 'WARMING_TIMEOUT is invalid')
  t.equal(reason({ WARMING_TIMEOUT: '5000', WAIT_FOR_INIT_SOCKET: 'rel.sock' }), 'WAIT_FOR_INIT_SOCKET is invalid')
  t.equal(reason({ WARMING_TIMEOUT: '5000', WAIT_FOR_INIT_GATES: 'a b' }), 'WAIT_FOR_INIT_GATES is invalid')
  t.equal(reason({ WARMING_TIMEOUT: '5000' }), undefined, 'holding: no reason')
})

t.test('WAIT_FOR_INIT_SOCKET by the protocol rule: trimmed, blank means the default', async (t) => {
  t.equal(parseConfig({ ...base, WARMING_TIMEOUT: '5000', WAIT_FOR_INIT_SOCKET: '   ' }).config.socketPath, DEFAULT_SOCKET_PATH)
  t.equal(parseConfig({ ...base, WARMING_TIMEOUT: '5000', WAIT_FOR_INIT_SOCKET: ' /tmp/x.sock\t' }).config.socketPath, '/tmp/x.sock')
})
