// Helpers for the emulator's own tests: temp folders, tiny test extensions, leak checks.
//
// Test extensions are small Node scripts. Under isolation `node` is masked on the extensions'
// PATH (as the issue requires), so each extension file /opt/extensions/NAME is a POSIX sh
// wrapper that `exec`s node by absolute path (same PID, so the sandbox watches the real
// process): /var/lang/bin/node inside the namespace, the host's node without isolation. sh is
// always present; bash /dev/tcp HTTP clients would be fragile for long polls and headers.
import fs from 'node:fs'
import path from 'node:path'
import type { Test } from 'tap'
import { Sandbox } from '../sandbox'
import type { LogLine, SandboxOptions, SandboxReport } from '../sandbox'

/** Loaded by every test extension as ./lib.cjs (plain JS: it runs inside the sandbox). */
const EXT_LIB = String.raw`'use strict'
const http = require('http')
const path = require('path')
const [host, port] = String(process.env.AWS_LAMBDA_RUNTIME_API || '').split(':')
const NAME = path.basename(process.argv[1], '.cjs')
function call(method, p, opts = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), method, path: p, headers: opts.headers || {}, agent: false }, (res) => {
      let d = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { d += c })
      res.on('end', () => {
        let json = null
        try { json = JSON.parse(d) } catch {}
        resolve({ status: res.statusCode, headers: res.headers, body: d, json })
      })
    })
    req.on('error', reject)
    if (opts.body !== undefined) req.write(opts.body)
    req.end()
  })
}
function out(t, data = {}) { process.stdout.write(JSON.stringify({ t, at: Date.now(), ...data }) + '\n') }
async function register(events = ['INVOKE', 'SHUTDOWN'], name = NAME, extraHeaders = {}) {
  const r = await call('POST', '/2020-01-01/extension/register', {
    headers: { 'Lambda-Extension-Name': name, ...extraHeaders }, body: JSON.stringify({ events }),
  })
  out('register', { status: r.status, body: r.json, id: r.headers['lambda-extension-identifier'] })
  return r.headers['lambda-extension-identifier']
}
async function next(id) {
  const r = await call('GET', '/2020-01-01/extension/event/next', { headers: { 'Lambda-Extension-Identifier': id } })
  out('event', { status: r.status, event: r.json, eventId: r.headers['lambda-extension-event-identifier'] || null, errorType: r.json && r.json.errorType })
  return r.status === 200 ? r.json : null
}
/** next forever; onEvent may be async; exits 0 after SHUTDOWN */
async function loop(id, onEvent) {
  for (;;) {
    const ev = await next(id)
    if (!ev) process.exit(3)
    if (onEvent) await onEvent(ev)
    if (ev.eventType === 'SHUTDOWN') process.exit(0)
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
module.exports = { call, out, register, next, loop, sleep, NAME }
`

export type ExtSpec =
  | string // JS body run inside an async function with call/out/register/next/loop/sleep/NAME in scope
  | { sh: string } // a /bin/sh script
  | { raw: string; mode: number } // exact file content and mode (LaunchError cases)

let counter = 0

/** A fresh folder under /tmp, removed at teardown. */
export function tempDir(t: Test, label = 'x'): string {
  const d = fs.mkdtempSync(path.join('/tmp', `wfi-t-${label}-${process.pid}-${counter++}-`))
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }))
  return d
}

/**
 * A unique path under the sandbox's /tmp. Under isolation it lives in the sandbox's own /tmp (read
 * it with sb.hostPath); in the fallback it is the host /tmp, so it is removed at teardown.
 */
export function sandboxTmpFile(t: Test, label: string): string {
  const p = `/tmp/wfi-t-${label}-${process.pid}-${counter++}`
  t.teardown(() => fs.rmSync(p, { force: true }))
  return p
}

export function writeFunction(t: Test, files: Record<string, string>): string {
  const dir = tempDir(t, 'fn')
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    fs.writeFileSync(path.join(dir, name), text)
  }
  return dir
}

