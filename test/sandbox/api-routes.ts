// Maps paths of the Runtime and Extensions APIs to their handlers (docs/lambda-lifecycle.md §2.3 prefixes).
import type { ApiContext } from './api-context'
import type { ApiRequest, Dispatcher, Reply } from './api-server'
import * as ext from './extensions-api'
import type { ApiName } from './faults'
import * as rt from './runtime-api'

const INVOCATION_RE = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/

export function createDispatcher(ctx: () => ApiContext): Dispatcher {
  return {
    classify(req) {
      const c = ctx()
      const api = apiName(req.path)
      let source: string | null = null
      if (api?.startsWith('extension/') || api === 'logs' || api === 'telemetry') {
        const id = req.header('lambda-extension-identifier')
        source = req.header('lambda-extension-name') ?? (id ? c.gen?.byId.get(id.toLowerCase())?.name ?? null : null)
      } else if (api) {
        source = 'runtime'
      }
      return { api, source }
    },
    handle(req, reply) {
      route(ctx(), req, reply)
    },
  }
}

function apiName(path: string): ApiName | null {
  switch (path) {
    case '/2020-01-01/extension/register': return 'extension/register'
    case '/2020-01-01/extension/event/next': return 'extension/event/next'
    case '/2020-01-01/extension/init/error': return 'extension/init/error'
    case '/2020-01-01/extension/exit/error': return 'extension/exit/error'
    case '/2018-06-01/runtime/invocation/next': return 'runtime/invocation/next'
    case '/2018-06-01/runtime/init/error': return 'runtime/init/error'
    case '/2020-08-15/logs': return 'logs'
    case '/2022-07-01/telemetry': return 'telemetry'
  }
  const m = INVOCATION_RE.exec(path)
  if (m) return m[2] === 'response' ? 'runtime/invocation/response' : 'runtime/invocation/error'
  return null
}

function route(c: ApiContext, req: ApiRequest, reply: Reply): void {
  const api = apiName(req.path)
  const want = (method: string): boolean => {
    if (req.method === method) return true
    reply.error(405, 'MethodNotAllowed', `${req.method} not allowed on ${req.path}`)
    return false
  }
  switch (api) {
    case 'extension/register':
      if (want('POST')) ext.register(c, req, reply)
      return
    case 'extension/event/next':
    case 'extension/init/error':
    case 'extension/exit/error': {
      if (!want(api === 'extension/event/next' ? 'GET' : 'POST')) return
      const rec = ext.identify(c, req, reply)
      if (!rec) return
      if (api === 'extension/event/next') ext.next(c, rec, reply)
      else if (api === 'extension/init/error') ext.initError(c, req, rec, reply)
      else ext.exitError(c, req, rec, reply)
      return
    }
    case 'logs':
    case 'telemetry':
      if (want('PUT') && ext.identify(c, req, reply)) ext.subscription(api === 'logs' ? 'Logs' : 'Telemetry', reply)
      return
    case 'runtime/invocation/next':
      if (want('GET')) rt.runtimeNext(c, reply)
      return
    case 'runtime/init/error':
      if (want('POST')) rt.runtimeInitError(c, req, reply)
      return
    case 'runtime/invocation/response':
    case 'runtime/invocation/error': {
      if (!want('POST')) return
      const id = decodeURIComponent(INVOCATION_RE.exec(req.path)![1])
      if (api === 'runtime/invocation/response') rt.invocationResponse(c, req, id, reply)
      else rt.invocationError(c, req, id, reply)
      return
    }
  }
  if (req.path === '/2018-06-01/ping') return reply.raw(200, { 'Content-Type': 'text/plain' }, 'pong')
  reply.error(404, 'NotFound', `no such endpoint: ${req.method} ${req.path}`)
}
