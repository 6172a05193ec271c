// Prepares the four extensions the bench compares, each in a private layer folder under the
// bench work dir: ours (a copy of the built SEA), the floor (bench/floor: the same job as a plain
// script run directly by a copy of the stripped Node binary the SEA embeds), the minimal floor
// (the same script, registering before anything else) and the reference (bench/reference, the
// original sample's architecture run by the runtime's node). Private copies
// let the bench put each binary's page cache in a known clean state, whatever else on the machine
// maps the originals.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { FLOOR_SCRIPT, REFERENCE_LAYER } from './paths'
import { syncAndDropCache, type DropResult } from './page-cache'
import type { Subject } from './scenarios'

export const OUR_NAME = 'wait-for-init'
export const REFERENCE_NAME = 'wait-for-init-reference'
export const FLOOR_NAME = 'wait-for-init-floor'
/** bench/floor's script under this name registers first (see the script's header). */
export const MINIMAL_NAME = 'wait-for-init-minimal'
/** Where the sandbox puts the runtime's node when it isolates (test/sandbox/isolation.ts). */
export const RUNTIME_NODE = '/var/lang/bin/node'

export interface PreparedSubjects {
  ours: Subject
  floor: Subject
  minimal: Subject
  reference: Subject
  /** the floor's node (host path of the original, before the private copy) and its flags */
  floorNode: string
  floorNodeVersion: string
  floorExecArgv: string[]
  /** what runs the reference: the path of its node as the sandbox sees it, and that node's version */
  referenceInterpreter: string
  referenceNodeVersion: string
  ourVersion: { version?: string; node?: string; sea?: boolean }
  binaryBytes: { ours: number; floor: number; minimal: number; reference: number }
  cache: DropResult[]
}

export interface SubjectOptions {
  layer: string
  workDir: string
  /** a host node binary for the reference; null = the runtime's own node */
  referenceNode: string | null
  /** whether the sandbox isolates (then /var/lang/bin/node exists for extensions) */
  isolated: boolean
  /** the node binary the floor runs: the stripped binary the SEA was built from */
  floorNode: string
  /** the SEA's baked-in Node flags, given to the floor's node too */
  floorExecArgv: string[]
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
  const floor = prepareFloor(path.join(o.workDir, 'floor'), { node: o.floorNode, execArgv: o.floorExecArgv, isolated: o.isolated })
  const minimal = prepareFloor(path.join(o.workDir, 'minimal'), { node: o.floorNode, execArgv: o.floorExecArgv, isolated: o.isolated, name: MINIMAL_NAME })

  const versionRun = spawnSync(oursCopy, ['--version'], { encoding: 'utf8', timeout: 10_000, env: {} })
  let ourVersion = {}
  try {
    ourVersion = JSON.parse(versionRun.stdout)
  } catch {
    throw new Error(`${ourBinary} --version did not answer JSON (exit ${versionRun.status}): ${versionRun.stderr.trim()}`)
  }

  // Drop the page cache of every binary once: the warm-up run then reads them back clean.
  const cache = [oursCopy, floor.node, floor.script, minimal.node, minimal.script, ref.script, ref.nodeHost].map(syncAndDropCache)
  return {
    ours: { key: 'ours', label: 'ours', layerDir: oursDir, extensionName: OUR_NAME, isolate: o.isolated },
    floor: floor.subject,
    minimal: minimal.subject,
    reference: ref.subject,
    floorNode: o.floorNode,
    floorNodeVersion: nodeVersionOf(floor.node),
    floorExecArgv: o.floorExecArgv,
    referenceInterpreter: ref.interpreter,
    referenceNodeVersion: nodeVersionOf(ref.nodeHost),
    ourVersion,
    binaryBytes: {
      ours: fs.statSync(oursCopy).size,
      floor: fs.statSync(floor.node).size + fs.statSync(floor.script).size,
      minimal: fs.statSync(minimal.node).size + fs.statSync(minimal.script).size,
      reference: ref.bytes,
    },
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

export interface PreparedFloor {
  subject: Subject
  /** host paths of the private node copy and of the extension file */
  node: string
  script: string
}

/**
 * The floor's layer: `<name>/node` (a copy of `node`) and `extensions/<name>`, bench/floor's script
 * behind `#!<node> [flag]`; `name` is FLOOR_NAME (default) or MINIMAL_NAME. Linux passes
 * everything after the interpreter as one argument, so at most one flag fits; the SEA's default
 * has exactly one.
 */
export function prepareFloor(dir: string, o: { node: string; execArgv: string[]; isolated: boolean; name?: typeof FLOOR_NAME | typeof MINIMAL_NAME }): PreparedFloor {
  const name = o.name ?? FLOOR_NAME
  if (!fs.existsSync(o.node)) throw new Error(`the floor's node ${o.node} is missing: run \`make layer\` (it fills the Node cache) or pass --floor-node`)
  if (o.execArgv.length > 1) throw new Error(`the floor can take at most one Node flag on its #! line; the SEA has ${JSON.stringify(o.execArgv)}`)
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(path.join(dir, 'extensions'), { recursive: true })
  fs.mkdirSync(path.join(dir, name))
  const node = path.join(dir, name, 'node')
  fs.copyFileSync(o.node, node)
  fs.chmodSync(node, 0o755)
  // As the extension sees it: /opt/... inside the namespace, the host copy without isolation.
  const interpreter = o.isolated ? `/opt/${name}/node` : node
  const shebang = `#!${interpreter}${o.execArgv.length ? ` ${o.execArgv[0]}` : ''}`
  const script = path.join(dir, 'extensions', name)
  fs.writeFileSync(script, `${shebang}\n${fs.readFileSync(FLOOR_SCRIPT, 'utf8')}`, { mode: 0o755 })
  fs.chmodSync(script, 0o755)
  const key = name === MINIMAL_NAME ? 'minimal' : 'floor'
  return { subject: { key, label: key, layerDir: dir, extensionName: name, isolate: o.isolated }, node, script }
}
