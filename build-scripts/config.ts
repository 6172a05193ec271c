// Every knob of the build in one place. The defaults are the shipped configuration; the
// environment (Make passes its variables through) overrides them so the performance work can try
// levers without editing code. Each bad value is a BuildError naming the variable and the value.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ArchInfo, hostArch, parseArch } from './arch'
import { BuildError } from './errors'

export type ExecArgvExtension = 'none' | 'env' | 'cli'

/** The parts of Node's sea-config.json we control (see `node --experimental-sea-config`). */
export interface SeaOptions {
  /** V8/Node flags baked into the binary (e.g. `--min-semi-space-size=2`). */
  execArgv: string[]
  /** 'none' keeps the function's NODE_OPTIONS out of the extension: a --require or memory flag meant for the function must not break or slow it. */
  execArgvExtension: ExecArgvExtension
  /** V8 code cache / startup snapshot: host-specific, so forced off for a cross build. */
  useCodeCache: boolean
  useSnapshot: boolean
}

// Defaults chosen by measurement (`make bench`, docs/performance.md): --min-semi-space-size=2
// starts V8's young generation at 2 MB instead of 1, so the start-up (node-fetch included) fits
// in it and no scavenge runs before Init ends: a scavenge commits the second semi-space, ~1 MB of
// anonymous RSS for the function's whole life. Peak RSS under 1 000 hostile clients stays < 80 MB.
// The code cache showed no start-up gain beyond noise.
// SEA_EXEC_ARGV='[]' builds without flags.
export const DEFAULT_SEA: Readonly<SeaOptions> = Object.freeze({
  execArgv: ['--min-semi-space-size=2'],
  execArgvExtension: 'none',
  useCodeCache: false,
  useSnapshot: false,
})

export interface BuildConfig {
  arch: ArchInfo
  /** Pinned Node version embedded in the binary (a key of node-pins.json). */
  nodeVersion: string
  sea: SeaOptions
  /** Strip the Node binary before injection (saves ~18 MB; only off to measure it). */
  strip: boolean
  /** Deflate level of the layer zip, 0 (stored) to 9. */
  zipLevel: number
  /** Human-readable notes about adjustments (e.g. code cache turned off for a cross build). */
  notices: string[]
}

export const DEFAULT_ZIP_LEVEL = 9

export interface NodePins {
  default: string
  versions: Record<string, Partial<Record<'x64' | 'arm64', string>>>
}

export function pinsFile(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.NODE_PINS_FILE ? path.resolve(env.NODE_PINS_FILE) : path.join(root, 'build-scripts', 'node-pins.json')
}

export function readPins(file: string): NodePins {
  let pins: NodePins
  try {
    pins = JSON.parse(fs.readFileSync(file, 'utf8')) as NodePins
  } catch (err) {
    throw new BuildError(`cannot read Node pins ${file}: ${(err as Error).message}`)
  }
  if (typeof pins?.default !== 'string' || typeof pins.versions !== 'object') throw new BuildError(`${file}: expected { default, versions }`)
  return pins
}

/** Where fetched Node tarballs and binaries are kept across builds and `make clean`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WAIT_FOR_INIT_CACHE) return path.resolve(env.WAIT_FOR_INIT_CACHE)
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache')
  return path.join(base, 'wait-for-init')
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const v = (env[name] ?? '').trim()
  if (v === '') return fallback
  if (/^(1|true|yes|on)$/i.test(v)) return true
  if (/^(0|false|no|off)$/i.test(v)) return false
  throw new BuildError(`${name}=${JSON.stringify(v)} is not a boolean: use 1 or 0`)
}

/** Splits SEA_EXEC_ARGV: a JSON array, or whitespace-separated flags each starting with '-'. */
export function parseExecArgv(value: string | undefined): string[] {
  const v = (value ?? '').trim()
  if (v === '') return [...DEFAULT_SEA.execArgv]
  let list: unknown
  if (v.startsWith('[')) {
    try {
      list = JSON.parse(v)
    } catch {
      throw new BuildError(`SEA_EXEC_ARGV=${JSON.stringify(v)} is not a valid JSON array`)
    }
  } else {
    list = v.split(/\s+/)
  }
  if (!Array.isArray(list) || !list.every((a) => typeof a === 'string' && a.startsWith('-'))) {
    throw new BuildError(`SEA_EXEC_ARGV=${JSON.stringify(v)} must be Node/V8 flags, each starting with '-'`)
  }
  return list as string[]
}

export function buildConfigFromEnv(env: NodeJS.ProcessEnv, pins: NodePins, archValue?: string): BuildConfig {
  const arch = parseArch(archValue ?? (env.ARCH || 'x86_64'))
  const notices: string[] = []

  const nodeVersion = (env.NODE_VERSION ?? '').trim() || pins.default
  if (!pins.versions[nodeVersion]) {
    throw new BuildError(
      `NODE_VERSION=${JSON.stringify(nodeVersion)} is not pinned: add its integrity per arch to build-scripts/node-pins.json ` +
        `(pinned: ${Object.keys(pins.versions).join(', ')})`,
    )
  }

  const ext = ((env.SEA_EXEC_ARGV_EXTENSION ?? '').trim() || DEFAULT_SEA.execArgvExtension) as ExecArgvExtension
  if (!['none', 'env', 'cli'].includes(ext)) throw new BuildError(`SEA_EXEC_ARGV_EXTENSION=${JSON.stringify(ext)} must be none, env or cli`)
  const sea: SeaOptions = {
    execArgv: parseExecArgv(env.SEA_EXEC_ARGV),
    execArgvExtension: ext,
    useCodeCache: flag(env, 'SEA_USE_CODE_CACHE', DEFAULT_SEA.useCodeCache),
    useSnapshot: flag(env, 'SEA_USE_SNAPSHOT', DEFAULT_SEA.useSnapshot),
  }
  // The code cache and snapshot are produced by the build host's V8 and only valid for the same
  // V8 build on the same CPU architecture: a cross build cannot have them.
  if (hostArch()?.lambda !== arch.lambda) {
    if (sea.useCodeCache) notices.push(`SEA_USE_CODE_CACHE ignored: code cache is off for a cross build to ${arch.lambda}`)
    if (sea.useSnapshot) notices.push(`SEA_USE_SNAPSHOT ignored: startup snapshot is off for a cross build to ${arch.lambda}`)
    sea.useCodeCache = false
    sea.useSnapshot = false
  }

  const levelText = (env.ZIP_LEVEL ?? '').trim()
  const zipLevel = levelText === '' ? DEFAULT_ZIP_LEVEL : Number(levelText)
  if (!/^\d$/.test(levelText === '' ? String(DEFAULT_ZIP_LEVEL) : levelText)) {
    throw new BuildError(`ZIP_LEVEL=${JSON.stringify(levelText)} must be an integer from 0 (stored) to 9`)
  }

  return { arch, nodeVersion, sea, strip: flag(env, 'STRIP', true), zipLevel, notices }
}
