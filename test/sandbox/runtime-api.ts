// Runtime API (docs/lambda-lifecycle.md §4, states §5.2), semantics of the RIE (docs/lambda-lifecycle.md §9 items 22–23, 27–28).
import type { ApiContext } from './api-context'
import { parseJson, sanitizeErrorType } from './api-context'
import type { ApiRequest, Reply } from './api-server'
import { now } from './clock'
import type { InvokeState, RuntimeRecord } from './records'

export function runtimeNext(ctx: ApiContext, reply: Reply): void {
  const rt = ctx.gen?.runtime
  if (!rt || rt.state === 'NotStarted') return reply.error(403, 'InvalidStateTransition', 'runtime is not started')
  switch (rt.state) {
    case 'InitError':
      return reply.error(403, 'InvalidStateTransition', 'State transition from InitError to Ready failed')
    case 'Ready':
      return reply.error(403, 'InvalidStateTransition', 'State transition from Ready to Ready failed (concurrent next)')
    case 'Running':
      // next again without a result re-delivers the same invocation (RIE; docs/lambda-lifecycle.md §4)
      if (ctx.invoke) return sendInvoke(ctx.invoke, ctx, reply)
      break
    case 'Started': {
      rt.firstNextAt = now()
      ctx.gen!.registrationClosed = true // docs/lambda-lifecycle.md §5.3 step 6
      break
    }
    case 'ResponseSent':
      if (ctx.invoke) ctx.invoke.runtimeDoneAt = now()
      break
  }
  rt.state = 'Ready'
  rt.pending = reply
  if (ctx.phase === 'invoke' && ctx.invoke && ctx.invoke.deliveredAt === null) offerInvoke(ctx, rt, ctx.invoke)
  ctx.poke()
}

/** Gives the invoke to the runtime's blocked next (or leaves it for the next call). */
export function offerInvoke(ctx: ApiContext, rt: RuntimeRecord, inv: InvokeState): void {
  if (rt.state !== 'Ready' || !rt.pending) return
  const r = rt.pending
  rt.pending = null
  sendInvoke(inv, ctx, r)
}

function sendInvoke(inv: InvokeState, ctx: ApiContext, reply: Reply): void {
  const rt = ctx.gen!.runtime
  rt.state = 'Running'
  inv.deliveredAt ??= now()
  const m = ctx.meta
  reply.raw(200, {
    'Content-Type': 'application/json',
    'Lambda-Runtime-Aws-Request-Id': inv.requestId,
    'Lambda-Runtime-Deadline-Ms': String(inv.deadlineMs),
    'Lambda-Runtime-Invoked-Function-Arn': functionArn(m),
  }, inv.body)
}

export function functionArn(m: { functionName: string; accountId: string; region?: string }): string {
  return `arn:aws:lambda:${m.region ?? 'us-east-1'}:${m.accountId}:function:${m.functionName}`
}

/** Request-id check before the state check (docs/lambda-lifecycle.md §4): stale id 400, second result 403. */
function current(ctx: ApiContext, id: string, reply: Reply): InvokeState | null {
  const inv = ctx.invoke
  const rt = ctx.gen?.runtime
  if (!inv || inv.requestId !== id || !rt) {
    reply.error(400, 'InvalidRequestID', `Invalid request ID: ${id}`)
    return null
  }
  if (rt.state !== 'Running') {
    reply.error(403, 'InvalidStateTransition', `State transition from ${rt.state} to ResponseSent failed`)
    return null
  }
  return inv
}

export function invocationResponse(ctx: ApiContext, req: ApiRequest, id: string, reply: Reply): void {
  const inv = current(ctx, id, reply)
  if (!inv) return
  const mode = req.header('lambda-runtime-function-response-mode')
  if (mode !== undefined && mode.toLowerCase() !== 'streaming') {
    return reply.error(400, 'InvalidFunctionResponseMode', `Invalid function response mode: ${mode}`)
  }
  const rt = ctx.gen!.runtime
  rt.state = 'ResponseSent'
  inv.responseAt = now()
  if (req.bodyTooLarge) {
    inv.error = {
      errorType: 'Function.ResponseSizeTooLarge', platformErrorType: 'Function.ResponseSizeTooLarge', payload: undefined,
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    }
    reply.error(413, 'RequestEntityTooLarge', 'Exceeded maximum allowed payload size (6291556 bytes).')
  } else {
    inv.response = { contentType: req.header('content-type') ?? 'application/json', body: req.body }
    reply.accepted()
  }
  ctx.poke()
}

export function invocationError(ctx: ApiContext, req: ApiRequest, id: string, reply: Reply): void {
  const inv = current(ctx, id, reply)
  if (!inv) return
  const rt = ctx.gen!.runtime
  rt.state = 'ResponseSent'
  inv.responseAt = now()
  const headerType = req.header('lambda-runtime-function-error-type')
  const payload = parseJson(req.body)
  const p = (payload && typeof payload === 'object' ? payload : {}) as { errorType?: unknown; errorMessage?: unknown }
  inv.error = {
    errorType: typeof p.errorType === 'string' ? p.errorType : headerType ?? 'Runtime.Unknown',
    errorMessage: typeof p.errorMessage === 'string' ? p.errorMessage : '',
    platformErrorType: sanitizeErrorType(headerType),
    payload,
  }
  ctx.posted({ api: 'runtime/invocation/error', errorType: headerType ?? 'Runtime.Unknown', source: 'runtime', body: payload })
  reply.accepted()
  ctx.poke()
}

export function runtimeInitError(ctx: ApiContext, req: ApiRequest, reply: Reply): void {
  const gen = ctx.gen
  const rt = gen?.runtime
  if (!gen || !rt || rt.state !== 'Started') {
    return reply.error(403, 'InvalidStateTransition', `State transition from ${rt?.state ?? 'NotStarted'} to InitError failed`)
  }
  rt.state = 'InitError'
  const headerType = req.header('lambda-runtime-function-error-type')
  const payload = parseJson(req.body)
  const p = (payload && typeof payload === 'object' ? payload : {}) as { errorType?: unknown; errorMessage?: unknown }
  const fatal = {
    errorType: sanitizeErrorType(headerType),
    errorMessage: typeof p.errorMessage === 'string' ? p.errorMessage : String(payload),
    payload,
  }
  ctx.posted({ api: 'runtime/init/error', errorType: headerType ?? 'Runtime.Unknown', source: 'runtime', body: payload })
  if (!gen.recorded) gen.recorded = fatal
  reply.accepted()
  // During an inline Init the posted error goes straight to the waiting caller (docs/lambda-lifecycle.md §4).
  if (ctx.phase === 'invoke') ctx.fail(gen.recorded)
  ctx.poke()
}
