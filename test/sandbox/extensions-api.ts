// Extensions API (docs/lambda-lifecycle.md §3, states §5.1), error codes copied from the RIE (docs/lambda-lifecycle.md §9 items 8–14, 18–20).
import { randomUUID } from 'node:crypto'
import type { ApiContext } from './api-context'
import { parseJson } from './api-context'
import type { ApiRequest, Reply } from './api-server'
import { now } from './clock'
import { cpuTimeMsOf } from './proctree'
import { ExtensionRecord, type QueuedEvent } from './records'

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const MAX_EXTENSIONS = 10

export function register(ctx: ApiContext, req: ApiRequest, reply: Reply): void {
  const gen = ctx.gen
  const name = req.header('lambda-extension-name') ?? ''
  if (name === '') return reply.error(403, 'Extension.InvalidExtensionName', 'Empty extension name')
  const features = (req.header('lambda-extension-accept-feature') ?? '').split(',').map((s) => s.trim())
  // Go's json.Unmarshal into a struct: must be valid JSON, an object or null (docs/lambda-lifecycle.md §9 item 9)
  let body: unknown
  try {
    body = JSON.parse(req.body.toString('utf8'))
  } catch (e) {
    return reply.error(403, 'InvalidRequestFormat', req.body.length === 0 ? 'unexpected end of JSON input' : (e as Error).message)
  }
  if (body !== null && (typeof body !== 'object' || Array.isArray(body))) {
    return reply.error(403, 'InvalidRequestFormat', 'json: cannot unmarshal register request: not an object')
  }
  const b = (body ?? {}) as { events?: unknown; configurationKeys?: unknown }
  if (Array.isArray(b.configurationKeys) && b.configurationKeys.length > 0) {
    return reply.error(403, 'InvalidRequestFormat', 'configurationKeys are deprecated; use environment variables instead')
  }
  if (b.events !== undefined && b.events !== null && (!Array.isArray(b.events) || b.events.some((e) => typeof e !== 'string'))) {
    return reply.error(403, 'InvalidRequestFormat', 'json: events must be an array of strings')
  }
  const events = (b.events ?? []) as string[]
  if (!gen || gen.shutDown) return reply.error(500, 'InternalServerError', 'Internal Server Error')
  const external = gen.externalByName(name)
  const allowed = external ? ['INVOKE', 'SHUTDOWN'] : ['INVOKE'] // internal: no SHUTDOWN (§8 row 4)
  for (const e of events) {
    if (!allowed.includes(e)) return reply.error(403, 'Extension.InvalidEventType', `${e}: invalid event type for ${external ? 'an external' : 'an internal'} extension`)
  }
  let rec: ExtensionRecord
  if (external) {
    if (external.state !== 'Started') {
      return reply.error(403, 'Extension.InvalidExtensionState', `State transition from ${external.state} to Registered failed for extension ${name}`)
    }
    rec = external
  } else {
    if (gen.registrationClosed) return reply.error(403, 'Extension.RegistrationClosed', 'Extension registration closed already')
    if (gen.internals.some((e) => e.name === name)) return reply.error(403, 'Extension.InvalidExtensionState', 'Extension with this name already registered')
    if (gen.externals.length + gen.internals.length >= MAX_EXTENSIONS) {
      return reply.error(403, 'Extension.TooManyExtensions', `Extension limit (${MAX_EXTENSIONS}) reached`)
    }
    rec = new ExtensionRecord(name, gen.index, true)
    gen.internals.push(rec)
  }
  rec.id = randomUUID()
  rec.events = [...new Set(events)]
  rec.state = 'Registered'
  rec.registerAt = now()
  rec.cpuAtRegisterMs = rec.proc ? cpuTimeMsOf(rec.proc.pid) : null
  gen.byId.set(rec.id, rec)
  ctx.platformLog(`EXTENSION\tName: ${name}\tState: Registered\tEvents: [${rec.events.join(',')}]`)
  const resp: Record<string, string> = { functionName: ctx.meta.functionName, functionVersion: ctx.meta.functionVersion, handler: ctx.meta.handler }
  if (features.includes('accountId')) resp.accountId = ctx.meta.accountId
  reply.json(200, resp, { 'Lambda-Extension-Identifier': rec.id })
  ctx.poke()
}

