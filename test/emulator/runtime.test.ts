// The built-in Node runtime: CommonJS, ES modules with top-level await, callback and promise
// handlers, errors, load failures.
import t, { type Test } from 'tap'
import { matchList } from '../hardening/assert'
import { closeAndCheck, sandbox, writeFunction } from './helpers'

async function runOnce(t: Test, files: Record<string, string>, handler = 'index.handler', payload: unknown = { x: 1 }) {
  const sb = sandbox(t, { functionDir: writeFunction(t, files), handler })
  const init = await sb.init()
  const inv = init.failed ? null : await sb.invoke(payload)
  const report = await closeAndCheck(t, sb)
  return { init, inv, report }
}

t.test('ES module with top-level await: next only after the module settled', async (t) => {
  const { init, inv } = await runOnce(t, {
    'index.mjs': `await new Promise((r) => setTimeout(r, 300))\nexport const handler = async (event) => ({ esm: true, event })\n`,
  })
  t.ok(init.runtimeReadyAt! - init.runtimeSpawnAt! >= 290, 'the runtime called next after the top-level await')
  t.same(inv!.result, { esm: true, event: { x: 1 } })
})

t.test('"type": "module" makes index.js an ES module; nested handler path', async (t) => {
  const { inv } = await runOnce(t, {
    'package.json': '{"type":"module"}',
    'src/app.js': 'export const handlers = { main: async () => import.meta.url.endsWith("/src/app.js") }\n',
  }, 'src/app.handlers.main')
  t.equal(inv!.result, true)
})

t.test('CommonJS callback handler, undefined result, context', async (t) => {
  const cb = await runOnce(t, {
    'index.js': `exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { left: context.getRemainingTimeInMillis(), id: context.awsRequestId, fn: context.functionName }), 20) }\n`,
  })
  const res = cb.inv!.result as { left: number; id: string; fn: string }
  t.ok(res.left > 4000 && res.left <= 5000, 'getRemainingTimeInMillis from the deadline')
  t.equal(res.id, cb.inv!.requestId)
  const undef = await runOnce(t, { 'index.js': 'exports.handler = async () => undefined\n' })
  t.equal(undef.inv!.rawResponse, 'null')
})

t.test('handler errors become invocation errors; load failures runtime init errors', async (t) => {
  const thrown = await runOnce(t, { 'index.js': 'exports.handler = async () => { throw new TypeError("bad input") }\n' })
  t.match(thrown.inv!.error, { errorType: 'TypeError', errorMessage: 'bad input', platformErrorType: 'Runtime.Unknown' })
  t.equal(thrown.inv!.ok, false)
  matchList(t, thrown.report.errors, [{ api: 'runtime/invocation/error', errorType: 'TypeError' }])
  const syntax = await runOnce(t, { 'index.js': 'exports.handler = async () => {\n' })
  t.equal(syntax.init.errorType, 'Runtime.UserCodeSyntaxError')
  const missing = await runOnce(t, { 'other.js': '' })
  t.equal(missing.init.errorType, 'Runtime.ImportModuleError')
  const rejected = await runOnce(t, { 'index.js': 'Promise.reject(new Error("async boom"))\nexports.handler = async () => 1\n' })
  t.equal(rejected.init.errorType, 'Runtime.ExitError', 'an unhandled rejection at module scope ends the runtime')
  t.match(rejected.init.errorMessage, /exit status 129/)
})
