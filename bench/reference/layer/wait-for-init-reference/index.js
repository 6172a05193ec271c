// Reference extension for `make bench` (docs/performance.md): the original sample's architecture, kept as a
// fixture so every figure of ours is shown next to what it replaces. A plain Node.js script run
// by the runtime's own node (/var/lang/bin/node) through a shell wrapper in extensions/ (as the
// sample's layer did), which registers for INVOKE and SHUTDOWN, opens
// its socket *after* registering (the sample's race, docs/lambda-lifecycle.md §5.3), holds with a timer armed after
// registering, and calls event/next after every invoke.
//
// "Faithful but correct": it keeps that architecture but does what the sample meant to do
// without its bugs that would spoil a measurement: it closes its listener and removes the socket
// on release, survives socket errors, exits non-zero on API errors, and exits 0 on SHUTDOWN.
// It uses node:http directly (no node-fetch, no modules), the leanest a Node script can be, so
// the comparison errs in the reference's favour.
'use strict'
const http = require('node:http')
const net = require('node:net')
const fs = require('node:fs')
const path = require('node:path')

// The wrapper passes its own file name: the name Lambda knows the extension by (docs/lambda-lifecycle.md §3).
const NAME = process.argv[2] || path.basename(__dirname)
const [HOST, PORT] = (process.env.AWS_LAMBDA_RUNTIME_API || '').split(':')
const SOCKET = process.env.WAIT_FOR_INIT_SOCKET || '/tmp/wait-for-init.sock'
const WARMING_TIMEOUT = /^[0-9]+$/.test(process.env.WARMING_TIMEOUT || '') ? Number(process.env.WARMING_TIMEOUT) : 0

function request(method, urlPath, headers, body) {
  return new Promise((resolve, reject) => {
    // agent: false = one connection per call; no timeout (event/next blocks across freezes, docs/lambda-lifecycle.md §7)
    const req = http.request({ host: HOST, port: PORT, method, path: `/2020-01-01/extension${urlPath}`, headers, agent: false }, (res) => {
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
  console.error(`[${NAME}] ${what}: ${err && err.message ? err.message : err}`)
  process.exit(1)
}

// The sample's hold: listen, wait for "ready" or the timer, then go on.
function hold(ms) {
  return new Promise((resolve) => {
    try {
      if (fs.lstatSync(SOCKET).isSocket()) fs.unlinkSync(SOCKET)
    } catch { /* absent */ }
    let done = false
    const server = net.createServer((socket) => {
      let text = ''
      socket.setEncoding('utf8')
      socket.on('data', (d) => {
        text += d
        if (text.trim().toLowerCase() === 'ready') release()
      })
      socket.on('error', () => socket.destroy())
    })
    const timer = setTimeout(release, ms)
    function release() {
      if (done) return
      done = true
      clearTimeout(timer)
      server.close()
      try { fs.unlinkSync(SOCKET) } catch { /* gone */ }
      resolve()
    }
    server.on('error', (err) => {
      console.error(`[${NAME}] socket: ${err.message}`)
      release()
    })
    server.listen(SOCKET)
  })
}

async function main() {
  let id
  try {
    const res = await request('POST', '/register', { 'Lambda-Extension-Name': NAME, 'Content-Type': 'application/json' }, JSON.stringify({ events: ['INVOKE', 'SHUTDOWN'] }))
    id = res.headers['lambda-extension-identifier']
    if (res.status !== 200 || !id) throw new Error(`HTTP ${res.status} ${res.body}`)
  } catch (err) {
    fail('register failed', err)
  }
  if (WARMING_TIMEOUT > 0) await hold(WARMING_TIMEOUT)
  for (;;) {
    let event
    try {
      const res = await request('GET', '/event/next', { 'Lambda-Extension-Identifier': id })
      if (res.status !== 200) throw new Error(`HTTP ${res.status} ${res.body}`)
      event = JSON.parse(res.body)
    } catch (err) {
      fail('event/next failed', err)
    }
    if (event.eventType === 'SHUTDOWN') process.exit(0)
  }
}

main()
