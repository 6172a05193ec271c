// API status codes and error types of docs/lambda-lifecycle.md §3–§4 (§9 items 1, 8–14, 19, 22, 23, 27, 28).
import fs from 'node:fs'
import http from 'node:http'
import t from 'tap'
import { matchList } from '../hardening/assert'
import { closeAndCheck, extOut, sandbox, writeFunction, writeLayer } from './helpers'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

function request(address: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; json: Record<string, unknown> | null }> {
  const [host, port] = address.split(':')
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), method, path, headers, agent: false }, (res) => {
      let d = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { d += c })
      res.on('end', () => {
        let json = null
        try { json = JSON.parse(d) } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, json })
      })
    })
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}

t.test('Extensions API: register, next, init/error answers (§9 8–14, 19)', async (t) => {
  const layer = writeLayer(t, {
    probe: `const R = '/2020-01-01/extension/register'
      const reg = (name, body, extra = {}) => call('POST', R, { headers: { 'Lambda-Extension-Name': name, ...extra }, body })
      const rec = async (tag, p) => { const r = await p; out(tag, { status: r.status, errorType: r.json && r.json.errorType, body: r.json, id: r.headers['lambda-extension-identifier'] || null }); return r }
      await rec('noname', reg('', '{}'))
      await rec('emptybody', reg(NAME, ''))
      await rec('arraybody', reg(NAME, '[]'))
      await rec('configkeys', reg(NAME, JSON.stringify({ events: ['INVOKE'], configurationKeys: ['k'] })))
      await rec('badevent', reg(NAME, JSON.stringify({ events: ['INVOKE', 'BOGUS'] })))
      await rec('internalshutdown', reg('not-a-file', JSON.stringify({ events: ['SHUTDOWN'] })))
      // internal registrations first: the runtime (and so the closing of registration) waits for our own
      const internal = await rec('internal', reg('probe-internal', JSON.stringify({ events: ['INVOKE'] })))
      await rec('internaldup', reg('probe-internal', '{}'))
      const quiet = []
      for (let i = 1; i <= 8; i++) {
        const x = await rec('internal' + i, reg('i' + i, '{}'))
        if (x.status === 200) quiet.push(x.headers['lambda-extension-identifier'])
      }
      for (const q of quiet) next(q)
      const ok = await rec('ok', reg(NAME, JSON.stringify({ events: ['INVOKE', 'SHUTDOWN'] }), { 'Lambda-Extension-Accept-Feature': 'foo, accountId' }))
      await rec('twice', reg(NAME, JSON.stringify({ events: [] })))
      const id = ok.headers['lambda-extension-identifier']
      const iid = internal.headers['lambda-extension-identifier']
      const first = next(id)
      await sleep(300)
      await rec('second-next', call('GET', '/2020-01-01/extension/event/next', { headers: { 'Lambda-Extension-Identifier': id } }))
      await rec('initerror-after-next', call('POST', '/2020-01-01/extension/init/error', { headers: { 'Lambda-Extension-Identifier': id, 'Lambda-Extension-Function-Error-Type': 'X.Y' } }))
      ;(async () => { for (;;) { if (!(await next(iid))) return } })()
      for (let ev = await first; ev; ev = await next(id)) if (ev.eventType === 'SHUTDOWN') process.exit(0)`,
    probe2: `const r = await call('POST', '/2020-01-01/extension/register', { headers: { 'Lambda-Extension-Name': NAME }, body: '{}' })
      out('ok', { status: r.status, body: r.json, id: r.headers['lambda-extension-identifier'] })
      await next(r.headers['lambda-extension-identifier'])`,
  })
  const fn = writeFunction(t, { 'index.js': 'exports.handler = async () => "ok"\n' })
  const sb = sandbox(t, { functionDir: fn, layers: [layer] })
  const init = await sb.init()
  t.equal(init.failed, false, 'Init completes once every external and internal extension called next')
  const api = sb.apiAddress
  // identifier middleware, from outside (§9 14)
  const n1 = await request(api, 'GET', '/2020-01-01/extension/event/next')
  const n2 = await request(api, 'GET', '/2020-01-01/extension/event/next', { 'Lambda-Extension-Identifier': 'not-a-uuid' })
  const n3 = await request(api, 'GET', '/2020-01-01/extension/event/next', { 'Lambda-Extension-Identifier': '0f5e7b7a-1c1e-4e9b-9a53-3c1e0a7d2b11' })
  matchList(t, [n1, n2, n3], [
    { status: 403, json: { errorType: 'Extension.MissingExtensionIdentifier' } },
    { status: 403, json: { errorType: 'Extension.InvalidExtensionIdentifier' } },
    { status: 403, json: { errorType: 'Extension.UnknownExtensionIdentifier' } },
  ])
  const late = await request(api, 'POST', '/2020-01-01/extension/register', { 'Lambda-Extension-Name': 'late-internal' }, '{}')
  t.match(late, { status: 403, json: { errorType: 'Extension.RegistrationClosed' } }, 'internal registration after the runtime’s next (§9 13)')
  const inv = await sb.invoke()
  t.equal(inv.ok, true, 'the internal INVOKE extension returned to next')
  await sb.shutdown()
  const r = await closeAndCheck(t, sb)
  const o = Object.fromEntries(extOut(r, 'probe').map((x) => [x.t, x]))
  t.match(o.noname, { status: 403, errorType: 'Extension.InvalidExtensionName' })
  t.match(o.emptybody, { status: 403, errorType: 'InvalidRequestFormat' }, 'empty body refused (§9 9)')
  t.match(o.arraybody, { status: 403, errorType: 'InvalidRequestFormat' })
  t.match(o.configkeys, { status: 403, errorType: 'InvalidRequestFormat' })
  t.match(o.badevent, { status: 403, errorType: 'Extension.InvalidEventType' }, '§9 11')
  t.match(o.internalshutdown, { status: 403, errorType: 'Extension.InvalidEventType' }, 'SHUTDOWN under a non-file name (§9 12)')
  t.match(o.ok, { status: 200, body: { functionName: /\S/, functionVersion: '$LATEST', handler: 'index.handler', accountId: '123456789012' } })
  t.match(o.ok.id, UUID)
  t.match(o.twice, { status: 403, errorType: 'Extension.InvalidExtensionState' }, '§9 10')
  t.match(o.internal, { status: 200 }, 'internal registration with INVOKE only')
  t.match(o.internaldup, { status: 403, errorType: 'Extension.InvalidExtensionState' })
  t.match(o['second-next'], { status: 403, errorType: 'Extension.InvalidExtensionState' }, 'a second concurrent next (§9 14)')
  t.match(o['initerror-after-next'], { status: 403, errorType: 'Extension.InvalidExtensionState' }, '§9 19')
  const p2 = Object.fromEntries(extOut(r, 'probe2').map((x) => [x.t, x]))
  t.match(p2.ok, { status: 200 }, 'register with {} (§9 9)')
  t.notOk('accountId' in (p2.ok.body as object), 'no accountId unless requested (§9 8)')
  t.not(p2.ok.id, o.ok.id, 'every registration gets a fresh identifier')
  t.match(o.internal7, { status: 200 }, '2 external + 8 internal = 10')
  t.match(o.internal8, { status: 403, errorType: 'Extension.TooManyExtensions' }, '11th registration (§9 6, internal)')
  const internalEvents = extOut(r, 'probe').filter((x) => x.t === 'event').map((x) => (x.event as { eventType?: string } | null)?.eventType)
  t.same(internalEvents.filter((e) => e === 'INVOKE').length, 2, 'both the external and the internal registration got the INVOKE')
  t.ok(r.rejections.some((x) => x.status === 403 && x.errorType === 'Extension.RegistrationClosed' && x.path === '/2020-01-01/extension/register'), 'rejections are recorded')
  t.ok(r.rejections.length >= 15, `${r.rejections.length} rejections recorded`)
})

