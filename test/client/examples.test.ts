// The sample functions (examples/get-default, examples/get-default-esm) with the built client
// against a fake extension socket. The real extension and the sandbox are covered elsewhere.
import t from 'tap'
import type { Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { spawn, spawnSync, ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import { buildClient } from '../../client/build'
import { startFakeListener } from './fake-listener'
import { tempDir } from './helpers'

const root = path.resolve(__dirname, '..', '..')
const driver = path.join(__dirname, 'fixtures', 'invoke-sample.mjs')
const cjsSample = path.join(root, 'examples', 'get-default', 'index.js')
const esmSample = path.join(root, 'examples', 'get-default-esm', 'index.mjs')

/** A running sample: send events, read result lines. */
class Sample {
  private lines: string[] = []
  private waiters: Array<(line: string) => void> = []
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const w = this.waiters.shift()
      if (w) w(line)
      else this.lines.push(line)
    })
  }

  next(): Promise<any> {
    const line = this.lines.shift()
    if (line !== undefined) return Promise.resolve(JSON.parse(line))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no output from the sample within 20 s')), 20000)
      this.waiters.push((l) => { clearTimeout(timer); resolve(JSON.parse(l)) })
    })
  }

  invoke(event: unknown): Promise<any> {
    this.child.stdin.write(`${JSON.stringify(event)}\n`)
    return this.next()
  }
}

function startSample(t: Test, command: string, args: string[], env: Record<string, string>): Sample {
  const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += d })
  t.teardown(() => { child.kill('SIGKILL') })
  t.teardown(() => { if (stderr) t.comment(`sample stderr: ${stderr.trim()}`) })
  return new Sample(child)
}

function layerWithClient(dir: string): string {
  const layer = path.join(dir, 'opt')
  buildClient(root, path.join(layer, 'nodejs', 'node_modules', 'wait-for-init'))
  return layer
}

t.test('CommonJS sample: warm-up signalled; warm on the first invoke after ready, not before', async (t) => {
  const dir = tempDir(t)
  const layer = layerWithClient(dir)
  const sock = path.join(dir, 'x.sock')
  const server = await startFakeListener({ path: sock })
  t.teardown(() => server.close())
  const env = {
    NODE_PATH: path.join(layer, 'nodejs', 'node_modules'), WAIT_FOR_INIT_SOCKET: sock,
    WARMING_TIMEOUT: '10000', WARM_UP_MS: '400',
  }

  // As without the extension: the first request arrives while the warm-up still runs.
  const cold = startSample(t, process.execPath, [driver, cjsSample], env)
  t.same(await cold.next(), { loaded: true })
  const first = (await cold.invoke({})).result
  t.equal(first.warm, false, 'invoked during the warm-up')
  t.ok(first.waitedForWarmUpMs >= 200, `the handler waited for the warm-up (${first.waitedForWarmUpMs} ms)`)
  t.same(first.stepsDone, ['resolve endpoint', 'open connection', 'authenticate', 'prime cache'])
  cold.child.stdin.end()

  // As with the extension: the first request comes only after `ready` released Init.
  const started = Date.now()
  const held = startSample(t, process.execPath, [driver, cjsSample], env)
  t.same(await held.next(), { loaded: true })
  while (server.messages.length < 2 && Date.now() - started < 20000) await new Promise((r) => setTimeout(r, 20))
  t.same(server.messages, ['ready', 'ready'], 'each process signalled ready once')
  t.ok(server.arrivals[1] - started >= 350, 'ready came after the ~400 ms warm-up')
  const warm = (await held.invoke({})).result
  t.equal(warm.warm, true, 'warm on the first invoke')
  t.equal(warm.invocation, 1)
  t.equal(warm.initSignal, 'accepted')
  t.ok(warm.msSinceWarmUp >= 0 && warm.msSinceModuleLoad >= 350)

  const http = (await held.invoke({ httpMethod: 'GET', path: '/default' })).result
  t.equal(http.statusCode, 200)
  t.match(JSON.parse(http.body), { warm: true, path: '/default', invocation: 2 })
  held.child.stdin.end()
})

t.test('CommonJS sample: a failing warm-up is signalled with its reason; bad WARM_UP_MS is named', async (t) => {
  const dir = tempDir(t)
  const layer = layerWithClient(dir)
  const sock = path.join(dir, 'x.sock')
  const server = await startFakeListener({ path: sock })
  t.teardown(() => server.close())
  const env = {
    NODE_PATH: path.join(layer, 'nodejs', 'node_modules'), WAIT_FOR_INIT_SOCKET: sock,
    WARMING_TIMEOUT: '10000', WARM_UP_MS: '100', WARM_UP_FAIL: 'boom',
  }
  const sample = startSample(t, process.execPath, [driver, cjsSample], env)
  t.same(await sample.next(), { loaded: true })
  t.same(await sample.invoke({}), { error: 'warm-up step "prime cache" failed: boom' })
  const started = Date.now()
  while (server.messages.length < 1 && Date.now() - started < 20000) await new Promise((r) => setTimeout(r, 20))
  t.same(server.messages, ['error: warm-up step "prime cache" failed: boom'])
  sample.child.stdin.end()

  const bad = startSample(t, process.execPath, [driver, cjsSample], { ...env, WARM_UP_FAIL: '', WARM_UP_MS: 'fast' })
  t.match(await bad.next(), { loadError: /WARM_UP_MS must be an integer .*got "fast"/ })
})

const canMountOpt = process.getuid?.() === 0 && fs.existsSync('/opt') && spawnSync('unshare', ['-m', 'true']).status === 0
t.test('ES-module sample imports the client from /opt by absolute path', {
  skip: canMountOpt ? false : 'needs root and unshare to mount a layer at /opt privately',
}, async (t) => {
  const dir = tempDir(t)
  const layer = layerWithClient(dir)
  const sock = path.join(dir, 'x.sock')
  const server = await startFakeListener({ path: sock })
  t.teardown(() => server.close())
  // A private mount namespace shows the built layer at /opt to this one process only.
  const script = 'mount --bind "$0" /opt && exec "$1" "$2" "$3"'
  const sample = startSample(t, 'unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, layer, process.execPath, driver, esmSample],
    { WAIT_FOR_INIT_SOCKET: sock, WARMING_TIMEOUT: '10000', WARM_UP_MS: '200' })
  t.same(await sample.next(), { loaded: true })
  const started = Date.now()
  while (server.messages.length < 1 && Date.now() - started < 20000) await new Promise((r) => setTimeout(r, 20))
  t.same(server.messages, ['ready'])
  const result = (await sample.invoke({})).result
  t.equal(result.warm, true)
  t.equal(result.initSignal, 'accepted')
  sample.child.stdin.end()
})
