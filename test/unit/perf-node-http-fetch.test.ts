// nodeHttpFetch (extension-src/extensions-api.ts, issue 7): the bare node:http client that
// carries the register call on the start-up path must behave like the node-fetch path the
// ExtensionsApiClient relies on: status, headers, body, error codes, a cut-short body, no timeout.
import t from 'tap'
import http from 'node:http'
import net from 'node:net'
import { ExtensionsApiClient, ExtensionsApiError, FetchLike, nodeHttpFetch } from '../../extension-src/extensions-api'
import { httpServer } from './helpers'

const agent = new http.Agent({ keepAlive: false })

const server = httpServer

t.test('status, headers (any case) and body; the request carries method, headers and body', async (t) => {
  let seen: { method?: string; name?: string; body: string } = { body: '' }
  const addr = await server(t, (req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      seen = { method: req.method, name: req.headers['lambda-extension-name'] as string, body }
      res.writeHead(201, { 'Lambda-Extension-Identifier': 'id-1' })
      res.end('héllo')
    })
  })
  const res = await nodeHttpFetch(agent)(`http://${addr}/x`, { method: 'POST', headers: { 'Lambda-Extension-Name': 'n' }, body: '{"a":1}' })
  t.equal(res.status, 201)
  t.equal(res.headers.get('Lambda-Extension-Identifier'), 'id-1')
  t.equal(res.headers.get('lambda-extension-identifier'), 'id-1')
  t.equal(res.headers.get('x-missing'), null)
  t.equal(await res.text(), 'héllo')
  t.same(seen, { method: 'POST', name: 'n', body: '{"a":1}' })
})

t.test('a refused connection rejects with its error code', async (t) => {
  const probe = net.createServer()
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
  const port = (probe.address() as { port: number }).port
  await new Promise<void>((r) => probe.close(() => r()))
  const err = await nodeHttpFetch(agent)(`http://127.0.0.1:${port}/x`, { method: 'GET', headers: {} }).catch((e) => e)
  t.equal((err as NodeJS.ErrnoException).code, 'ECONNREFUSED')
})

t.test('a body cut short makes text() reject, and the client reports it', async (t) => {
  const addr = await server(t, (_req, res) => {
    res.writeHead(200, { 'Content-Length': '100', 'Lambda-Extension-Identifier': 'id' })
    res.write('partial')
    setTimeout(() => res.socket?.destroy(), 20)
  })
  const res = await nodeHttpFetch(agent)(`http://${addr}/x`, { method: 'GET', headers: {} })
  const err = await res.text().catch((e) => e)
  t.equal((err as NodeJS.ErrnoException).code, 'ECONNRESET')
  const viaClient = await new ExtensionsApiClient(addr, nodeHttpFetch(agent)).register('x', ['SHUTDOWN']).catch((e) => e)
  t.type(viaClient, ExtensionsApiError)
  t.match((viaClient as Error).message, /register failed while reading the answer: ECONNRESET/)
})

t.test('no client timeout: an answer after 1.5 s still arrives', async (t) => {
  const addr = await server(t, (_req, res) => {
    setTimeout(() => res.end('late'), 1500)
  })
  const res = await nodeHttpFetch(agent)(`http://${addr}/x`, { method: 'GET', headers: {} })
  t.equal(await res.text(), 'late')
})

t.test('the client sends register over registerFetch and everything else over fetch', async (t) => {
  const addr = await server(t, (req, res) => {
    res.writeHead(200, { 'Lambda-Extension-Identifier': 'id-9' })
    res.end(req.url?.endsWith('/event/next') ? '{"eventType":"SHUTDOWN"}' : '{}')
  })
  const used: string[] = []
  const tag = (name: string): FetchLike => (url, init) => {
    used.push(`${name} ${init.method} ${new URL(url).pathname}`)
    return nodeHttpFetch(agent)(url, init)
  }
  const client = new ExtensionsApiClient(addr, tag('main'), tag('register'))
  await client.register('x', ['SHUTDOWN'])
  await client.nextEvent()
  t.same(used, ['register POST /2020-01-01/extension/register', 'main GET /2020-01-01/extension/event/next'])
  const single: string[] = []
  const one = new ExtensionsApiClient(addr, (url, init) => (single.push(init.method), nodeHttpFetch(agent)(url, init)))
  await one.register('x', ['SHUTDOWN'])
  t.same(single, ['POST'], 'without registerFetch, fetch carries register too')
})
