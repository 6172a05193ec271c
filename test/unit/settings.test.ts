// The settings wait-for-init knows, as one list built from where each is defined, and the report
// of WAIT_FOR_INIT_* variables that are none of them (a misspelled setting has no effect, so it
// must not go unseen).
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { editDistance, findUnknownSettings, KNOWN_SETTINGS, unknownSettingMessage } from '../../extension-src/settings'

const ROOT = path.resolve(__dirname, '..', '..')

t.test('unknown WAIT_FOR_INIT_* variables are reported once each, with the setting they are near', async (t) => {
  const env = {
    WAIT_FOR_INIT_GATE: 'db,cache', // one letter short
    wait_for_init_gates: 'db', // names are case-sensitive
    WAIT_FOR_INIT_METRIC: 'emf',
    WAIT_FOR_INIT_SOCK: '/tmp/x.sock',
    WAIT_FOR_INIT_CLIENT_RETRY: '100',
    WAIT_FOR_INIT_FOO: '1', // near nothing
    WAIT_FOR_INIT_TIMEOUT: '5000', // not a misspelling, but WARMING_TIMEOUT put under the prefix
    WAIT_FOR_INIT_MS: '1', // ends two names (…_RETRY_MS, …_TIMEOUT_MS): no guess
    WAIT_FOR_INIT_GATES: 'db', // known
    WARMING_TIMEOUT: '5000', // known, outside the prefix
    WAITFORINIT_GATES: 'db', // outside the prefix: not ours to judge
    PATH: '/usr/bin',
  }
  t.same(findUnknownSettings(env), [
    { variable: 'WAIT_FOR_INIT_GATE', suggestion: 'WAIT_FOR_INIT_GATES' },
    { variable: 'wait_for_init_gates', suggestion: 'WAIT_FOR_INIT_GATES' },
    { variable: 'WAIT_FOR_INIT_METRIC', suggestion: 'WAIT_FOR_INIT_METRICS' },
    { variable: 'WAIT_FOR_INIT_SOCK', suggestion: 'WAIT_FOR_INIT_SOCKET' },
    { variable: 'WAIT_FOR_INIT_CLIENT_RETRY', suggestion: 'WAIT_FOR_INIT_CLIENT_RETRY_MS' },
    { variable: 'WAIT_FOR_INIT_FOO' },
    { variable: 'WAIT_FOR_INIT_TIMEOUT', suggestion: 'WARMING_TIMEOUT' },
    { variable: 'WAIT_FOR_INIT_MS' },
  ])
  t.same(findUnknownSettings(Object.fromEntries(KNOWN_SETTINGS.map((k) => [k, '1']))), [], 'every known setting passes')
  t.equal(unknownSettingMessage({ variable: 'WAIT_FOR_INIT_GATE', suggestion: 'WAIT_FOR_INIT_GATES' }),
    'WAIT_FOR_INIT_GATE is not a wait-for-init setting; ignored (did you mean WAIT_FOR_INIT_GATES?)')
  t.equal(unknownSettingMessage({ variable: 'WAIT_FOR_INIT_FOO' }), 'WAIT_FOR_INIT_FOO is not a wait-for-init setting; ignored')
})

t.test('editDistance', async (t) => {
  t.equal(editDistance('', ''), 0)
  t.equal(editDistance('GATE', 'GATES'), 1)
  t.equal(editDistance('GATES', 'GAETS'), 2)
  t.equal(editDistance('kitten', 'sitting'), 3)
  t.equal(editDistance('abc', ''), 3)
})

t.test('every WAIT_FOR_INIT_* name read in the extension, the protocol or a client is a known setting', async (t) => {
  const dirs = ['extension-src', 'protocol', 'client/src', 'client-python/wait_for_init']
  const found = new Set<string>()
  for (const dir of dirs) {
    for (const file of fs.readdirSync(path.join(ROOT, dir)).filter((f) => /\.(ts|py)$/.test(f))) {
      for (const m of fs.readFileSync(path.join(ROOT, dir, file), 'utf8').matchAll(/\bWAIT_FOR_INIT_[A-Z0-9_]*[A-Z0-9]\b/g)) found.add(m[0])
    }
  }
  found.delete('WAIT_FOR_INIT_VERSION') // the version the bundler writes into the binary, not a variable
  found.delete('WAIT_FOR_INIT_SEA') // what the bundler tells main.ts (it runs as the SEA), not a variable
  t.ok(found.size >= 7, `${found.size} names found in the sources`)
  t.same([...found].filter((name) => !KNOWN_SETTINGS.includes(name)).sort(), [], 'none missing from KNOWN_SETTINGS')
})

t.test('every known setting is documented where its user reads', async (t) => {
  const docs = ['README.md', 'client/README.md', 'docs/python-client.md', 'docs/performance.md'].map((f) => fs.readFileSync(path.join(ROOT, f), 'utf8')).join('\n')
  for (const name of KNOWN_SETTINGS) t.ok(docs.includes(`\`${name}\``) || docs.includes(`\`${name}=`), `${name} is documented`)
})
