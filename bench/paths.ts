// Repository paths, relative to this file.
import path from 'node:path'

export const ROOT = path.resolve(__dirname, '..')
export const FUNCTION_DIR = path.join(ROOT, 'bench', 'fixtures', 'function')
export const REFERENCE_LAYER = path.join(ROOT, 'bench', 'reference', 'layer')
export const FLOOR_SCRIPT = path.join(ROOT, 'bench', 'floor', 'wait-for-init-floor.js')
