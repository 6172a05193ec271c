// The Python snippet in docs/clients.md, as a reader would copy it, against the real listener:
// a long accented or multi-line reason must still fail Init (cut to the byte limit), and
// `ready` must release it. A snippet that forgot the byte limit would silently lose failures.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { execFile, spawnSync } from 'node:child_process'
import { MAX_REASON_BYTES } from '../../protocol/signal-protocol'
import { parseConfig } from '../../extension-src/config'
import { tempDir } from '../client/helpers'
import { startRealListener } from './real-listener'

const README = path.resolve(__dirname, '..', '..', 'docs', 'clients.md')
const hasPython = spawnSync('python3', ['--version']).status === 0

function snippet(): string {
  const text = fs.readFileSync(README, 'utf8')
  const block = /## Python[\s\S]*?```python\n([\s\S]*?)```/.exec(text)
  if (!block) throw new Error('docs/clients.md has no ```python block under "## Python"')
  return block[1]
}

function runPython(code: string, env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // NODE_OPTIONS stays out: python3 does not care, and it keeps the child environment minimal.
    execFile('python3', ['-c', code], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 20000 },
      (err, stdout, stderr) => resolve({ status: err ? 1 : 0, stdout, stderr }))
  })
}

t.test('the README Python snippet: long reasons still fail Init, ready releases', { skip: hasPython ? false : 'python3 not found' }, async (t) => {
  const dir = tempDir(t, 'wfi-py-')
  const cases: [string, string, RegExp][] = [
    ['French, 2000 é', '"error: base de données injoignable: " + "é" * 2000', /^base de données injoignable: é+…$/],
    ['CJK, multi-line', '"error: 数据库\\n无法访问\\r\\n" + "中" * 1000', /^数据库 无法访问 中+…$/],
    ['short', '"error: db down"', /^db down$/],
  ]
  for (const [name, expr, reason] of cases) {
    const real = await startRealListener(t, path.join(dir, `${cases.findIndex((c) => c[0] === name)}.sock`))
    const r = await runPython(`${snippet()}\nprint(signal_wait_for_init(${expr}))`, { WARMING_TIMEOUT: '5000', WAIT_FOR_INIT_SOCKET: real.path })
    t.equal(r.stdout.trim(), 'True', `${name}: the snippet saw ok ${r.stderr}`)
    t.equal(real.signals.length, 1, `${name}: one signal`)
    t.match(real.signals[0], { kind: 'failed', reason }, `${name}: Init fails with the reason`)
    if (real.signals[0]?.kind === 'failed') t.ok(Buffer.byteLength(real.signals[0].reason) <= MAX_REASON_BYTES)
    t.notMatch(real.logs.join('\n'), /more than 1024 bytes/, `${name}: nothing was too long`)
    real.close()
  }
  const ready = await startRealListener(t, path.join(dir, 'ready.sock'))
  const r = await runPython(`${snippet()}\nprint(signal_wait_for_init())`, { WARMING_TIMEOUT: '5000', WAIT_FOR_INIT_SOCKET: ready.path })
  t.equal(r.stdout.trim(), 'True', r.stderr)
  t.same(ready.signals, [{ kind: 'ready' }])
})

t.test('the snippet reads WAIT_FOR_INIT_SOCKET by the extension\'s rule: padded is trimmed, blank is the default', { skip: hasPython ? false : 'python3 not found' }, async (t) => {
  const dir = tempDir(t, 'wfi-py-')
  const padded = await startRealListener(t, path.join(dir, 'p.sock'))
  const r = await runPython(`${snippet()}\nprint(signal_wait_for_init())`, { WARMING_TIMEOUT: '5000', WAIT_FOR_INIT_SOCKET: `  ${padded.path}\t` })
  t.equal(r.stdout.trim(), 'True', `a padded path reaches the listener ${r.stderr}`)
  t.same(padded.signals, [{ kind: 'ready' }])
  // Blank values: where the snippet connects (recorded, never connected: the default path is shared on this host).
  const record = [
    'import socket',
    'class Recording(socket.socket):',
    '    def connect(self, address):',
    '        print("CONNECT", address)',
    '        raise FileNotFoundError(address)',
    'socket.socket = Recording',
  ].join('\n')
  for (const blank of ['', '   ', '\t']) {
    const env = { WARMING_TIMEOUT: '5000', WAIT_FOR_INIT_SOCKET: blank }
    const b = await runPython(`${record}\n${snippet()}\nprint(signal_wait_for_init())`, env)
    t.same(b.stdout.trim().split('\n'), [`CONNECT ${parseConfig({ AWS_LAMBDA_RUNTIME_API: 'h:1', ...env }).config.socketPath}`, 'False'], `${JSON.stringify(blank)}: the extension's path`)
  }
})
