// Layers (dirs and zips, later wins), discovery (§2.2, §9 items 3–4) and the mount-namespace
// isolation.
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { checkExecutable, discoverExtensions } from '../sandbox/discovery'
import { Sandbox } from '../sandbox/sandbox'
import { createZip, extractZip } from '../sandbox/zip'
import { closeAndCheck, ext, extOut, sandbox, sandboxTmpFile, tempDir, writeFunction, writeLayer } from './helpers'

t.test('discovery: every top-level non-directory entry, byte-wise order; missing folder = none', async (t) => {
  const opt = tempDir(t, 'opt')
  t.same(discoverExtensions(opt), [], 'no extensions folder')
  const dir = path.join(opt, 'extensions')
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true })
  for (const n of ['b', 'B', '.gitkeep', 'a-1', 'sub/inner']) fs.writeFileSync(path.join(dir, n), '')
  fs.symlinkSync('b', path.join(dir, 'link'))
  t.same(discoverExtensions(opt).map((e) => e.name), ['.gitkeep', 'B', 'a-1', 'b', 'link'])
})

t.test('launch checks mirror execve', async (t) => {
  const d = tempDir(t, 'exec')
  const w = (name: string, text: string, mode: number): string => {
    const p = path.join(d, name)
    fs.writeFileSync(p, text)
    fs.chmodSync(p, mode)
    return p
  }
  const id = (p: string): string => p
  t.equal(checkExecutable(w('ok', '#!/bin/sh\n', 0o755), id, new Set()), null)
  t.match(checkExecutable(w('noexec', '#!/bin/sh\n', 0o644), id, new Set()), { errorType: 'PermissionDenied' })
  t.match(checkExecutable(w('empty', '', 0o755), id, new Set()), { errorType: 'UnknownError', message: /ENOEXEC/ })
  t.match(checkExecutable(w('text', 'echo hi\n', 0o755), id, new Set()), { errorType: 'UnknownError', message: /ENOEXEC/ })
  t.match(checkExecutable(w('masked', '#!/bin/sh\n', 0o755), id, new Set([fs.realpathSync('/bin/sh')])), { errorType: 'PermissionDenied', message: /masked/ })
  t.equal(checkExecutable(fs.realpathSync(process.execPath), id, new Set()), null, 'an ELF binary')
  fs.symlinkSync(d, path.join(d, 'dirlink'))
  t.match(checkExecutable(path.join(d, 'dirlink'), id, new Set()), { errorType: 'PermissionDenied' }, 'symlink to a folder')
})

t.test('zip round trip keeps modes and symlinks; entries may not escape', async (t) => {
  const src = tempDir(t, 'zsrc')
  fs.mkdirSync(path.join(src, 'extensions'))
  fs.writeFileSync(path.join(src, 'extensions', 'run'), '#!/bin/sh\n')
  fs.chmodSync(path.join(src, 'extensions', 'run'), 0o755)
  fs.symlinkSync('run', path.join(src, 'extensions', 'alias'))
  const zip = path.join(tempDir(t, 'zip'), 'l.zip')
  createZip(src, zip)
  const out = tempDir(t, 'zout')
  extractZip(zip, out)
  t.equal(fs.statSync(path.join(out, 'extensions', 'run')).mode & 0o777, 0o755)
  t.equal(fs.readlinkSync(path.join(out, 'extensions', 'alias')), 'run')
  // same-length rename of the entry "ab/c" to "../c" in both headers
  const evil = tempDir(t, 'zevil')
  fs.mkdirSync(path.join(evil, 'ab'))
  fs.writeFileSync(path.join(evil, 'ab', 'c'), 'c')
  const ez2 = path.join(evil, 'e.zip')
  createZip(evil, ez2)
  fs.writeFileSync(ez2, Buffer.from(fs.readFileSync(ez2).toString('latin1').split('ab/c').join('../c'), 'latin1'))
  t.throws(() => extractZip(ez2, tempDir(t, 'zo2')), /escapes the layer root/)
  t.throws(() => extractZip(path.join(evil, 'ab', 'c'), out), /not a zip file/)
})

