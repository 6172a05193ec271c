// Lays out the layer tree that Lambda unpacks into /opt (spec §2.1):
//   extensions/wait-for-init               the SEA (0755: Lambda starts every executable there, spec §2.2)
//   nodejs/node_modules/wait-for-init/     the optional client package (on NODE_PATH in Node runtimes)
//   python/wait_for_init/                  the Python client (/opt/python is on sys.path in Python
//                                          runtimes), written by python-client.ts with the Node client
// and turns a tree into zip entries with normalised modes, so the umask cannot change the zip.
import { build } from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'
import { BuildError } from './errors'
import { describeFailure, runCommand } from './run-command'
import { ZipInput } from './zip'

export const EXTENSION_PATH = 'extensions/wait-for-init'
export const CLIENT_PATH = 'nodejs/node_modules/wait-for-init'
const CLIENT_TIMEOUT_MS = 5 * 60_000

/**
 * Builds the client package into `outDir` with the client's own `client/build.ts --out DIR`
 * (the contract with the client's author). Returns false, with a notice, when there is none.
 * It is bundled into this build's private work dir, so parallel builds never share a file.
 */
export async function buildClientPackage(root: string, outDir: string, workDir: string, log: (l: string) => void): Promise<boolean> {
  const entry = path.join(root, 'client', 'build.ts')
  if (!fs.existsSync(entry)) {
    log('notice: client/build.ts not found, so the layer has no nodejs/node_modules/wait-for-init client package')
    return false
  }
  const script = path.join(workDir, 'client__build.cjs')
  try {
    await build({ entryPoints: [entry], outfile: script, bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', logLevel: 'silent' })
  } catch (err) {
    throw new BuildError(`cannot bundle client/build.ts: ${(err as Error).message}`)
  }
  // The bundle lives outside the repo, so let it resolve esbuild from the repo's node_modules.
  const env = { ...process.env, NODE_PATH: path.join(root, 'node_modules'), NODE_OPTIONS: '' }
  const r = await runCommand(process.execPath, [script, '--out', outDir], { cwd: root, env, timeoutMs: CLIENT_TIMEOUT_MS })
  if (r.code !== 0) throw new BuildError(describeFailure('client/build.ts', r, CLIENT_TIMEOUT_MS))
  if (!fs.existsSync(path.join(outDir, 'package.json'))) throw new BuildError(`client/build.ts wrote no package.json into ${outDir}`)
  return true
}

/** Every directory and file under `treeDir` as zip entries: dirs and executables 0755, the rest 0644. */
export function zipInputsFromTree(treeDir: string): ZipInput[] {
  const out: ZipInput[] = []
  const walk = (rel: string) => {
    const abs = path.join(treeDir, rel)
    for (const name of fs.readdirSync(abs)) {
      const childRel = rel ? `${rel}/${name}` : name
      const st = fs.lstatSync(path.join(abs, name))
      if (st.isDirectory()) {
        out.push({ name: `${childRel}/`, mode: 0o755 })
        walk(childRel)
      } else if (st.isFile()) {
        out.push({ name: childRel, mode: st.mode & 0o111 ? 0o755 : 0o644, data: fs.readFileSync(path.join(abs, name)) })
      } else {
        throw new BuildError(`layer tree holds ${childRel}, which is neither a file nor a directory`)
      }
    }
  }
  walk('')
  return out
}
