// Entry point of the wait-for-init extension: wires the real dependencies into the lifecycle.
// Lambda starts it with no arguments (docs/lambda-lifecycle.md §2.2 step 4); `--version` is for
// build checks.

import http from 'node:http'
import fetch from 'node-fetch'
import { parseConfig } from './config'
import { ExtensionsApi, type FetchLike } from './extensions-api'
import { extensionNameFrom } from './extension-name'
import { createGateTracker } from './gates'
import { createMetricsWriter } from './metrics'
import { runLifecycle } from './lifecycle'
import { createLogger, readLogSettings } from './logger'
import { ReadinessListener } from './readiness-listener'

declare const WAIT_FOR_INIT_VERSION: string // injected by the bundler

/**
 * Diagnostic, documented in docs/performance.md: with WAIT_FOR_INIT_DEBUG_MODULES=1 the extension
 * prints the Node built-ins it loaded, once, as it exits; tests use it to prove that node-fetch's
 * https/tls/zlib stayed unloaded. Unset, it costs one environment lookup at exit.
 */
export const DEBUG_MODULES_VARIABLE = 'WAIT_FOR_INIT_DEBUG_MODULES'

function isSea(): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('node:sea') as { isSea(): boolean }).isSea()
  } catch {
    return false
  }
}

function printLoadedBuiltins(): void {
  const list = (process as unknown as { moduleLoadList?: string[] }).moduleLoadList ?? []
  const builtins = list.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length))
  process.stdout.write(`[wait-for-init] ${DEBUG_MODULES_VARIABLE}: ${builtins.join(' ')}\n`)
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

  // One transport for every call, register included: node-fetch over node:http, one connection
  // per call (no keep-alive pool), no timeout (see extensions-api.ts).
  const agent = new http.Agent({ keepAlive: false })
  const httpFetch: FetchLike = (url, init) => fetch(url, { ...init, agent })

  const exit = (code: number) => {
    if (process.env[DEBUG_MODULES_VARIABLE] === '1') printLoadedBuiltins()
    process.exit(code)
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
    api: new ExtensionsApi(config.runtimeApi, httpFetch),
    log,
    createListener: (onSignal) => new ReadinessListener({ path: config.socketPath, log, onSignal, gates }),
    elapsedMs: () => performance.now(),
    setTimer: (ms, fn) => {
      const t = setTimeout(fn, ms)
      return { cancel: () => clearTimeout(t) }
    },
    pendingGates: () => gates.pending(),
    onOutcome: writeMetrics,
    onTerminate: (stop) => {
      process.on('SIGTERM', stop)
      process.on('SIGINT', stop)
    },
  }).then(exit, (err) => {
    log.error(`unexpected failure: ${(err as Error)?.stack ?? String(err)}`)
    exit(1)
  })
}

main()
