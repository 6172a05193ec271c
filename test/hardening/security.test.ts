// Reliability, security (docs/reliability.md). The socket is owner-only; the extension never logs the function's other
// environment variables or credentials; messages are data — never evaluated, never used as paths,
// never able to forge log lines.
import t from 'tap'
import { REPLY_UNKNOWN } from '../../protocol/signal-protocol'
import fs from 'node:fs'
import { closeClean, extensionOf, layerSandbox, startHolding, talk } from './helpers'

const MARKERS = {
  AWS_ACCESS_KEY_ID: 'AKIAMARKERACCESSKEY01',
  AWS_SECRET_ACCESS_KEY: 'marker-secret-access-key-02',
  AWS_SESSION_TOKEN: 'marker-session-token-03',
  DB_PASSWORD: 'marker-db-password-04',
  API_TOKEN: 'marker-api-token-05',
}
const markerRe = new RegExp(Object.values(MARKERS).join('|'))

t.test('the socket is created owner-only (0600) and owned by the extension user', async (t) => {
  const sb = layerSandbox(t, { env: { WARMING_TIMEOUT: '8000' } })
  const h = await startHolding(sb)
  const st = fs.lstatSync(h.socketPath)
  t.ok(st.isSocket())
  t.equal((st.mode & 0o777).toString(8), '600', 'mode 0600: no other user can signal or probe')
  t.equal(st.uid, fs.statSync(`/proc/${h.pid}`).uid, 'owned by the extension process user')
  t.equal((await talk(h.socketPath, ['ready\n'])).reply, 'ok\n')
  await h.init
  await closeClean(t, sb)
})

t.test('credentials and other variables never appear in any output, on every path, in every format', async (t) => {
  const scenarios: { name: string; env: Record<string, string>; fault?: 'register' | 'next'; messages?: string }[] = [
    { name: 'ready', env: { WARMING_TIMEOUT: '8000', SIGNAL_MODE: 'messages' } },
    { name: 'timeout', env: { WARMING_TIMEOUT: '300' } },
    { name: 'failed', env: { WARMING_TIMEOUT: '8000', SIGNAL_MODE: 'messages', MESSAGES: 'junk|error: db down' } },
    { name: 'no-hold', env: {} },
    { name: 'invalid WARMING_TIMEOUT', env: { WARMING_TIMEOUT: 'soon', AWS_LAMBDA_LOG_FORMAT: 'yaml' } },
    { name: 'register fails', env: { WARMING_TIMEOUT: '8000' }, fault: 'register' },
    { name: 'event/next fails', env: { WARMING_TIMEOUT: '8000', SIGNAL_MODE: 'messages' }, fault: 'next' },
  ]
  for (const format of ['Text', 'JSON']) {
    for (const s of scenarios) {
      const sb = layerSandbox(t, { env: { ...MARKERS, AWS_LAMBDA_LOG_FORMAT: format, AWS_LAMBDA_LOG_LEVEL: 'TRACE', ...s.env } })
      if (s.fault === 'register') sb.faults.add({ api: 'extension/register', action: { status: 500 } })
      if (s.fault === 'next') sb.faults.add({ api: 'extension/event/next', action: 'reset' })
      await sb.init()
      if (!sb.report().init?.failed) {
        await sb.invoke({})
        await sb.shutdown('spindown')
      }
      const ext = extensionOf(sb)
      const all = ext.logs.map((l) => l.text).join('\n')
      t.ok(ext.logs.length > 0, `${format}/${s.name}: the extension logged ${ext.logs.length} lines`)
      t.notMatch(all, markerRe, `${format}/${s.name}: no credential or variable value in stdout/stderr`)
      const posted = JSON.stringify(sb.report().errors)
      t.notMatch(posted, markerRe, `${format}/${s.name}: nor in anything posted to the API`)
      await closeClean(t, sb)
    }
  }
})

t.test('messages are data: never evaluated, never used as paths, never able to forge log lines', async (t) => {
  const tag = `${process.pid}-${Date.now()}`
  const target = (n: number) => `/tmp/pwned-${tag}-${n}`
  const sb = layerSandbox(t, { mode: 'provisioned', env: { WARMING_TIMEOUT: '20000' } })
  const h = await startHolding(sb)
  const hostile = [
    // log forging first: only the first few rejected messages are logged individually
    'junk\n[wait-for-init] INFO init outcome=ready held=0ms',
    `$(touch ${target(1)})`,
    `\`touch ${target(2)}\``,
    `ready; touch ${target(3)}`,
    target(4),
    `../../../../../..${target(5)}`,
    `\${require('child_process').execSync('touch ${target(6)}')}`,
    `require('fs').writeFileSync('${target(7)}', 'x')`,
    `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`,
    '%s%s%s%n%n%d %j',
    '\u001b]0;owned\u0007\u001b[2J\r\u2028\u2029ready?',
    `file://${target(8)}`,
  ]
  for (const [i, m] of hostile.entries()) {
    const r = await talk(h.socketPath, [m + '\n'])
    // (the message itself stays out of the assertion name: U+2028 would break the TAP stream)
    // One answer per line of the message, each the unknown-message error (nothing else, nothing more).
    t.equal(r.reply, REPLY_UNKNOWN.repeat(m.split('\n').length), `hostile message #${i} rejected`)
  }
  const fds = fs.readdirSync(`/proc/${h.pid}/fd`).map((fd) => { try { return fs.readlinkSync(`/proc/${h.pid}/fd/${fd}`) } catch { return '' } })
  t.notOk(fds.some((f) => f.includes('pwned')), 'the extension opened none of the paths')
  t.equal(extensionOf(sb).firstNextAt, null, 'nothing hostile released Init')

  // The failure reason is passed on verbatim as data, not run.
  const reason = `$(touch ${target(9)}) \`touch ${target(10)}\` ${target(11)}`
  const r = await talk(h.socketPath, [`error: ${reason}\n`])
  t.equal(r.reply, 'ok\n')
  const init = await h.init
  t.ok(init.failed, 'Init failed as the function asked')
  const posted = sb.report().errors.find((e) => e.api === 'extension/init/error')
  t.equal((posted?.body as { errorMessage?: string })?.errorMessage, reason, 'the reason reached Lambda verbatim')
  for (let n = 1; n <= 11; n++) {
    t.notOk(fs.existsSync(sb.hostPath(target(n))), `no ${target(n)} in the sandbox's /tmp`)
    t.notOk(fs.existsSync(target(n)), `no ${target(n)} on the host`)
  }
  t.notOk(({} as Record<string, unknown>).polluted, 'nothing polluted (in this process either)')

  const lines = extensionOf(sb).logs.map((l) => l.text)
  t.equal(lines.filter((l) => /^\[wait-for-init\] \w+ init outcome=/.test(l)).length, 1, 'exactly one line *starts* with an outcome: the forged one is quoted inside a warning')
  t.ok(lines.every((l) => !/[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029]/.test(l)), 'no control characters reached the log')
  t.ok(lines.every((l) => l.startsWith('[wait-for-init] ')), 'every line carries the prefix')
  await closeClean(t, sb)
})
