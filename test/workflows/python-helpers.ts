// Python for the workflow tests: the interpreters present, and the Python client package built
// from client-python/ by the real build step (build-scripts/python-client.ts) into a temp dir.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Test } from 'tap'
import { buildPythonClient } from '../../build-scripts/python-client'
import { Sandbox } from '../sandbox'
import type { Mode } from '../sandbox/types'
import { requireLayer } from '../integration/harness'

export const ROOT = path.resolve(__dirname, '..', '..')

/** The host's python3 (what Lambda's python3.x runtimes stand in for), or null. */
export function python3(): string | null {
  const found = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => fs.existsSync(p))
  if (found) return found
  const r = spawnSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' })
  return r.stdout.trim() || null
}

/** Extra interpreters to run the unit tests under (oldest supported first), when installed. */
export function extraPythons(): string[] {
  const pyenv = path.join(os.homedir(), '.pyenv', 'versions')
  if (!fs.existsSync(pyenv)) return []
  return fs.readdirSync(pyenv)
    .filter((v) => /^3\.(9|1[0-9])\.\d+$/.test(v))
    .map((v) => path.join(pyenv, v, 'bin', 'python3'))
    .filter((p) => fs.existsSync(p))
}

/** Builds the package into a fresh temp dir; returns the dir to put on PYTHONPATH. */
export function buildPythonPackage(t: { teardown(fn: () => unknown): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-pyclient-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  buildPythonClient(ROOT, path.join(dir, 'wait_for_init'))
  return dir
}

/**
 * A started sandbox with the built layer running `functionDir`'s bootstrap.py under `python`, or
 * null after planning no tests when the sandbox cannot isolate (/opt and /var/task need it).
 */
export async function startPythonSandbox(
  t: Test, python: string, functionDir: string, env: Record<string, string>, mode: Mode = 'provisioned',
): Promise<Sandbox | null> {
  const sb = new Sandbox({
    functionDir, layers: [requireLayer()], mode, env, functionTimeoutMs: 10_000,
    runtimeCommand: [python, '/var/task/bootstrap.py'],
  })
  t.teardown(() => sb.close())
  await sb.start()
  if (!sb.isolated) {
    t.plan(0, `needs the isolated sandbox (/opt, /var/task): ${sb.report().isolation.reason}`)
    return null
  }
  return sb
}
