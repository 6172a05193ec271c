// Shared helpers for the build tests: one build of each layer per run, reused by every file.
// Builds go through `make layer` / build.ts under one lock file, because tap runs test files in
// parallel and builds into the same dist/ would race.
import { spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { withLock } from '../../build-scripts/lock'
import { CommandResult, runCommand } from '../../build-scripts/run-command'

export const ROOT = path.resolve(__dirname, '..', '..')
export const DIST = path.join(ROOT, 'dist')
/** Scratch space for test builds; inside the repo (ignored) so the bundles resolve node_modules. */
export const TEST_OUT = path.join(DIST, '.cache', 'test-build')
const LOCK = path.join(DIST, '.test-build.lock')

/** Runs a command (from the repo root unless told) to completion with a hard time limit; throws when it cannot start. */
export async function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  const r = await runCommand(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env, timeoutMs: opts.timeoutMs ?? 60_000 })
  if (r.spawnError) throw r.spawnError
  return r
}

/** Runs a TypeScript script with tsx: the full hook, since tap's NODE_OPTIONS loads entry points as ESM. */
export const TSX = [process.execPath, '--import', 'tsx'] as const

const BUILD_TIMEOUT_MS = 15 * 60_000

async function locked<T>(fn: () => Promise<T>): Promise<T> {
  fs.mkdirSync(DIST, { recursive: true })
  return withLock(LOCK, () => undefined, fn)
}

/** `make layer ARCH=…` (a no-op when up to date); returns the zip path. Throws with the output on failure. */
export async function ensureLayer(arch: 'x86_64' | 'arm64'): Promise<string> {
  return locked(async () => {
    // `make layer` would run `npm ci` here if node_modules were stale, replacing the modules that
    // the other test processes are running from: refuse instead.
    const q = await run('make', ['-q', 'node_modules/.package-lock.json'])
    if (q.code !== 0) throw new Error('node_modules is missing or older than package-lock.json: run `make layer` (it runs npm ci), then the tests')
    const r = await run('make', ['-s', 'layer', `ARCH=${arch}`], { timeoutMs: BUILD_TIMEOUT_MS })
    if (r.code !== 0) throw new Error(`make layer ARCH=${arch} failed (${r.code}):\n${r.stdout}\n${r.stderr}`)
    return path.join(DIST, `wait-for-init-${arch}.zip`)
  })
}

/** `node --import tsx ENTRY args…` under the lock (no throw on failure: tests inspect it). */
export function runTs(entry: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  return locked(() => run(TSX[0], [...TSX.slice(1), entry, ...args], { env: { ...process.env, ...env }, timeoutMs: BUILD_TIMEOUT_MS }))
}

/** Runs build-scripts/build.ts with arguments and extra environment. */
export function buildScript(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  return runTs('build-scripts/build.ts', args, env)
}

/** Builds a SEA from a small JS/TS entry into TEST_OUT/<name>; returns the binary's path. */
export async function buildTestSea(name: string, entrySource: string, opts: { arch?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ binary: string; out: string; run: CommandResult }> {
  const out = path.join(TEST_OUT, name)
  fs.mkdirSync(out, { recursive: true })
  const entry = path.join(out, 'entry.js')
  if (!fs.existsSync(entry) || fs.readFileSync(entry, 'utf8') !== entrySource) fs.writeFileSync(entry, entrySource)
  const arch = opts.arch ?? 'x86_64'
  const r = await buildScript(['--arch', arch, '--out', out, '--entry', entry, '--no-client'], opts.env)
  if (r.code !== 0) throw new Error(`test SEA build ${name} failed (${r.code}):\n${r.stderr}`)
  const binary = path.join(out, arch === 'x86_64' ? 'layer' : `layer-${arch}`, 'extensions', 'wait-for-init')
  return { binary, out, run: r }
}

export function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')
}

/** First `size` bytes of a file. */
export function head(file: string, size = 64): Buffer {
  const fd = fs.openSync(file, 'r')
  try {
    const b = Buffer.alloc(size)
    fs.readSync(fd, b, 0, size, 0)
    return b
  } finally {
    fs.closeSync(fd)
  }
}

/** Absolute path of a program on PATH, or undefined. */
export function which(prog: string, pathVar = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(':')) {
    const p = path.join(dir || '.', prog)
    try {
      fs.accessSync(p, fs.constants.X_OK)
      if (fs.statSync(p).isFile()) return p
    } catch {
      /* not here */
    }
  }
  return undefined
}

/** Every distinct AWS CLI on this machine (PATH's `aws`, Debian's /usr/bin/aws), with its version. */
export function awsClis(): { path: string; version: string }[] {
  const found: { path: string; version: string }[] = []
  for (const candidate of [which('aws'), '/usr/bin/aws', '/usr/local/bin/aws']) {
    if (!candidate || !fs.existsSync(candidate)) continue
    const v = spawnSync(candidate, ['--version'], { encoding: 'utf8', timeout: 60_000 })
    const version = `${v.stdout ?? ''}${v.stderr ?? ''}`.trim().split(/\s/)[0]
    if (v.status === 0 && version.startsWith('aws-cli/') && !found.some((f) => f.version === version)) found.push({ path: candidate, version })
  }
  return found
}

/** A directory holding only links to node and make: a PATH on which no `aws` can be found. */
export function pathWithoutAws(dir: string): string {
  fs.mkdirSync(dir, { recursive: true })
  for (const prog of ['node', 'make', 'git']) {
    const target = prog === 'node' ? process.execPath : which(prog)
    const link = path.join(dir, prog)
    if (target && !fs.existsSync(link)) fs.symlinkSync(target, link)
  }
  return dir
}
