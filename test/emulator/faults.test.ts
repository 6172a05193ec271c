// The fault injector: status answers, connection reset/refusal, delays, hangs (for hardening tests).
import t from 'tap'
import { FaultInjector } from '../sandbox/faults'
import { closeAndCheck, echoHandler, extOut, sandbox, writeFunction, writeLayer } from './helpers'

t.test('faults apply before normal handling, per API, per extension, per call number', async (t) => {
  const retryingRegister = `
      const R = '/2020-01-01/extension/register'
      const attempt = async (tag) => {
        try {
          const r = await call('POST', R, { headers: { 'Lambda-Extension-Name': NAME }, body: JSON.stringify({ events: ['SHUTDOWN'] }) })
          out(tag, { status: r.status, errorType: r.json && r.json.errorType })
          return r.status === 200 ? r.headers['lambda-extension-identifier'] : null
        } catch (e) { out(tag, { code: e.code }); return null }
      }
      let id = null
      for (let i = 1; !id && i <= 5; i++) id = await attempt('reg' + i)`
  const layer = writeLayer(t, {
    probe: `${retryingRegister}
      try { await call('GET', '/2020-01-01/extension/event/next', { headers: { 'Lambda-Extension-Identifier': id } }); out('next1', { answered: true }) }
      catch (e) { out('next1', { code: e.code }) }
      await loop(id)`,
    probe2: `${retryingRegister}
      call('POST', '/2020-01-01/extension/init/error', { headers: { 'Lambda-Extension-Identifier': id, 'Lambda-Extension-Function-Error-Type': 'X.Y' } }).then(() => out('hang-answered'), () => out('hang-dropped'))
      await sleep(100)
      await loop(id)`,
  })
  const sb = sandbox(t, { functionDir: writeFunction(t, echoHandler()), layers: [layer] })
  sb.faults.add({ api: 'extension/register', extension: 'probe', when: 'first', action: { status: 500, errorType: 'InternalServerError' } })
  sb.faults.add({ api: 'extension/register', extension: 'probe2', when: 1, action: 'refuse' })
  sb.faults.add({ api: 'extension/register', extension: 'probe2', when: 2, action: 'reset' })
  sb.faults.add({ api: 'extension/event/next', extension: 'probe', action: 'reset' })
  sb.faults.add({ api: 'extension/init/error', action: 'hang' })
  sb.faults.add({ api: 'runtime/invocation/next', action: { delayMs: 300 } })
  const init = await sb.init()
  t.equal(init.failed, false, 'Init completes after the retries (the hung init/error never reached the platform)')
  t.ok(init.completedAt! - init.runtimeSpawnAt! >= 300, "the runtime's first next was delayed")
  const inv = await sb.invoke()
  t.equal(inv.ok, true)
  const r = await closeAndCheck(t, sb)
  const p = Object.fromEntries(extOut(r, 'probe').map((o) => [o.t, o]))
  t.match(p.reg1, { status: 500, errorType: 'InternalServerError' })
  t.match(p.reg2, { status: 200 })
  t.match(p.next1, { code: 'ECONNRESET' }, 'the reset next never reached the state machine')
  const q = Object.fromEntries(extOut(r, 'probe2').map((o) => [o.t, o]))
  t.ok(q.reg1.code, `refused: ${q.reg1.code}`)
  t.match(q.reg2, { code: 'ECONNRESET' })
  t.match(q.reg3, { status: 200 })
  t.notOk('hang-answered' in q, 'the hung call was never answered')
  t.equal(r.faultHits.length, 6)
  t.ok(r.rejections.some((x) => x.status === 500 && x.source === 'probe'), 'injected statuses are recorded as rejections')
})

t.test('invalid fault rules are refused with the bad value', async (t) => {
  const f = new FaultInjector()
  t.throws(() => f.add({ api: 'extension/register', when: 0, action: 'reset' }), /when must be .* got 0/)
  t.throws(() => f.add({ api: 'extension/register', action: 'explode' as never }), /invalid action "explode"/)
})
