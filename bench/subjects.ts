// Prepares the two extensions the bench compares, each in a private layer folder under the bench
// work dir: ours (a copy of the built SEA) and the reference (bench/reference, the original
// sample's architecture run by the runtime's node). Private copies let the bench put each
// binary's page cache in a known clean state, whatever else on the machine maps the originals.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { REFERENCE_LAYER } from './paths'
import { syncAndDropCache, type DropResult } from './page-cache'
import type { Subject } from './scenarios'

export const OUR_NAME = 'wait-for-init'
export const REFERENCE_NAME = 'wait-for-init-reference'
/** Where the sandbox puts the runtime's node when it isolates (test/sandbox/isolation.ts). */
export const RUNTIME_NODE = '/var/lang/bin/node'

export interface PreparedSubjects {
  ours: Subject
  reference: Subject
  /** what runs the reference: the path of its node as the sandbox sees it, and that node's version */
  referenceInterpreter: string
  referenceNodeVersion: string
  ourVersion: { version?: string; node?: string; sea?: boolean }
  binaryBytes: { ours: number; reference: number }
  cache: DropResult[]
}

export interface SubjectOptions {
  layer: string
  workDir: string
  /** a host node binary for the reference; null = the runtime's own node */
  referenceNode: string | null
  /** whether the sandbox isolates (then /var/lang/bin/node exists for extensions) */
  isolated: boolean
}

function nodeVersionOf(file: string): string {
  const r = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000, env: {} })
  return r.status === 0 ? r.stdout.trim() : `unknown (${file})`
}

export function prepareSubjects(o: SubjectOptions): PreparedSubjects {
  const ourBinary = path.join(o.layer, 'extensions', OUR_NAME)
  if (!fs.existsSync(ourBinary)) throw new Error(`${ourBinary} is missing: run \`make layer\` first (make bench does)`)
  fs.rmSync(o.workDir, { recursive: true, force: true })

  const oursDir = path.join(o.workDir, 'ours')
  fs.mkdirSync(path.join(oursDir, 'extensions'), { recursive: true })
  const oursCopy = path.join(oursDir, 'extensions', OUR_NAME)
  fs.copyFileSync(ourBinary, oursCopy)
  fs.chmodSync(oursCopy, 0o755)

  const ref = prepareReference(path.join(o.workDir, 'reference'), o)

  const versionRun = spawnSync(oursCopy, ['--version'], { encoding: 'utf8', timeout: 10_000, env: {} })
  let ourVersion = {}
  try {
    ourVersion = JSON.parse(versionRun.stdout)
  } catch {
    throw new Error(`${ourBinary} --version did not answer JSON (exit ${versionRun.status}): ${versionRun.stderr.trim()}`)
  }

  // Drop the page cache of both binaries once: the warm-up run then reads them back clean.
  const cache = [oursCopy, ref.script, ref.nodeHost].map(syncAndDropCache)
  return {
    ours: { key: 'ours', label: 'ours', layerDir: oursDir, extensionName: OUR_NAME, isolate: o.isolated },
    reference: ref.subject,
    referenceInterpreter: ref.interpreter,
    referenceNodeVersion: nodeVersionOf(ref.nodeHost),
    ourVersion,
    binaryBytes: { ours: fs.statSync(oursCopy).size, reference: ref.bytes },
    cache,
  }
}

export interface PreparedReference {
  subject: Subject
  /** node as the sandbox's processes see it */
  interpreter: string
  /** the same node on the host */
  nodeHost: string
  script: string
  bytes: number
}

/** Copies bench/reference/layer to `dir`, pointing its launcher at the right node and script. */
export function prepareReference(dir: string, o: { referenceNode: string | null; isolated: boolean }): PreparedReference {
  // The launcher names the runtime's node and /opt; without isolation neither exists for the
  // processes, so the host's node and the host folder are named instead.
  fs.rmSync(dir, { recursive: true, force: true })
  fs.cpSync(REFERENCE_LAYER, dir, { recursive: true })
  const launcher = path.join(dir, 'extensions', REFERENCE_NAME)
  const interpreter = o.referenceNode ?? (o.isolated ? RUNTIME_NODE : process.execPath)
  const script = path.join(dir, REFERENCE_NAME, 'index.js')
  const scriptPath = o.isolated ? `/opt/${REFERENCE_NAME}/index.js` : script
  const text = fs.readFileSync(launcher, 'utf8').replace(/^exec \S+ \S+/m, `exec ${interpreter} ${scriptPath}`)
  fs.writeFileSync(launcher, text, { mode: 0o755 })
  fs.chmodSync(launcher, 0o755)
  return {
    subject: { key: 'reference', label: 'reference', layerDir: dir, extensionName: REFERENCE_NAME, isolate: o.isolated },
    interpreter,
    nodeHost: o.referenceNode ?? fs.realpathSync(process.execPath),
    script,
    bytes: fs.statSync(script).size + Buffer.byteLength(text),
  }
}