t.test('layers: a zip and a folder merged in order, the later one wins', async (t) => {
  const l1 = tempDir(t, 'l1')
  writeLayer(t, { reg: `const id = await register(['SHUTDOWN']); await loop(id)` }, l1)
  fs.mkdirSync(path.join(l1, 'nodejs', 'node_modules', 'dep'), { recursive: true })
  fs.writeFileSync(path.join(l1, 'nodejs', 'node_modules', 'dep', 'index.js'), "module.exports = 'one'\n")
  fs.writeFileSync(path.join(l1, 'nodejs', 'node_modules', 'dep', 'only1.js'), "module.exports = 'only in layer 1'\n")
  const zip = path.join(tempDir(t, 'z'), 'layer1.zip')
  createZip(l1, zip)
  const l2 = tempDir(t, 'l2')
  fs.mkdirSync(path.join(l2, 'nodejs', 'node_modules', 'dep'), { recursive: true })
  fs.writeFileSync(path.join(l2, 'nodejs', 'node_modules', 'dep', 'index.js'), "module.exports = 'two'\n")
  const fn = writeFunction(t, { 'index.js': "exports.handler = async () => [require('dep'), require('dep/only1')]\n" })
  const sb = sandbox(t, { functionDir: fn, layers: [zip, l2] })
  t.equal((await sb.init()).failed, false, 'the extension from the zip kept its execute bit and registered')
  const inv = await sb.invoke()
  await sb.shutdown()
  const r = await closeAndCheck(t, sb)
  t.same(inv.result, ['two', 'only in layer 1'])
  t.equal(ext(r, 'reg').state, 'Exited')
  t.same(r.extensions.map((e) => e.name), ['reg'], 'the impl/ sub-folder was not launched')
})

t.test('bad layer arguments are named', async (t) => {
  const fn = writeFunction(t, { 'index.js': '' })
  const sb = new Sandbox({ functionDir: fn, layers: ['/no/such/layer.zip'] })
  await t.rejects(sb.init(), /layers: "\/no\/such\/layer\.zip" does not exist/)
  await sb.close()
})

t.test('isolation: real /opt, /var/task, /tmp paths; node hidden from extensions only', async (t) => {
  const layer = writeLayer(t, {
    probe: `const fs = require('fs'); const cp = require('child_process')
      const res = { realPath: fs.existsSync('/opt/extensions/' + NAME), cwd: process.cwd(), PATH: process.env.PATH, pid: process.pid }
      res.nodeOnPath = cp.spawnSync('/bin/sh', ['-c', 'command -v node'], { encoding: 'utf8' }).status
      try { cp.execFileSync('/usr/bin/node', ['-v'], { stdio: 'pipe' }); res.usrBinNode = 'ran' } catch (e) { res.usrBinNode = e.code }
      try { fs.writeFileSync('/var/task/x', '1'); res.taskWrite = 'ok' } catch (e) { res.taskWrite = e.code }
      try { fs.writeFileSync('/opt/x', '1'); res.optWrite = 'ok' } catch (e) { res.optWrite = e.code }
      fs.writeFileSync(process.env.MARK_FILE, NAME)
      out('probe', res)
      const id = await register(['SHUTDOWN']); await loop(id)`,
  })
  const fn = writeFunction(t, {
    'index.js': `const cp = require('child_process'); const fs = require('fs')
exports.handler = async () => ({ pid: process.pid, execPath: process.execPath, cwd: process.cwd(), fromExt: fs.readFileSync(process.env.MARK_FILE, 'utf8'),
  node: cp.spawnSync('/bin/sh', ['-c', 'command -v node'], { encoding: 'utf8' }).stdout.trim() })
`,
  })
  const mark = sandboxTmpFile(t, 'mark')
  const sb = sandbox(t, { functionDir: fn, layers: [layer], env: { MARK_FILE: mark } })
  t.throws(() => sb.hostPath('/tmp/x'), /not started yet; await start\(\) or init\(\) first/)
  await sb.init()
  if (!sb.isolated) {
    t.equal(sb.report().isolation.enabled, false)
    t.match(sb.report().isolation.reason, /\S/, 'the report says why')
    t.comment(`isolation unavailable, isolation checks skipped: ${sb.report().isolation.reason}`)
    return
  }
  const inv = await sb.invoke()
  t.equal(fs.readFileSync(sb.hostPath(mark), 'utf8'), 'probe', 'hostPath maps the sandbox /tmp')
  t.ok(sb.hostPath('/tmp/wait-for-init.sock').length < 108, 'Unix socket paths stay short')
  const r = await closeAndCheck(t, sb)
  t.equal(r.isolation.enabled, true)
  const p = extOut(r, 'probe').find((o) => o.t === 'probe')!
  t.equal(p.realPath, true, 'the extension runs from /opt/extensions/NAME')
  t.equal(p.pid, ext(r, 'probe').pid, 'the watched PID is the extension process itself (nsenter and the wrapper exec)')
  t.equal((inv.result as { pid: number }).pid, r.runtime!.pid, 'the watched PID is the runtime process itself')
  t.equal(p.cwd, '/')
  t.not(p.nodeOnPath, 0, 'no node on the extension PATH')
  t.equal(p.usrBinNode, 'EACCES', 'the host node binary is masked')
  t.equal(p.taskWrite, 'EROFS', '/var/task is read-only')
  t.equal(p.optWrite, 'EROFS', '/opt is read-only')
  t.notMatch(p.PATH, /\/var\/lang\/bin/)
  t.match(inv.result, { execPath: '/var/lang/bin/node', cwd: '/var/task', fromExt: 'probe', node: '/var/lang/bin/node' }, 'the runtime has node; /tmp is shared')
})
