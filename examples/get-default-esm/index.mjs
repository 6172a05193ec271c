// Sample function for the wait-for-init layer (ES module variant of ../get-default).
// ES modules do not use NODE_PATH, so the client is imported from the layer by absolute path.
// Note: an ES-module handler can also hold Init with top-level `await` (the Node.js runtime
// waits for module evaluation); the client is for work that must not block module loading.
// Settings (environment): WARM_UP_MS (default 2000), WARM_UP_FAIL (see ../get-default).
import { holdInitUntil } from '/opt/nodejs/node_modules/wait-for-init/index.mjs'

const moduleLoadedAt = Date.now()
const warmUpMs = readWarmUpMs(process.env.WARM_UP_MS)
const steps = ['resolve endpoint', 'open connection', 'authenticate', 'prime cache']
const state = { warm: false, finishedAt: 0, stepsDone: [], signal: 'pending', invocations: 0 }

async function warmUp() {
  for (const step of steps) {
    await pause(warmUpMs / steps.length)
    if (process.env.WARM_UP_FAIL && step === steps[steps.length - 1]) {
      throw new Error(`warm-up step "${step}" failed: ${process.env.WARM_UP_FAIL}`)
    }
    state.stepsDone.push(step)
  }
  state.warm = true
  state.finishedAt = Date.now()
}

// Signals `ready` (or the failure) when warmUp settles; `warming` is warmUp's own promise.
const warming = holdInitUntil(warmUp, { onResult: (result) => { state.signal = result } })

export const handler = async (event) => {
  state.invocations += 1
  const startedAt = Date.now()
  const warmAtStart = state.warm
  await warming // the handler needs what the warm-up prepared; rethrows a warm-up failure
  const body = {
    warm: warmAtStart,
    msSinceModuleLoad: startedAt - moduleLoadedAt,
    waitedForWarmUpMs: Date.now() - startedAt,
    msSinceWarmUp: warmAtStart ? startedAt - state.finishedAt : null,
    warmUpMs,
    stepsDone: state.stepsDone.slice(),
    initSignal: state.signal,
    invocation: state.invocations,
    path: event && typeof event.path === 'string' ? event.path : undefined,
  }
  // Through API Gateway (REST proxy integration) answer HTTP; invoked directly, return the object.
  if (event && typeof event.httpMethod === 'string') {
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
  }
  return body
}

function pause(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function readWarmUpMs(raw) {
  if (raw === undefined || raw.trim() === '') return 2000
  if (/^\d+$/.test(raw.trim()) && Number(raw) <= 600000) return Number(raw)
  throw new Error(`WARM_UP_MS must be an integer from 0 to 600000 (milliseconds), got ${JSON.stringify(raw)}`)
}