t.test('Runtime API: next headers, deadline, stale/second/oversized results, re-delivery, init/error after next (§9 22, 23, 27, 28)', async (t) => {
  const rt = `'use strict'
const http = require('http')
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':')
const call = (method, path, body, headers = {}) => new Promise((resolve, reject) => {
  const req = http.request({ host, port: Number(port), method, path: '/2018-06-01' + path, headers, agent: false }, (res) => {
    let d = ''; res.setEncoding('utf8'); res.on('data', (c) => { d += c })
    res.on('end', () => { let json = null; try { json = JSON.parse(d) } catch {} resolve({ status: res.statusCode, headers: res.headers, body: d, json }) })
  })
  req.on('error', reject); if (body !== undefined) req.write(body); req.end()
})
const out = (t, d) => console.log(JSON.stringify({ t, ...d }))
;(async () => {
  for (let n = 1; ; n++) {
    const ev = await call('GET', '/runtime/invocation/next')
    const id = ev.headers['lambda-runtime-aws-request-id']
    if (n === 1) {
      const a = await call('POST', '/runtime/invocation/' + id + '/response', JSON.stringify({ headers: ev.headers, body: ev.body }))
      const b = await call('POST', '/runtime/invocation/' + id + '/response', '"again"')
      const c = await call('POST', '/runtime/invocation/not-' + id + '/response', '"x"')
      const d = await call('POST', '/runtime/init/error', '{}')
      out('posts', { a: a.status, b: [b.status, b.json.errorType], c: [c.status, c.json.errorType], d: [d.status, d.json.errorType] })
    } else if (n === 2) {
      const big = await call('POST', '/runtime/invocation/' + id + '/response', JSON.stringify('x'.repeat(7 * 1024 * 1024)))
      out('big', { status: big.status, errorType: big.json && big.json.errorType })
    } else {
      const again = await call('GET', '/runtime/invocation/next')
      out('again', { same: again.headers['lambda-runtime-aws-request-id'] === id })
      await call('POST', '/runtime/invocation/' + id + '/error', JSON.stringify({ errorType: 'MyError', errorMessage: 'boom' }), { 'Lambda-Runtime-Function-Error-Type': 'MyError' })
    }
  }
})()
`
  const fn = writeFunction(t, { 'rt.cjs': rt })
  const node = fs.realpathSync(process.execPath)
  const sb = sandbox(t, {
    functionDir: fn,
    runtimeCommand: ['/bin/sh', '-c', `for n in /var/lang/bin/node ${node}; do [ -x "$n" ] && exec "$n" "$LAMBDA_TASK_ROOT/rt.cjs"; done; exit 127`],
  })
  await sb.init()
  const i1 = await sb.invoke({ hello: 'world' })
  const i2 = await sb.invoke({})
  const i3 = await sb.invoke({})
  const api = sb.apiAddress
  const stale = await request(api, 'POST', `/2018-06-01/runtime/invocation/${i1.requestId}/response`, {}, '"late"')
  const r = await closeAndCheck(t, sb)
  const seen = i1.result as { headers: Record<string, string>; body: string }
  t.equal(seen.headers['lambda-runtime-aws-request-id'], i1.requestId)
  t.equal(Number(seen.headers['lambda-runtime-deadline-ms']), i1.deadlineMs, 'Lambda-Runtime-Deadline-Ms = the invoke deadline (= INVOKE deadlineMs)')
  t.match(seen.headers['lambda-runtime-invoked-function-arn'], /^arn:aws:lambda:/)
  t.equal(seen.headers['content-type'], 'application/json')
  for (const h of ['lambda-runtime-trace-id', 'lambda-runtime-client-context', 'lambda-runtime-cognito-identity']) t.notOk(h in seen.headers, `${h} omitted when empty`)
  t.equal(seen.body, '{"hello":"world"}', 'raw payload as body')
  const o = Object.fromEntries(r.runtime!.logs.filter((l) => l.text.startsWith('{"t":')).map((l) => { const j = JSON.parse(l.text); return [j.t, j] }))
  t.equal(o.posts.a, 202)
  t.same(o.posts.b, [403, 'InvalidStateTransition'], 'second result (§9 27)')
  t.same(o.posts.c, [400, 'InvalidRequestID'], 'wrong request id (§9 27)')
  t.same(o.posts.d, [403, 'InvalidStateTransition'], 'init/error after next (§9 28)')
  t.same(o.big, { t: 'big', status: 413, errorType: 'RequestEntityTooLarge' })
  t.equal(i2.error?.errorType, 'Function.ResponseSizeTooLarge', 'the caller gets Function.ResponseSizeTooLarge')
  t.equal(o.again.same, true, 'next without a result re-delivers the same invocation')
  t.match(i3.error, { errorType: 'MyError', errorMessage: 'boom', platformErrorType: 'Runtime.Unknown', payload: { errorType: 'MyError' } })
  t.match(stale, { status: 400, json: { errorType: 'InvalidRequestID' } }, 'stale id after the invoke')
  matchList(t, r.errors, [{ api: 'runtime/invocation/error', errorType: 'MyError', source: 'runtime' }])
})
