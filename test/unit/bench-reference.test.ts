// bench/reference: the reference extension the bench compares against really does the
// original sample's job in the local sandbox: registers for INVOKE and SHUTDOWN, holds Init until
// the function's `ready`, waits on every invoke, and exits 0 on SHUTDOWN.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isolationSupport } from '../sandbox/isolation'
import { runHold, runNoHold } from '../../bench/scenarios'
import { prepareReference, REFERENCE_NAME } from '../../bench/subjects'
import { FUNCTION_DIR } from '../../bench/paths'
import { Sandbox } from '../sandbox'

t.test('the reference extension holds until ready, then goes through invokes and SHUTDOWN', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ref-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const ref = prepareReference(path.join(dir, 'reference'), { referenceNode: null, isolated: isolationSupport().ok })

  const hold = await runHold(ref.subject, { signalAfterMs: 300, invokes: 2 })
  t.ok(hold.signalToNextMs >= 0 && hold.signalToNextMs < 1000, `released ${hold.signalToNextMs.toFixed(1)} ms after the signal`)
  t.ok(hold.registerMs > 0, 'registered')
  t.ok((hold.rssKb ?? 0) > 10_000, `RSS measured (${hold.rssKb} kB)`)
  const noHold = await runNoHold(ref.subject)
  t.ok(noHold.firstNextMs >= noHold.registerMs, 'without WARMING_TIMEOUT: event/next right after register')

  const sb = new Sandbox({ functionDir: FUNCTION_DIR, layers: [ref.subject.layerDir], env: { WARMING_TIMEOUT: '5000', BENCH_SIGNAL_AFTER_MS: '100' }, isolate: ref.subject.isolate })
  t.teardown(() => sb.close())
  const init = await sb.init()
  t.notOk(init.failed, 'Init succeeded')
  const inv = await sb.invoke({})
  t.ok(inv.ok)
  await sb.shutdown('spindown')
  const ext = sb.report().extensions.find((e) => e.name === REFERENCE_NAME)
  t.same(ext?.registeredEvents, ['INVOKE', 'SHUTDOWN'], 'the sample subscribes to INVOKE too')
  t.equal(ext?.exitCode, 0, 'exit 0 on SHUTDOWN')
  t.notOk(fs.existsSync(sb.hostPath('/tmp/wait-for-init.sock')), 'socket removed after release')
})