/** A layer folder with extensions/NAME for every spec (JS ones get extensions/impl/NAME.cjs). */
export function writeLayer(t: Test, exts: Record<string, ExtSpec>, dir = tempDir(t, 'layer')): string {
  const extDir = path.join(dir, 'extensions')
  const impl = path.join(extDir, 'impl') // a sub-folder: never launched (docs/lambda-lifecycle.md §2.2 step 2)
  fs.mkdirSync(impl, { recursive: true })
  fs.writeFileSync(path.join(impl, 'lib.cjs'), EXT_LIB)
  const hostNode = fs.realpathSync(process.execPath)
  for (const [name, spec] of Object.entries(exts)) {
    const file = path.join(extDir, name)
    if (typeof spec === 'string') {
      fs.writeFileSync(path.join(impl, `${name}.cjs`),
        `'use strict'\nconst { call, out, register, next, loop, sleep, NAME } = require('./lib.cjs')\n` +
        `;(async () => {\n${spec}\n})().catch((e) => { console.error(e && e.stack || e); process.exit(2) })\n`)
      fs.writeFileSync(file, `#!/bin/sh\nd=$(dirname "$0")\nfor n in /var/lang/bin/node ${hostNode}; do\n` +
        `  if [ -x "$n" ]; then exec "$n" "$d/impl/${name}.cjs"; fi\ndone\necho "no node for test extension" >&2\nexit 127\n`)
      fs.chmodSync(file, 0o755)
    } else if ('sh' in spec) {
      fs.writeFileSync(file, `#!/bin/sh\n${spec.sh}\n`)
      fs.chmodSync(file, 0o755)
    } else {
      fs.writeFileSync(file, spec.raw)
      fs.chmodSync(file, spec.mode)
    }
  }
  return dir
}

/** The JSON lines an extension printed with out(). */
export function extOut(report: SandboxReport, name: string, generation = 0): { t: string; at: number; [k: string]: unknown }[] {
  const e = report.extensions.find((x) => x.name === name && x.generation === generation)
  if (!e) return []
  return linesToJson(e.logs)
}

export function linesToJson(lines: LogLine[]): { t: string; at: number; [k: string]: unknown }[] {
  const out = []
  for (const l of lines) {
    if (l.stream !== 'stdout' || !l.text.startsWith('{"t":')) continue
    try { out.push(JSON.parse(l.text)) } catch { /* not ours */ }
  }
  return out
}

export function ext(report: SandboxReport, name: string, generation = 0) {
  const e = report.extensions.find((x) => x.name === name && x.generation === generation)
  if (!e) throw new Error(`no extension ${name} (generation ${generation}) in report: ${report.extensions.map((x) => `${x.name}/${x.generation}`).join(', ')}`)
  return e
}

/**
 * A sandbox closed at teardown, with the no-leak checks: no process of the sandbox left
 * running and its temporary folder removed.
 */
export function sandbox(t: Test, opts: SandboxOptions): Sandbox {
  // WFI_SANDBOX_ISOLATE=0 runs the suite in the no-isolation fallback (as without root)
  const isolate = process.env.WFI_SANDBOX_ISOLATE === '0' ? false : 'auto'
  const sb = new Sandbox({ functionTimeoutMs: 5000, isolate, ...opts })
  t.teardown(async () => {
    await sb.close()
    const left = sb.runningProcesses()
    if (left.length) throw new Error(`leaked processes: ${left.join(',')}`)
    if (sb.tempDir && fs.existsSync(sb.tempDir)) throw new Error(`leaked temp dir ${sb.tempDir}`)
  })
  return sb
}

/** close() then assert nothing leaked (inside the test, so the failure is reported there). */
export async function closeAndCheck(t: Test, sb: Sandbox): Promise<SandboxReport> {
  await sb.close()
  const report = sb.report()
  t.same(sb.runningProcesses(), [], 'no process of the sandbox is left running')
  t.notOk(sb.tempDir && fs.existsSync(sb.tempDir), 'temp dir removed')
  for (const e of report.extensions) if (e.pid !== null) t.ok(e.exitAt !== null, `${e.name} (pid ${e.pid}) exited`)
  for (const r of report.runtimes) if (r.pid !== null) t.ok(r.exitAt !== null, `runtime (pid ${r.pid}) exited`)
  return report
}

/** A CommonJS handler returning the event plus anything in `extra` (JS expression). */
export const echoHandler = (extra = '{}'): Record<string, string> => ({
  'index.js': `exports.handler = async (event, context) => ({ event, requestId: context.awsRequestId, extra: ${extra} })\n`,
})
