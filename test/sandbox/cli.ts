// `npm run sandbox -- --function DIR …`: runs one emulated execution environment (docs/sandbox.md).
import fs from 'node:fs'
import { parseArgs, UsageError, USAGE } from './cli-args'
import { runSandbox } from './index'
import { formatSummary } from './summary'

async function main(): Promise<number> {
  let args
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`sandbox: ${e.message}\n${USAGE}\n`)
      return 2
    }
    throw e
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }

  if (!fs.existsSync(args.run.functionDir) || !fs.statSync(args.run.functionDir).isDirectory()) {
    process.stderr.write(`sandbox: --function: ${JSON.stringify(args.run.functionDir)} is not a folder\n`)
    return 2
  }
  for (const l of args.run.layers ?? []) {
    if (!fs.existsSync(l)) {
      process.stderr.write(`sandbox: --layer: ${JSON.stringify(l)} does not exist\n`)
      return 2
    }
  }
  let report
  try {
    report = await runSandbox(args.run)
  } catch (e) {
    process.stderr.write(`sandbox: ${(e as Error).message}\n`)
    return 2
  }
  process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : `${formatSummary(report, { logs: true })}\n`)
  return report.ok ? 0 : 1
}

main().then((code) => { process.exitCode = code }, (e) => { process.stderr.write(`sandbox: ${(e as Error).stack ?? e}\n`); process.exitCode = 2 })
