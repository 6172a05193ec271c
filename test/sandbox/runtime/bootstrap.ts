// Minimal Node.js runtime for the sandbox (built to ESM with esbuild, run by the host node at
// /var/lang/bin/node). Loads the handler from LAMBDA_TASK_ROOT like the AWS Node runtime:
// .mjs or "type":"module" → import() (top-level await settles before the first next), else
// require(). Loops on invocation/next; load errors go to runtime/init/error (docs/lambda-lifecycle.md §4, §7).
import fs from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const api = process.env.AWS_LAMBDA_RUNTIME_API ?? ''
const [host, port] = api.split(':')
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })

interface Resp { status: number; headers: http.IncomingHttpHeaders; body: string }

function call(method: string, p: string, body?: string, headers: Record<string, string> = {}): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), method, path: `/2018-06-01${p}`, agent, headers: {
      ...headers, ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}),
    } }, (res) => {
      let data = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { data += c })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }))
    })
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}

class RuntimeError extends Error {
  constructor(readonly errorType: string, message: string) { super(message) }
}

function errorDoc(e: unknown): { errorType: string; errorMessage: string; stackTrace: string[] } {
  const err = e instanceof Error ? e : new Error(String(e))
  const type = err instanceof RuntimeError ? err.errorType : err.name || 'Error'
  return { errorType: type, errorMessage: err.message, stackTrace: (err.stack ?? '').split('\n').slice(1).map((l) => l.trim()) }
}

function isModuleType(dir: string, root: string): boolean {
  for (let d = dir; d.startsWith(root); d = path.dirname(d)) {
    const pj = path.join(d, 'package.json')
    if (fs.existsSync(pj)) {
      try { return JSON.parse(fs.readFileSync(pj, 'utf8')).type === 'module' } catch { return false }
    }
    if (d === path.dirname(d)) break
  }
  return false
}

async function loadHandler(): Promise<(...args: unknown[]) => unknown> {
  const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd()
  const handler = process.env._HANDLER ?? ''
  const slash = handler.lastIndexOf('/')
  const base = handler.slice(slash + 1)
  const dot = base.indexOf('.')
  if (dot <= 0 || dot === base.length - 1) throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler ${handler}`)
  const modulePath = path.resolve(root, handler.slice(0, slash + 1) + base.slice(0, dot))
  const fnPath = base.slice(dot + 1).split('.')
  const file = ['.js', '.mjs', '.cjs'].map((x) => modulePath + x).find((f) => fs.existsSync(f))
  if (!file) throw new RuntimeError('Runtime.ImportModuleError', `Error: Cannot find module '${path.basename(modulePath)}'`)
  let mod: unknown
  try {
    if (file.endsWith('.mjs') || (file.endsWith('.js') && isModuleType(path.dirname(file), root))) {
      mod = await import(pathToFileURL(file).href)
    } else {
      mod = createRequire(path.join(root, 'noop.js'))(file)
    }
  } catch (e) {
    if (e instanceof SyntaxError) throw new RuntimeError('Runtime.UserCodeSyntaxError', `${e.name}: ${e.message}`)
    throw new RuntimeError('Runtime.ImportModuleError', e instanceof Error ? `${e.name}: ${e.message}` : String(e))
  }
  let fn: unknown = mod
  for (const k of fnPath) fn = (fn as Record<string, unknown> | undefined)?.[k]
  if (typeof fn !== 'function') throw new RuntimeError('Runtime.HandlerNotFound', `${path.basename(modulePath)}.${fnPath.join('.')} is undefined or not exported`)
  return fn as (...args: unknown[]) => unknown
}

let currentRequest: string | null = null

async function postError(requestId: string, e: unknown): Promise<void> {
  const doc = errorDoc(e)
  await call('POST', `/runtime/invocation/${requestId}/error`, JSON.stringify(doc), {
    'Content-Type': 'application/json', 'Lambda-Runtime-Function-Error-Type': doc.errorType,
  })
}

// Like the AWS Node runtime: an uncaught error fails the current invoke and ends the process.
async function fatal(e: unknown): Promise<void> {
  console.error('Uncaught', e)
  try {
    if (currentRequest) await postError(currentRequest, e)
  } finally {
    process.exit(129)
  }
}
process.on('uncaughtException', (e) => { void fatal(e) })
process.on('unhandledRejection', (e) => { void fatal(e) })

function invokeHandler(fn: (...args: unknown[]) => unknown, event: unknown, context: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false
    const callback = (err: unknown, result: unknown): void => {
      if (settled) return
      settled = true
      if (err !== null && err !== undefined) reject(err)
      else resolve(result)
    }
    try {
      const r = fn(event, context, callback)
      const thenable = r !== null && typeof r === 'object' && typeof (r as Promise<unknown>).then === 'function'
      if (thenable) (r as Promise<unknown>).then((v) => callback(null, v), (err) => callback(err ?? new Error('rejected'), undefined))
      else if (fn.length < 3) callback(null, r)
    } catch (e) {
      callback(e, undefined)
    }
  })
}

async function main(): Promise<void> {
  let fn: (...args: unknown[]) => unknown
  try {
    fn = await loadHandler()
  } catch (e) {
    const doc = errorDoc(e)
    console.error(`${doc.errorType}: ${doc.errorMessage}`)
    await call('POST', '/runtime/init/error', JSON.stringify(doc), {
      'Content-Type': 'application/json', 'Lambda-Runtime-Function-Error-Type': doc.errorType,
    })
    process.exit(1)
  }
  for (;;) {
    const next = await call('GET', '/runtime/invocation/next')
    if (next.status !== 200) {
      console.error(`invocation/next failed: ${next.status} ${next.body}`)
      process.exit(1)
    }
    const requestId = String(next.headers['lambda-runtime-aws-request-id'])
    const deadline = Number(next.headers['lambda-runtime-deadline-ms'])
    const trace = next.headers['lambda-runtime-trace-id']
    if (trace) process.env._X_AMZN_TRACE_ID = String(trace)
    else delete process.env._X_AMZN_TRACE_ID
    const context = {
      awsRequestId: requestId,
      invokedFunctionArn: String(next.headers['lambda-runtime-invoked-function-arn'] ?? ''),
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => deadline - Date.now(),
    }
    currentRequest = requestId
    let event: unknown
    try {
      event = next.body === '' ? {} : JSON.parse(next.body)
    } catch {
      event = next.body
    }
    try {
      const result = await invokeHandler(fn, event, context)
      await call('POST', `/runtime/invocation/${requestId}/response`, JSON.stringify(result === undefined ? null : result), {
        'Content-Type': 'application/json',
      })
    } catch (e) {
      await postError(requestId, e)
    }
    currentRequest = null
  }
}

void main()
