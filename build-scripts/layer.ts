// Lays out the layer tree that Lambda unpacks into /opt (docs/lambda-lifecycle.md §2.1):
//   extensions/wait-for-init               the SEA (0755: Lambda starts every executable there, docs/lambda-lifecycle.md §2.2)
//   nodejs/node_modules/wait-for-init/     the optional client package (on NODE_PATH in Node runtimes)
//   python/wait_for_init/                  the Python client (/opt/python is on sys.path in Python
//                                          runtimes), written by python-client.ts with the Node client
//   wait-for-init/                         the licenses and notices of what the layer redistributes (notices.ts)
// and turns a tree into zip entries with normalised modes, so the umask cannot change the zip.
import fs from 'node:fs'
import path from 'node:path'
import { buildClient } from '../client/build'
import { BuildError } from './errors'
import { ZipInput } from './zip'

export const EXTENSION_PATH = 'extensions/wait-for-init'
export const CLIENT_PATH = 'nodejs/node_modules/wait-for-init'

/** Builds the client package into `outDir` (client/build.ts, called in this process). */
export function buildClientPackage(root: string, outDir: string): void {
  try {
    buildClient(root, outDir)
  } catch (err) {
    throw new BuildError(`client/build.ts failed: ${(err as Error).message}`)
  }
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