/** Identifier middleware (docs/lambda-lifecycle.md §3 common rules); answers and returns null on failure. */
export function identify(ctx: ApiContext, req: ApiRequest, reply: Reply): ExtensionRecord | null {
  const id = req.header('lambda-extension-identifier')
  if (!id) { reply.error(403, 'Extension.MissingExtensionIdentifier', 'Missing Lambda-Extension-Identifier header'); return null }
  if (!UUID_RE.test(id)) { reply.error(403, 'Extension.InvalidExtensionIdentifier', 'Invalid Lambda-Extension-Identifier'); return null }
  const rec = ctx.gen?.byId.get(id.toLowerCase())
  if (!rec) { reply.error(403, 'Extension.UnknownExtensionIdentifier', `Unknown extension ${id}`); return null }
  return rec
}

export function next(ctx: ApiContext, rec: ExtensionRecord, reply: Reply): void {
  // After SHUTDOWN the call blocks until the process is killed (docs/lambda-lifecycle.md §8 row 17).
  if (rec.shutdownDelivered && !rec.queued) return
  if (rec.state !== 'Registered' && rec.state !== 'Running') {
    return reply.error(403, 'Extension.InvalidExtensionState', `State transition from ${rec.state} to Ready failed for extension ${rec.name}`)
  }
  if (rec.state === 'Registered') {
    rec.firstNextAt = now()
    rec.cpuAtFirstNextMs = rec.proc ? cpuTimeMsOf(rec.proc.pid) : null
    ctx.platformLog(`EXTENSION\tName: ${rec.name}\tState: Ready\tEvents: [${rec.events.join(',')}]`)
  }
  rec.state = 'Ready'
  // Like the RIE, the extension stays Ready even if this connection drops; a retry gets 403
  // until an event is handed over (docs/lambda-lifecycle.md §5.1; RIE externalagent_states.go).
  rec.pending = reply
  if (rec.queued) {
    const ev = rec.queued
    rec.queued = null
    deliver(rec, ev)
  }
  ctx.poke()
}

/** Hands an event to a blocked event/next, or queues it for the next call. */
export function deliver(rec: ExtensionRecord, ev: QueuedEvent): void {
  if (rec.pending) {
    const r = rec.pending
    rec.pending = null
    rec.state = 'Running'
    if (ev.kind === 'SHUTDOWN') rec.shutdownEventAt = now()
    r.raw(200, ev.headers, ev.body)
  } else {
    rec.queued = ev
  }
}

export function initError(ctx: ApiContext, req: ApiRequest, rec: ExtensionRecord, reply: Reply): void {
  const type = req.header('lambda-extension-function-error-type')
  if (!type) return reply.error(403, 'Extension.MissingHeader', 'Missing Lambda-Extension-Function-Error-Type header')
  if (rec.state === 'InitError') return reply.accepted()
  if (rec.state !== 'Registered') {
    return reply.error(403, 'Extension.InvalidExtensionState', `State transition from ${rec.state} to InitError failed for extension ${rec.name}`)
  }
  rec.state = 'InitError'
  rec.errorType = type
  ctx.posted({ api: 'extension/init/error', errorType: type, source: rec.name, body: req.body.length ? parseJson(req.body) : undefined })
  recordFatal(ctx, { errorType: 'Extension.InitError', errorMessage: `${rec.name}: ${type}` })
  reply.accepted()
  ctx.poke()
}

export function exitError(ctx: ApiContext, req: ApiRequest, rec: ExtensionRecord, reply: Reply): void {
  const type = req.header('lambda-extension-function-error-type')
  if (!type) return reply.error(403, 'Extension.MissingHeader', 'Missing Lambda-Extension-Function-Error-Type header')
  if (rec.state === 'ExitError') return reply.accepted()
  if (rec.state !== 'Registered' && rec.state !== 'Ready' && rec.state !== 'Running') {
    return reply.error(403, 'Extension.InvalidExtensionState', `State transition from ${rec.state} to ExitError failed for extension ${rec.name}`)
  }
  rec.state = 'ExitError'
  rec.errorType = type
  ctx.posted({ api: 'extension/exit/error', errorType: type, source: rec.name, body: req.body.length ? parseJson(req.body) : undefined })
  recordFatal(ctx, { errorType: 'Extension.ExitError', errorMessage: `${rec.name}: ${type}` })
  reply.accepted()
  ctx.poke()
}

function recordFatal(ctx: ApiContext, f: { errorType: string; errorMessage: string }): void {
  if (ctx.gen && !ctx.gen.recorded) ctx.gen.recorded = f
}

/** Logs/Telemetry subscriptions are not emulated: answer like the RIE with telemetry off. */
export function subscription(kind: 'Logs' | 'Telemetry', reply: Reply): void {
  reply.json(202, { errorMessage: `${kind} API is not supported by this sandbox`, errorType: `${kind}.NotSupported` })
}
