import { basename } from 'node:path'

/**
 * The name to register under: Lambda matches `Lambda-Extension-Name` against the file name in
 * /opt/extensions (docs/lambda-lifecycle.md §2.2 step 4, §3), so a renamed copy must register under its new name.
 * Inside the SEA that file is process.execPath; run as a script (`node bundle.js`) it is argv[1].
 */
export function extensionNameFrom(execPath: string, argv: readonly string[], isSea: boolean): string {
  if (isSea) return basename(execPath)
  const script = argv[1] ?? execPath
  return basename(script).replace(/\.(c|m)?js$/, '')
}
