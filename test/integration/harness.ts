// Shared harness for integration tests: the built layer in the local Lambda sandbox.
import fs from 'node:fs'
import path from 'node:path'
import { Sandbox, SandboxOptions, SandboxReport, ExtensionReport } from '../sandbox'
import { bringLayerUpToDate, STALE_HINT } from '../setup/layer-freshness'
import { testLayerDir } from '../setup/test-arch'

export const ROOT = path.resolve(__dirname, '..', '..')
/** dist/layer, or the WFI_TEST_ARCH layer (`make test-native`). */
export const LAYER_DIR = testLayerDir(ROOT)
export const EXTENSION_BINARY = path.join(LAYER_DIR, 'extensions', 'wait-for-init')
export const FIXTURES = path.join(ROOT, 'test', 'fixtures')
export const WARMUP_FUNCTION = path.join(FIXTURES, 'functions', 'warmup')

let layerChecked = false

/**
 * Integration tests run the real SEA, never a stale one. Under tap, the suite's `before` program
 * (test/setup/ensure-layer.ts) has already brought dist/ up to date; without it (`--before=`, or
 * the file run with node directly) the first call here does the same, once per process.
 */
export function requireLayer(): string {
  if (!layerChecked && !/ensure-layer/.test(process.env.TAP_BEFORE ?? '')) {
    const r = bringLayerUpToDate()
    if (!r.ok) throw new Error(`the layer is stale or missing and could not be rebuilt: ${r.problem}\n${STALE_HINT}`)
  }
  layerChecked = true
  if (!fs.existsSync(EXTENSION_BINARY)) {
    throw new Error(`${EXTENSION_BINARY} is missing: run \`make layer\` (make test does it for you)`)
  }
  return LAYER_DIR
}

/** A sandbox with the built layer, closed at teardown whatever happens. */
export function sandboxWithLayer(t: { teardown(fn: () => unknown): void }, opts: Partial<SandboxOptions> & { env?: Record<string, string> }): Sandbox {
  const sb = new Sandbox({ functionDir: WARMUP_FUNCTION, layers: [requireLayer()], ...opts })
  t.teardown(() => sb.close())
  return sb
}

export function ours(report: SandboxReport, name = 'wait-for-init'): ExtensionReport {
  const ext = report.extensions.find((e) => e.name === name)
  if (!ext) throw new Error(`extension ${name} not in report: ${report.extensions.map((e) => e.name).join(', ')}`)
  return ext
}

export function extensionLines(ext: ExtensionReport): string[] {
  return ext.logs.map((l) => l.text)
}

/** The gates fixture function (test/fixtures/functions/gates): it sends GATE_SIGNALS and reports what it sent. */
export const GATES_FUNCTION = path.join(FIXTURES, 'functions', 'gates')
export type GateSent = { message: string; sentAt: number; reply: string | null }
export type GatesResult = { loadedAt: number; sent: GateSent[] }

/** A provisioned-concurrency sandbox running the gates fixture with the built layer. */
export function gatesSandbox(t: Parameters<typeof sandboxWithLayer>[0], env: Record<string, string>): Sandbox {
  return sandboxWithLayer(t, { functionDir: GATES_FUNCTION, functionName: 'orders-api', mode: 'provisioned', env })
}

/** `held=` of an outcome line, in ms. */
export const heldOf = (line: string): number => Number(/held=(\d+)ms/.exec(line)?.[1])

/** The outcome lines (`init outcome=…`) the extension wrote. */
export function outcomeLines(ext: ExtensionReport): string[] {
  return extensionLines(ext).filter((l) => /init outcome=/.test(l))
}

export interface WarmupState {
  warm: boolean
  warmedAt: number | null
  signalledAt: number | null
  reply: string | null
  signalError: string | null
  msSinceLoad: number
  loadedAt: number
}
