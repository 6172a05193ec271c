import t from 'tap'
import http from 'node:http'
import fetch from 'node-fetch'
import { ExtensionsApiClient, ExtensionsApiError, FetchLike } from '../../extension-src/extensions-api'
import { httpServer } from './helpers'

const realFetch: FetchLike = (url, init) => fetch(url, { ...init, agent: new http.Agent({ keepAlive: false }) })

const server = httpServer

t.test('register sends the name and events and keeps the identifier', async (t) => {
  const seen: { method?: string; url?: string; name?: string; body?: string }[] = []
  const addr = await server(t, (req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, name: req.headers['lambda-extension-name'] as string, body })
      res.writeHead(200, { 'Lambda-Extension-Identifier': 'abc-123', 'Content-Type': 'application/json' })
      res.end('{"functionName":"f","functionVersion":"$LATEST","handler":"index.handler"}')
    })
  })
  const client = new ExtensionsApiClient(addr, realFetch)
  t.equal(await client.register('wait-for-init', ['SHUTDOWN']), 'abc-123')
  t.same(seen, [{ method: 'POST', url: '/2020-01-01/extension/register', name: 'wait-for-init', body: '{"events":["SHUTDOWN"]}' }])
})

t.test('Lambda error documents become ExtensionsApiError with status and type', async (t) => {
  const addr = await server(t, (_req, res) => {
    res.writeHead(403, { 'Content-Type': 'application/json' })
    res.end('{"errorMessage":"bad name","errorType":"Extension.InvalidExtensionName"}')
  })
  const err = await new ExtensionsApiClient(addr, realFetch).register('x', []).catch((e) => e)
  t.type(err, ExtensionsApiError)
  t.equal(err.status, 403)
  t.equal(err.errorType, 'Extension.InvalidExtensionName')
  t.match(err.message, /register answered HTTP 403 \(Extension.InvalidExtensionName: bad name\)/)
})

t.test('connection refused and reset are reported with their code', async (t) => {
  const refused = await new ExtensionsApiClient('127.0.0.1:1', realFetch).register('x', []).catch((e) => e)
  t.equal(refused.code, 'ECONNREFUSED')
  t.match(refused.message, /register failed: ECONNREFUSED/)
  const addr = await server(t, (req) => req.socket.destroy())
  const reset = await new ExtensionsApiClient(addr, realFetch).register('x', []).catch((e) => e)
  t.type(reset, ExtensionsApiError)
  t.match(reset.code, /ECONNRESET|EPIPE|UND_ERR_SOCKET/)
})

t.test('event/next sends the identifier, has no client timeout, and init/error sends its headers', async (t) => {
  const seen: Record<string, string | undefined>[] = []
  const addr = await server(t, (req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      seen.push({ url: req.url, id: req.headers['lambda-extension-identifier'] as string, type: req.headers['lambda-extension-function-error-type'] as string, body })
      if (req.url!.endsWith('/register')) {
        res.writeHead(200, { 'Lambda-Extension-Identifier': 'id-1' })
        return res.end('{}')
      }
      if (req.url!.endsWith('/event/next')) {
        // Block well past any short default before answering.
        return setTimeout(() => res.end('{"eventType":"SHUTDOWN","shutdownReason":"spindown","deadlineMs":1}'), 1500)
      }
      res.writeHead(202)
      res.end('{"status":"OK"}')
    })
  })
  const client = new ExtensionsApiClient(addr, realFetch)
  await client.register('w', ['SHUTDOWN'])
  const event = await client.nextEvent()
  t.equal(event.eventType, 'SHUTDOWN')
  await client.initError('Extension.FunctionInitFailed', 'db down')
  t.equal(seen[1].id, 'id-1')
  t.equal(seen[2].type, 'Extension.FunctionInitFailed')
  t.same(JSON.parse(seen[2].body!), { errorMessage: 'db down', errorType: 'Extension.FunctionInitFailed', stackTrace: [] })
})
