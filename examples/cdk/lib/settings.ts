// Reads and validates the sample's CDK context values (cdk.json defaults, `-c key=value` overrides).
// Every bad value stops the synth with a message naming the context key and the value.
import * as fs from 'fs'
import * as path from 'path'

export interface SampleSettings {
  layerDir: string
  architecture: 'x86_64' | 'arm64'
  runtime: string
  variant: 'cjs' | 'esm'
  /** undefined = `off`: WARMING_TIMEOUT not set, the extension does not hold (for comparison). */
  warmingTimeout: string | undefined
  provisioned: number
}

type Lookup = (key: string) => unknown

export function readSettings(lookup: Lookup, baseDir: string): SampleSettings {
  const text = (key: string, fallback: string): string => {
    const value = lookup(key)
    if (value === undefined || value === null || value === '') return fallback
    if (typeof value !== 'string' && typeof value !== 'number') throw bad(key, value, 'a string')
    return String(value)
  }
  const architecture = text('architecture', 'x86_64')
  if (architecture !== 'x86_64' && architecture !== 'arm64') throw bad('architecture', architecture, 'x86_64 or arm64')
  // `make layer` writes dist/layer (x86_64); `make layer ARCH=arm64` writes dist/layer-arm64.
  const defaultLayerDir = architecture === 'arm64' ? '../../dist/layer-arm64' : '../../dist/layer'
  const layerDir = path.resolve(baseDir, text('layerDir', defaultLayerDir))
  if (!fs.existsSync(path.join(layerDir, 'extensions', 'wait-for-init'))) {
    throw new Error(
      `context layerDir=${JSON.stringify(layerDir)} has no extensions/wait-for-init: build the layer first ` +
      `(\`make layer${architecture === 'arm64' ? ' ARCH=arm64' : ''}\` in the repository root; the npm scripts here ` +
      'build x86_64) or pass -c layerDir=DIR',
    )
  }
  const runtime = text('runtime', 'nodejs22.x')
  const major = /^nodejs(\d+)\.x$/.exec(runtime)
  if (!major || Number(major[1]) < 22) throw bad('runtime', runtime, 'nodejs22.x or newer (e.g. nodejs24.x)')
  const variant = text('variant', 'cjs')
  if (variant !== 'cjs' && variant !== 'esm') throw bad('variant', variant, 'cjs or esm')
  const warmingTimeoutText = text('warmingTimeout', '5000')
  if (warmingTimeoutText !== 'off' && !/^[1-9]\d{0,8}$/.test(warmingTimeoutText)) {
    throw bad('warmingTimeout', warmingTimeoutText, 'a positive integer (milliseconds) or off')
  }
  const warmingTimeout = warmingTimeoutText === 'off' ? undefined : warmingTimeoutText
  const provisionedText = text('provisioned', '0')
  if (!/^\d{1,4}$/.test(provisionedText)) throw bad('provisioned', provisionedText, 'an integer >= 0 (instances of provisioned concurrency)')
  return { layerDir, architecture, runtime, variant, warmingTimeout, provisioned: Number(provisionedText) }
}

function bad(key: string, value: unknown, expected: string): Error {
  return new Error(`context ${key} must be ${expected}, got ${JSON.stringify(value)}`)
}
