// Entry point of the wait-for-init extension: wires the real dependencies into the lifecycle.
// Lambda starts it with no arguments (spec §2.2 step 4); `--version` is for build checks.

import http from 'node:http'
import { parseConfig } from './config'
import { ExtensionsApiClient, FetchLike, nodeHttpFetch } from './extensions-api'
import { extensionNameFrom } from './extension-name'
import { createGateTracker } from './gates'
import { createMetricsWriter } from './metrics'
import { runLifecycle } from './lifecycle'
import { createLogger, readLogSettings } from './logger'
import { ReadinessListener } from './readiness-listener'
import type NodeFetch from 'node-fetch'

declare const WAIT_FOR_INIT_VERSION: string // injected by the bundler

function isSea(): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('node:sea') as { isSea(): boolean }).isSea()
  } catch {
    return false
  }
}

function main(): void {
  const version = typeof WAIT_FOR_INIT_VERSION === 'string' ? WAIT_FOR_INIT_VERSION : 'dev'
  if (process.argv.includes('--version')) {
    process.stdout.write(JSON.stringify({ name: 'wait-for-init', version, node: process.version, arch: process.arch, sea: isSea() }) + '\n')
    return
  }

  const settings = readLogSettings(process.env)
  const log = createLogger({ name: 'wait-for-init', format: settings.format, minLevel: settings.minLevel })
  for (const problem of settings.problems) log.warn(problem)

  const { config, problems, fatal } = parseConfig(process.env)
  for (const p of problems) (p.level === 'error' ? log.error : log.warn)(p.message, { variable: p.variable })
  if (fatal) {
    log.error(fatal.message, { variable: fatal.variable })
    process.exit(1)
  }

  let listener: ReadinessListener | undefined
  const cleanExit = (code: number) => {
    listener?.close() // removes the socket only if this process created it
    process.exit(code)
  }
  // Lambda never sends extensions SIGTERM (spec §5.5 step 4), but people and other emulators do.
  const onSignal = (signal: NodeJS.Signals) => {
    log.info(`${signal} received after ${Math.round(performance.now())} ms; exiting`)
    cleanExit(0)
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)

  // One connection per call, no keep-alive pool, no timeout (see extensions-api.ts).
  const agent = new http.Agent({ keepAlive: false })
  // Start-up path: Lambda starts the runtime only once every extension has registered (spec
  // §5.3 step 3), so register goes over bare node:http, and node-fetch's import graph (https/tls,
  // zlib, web streams: ~15 ms measured by `make bench`) is loaded only after it, while the
  // runtime boots. Loaded then rather than at the first event/next so that the function's
  // `ready` does not wait for it (it costs ~20 ms when loaded at the release).
  let nodeFetch: typeof NodeFetch | undefined
  const loadNodeFetch = (): typeof NodeFetch =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (nodeFetch ??= (require('node-fetch') as { default: typeof NodeFetch }).default)
  const httpFetch: FetchLike = (url, init) => loadNodeFetch()(url, { ...init, agent })
  const client = new ExtensionsApiClient(config.runtimeApi, httpFetch, nodeHttpFetch(agent))
  const api: Pick<ExtensionsApiClient, 'register' | 'nextEvent' | 'initError'> = {
    register: async (name, events) => {
      const id = await client.register(name, events)
      setImmediate(() => {
        // Also warm node-fetch's request path (Request, Headers, request options) with a data:
        // URL, which never touches the network, so the release's event/next does not run cold.
        loadNodeFetch()('data:,').then((r) => r.text(), () => undefined).catch(() => undefined)
      })
      return id
    },
    nextEvent: () => client.nextEvent(),
    initError: (type, message) => client.initError(type, message),
  }

  const gates = createGateTracker(config.gates, () => performance.now())
  const writeMetrics = createMetricsWriter(config.metrics, {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    write: (line) => process.stdout.write(line + '\n'),
    nowMs: () => Date.now(),
  })

  runLifecycle({
    config,
    extensionName: extensionNameFrom(process.execPath, process.argv, isSea()),
    api,
    log,
    createListener: (onSignal) => (listener = new ReadinessListener({ path: config.socketPath, log, onSignal, gates })),
    elapsedMs: () => performance.now(),
    setTimer: (ms, fn) => {
      const t = setTimeout(fn, ms)
      return { cancel: () => clearTimeout(t) }
    },
    pendingGates: () => gates.pending(),
    onOutcome: writeMetrics,
  }).then(cleanExit, (err) => {
    log.error(`unexpected failure: ${(err as Error)?.stack ?? String(err)}`)
    cleanExit(1)
  })
}

main()
