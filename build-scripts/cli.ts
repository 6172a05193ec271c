// Command-line handling shared by the repository's scripts (build, publish, client build, sandbox,
// soak): node:util parseArgs in strict mode, and one way to report usage errors and failures.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { BuildError } from './errors'

/** Bad command-line input: printed with the script's usage text, exit status 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>

/**
 * The option values in `argv` (no positional arguments). An unknown option, a missing or
 * ambiguous value, or a stray argument throws a UsageError whose message names it.
 */
export function parseOptions<O extends Options>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values
  } catch (err) {
    if (String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) throw new UsageError((err as Error).message)
    throw err
  }
}

/**
 * Runs a script's main function: a UsageError prints `name: message` and the usage (exit 2); a
 * BuildError prints its message and any other error its stack (exit 1). The resolved number, if
 * any, becomes the exit status.
 */
export function runMain(name: string, usage: string, main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      if (typeof code === 'number') process.exitCode = code
    },
    (err: unknown) => {
      if (err instanceof UsageError) {
        process.stderr.write(`${name}: ${err.message}\n${usage}\n`)
        process.exit(2)
      }
      const text = err instanceof BuildError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)
      process.stderr.write(`${name}: error: ${text}\n`)
      process.exit(1)
    },
  )
}
