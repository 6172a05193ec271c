// Reliability, socket path problems (docs/reliability.md), with the built extension in the local sandbox. Each gives
// one clear log line and a defined behaviour: a stale socket is replaced; anything else means
// no hold — never a crash, never a hang.
import t, { type Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { closeClean, extensionLines, extensionOf, layerSandbox, sleep, SOCKET, startHolding } from './helpers'
import { requireLayer } from '../integration/harness'

/** Leaves a dead socket file at hostPath: a process listened there and was SIGKILLed. */
function deadSocket(hostPath: string): void {
  spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(hostPath)}, () => process.kill(process.pid, 'SIGKILL'))`], { stdio: 'ignore' })
  if (!fs.lstatSync(hostPath).isSocket()) throw new Error(`no dead socket at ${hostPath}`)
}

const outcomes = (lines: string[]) => lines.filter((l) => /init outcome=/.test(l)).map((l) => l.replace(/^.*init outcome=(\S+).*$/, '$1'))

/** A bad path: Init not held, not failed; exactly one error line matching `why`, one no-hold outcome. */
async function expectNoHold(t: Test, socketPath: string, why: RegExp, prepare?: (hostPath: (p: string) => string) => void) {
  const sb = layerSandbox(t, { env: { WARMING_TIMEOUT: '8000', WAIT_FOR_INIT_SOCKET: socketPath, SIGNAL_MODE: 'never' } })
  await sb.start()
  prepare?.((p) => sb.hostPath(p))
  const init = await sb.init()
  t.notOk(init.failed, 'Init succeeded')
  const ext = extensionOf(sb)
  t.ok(ext.firstNextAt! - ext.spawnAt! < 2000, `not held: event/next ${Math.round(ext.firstNextAt! - ext.spawnAt!)} ms after spawn`)
  const errors = extensionLines(ext).filter((l) => /ERROR/.test(l))
  t.equal(errors.length, 1, `one error line: ${errors.join(' | ')}`)
  t.match(errors[0], why)
  t.same(outcomes(extensionLines(ext)), ['no-hold'])
  await sb.shutdown('spindown')
  t.equal(extensionOf(sb).exitCode, 0, 'clean exit at SHUTDOWN')
  return sb
}

t.test('socket path in a missing directory', async (t) => {
  const sb = await expectNoHold(t, '/tmp/no/such/dir/w.sock', /the directory \/tmp\/no\/such\/dir does not exist; not holding Init/)
  await closeClean(t, sb)
})

t.test('socket path longer than a Unix socket allows (108 bytes with NUL)', async (t) => {
  const long = '/tmp/' + 'd'.repeat(96) + '/w.sock' // 108 bytes
  t.equal(Buffer.byteLength(long), 108)
  const sb = await expectNoHold(t, long, /WAIT_FOR_INIT_SOCKET is 108 bytes long; a Unix socket path may have at most 107; not holding Init/,
    (host) => fs.mkdirSync(host('/tmp/' + 'd'.repeat(96))))
  await closeClean(t, sb)
})

t.test('a 107-byte path (the longest allowed) works end to end', async (t) => {
  const dir = '/tmp/' + 'e'.repeat(95)
  const p = dir + '/w.sock'
  t.equal(Buffer.byteLength(p), 107)
  const sb = layerSandbox(t, { env: { WARMING_TIMEOUT: '8000', WAIT_FOR_INIT_SOCKET: p, SIGNAL_MODE: 'messages', SIGNAL_DELAY_MS: '300' } })
  await sb.start()
  fs.mkdirSync(sb.hostPath(dir))
  const init = await sb.init()
  t.notOk(init.failed)
  t.same(outcomes(extensionLines(extensionOf(sb))), ['ready'])
  t.notOk(fs.existsSync(sb.hostPath(p)), 'socket removed after release')
  await closeClean(t, sb)
})

t.test('socket path is a directory: refused, left untouched', async (t) => {
  let host = ''
  const sb = await expectNoHold(t, '/tmp/w-dir.sock', /\/tmp\/w-dir\.sock is a directory, not a socket; refusing to replace it; not holding Init/, (h) => {
    host = h('/tmp/w-dir.sock')
    fs.mkdirSync(host)
    fs.writeFileSync(path.join(host, 'keep'), 'x')
  })
  t.equal(fs.readFileSync(path.join(host, 'keep'), 'utf8'), 'x', 'directory and content untouched')
  await closeClean(t, sb)
})

t.test('socket path is a regular file: refused, left untouched', async (t) => {
  let host = ''
  const sb = await expectNoHold(t, '/tmp/w-file.sock', /is a regular file, not a socket; refusing to replace it; not holding Init/, (h) => {
    host = h('/tmp/w-file.sock')
    fs.writeFileSync(host, 'precious')
  })
  t.equal(fs.readFileSync(host, 'utf8'), 'precious', 'file untouched')
  await closeClean(t, sb)
})

t.test('socket path is a symbolic link (even to a socket): refused, link untouched', async (t) => {
  let host = ''
  const sb = await expectNoHold(t, '/tmp/w-link.sock', /is a symbolic link, not a socket/, (h) => {
    host = h('/tmp/w-link.sock')
    fs.symlinkSync('/etc/passwd', host)
  })
  t.equal(fs.readlinkSync(host), '/etc/passwd', 'link untouched')
  await closeClean(t, sb)
})

t.test('a stale socket left by an earlier Init is replaced, with one line saying so', async (t) => {
  const sb = layerSandbox(t, { env: { WARMING_TIMEOUT: '8000', SIGNAL_MODE: 'messages', SIGNAL_DELAY_MS: '300' } })
  await sb.start()
  deadSocket(sb.hostPath(SOCKET))
  const init = await sb.init()
  t.notOk(init.failed, 'Init succeeded')
  const lines = extensionLines(extensionOf(sb))
  t.same(outcomes(lines), ['ready'], 'held and released by ready on the new socket')
  t.equal(lines.filter((l) => /stale socket/.test(l)).length, 1, `one line about the stale socket: ${lines.find((l) => /stale/.test(l))}`)
  t.equal(lines.filter((l) => /ERROR/.test(l)).length, 0, 'no error')
  await closeClean(t, sb)
})

t.test('after a crash during the hold, the reset Init in the same sandbox (/tmp kept) replaces the stale socket', async (t) => {
  const sb = layerSandbox(t, { env: { WARMING_TIMEOUT: '8000', SIGNAL_MODE: 'messages', SIGNAL_DELAY_MS: '1500' } })
  const h = await startHolding(sb)
  process.kill(h.pid, 'SIGKILL') // no chance to clean up: the socket file stays in /tmp
  const first = await h.init
  t.ok(first.failed, 'the first Init failed (extension crashed)')
  t.ok(fs.lstatSync(h.socketPath).isSocket(), 'the dead socket survived the reset in /tmp')
  const inv = await sb.invoke({})
  t.ok(inv.initInline, 'the invoke ran a fresh Init inline')
  t.ok(inv.ok, `invoke ok: ${JSON.stringify(inv.error ?? null)}`)
  const second = extensionOf(sb, 'wait-for-init', 1)
  t.same(outcomes(extensionLines(second)), ['ready'], 'the new extension held and was released by ready')
  t.ok(extensionLines(second).some((l) => /stale socket/.test(l)), 'said it replaced the stale socket')
  await sb.shutdown('spindown')
  t.notOk(fs.existsSync(h.socketPath), 'no socket left after shutdown')
  await closeClean(t, sb)
})

t.test('a live socket of another process (a second copy of the extension) is never stolen', async (t) => {
  // Two copies of the extension with the same default socket path; the function signals once.
  const layer = fs.mkdtempSync('/tmp/wfi-two-')
  t.teardown(() => fs.rmSync(layer, { recursive: true, force: true }))
  fs.mkdirSync(path.join(layer, 'extensions'))
  const bin = path.join(requireLayer(), 'extensions', 'wait-for-init')
  for (const name of ['wait-for-init', 'wait-for-init-copy']) {
    try {
      fs.linkSync(bin, path.join(layer, 'extensions', name))
    } catch {
      fs.copyFileSync(bin, path.join(layer, 'extensions', name))
      fs.chmodSync(path.join(layer, 'extensions', name), 0o755)
    }
  }
  const sb = layerSandbox(t, { layers: [layer], env: { WARMING_TIMEOUT: '8000', SIGNAL_MODE: 'messages', SIGNAL_DELAY_MS: '500' } })
  const init = await sb.init()
  t.notOk(init.failed, 'Init succeeded')
  const a = extensionOf(sb, 'wait-for-init')
  const b = extensionOf(sb, 'wait-for-init-copy')
  const all = [...outcomes(extensionLines(a)), ...outcomes(extensionLines(b))].sort()
  t.same(all, ['no-hold', 'ready'], `one copy holds and is released, the other does not hold (${all.join(', ')})`)
  t.ok(init.durationMs < 4000, `Init ended ${Math.round(init.durationMs)} ms after start: nobody waited for the timeout`)
  await sleep(10)
  await closeClean(t, sb)
})
