// Entry point of the wait-for-init extension: wires the real dependencies into the lifecycle.
// Lambda starts it with no arguments (docs/lambda-lifecycle.md §2.2 step 4); `--version` is for
// build checks.

import { parseConfig } from './config'
import { ExtensionsApi } from './extensions-api'
import { extensionNameFrom } from './extension-name'
import { createHttpTransport } from './http-transport'
import { createGateTracker } from './gates'
import { createMetricsWriter, filteredMetricsWarning, METRICS_VARIABLE } from './metrics'
import { runLifecycle } from './lifecycle'
import { createLogger, readLogSettings } from './logger'
import { ReadinessListener } from './readiness-listener'
import { DEBUG_MODULES_VARIABLE, printLoadedBuiltins } from './debug-modules'
import { findUnknownSettings, unknownSettingMessage } from './settings'

declare const WAIT_FOR_INIT_VERSION: string // injected by the bundler
/** true in the bundle that build-scripts/bundle.ts makes for the SEA: `node:sea` need not be loaded to ask. */
declare const WAIT_FOR_INIT_SEA: boolean

function isSea(): boolean {
  if (typeof WAIT_FOR_INIT_SEA === 'boolean') return WAIT_FOR_INIT_SEA
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
    api: new ExtensionsApi(config.runtimeApi, createHttpTransport()),
    log,
    createListener: (onSignal) => new ReadinessListener({ path: config.socketPath, log, onSignal, gates }),
    elapsedMs: () => performance.now(),
    setTimer: (ms, fn) => {
      const t = setTimeout(fn, ms)
      return { cancel: () => clearTimeout(t) }
    },
    pendingGates: () => gates.pending(),
    skippedGates: () => gates.skipped(),
    // Advice that changes nothing about this Init: reported once registered, so the register
    // request, which the runtime's start waits for, never waits for it.
    onRegistered: () => {
      for (const unknown of findUnknownSettings(process.env)) log.warn(unknownSettingMessage(unknown), { variable: unknown.variable })
      const filtered = filteredMetricsWarning(config.metrics, settings)
      if (filtered) log[filtered.level](filtered.message, { variable: METRICS_VARIABLE })
    },
    onOutcome: writeMetrics,
    onTerminate: (stop) => {
      process.on('SIGTERM', stop)
      process.on('SIGINT', stop)
    },
  }).then(exit, (err) => {
    // One line: a stack's line breaks would split it into several log events.
    log.error(`unexpected failure: ${String((err as Error)?.stack ?? err).replace(/\n\s*/g, ' | ')}`)
    exit(1)
  })
}

main()
