// Lambda Managed Instances (docs/lambda-lifecycle.md §12): Init may last max(130 s, function
// timeout), so the extension holds as long as WARMING_TIMEOUT asks, up to 125 s, instead of the
// 9 s it keeps for an unknown initialization type. One slow test (~12 s).
import path from 'node:path'
import t from 'tap'
import { Sandbox } from '../sandbox'
import { outcomeLines, ours, requireLayer, WARMUP_FUNCTION } from '../integration/harness'

t.test('managed-instances mode sets the init type and never freezes', async (t) => {
  const sb = new Sandbox({ functionDir: path.join(__dirname, 'fixtures', 'env-echo'), mode: 'managed-instances' })
  t.teardown(() => sb.close())
  const init = await sb.init()
  t.notOk(init.failed)
  const inv = await sb.invoke({})
  t.same(inv.result, { AWS_LAMBDA_INITIALIZATION_TYPE: 'lambda-managed-instances', AWS_LAMBDA_FUNCTION_TIMEOUT: null })
  t.equal(sb.report().freezes.length, 0)
})

t.test('WARMING_TIMEOUT=12000 under lambda-managed-instances holds ~12 s (past the 9 s cap of an unknown type)', async (t) => {
  const sb = new Sandbox({
    functionDir: WARMUP_FUNCTION, layers: [requireLayer()], mode: 'managed-instances',
    env: { WARMING_TIMEOUT: '12000', SIGNAL_MODE: 'never', WARMUP_STEPS: '1' },
  })
  t.teardown(() => sb.close())
  const init = await sb.init()
  t.notOk(init.failed, 'Init succeeded')
  t.ok(init.durationMs >= 11_500, `Init lasted ${Math.round(init.durationMs)} ms`)
  const ext = ours(sb.report())
  const lines = outcomeLines(ext)
  t.equal(lines.length, 1)
  t.match(lines[0], /outcome=timeout/)
  const held = Number(/held=(\d+)ms/.exec(lines[0])?.[1])
  t.ok(held >= 11_500 && held < 13_000, `held ${held} ms`)
  t.notOk(ext.logs.some((l) => /exceeds what/.test(l.text)), 'no cap warning')
  const inv = await sb.invoke({})
  t.ok(inv.ok, 'the invoke after the hold answers')
})
