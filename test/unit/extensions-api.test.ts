import t from 'tap'
import { ExtensionsApi, ExtensionsApiError, FetchLike } from '../../extension-src/extensions-api'
import { createHttpTransport } from '../../extension-src/http-transport'
import { httpServer } from './helpers'

/** The transport main.ts gives the extension (node-fetch), not a copy of it. */
const realFetch: FetchLike = createHttpTransport()

const server = httpServer

t.test('register sends the name and events and returns the registered phase with the identifier', async (t) => {
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
  const registered = await new ExtensionsApi(addr, realFetch).register('wait-for-init', ['SHUTDOWN'])
  t.equal(registered.identifier, 'abc-123')
  t.same(seen, [{ method: 'POST', url: '/2020-01-01/extension/register', name: 'wait-for-init', body: '{"events":["SHUTDOWN"]}' }])
})

t.test('register without an identifier header is an error, not a registered extension', async (t) => {
  const addr = await server(t, (_req, res) => res.end('{}'))
  const err = await new ExtensionsApi(addr, realFetch).register('x', ['SHUTDOWN']).catch((e) => e)
  t.type(err, ExtensionsApiError)
  t.match(err.message, /without a Lambda-Extension-Identifier header/)
})

t.test('Lambda error documents become ExtensionsApiError with status and type', async (t) => {
  const addr = await server(t, (_req, res) => {
    res.writeHead(403, { 'Content-Type': 'application/json' })
    res.end('{"errorMessage":"bad name","errorType":"Extension.InvalidExtensionName"}')
  })
  const err = await new ExtensionsApi(addr, realFetch).register('x', []).catch((e) => e)
  t.type(err, ExtensionsApiError)
  t.equal(err.status, 403)
  t.equal(err.errorType, 'Extension.InvalidExtensionName')
  t.match(err.message, /register answered HTTP 403 \(Extension.InvalidExtensionName: bad name\)/)
})

t.test('connection refused, reset, and a body cut short are reported with their code', async (t) => {
  const refused = await new ExtensionsApi('127.0.0.1:1', realFetch).register('x', []).catch((e) => e)
  t.equal(refused.code, 'ECONNREFUSED')
  t.match(refused.message, /register failed: ECONNREFUSED/)
  const reset = await new ExtensionsApi(await server(t, (req) => req.socket.destroy()), realFetch).register('x', []).catch((e) => e)
  t.type(reset, ExtensionsApiError)
  t.match(reset.code, /ECONNRESET|EPIPE|UND_ERR_SOCKET/)
  const cut = await server(t, (_req, res) => {
    res.writeHead(200, { 'Content-Length': '100', 'Lambda-Extension-Identifier': 'id' })
    res.write('partial')
    setTimeout(() => res.socket?.destroy(), 20)
  })
  const short = await new ExtensionsApi(cut, realFetch).register('x', ['SHUTDOWN']).catch((e) => e)
  t.type(short, ExtensionsApiError)
  t.match(short.message, /register failed while reading the answer/)
})

t.test('one transport: register, event/next and init/error all go through the same fetch, with the identifier', async (t) => {
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
        // Block well past any short default before answering: the client has no timeout.
        return setTimeout(() => res.end('{"eventType":"SHUTDOWN","shutdownReason":"spindown","deadlineMs":1}'), 1500)
      }
      res.writeHead(202)
      res.end('{"status":"OK"}')
    })
  })
  const used: string[] = []
  const counting: FetchLike = (url, init) => {
    used.push(`${init.method} ${new URL(url).pathname}`)
    return realFetch(url, init)
  }
  const registered = await new ExtensionsApi(addr, counting).register('w', ['SHUTDOWN'])
  const event = await registered.nextEvent()
  t.equal(event.eventType, 'SHUTDOWN')
  await registered.initError('Extension.FunctionInitFailed', 'db down')
  t.same(used, ['POST /2020-01-01/extension/register', 'GET /2020-01-01/extension/event/next', 'POST /2020-01-01/extension/init/error'])
  t.equal(seen[0].id, undefined, 'register carries no identifier')
  t.equal(seen[1].id, 'id-1')
  t.equal(seen[2].id, 'id-1')
  t.equal(seen[2].type, 'Extension.FunctionInitFailed')
  t.same(JSON.parse(seen[2].body!), { errorMessage: 'db down', errorType: 'Extension.FunctionInitFailed', stackTrace: [] })
})

t.test('event/next with a body that is not JSON is an error naming it', async (t) => {
  const addr = await server(t, (req, res) => {
    res.writeHead(200, { 'Lambda-Extension-Identifier': 'id-2' })
    res.end(req.url!.endsWith('/register') ? '{}' : 'not json')
  })
  const registered = await new ExtensionsApi(addr, realFetch).register('w', ['SHUTDOWN'])
  await t.rejects(registered.nextEvent(), { name: 'ExtensionsApiError', message: /event\/next answered with a body that is not JSON: "not json"/ })
})

t.test('the transport: node-fetch asks for no compression, keeps no connection, and reads any body whole', async (t) => {
  const headers: Record<string, string | string[] | undefined>[] = []
  // 3 000 characters of 2-3 UTF-8 bytes each, written in 7-byte pieces: most characters are
  // split across chunks, which only a decoder over the whole body gets right.
  const text = 'é€ '.repeat(1000)
  const bytes = Buffer.from(text, 'utf8')
  const addr = await server(t, (req, res) => {
    headers.push(req.headers)
    req.resume()
    req.on('end', async () => {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Test': 'yes' })
      for (let i = 0; i < bytes.length; i += 7) {
        res.write(bytes.subarray(i, i + 7))
        if (i % 700 === 0) await new Promise((r) => setImmediate(r))
      }
      res.end()
    })
  })
  const transport = createHttpTransport()
  const res = await transport(`http://${addr}/x`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' })
  t.equal(res.status, 404, 'any status is handed over, not thrown')
  t.equal(res.headers.get('x-test'), 'yes')
  t.equal(await res.text(), text, 'the body, whole and decoded once')
  t.equal(headers[0]['accept-encoding'], undefined, 'no Accept-Encoding: the Extensions API never compresses')
  t.equal(headers[0].connection, 'close', 'one connection per call')
  const empty = await server(t, (_req, res) => res.end())
  t.equal(await (await transport(`http://${empty}/`, { method: 'GET', headers: {} })).text(), '', 'an empty body is the empty string')
})
