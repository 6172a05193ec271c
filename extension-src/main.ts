// Entry point of the wait-for-init extension: wires the real dependencies into the lifecycle.
// Lambda starts it with no arguments (spec §2.2 step 4); `--version` is for build checks.

import http from 'node:http'
import fs from 'node:fs'
import { parseConfig } from './config'
import { ExtensionsApiClient, FetchLike } from './extensions-api'
import { extensionNameFrom } from './extension-name'
import { runLifecycle } from './lifecycle'
import { createLogger, readLogSettings } from './logger'
import { ReadinessListener } from './readiness-listener'
import fetch from 'node-fetch'

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

  let socketToRemove: string | undefined
  const cleanExit = (code: number) => {
    if (socketToRemove) {
      try {
        if (fs.lstatSync(socketToRemove).isSocket()) fs.unlinkSync(socketToRemove)
      } catch {
        /* gone already */
      }
    }
    process.exit(code)
  }
  // Lambda never sends extensions SIGTERM (spec §5.5 step 4), but people and other emulators do.
  process.on('SIGTERM', () => cleanExit(0))
  process.on('SIGINT', () => cleanExit(0))

  // One connection per call, no keep-alive pool, no timeout (see extensions-api.ts).
  const agent = new http.Agent({ keepAlive: false })
  const httpFetch: FetchLike = (url, init) => fetch(url, { ...init, agent })
  const api = new ExtensionsApiClient(config.runtimeApi, httpFetch)

  runLifecycle({
    config,
    extensionName: extensionNameFrom(process.execPath, process.argv, isSea()),
    api,
    log,
    createListener: (onSignal) => {
      socketToRemove = config.socketPath
      return new ReadinessListener({ path: config.socketPath, log, onSignal })
    },
    elapsedMs: () => performance.now(),
    setTimer: (ms, fn) => {
      const t = setTimeout(fn, ms)
      return { cancel: () => clearTimeout(t) }
    },
  }).then(cleanExit, (err) => {
    log.error(`unexpected failure: ${(err as Error)?.stack ?? String(err)}`)
    cleanExit(1)
  })
}

main()
