// The real SEA through a whole lifecycle in the local sandbox (listen, register, hold, ready,
// an invoke, event/next, SHUTDOWN), with the documented diagnostic WAIT_FOR_INIT_DEBUG_MODULES=1:
// node-fetch carries every Extensions API call, yet https, tls and zlib are never loaded
// (build-scripts/lazy-builtins.ts), nor the fs/promises and web streams node-fetch's graph would
// load at import (build-scripts/side-effect-free.ts); the init/error path leaves them unloaded too.
import t from 'tap'
import { sandboxWithLayer, ours, extensionLines } from './harness'

// https/tls/zlib: lazy-builtins.ts; fs/promises and web streams: side-effect-free.ts.
const NEVER = ['https', 'tls', '_tls_wrap', '_tls_common', 'zlib', 'internal/fs/promises', 'internal/webstreams/readablestream']

function loadedBuiltins(lines: string[]): string[] {
  const line = lines.find((l) => l.includes('WAIT_FOR_INIT_DEBUG_MODULES:'))
  if (!line) throw new Error(`no WAIT_FOR_INIT_DEBUG_MODULES line among:\n${lines.join('\n')}`)
  return line.split('WAIT_FOR_INIT_DEBUG_MODULES:')[1].trim().split(' ')
}

t.test('ready, an invoke, SHUTDOWN: http and net loaded, https/tls/zlib never', async (t) => {
  const sb = sandboxWithLayer(t, { env: { WARMING_TIMEOUT: '8000', WARMUP_STEPS: '3', WAIT_FOR_INIT_DEBUG_MODULES: '1' } })
  const init = await sb.init()
  t.notOk(init.failed, 'Init succeeded')
  t.ok((await sb.invoke({})).ok, 'invoke succeeded')
  await sb.shutdown('spindown')
  const ext = ours(sb.report())
  t.equal(ext.exitCode, 0)
  t.ok(extensionLines(ext).some((l) => /init outcome=ready/.test(l)), 'held until ready')
  const loaded = loadedBuiltins(extensionLines(ext))
  t.ok(loaded.includes('http') && loaded.includes('net'), 'the list is real: http and net are in it')
  t.same(loaded.filter((m) => NEVER.includes(m)), [], 'none of https, tls, zlib, fs/promises, web streams')
})

t.test('the function reports an error: init/error posted, exit 1, https/tls/zlib still unloaded', async (t) => {
  const sb = sandboxWithLayer(t, { env: { WARMING_TIMEOUT: '8000', WARMUP_STEPS: '1', SIGNAL_MODE: 'error', SIGNAL_MESSAGE: 'db down', WAIT_FOR_INIT_DEBUG_MODULES: '1' } })
  const init = await sb.init()
  t.ok(init.failed, 'Init failed')
  await sb.close()
  const ext = ours(sb.report())
  t.equal(sb.report().errors.length, 1, 'init/error posted once')
  t.equal(ext.exitCode, 1)
  const loaded = loadedBuiltins(extensionLines(ext))
  t.ok(loaded.includes('http'))
  t.same(loaded.filter((m) => NEVER.includes(m)), [])
})

t.test('without the variable: no module list is printed', async (t) => {
  const sb = sandboxWithLayer(t, { env: {} })
  t.notOk((await sb.init()).failed)
  await sb.shutdown('spindown')
  const lines = extensionLines(ours(sb.report()))
  t.ok(lines.some((l) => /init outcome=no-hold/.test(l)), 'the extension ran')
  t.notOk(lines.some((l) => l.includes('WAIT_FOR_INIT_DEBUG_MODULES')))
})
