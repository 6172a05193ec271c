// Turns a bundle into a single executable: Node writes the SEA preparation blob, postject copies
// it into a (pre-stripped) Node binary as the NODE_SEA_BLOB note and flips the sentinel fuse.
import fs from 'node:fs'
import path from 'node:path'
import { SeaOptions } from './config'
import { BuildError } from './errors'
import { describeFailure, runCommand } from './run-command'

export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
/** Name of the bundle as the SEA knows it (its __filename inside the binary). */
export const SEA_MAIN_NAME = 'wait-for-init.js'
const BLOB_TIMEOUT_MS = 2 * 60_000
const INJECT_TIMEOUT_MS = 5 * 60_000

/** The sea-config.json Node reads; every field we rely on is written explicitly. */
export function seaConfigJson(main: string, output: string, sea: SeaOptions): Record<string, unknown> {
  return {
    main,
    output,
    disableExperimentalSEAWarning: true,
    useSnapshot: sea.useSnapshot,
    useCodeCache: sea.useCodeCache,
    execArgv: sea.execArgv,
    execArgvExtension: sea.execArgvExtension,
  }
}

export interface SeaBuildOptions {
  /**
   * Node that writes the blob: the same version as the embedded binary (the blob format and any
   * code cache belong to one Node version), built for the build host so it can run here.
   */
  blobNode: string
  /** Node binary to inject into (already stripped). */
  baseBinary: string
  bundle: string
  workDir: string
  output: string
  sea: SeaOptions
  /** postject's CLI script, run with the host node. */
  postjectCli: string
}

export interface SeaBuildResult {
  blobBytes: number
  baseBytes: number
  outputBytes: number
}

export async function buildSea(o: SeaBuildOptions): Promise<SeaBuildResult> {
  fs.mkdirSync(o.workDir, { recursive: true })
  const configPath = path.join(o.workDir, 'sea-config.json')
  const blobPath = path.join(o.workDir, 'sea-prep.blob')
  // The blob records the main script's path as written here: a fixed relative name keeps the
  // binary independent of where the build ran (reproducibility).
  fs.copyFileSync(o.bundle, path.join(o.workDir, SEA_MAIN_NAME))
  fs.writeFileSync(configPath, JSON.stringify(seaConfigJson(SEA_MAIN_NAME, 'sea-prep.blob', o.sea), null, 2) + '\n')

  // A clean environment: the caller's NODE_OPTIONS must not shape the blob either.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/' }
  const gen = await runCommand(o.blobNode, ['--experimental-sea-config', configPath], { cwd: o.workDir, env, timeoutMs: BLOB_TIMEOUT_MS })
  if (gen.code !== 0 || !fs.existsSync(blobPath)) throw new BuildError(describeFailure('writing the SEA blob', gen, BLOB_TIMEOUT_MS))

  const tmp = `${o.output}.tmp`
  fs.copyFileSync(o.baseBinary, tmp)
  // postject (LIEF) prints harmless "Can't find string offset for section name '.note.100'"
  // warnings for Node's many notes; its output is shown only when it fails.
  const inj = await runCommand(process.execPath, [o.postjectCli, tmp, 'NODE_SEA_BLOB', blobPath, '--sentinel-fuse', SEA_FUSE], {
    env,
    timeoutMs: INJECT_TIMEOUT_MS,
  })
  if (inj.code !== 0) {
    fs.rmSync(tmp, { force: true })
    throw new BuildError(describeFailure('postject (injecting the SEA blob)', inj, INJECT_TIMEOUT_MS))
  }
  const injected = fs.readFileSync(tmp)
  if (!injected.includes(`${SEA_FUSE}:1`)) {
    fs.rmSync(tmp, { force: true })
    throw new BuildError('postject finished but the SEA fuse is not set in the output binary')
  }
  fs.chmodSync(tmp, 0o755)
  fs.renameSync(tmp, o.output)
  return { blobBytes: fs.statSync(blobPath).size, baseBytes: fs.statSync(o.baseBinary).size, outputBytes: injected.length }
}
