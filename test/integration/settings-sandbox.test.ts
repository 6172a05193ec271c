// The settings table of test/contract/settings-table.ts with the real SEA in the sandbox, whose
// /tmp is private: the rows that resolve to the shared default path /tmp/wait-for-init.sock
// (unset, empty, blank WAIT_FOR_INIT_SOCKET) can be signalled here, from the layer's Node client
// and the layer's Python client, each for its own gate. Both must be accepted where the extension
// holds, and say no-extension where it does not.
import t from 'tap'
import path from 'node:path'
import { FIXTURES, outcomeLines, ours, sandboxWithLayer } from './harness'
import { python3 } from '../workflows/python-helpers'
import { DEFAULT_PATH, settingsRows } from '../contract/settings-table'

const python = python3()
const FUNCTION = path.join(FIXTURES, 'functions', 'settings-clients')

if (!python) t.plan(0, 'python3 not installed')
else {
  // Paths inside the sandbox's private /tmp: nothing on the host can collide.
  const rows = settingsRows('/tmp')
  const picked = rows.filter((r) => r.path === DEFAULT_PATH || ['socket padded path', 'socket relative path', 'timeout padded', 'timeout not a number'].includes(r.name))

  for (const row of picked) {
    t.test(`${row.name}: both layer clients ${row.holds ? 'are accepted' : 'say no-extension'}`, async (t) => {
      const sb = sandboxWithLayer(t, {
        functionDir: FUNCTION, mode: 'provisioned', env: { ...row.env, WAIT_FOR_INIT_GATES: 'node,python', PYTHON_BIN: python },
      })
      await sb.start()
      if (!sb.isolated) return void t.plan(0, `needs the sandbox's private /tmp: ${sb.report().isolation.reason}`)
      const init = await sb.init()
      t.notOk(init.failed)
      const result = (await sb.invoke({})).result as { node: string; python: string }
      const expected = row.holds ? 'accepted' : 'no-extension'
      t.same(result, { node: expected, python: expected })
      const outcome = outcomeLines(ours(sb.report()))
      t.equal(outcome.length, 1)
      t.match(outcome[0], row.holds ? /init outcome=ready by=gate:(node|python) held=/ : /init outcome=no-hold by=none/)
    })
  }
}
