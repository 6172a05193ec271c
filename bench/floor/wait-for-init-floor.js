// The floor for `make bench`: wait-for-init's job as a plain script, run directly by the same
// stripped Node binary the SEA embeds (the bench copies both into a layer; the extension file is
// this script behind a `#!` line naming that binary, so the kernel execs node itself: no shell,
// no launcher process). It is what Node costs for this job at the least, so ours / floor is what
// our code, node-fetch and the SEA add. Same behaviour as ours where it matters for the figures:
// listen before register, register SHUTDOWN only, hold until `ready` / `error` / WARMING_TIMEOUT
// counted from process start, event/next with no timeout, init/error then exit 1 on `error`,
// only its own socket removed. Bare node:http, no validation beyond what the bench needs.
//
// Installed as `wait-for-init-minimal` it is the *minimal* floor: register first, before
// anything else, and listen only after it (what a plain extension without the socket-first
// guarantee does). Its start → register is the least any Node extension pays; ours / minimal is
// what every feature before register costs, the listener included.
'use strict'
const http = require('node:http')
const path = require('node:path')

const NAME = path.basename(process.argv[1])
const REGISTER_FIRST = NAME === 'wait-for-init-minimal'
const [HOST, PORT] = (process.env.AWS_LAMBDA_RUNTIME_API || '').split(':')
const SOCKET = process.env.WAIT_FOR_INIT_SOCKET || '/tmp/wait-for-init.sock'
const HOLD_MS = /^[0-9]+$/.test(process.env.WARMING_TIMEOUT || '') ? Number(process.env.WARMING_TIMEOUT) : 0
const agent = new http.Agent({ keepAlive: false })

function request(method, urlPath, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port: PORT, method, path: `/2020-01-01/extension${urlPath}`, headers, agent }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

function fail(what, err) {
  process.stdout.write(`[${NAME}] ERROR ${what}: ${err && err.message ? err.message : err}\n`)
  process.exit(1)
}

// Listener: bounded connections (1 KB per message, 2 s idle), first signal wins.
function listen() {
  const net = require('node:net')
  const fs = require('node:fs')
  let onSignal = () => {}
  const signalled = new Promise((resolve) => (onSignal = resolve))
  const server = net.createServer((socket) => {
    let text = ''
    socket.setTimeout(2000, () => socket.destroy())
    socket.setEncoding('utf8')
    socket.on('data', (d) => {
      text += d
      if (text.length > 1024) return socket.destroy()
      const nl = text.indexOf('\n')
      if (nl === -1) return
      const line = text.slice(0, nl).trim()
      text = text.slice(nl + 1)
      if (line === 'ready') onSignal({ kind: 'ready' }), socket.end('ok\n')
      else if (line.startsWith('error')) onSignal({ kind: 'failed', reason: line.replace(/^error:?\s*/, '') }), socket.end('ok\n')
      else socket.write('error: unknown message\n')
    })
    socket.on('error', () => socket.destroy())
  })
  server.on('error', () => undefined)
  try {
    if (fs.lstatSync(SOCKET).isSocket()) fs.unlinkSync(SOCKET)
  } catch { /* absent */ }
  const mask = process.umask(0o177)
  return new Promise((resolve) => {
    server.listen(SOCKET, () => {
      process.umask(mask)
      resolve({
        signalled,
        close() {
          server.close()
          try { fs.unlinkSync(SOCKET) } catch { /* gone */ }
        },
      })
    })
  })
}

async function main() {
  let hold = HOLD_MS > 0 && !REGISTER_FIRST ? await listen() : null
  let id
  try {
    const res = await request('POST', '/register', { 'Lambda-Extension-Name': NAME, 'Content-Type': 'application/json' }, JSON.stringify({ events: ['SHUTDOWN'] }))
    id = res.headers['lambda-extension-identifier']
    if (res.status !== 200 || !id) throw new Error(`HTTP ${res.status} ${res.body}`)
  } catch (err) {
    if (hold) hold.close()
    fail('register failed', err)
  }
  if (HOLD_MS > 0 && REGISTER_FIRST) hold = await listen()
  let outcome = 'no-hold'
  if (hold) {
    let timer
    const timedOut = new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, HOLD_MS - performance.now()), { kind: 'timeout' })))
    const first = await Promise.race([hold.signalled, timedOut])
    clearTimeout(timer)
    outcome = first.kind
    if (first.kind === 'failed') {
      hold.close()
      const errorType = 'Extension.FunctionInitFailed'
      const headers = { 'Lambda-Extension-Identifier': id, 'Lambda-Extension-Function-Error-Type': errorType, 'Content-Type': 'application/json' }
      const posted = request('POST', '/init/error', headers, JSON.stringify({ errorMessage: first.reason, errorType, stackTrace: [] }))
      await Promise.race([posted.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))])
      process.exit(1)
    }
  }
  let next = request('GET', '/event/next', { 'Lambda-Extension-Identifier': id })
  if (hold) hold.close()
  process.stdout.write(`[${NAME}] INFO init outcome=${outcome} held=${Math.round(performance.now())}ms\n`)
  for (;;) {
    let event
    try {
      const res = await next
      if (res.status !== 200) throw new Error(`HTTP ${res.status} ${res.body}`)
      event = JSON.parse(res.body)
    } catch (err) {
      fail('event/next failed', err)
    }
    if (String(event.eventType).toUpperCase() === 'SHUTDOWN') process.exit(0)
    next = request('GET', '/event/next', { 'Lambda-Extension-Identifier': id })
  }
}

main()
