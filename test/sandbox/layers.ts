// Layers → one /opt (docs/lambda-lifecycle.md §2.1): extracted/copied in the configured order, a later layer wins.
import fs from 'node:fs'
import path from 'node:path'
import { extractZip } from './zip'

/**
 * Returns the host folder to use as /opt. A single layer folder is used in place (no copy: the
 * real extension binary can be ~100 MB); anything else is merged into `mergeDir`.
 */
export function prepareOpt(layers: string[], mergeDir: string): string {
  for (const layer of layers) {
    if (!fs.existsSync(layer)) throw new Error(`layers: ${JSON.stringify(layer)} does not exist`)
    const st = fs.statSync(layer)
    if (!st.isDirectory() && !layer.endsWith('.zip')) {
      throw new Error(`layers: ${JSON.stringify(layer)} is neither a folder nor a .zip file`)
    }
  }
  if (layers.length === 1 && fs.statSync(layers[0]).isDirectory()) return path.resolve(layers[0])
  fs.mkdirSync(mergeDir, { recursive: true })
  for (const layer of layers) {
    if (fs.statSync(layer).isDirectory()) {
      fs.cpSync(layer, mergeDir, { recursive: true, force: true, verbatimSymlinks: true })
    } else {
      extractZip(layer, mergeDir)
    }
  }
  return mergeDir
}
