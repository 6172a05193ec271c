// The built client against the real extension binary when the socket appears only after the
// client started looking ("socket appearing late"). In Lambda this cannot happen with
// wait-for-init itself (it listens before registering, docs/lambda-lifecycle.md §5.3), but it does when the function
// is started by other tooling first; the client's bounded retry must bridge it.
import t from 'tap'
import path from 'node:path'
import { LAYER_DIR } from './harness'
import { runBinary, scriptedApi, tempDir, waitForLine } from '../hardening/helpers'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const client = require(path.join(LAYER_DIR, 'nodejs', 'node_modules', 'wait-for-init')) as typeof import('../../client/src/index')

t.test('signalReady retries until the extension starts listening, then is accepted', async (t) => {
  const api = await scriptedApi(t)
  const socketPath = path.join(tempDir(t, 'late'), 'w.sock')
  const env = { WARMING_TIMEOUT: '5000', WAIT_FOR_INIT_SOCKET: socketPath }
  const started = Date.now()
  // The client judges "older than WARMING_TIMEOUT" by this test process's age, which a loaded
  // machine can push past 5 s before this line: give the client a WARMING_TIMEOUT it cannot outlive.
  const clientEnv = { ...env, WARMING_TIMEOUT: '900000' }
  const result = client.signalReady({ socketPath, env: clientEnv, retryMs: 3000, log: null })
  await new Promise((r) => setTimeout(r, 300))
  const run = runBinary(t, { ...env, AWS_LAMBDA_RUNTIME_API: api.address })
  t.equal(await result, 'accepted', 'accepted once the socket appeared')
  t.ok(Date.now() - started >= 300, 'the client really waited for the socket')
  await waitForLine(run, /init outcome=ready/)
  await api.waitFor('/event/next')
  api.shutdown()
  t.equal((await run.exited).code, 0)
})

t.test('a retry budget shorter than the delay ends in no-extension, within the budget', async (t) => {
  // WARMING_TIMEOUT far above this process's age: older than WARMING_TIMEOUT, the client would
  // rightly conclude the hold is over (`too-late`) without retrying.
  const socketPath = path.join(tempDir(t, 'late'), 'w.sock')
  const started = Date.now()
  const result = await client.signalReady({ socketPath, env: { WARMING_TIMEOUT: '900000' }, retryMs: 200, log: null })
  const took = Date.now() - started
  t.equal(result, 'no-extension')
  t.ok(took >= 150 && took < 2000, `gave up after ${took} ms`)
})
