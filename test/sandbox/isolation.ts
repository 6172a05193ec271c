// Private mount namespace (root on Linux): /opt, /var/task, /var/runtime, /var/lang/bin/node,
// a fresh /tmp, and node masked for extensions. One holder process keeps the namespace alive;
// every sandbox process is started with `nsenter -t HOLDER -m -- exe` (nsenter execs without
// forking when no PID namespace is entered, so the launched PID is the real process).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

export interface MountPlan {
  /** host folders */
  opt: string
  task: string
  runtime: string
  tmp: string
  /** scratch folder for staging mounts (host, under the sandbox temp dir) */
  stage: string
  /** host real path of the node binary given to the runtime at /var/lang/bin/node */
  node: string
  /** host paths to hide behind /dev/null (node binaries on the extensions' PATH) */
  mask: string[]
  /** mount /tmp read-only (an unwritable /tmp) */
  readOnlyTmp?: boolean
}

const TOOLS: Record<string, string> = { unshare: 'unshare', nsenter: 'nsenter', mount: 'mount' }

/** Whether isolation can be attempted here; the reason is reported either way. */
export function isolationSupport(): { ok: boolean; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})` }
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { ok: false, reason: 'not running as root' }
  for (const tool of ['unshare', 'nsenter', 'mount']) {
    const r = spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' })
    if (r.status !== 0) return { ok: false, reason: `${tool} (util-linux) not found` }
    TOOLS[tool] = r.stdout.trim()
  }
  return { ok: true, reason: 'private mount namespace (unshare/nsenter)' }
}

/** node binaries an extension could find on its PATH (host real paths, deduplicated). */
export function nodeBinariesToMask(pathDirs: string[]): string[] {
  const found = new Set<string>()
  const add = (p: string): void => {
    try {
      if (fs.statSync(p).isFile()) found.add(fs.realpathSync(p))
    } catch { /* absent */ }
  }
  for (const dir of pathDirs) for (const name of ['node', 'nodejs']) add(path.join(dir, name))
  add(process.execPath)
  return [...found]
}

// Runs inside the namespace. Sources are bound to staging points first because /var and /tmp
// are about to be covered (the function folder may live under either); /tmp goes last.
const MOUNT_SCRIPT = `set -e
opt="$1"; task="$2"; rt="$3"; tmp="$4"; stage="$5"; node="$6"; tmpro="$7"; shift 7
mount --bind "$opt" "$stage/opt"
mount --bind "$task" "$stage/task"
mount --bind "$rt" "$stage/runtime"
mount --bind "$node" "$stage/node"
mount -t tmpfs -o mode=755,size=64m wfi-var /var
mkdir -p /var/task /var/runtime /var/lang/bin /var/tmp
chmod 1777 /var/tmp
ln -s /run /var/run
ln -s /run/lock /var/lock
touch /var/lang/bin/node
mkdir -p /opt
mount --move "$stage/opt" /opt
mount --move "$stage/task" /var/task
mount --move "$stage/runtime" /var/runtime
mount --move "$stage/node" /var/lang/bin/node
mount -o remount,bind,ro /opt
mount -o remount,bind,ro /var/task
mount -o remount,bind,ro /var/runtime
for m in "$@"; do mount --bind /dev/null "$m"; done
mount --bind "$tmp" /tmp
if [ "$tmpro" = 1 ]; then mount -o remount,bind,ro /tmp; fi
`

export class MountNamespace {
  private constructor(private readonly holder: ChildProcess, readonly holderPid: number) {}

  static async create(plan: MountPlan): Promise<MountNamespace> {
    for (const d of ['opt', 'task', 'runtime']) fs.mkdirSync(path.join(plan.stage, d), { recursive: true })
    fs.writeFileSync(path.join(plan.stage, 'node'), '')
    // The holder waits on stdin: if the emulator dies, the pipe closes and the namespace goes.
    const holder = spawn(TOOLS.unshare, ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', 'read _ || true'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    let holderErr = ''
    holder.stderr?.on('data', (d) => { holderErr += String(d) })
    if (holder.pid === undefined) {
      const err = await new Promise<Error>((r) => holder.once('error', r))
      throw new Error(`unshare failed to start: ${err.message}`)
    }
    const ns = new MountNamespace(holder, holder.pid)
    try {
      await ns.waitUntilEntered()
      const r = await run(TOOLS.nsenter, ['-t', String(holder.pid), '-m', '--', '/bin/sh', '-c', MOUNT_SCRIPT, 'wfi-mount',
        plan.opt, plan.task, plan.runtime, plan.tmp, plan.stage, plan.node, plan.readOnlyTmp ? '1' : '0', ...plan.mask])
      if (r.code !== 0) throw new Error(`mount setup failed (exit ${r.code}): ${r.stderr.trim() || holderErr.trim()}`)
    } catch (e) {
      ns.close()
      throw e
    }
    return ns
  }

  /** unshare execs sh in the new namespace; wait until /proc shows a namespace different from ours. */
  private async waitUntilEntered(): Promise<void> {
    const mine = fs.readlinkSync('/proc/self/ns/mnt')
    for (let i = 0; i < 500; i++) {
      if (this.holder.exitCode !== null || this.holder.signalCode !== null) throw new Error('unshare exited: mount namespace not available')
      try {
        if (fs.readlinkSync(`/proc/${this.holderPid}/ns/mnt`) !== mine) return
      } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 2))
    }
    throw new Error('unshare did not enter a new mount namespace within 1 s')
  }

  /**
   * argv that runs `argv` inside the namespace with working directory `cwd` (a sandbox path).
   * nsenter's --wd resolves the folder before entering the namespace, so a non-root cwd goes
   * through `sh -c 'cd … && exec …'` (exec keeps the PID).
   */
  wrap(argv: string[], cwd: string): { file: string; args: string[] } {
    const enter = ['-t', String(this.holderPid), '-m', '--']
    if (cwd === '/') return { file: TOOLS.nsenter, args: [...enter, ...argv] } // setns(mnt) leaves cwd at the new root
    return { file: TOOLS.nsenter, args: [...enter, '/bin/sh', '-c', 'cd "$0" || exit 127; exec "$@"', cwd, ...argv] }
  }

  close(): void {
    try { this.holder.stdin?.end() } catch { /* closed */ }
    try { this.holder.kill('SIGKILL') } catch { /* gone */ }
  }
}

function run(file: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    c.stderr?.on('data', (d) => { stderr += String(d) })
    c.on('error', (e) => resolve({ code: 127, stderr: e.message }))
    c.on('close', (code) => resolve({ code: code ?? 1, stderr }))
  })
}
