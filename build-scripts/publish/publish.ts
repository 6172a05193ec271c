// Publishes built layer zips with the AWS CLI (`make publish`, or `npx tsx build-scripts/publish/publish.ts --help`):
// every region (REGIONS, else the CLI's region) × every --arch, idempotent and resumable
// (docs/publishing.md). Environment: LAYER_NAME, REGIONS, AWS_PROFILE, AWS_REGION,
// AWS_ENDPOINT_URL, S3_BUCKET, S3_PREFIX, SIGNING_PROFILE, SIGNING_TIMEOUT, PUBLIC, ORG_ID,
// PRINCIPAL, COMPATIBLE_RUNTIMES, MAX_DIRECT_UPLOAD_BYTES, PUBLISH_CONCURRENCY, PUBLISH_RECORD, AWS_CLI.
// Progress and the final table go to stderr; stdout gets one line per layer version, in region
// order then architecture order: `LayerVersionArn: <arn>`.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ArchInfo, parseArch } from '../arch'
import { layerZipName } from '../artifact-names'
import { QUICK_TIMEOUT_MS, Runner, awsCli, checkAwsAccess, configuredRegion } from './aws-cli'
import { parseOptions, runMain } from '../cli'
import { BuildError } from '../errors'
import { LocalZip, planTargets, resolveRegions } from './publish-plan'
import { RecordEntry, mergeRecord, readRecord, recordJson, recordMarkdown, renderTable, writeFileAtomic } from './publish-record'
import { layerLicenseInfo } from '../licenses/license-info'
import { publishSettingsFromEnv } from './publish-settings'
import { failureLines, publishTargets } from './region-publisher'
import { runCommand } from '../run-command'

export async function gitRevision(root: string): Promise<string> {
  const r = await runCommand('git', ['describe', '--always', '--dirty', '--abbrev=12'], { cwd: root, timeoutMs: QUICK_TIMEOUT_MS })
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : 'unknown'
}

/** The zip's size and base64 SHA-256 (Lambda's CodeSha256 form). */
export function localZip(arch: ArchInfo, file: string): LocalZip {
  const data = fs.readFileSync(file)
  return { arch, file, bytes: data.length, sha256: crypto.createHash('sha256').update(data).digest('base64') }
}

export const PUBLISH_USAGE = `usage: npx tsx build-scripts/publish/publish.ts [--arch x86_64|arm64]... [--dist DIR]
  --arch   architecture to publish, repeatable (default: ARCH, else x86_64)
  --dist   folder holding wait-for-init-ARCH.zip, and published.json/.md unless PUBLISH_RECORD says otherwise (default dist/)`

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..')
  const v = parseOptions(process.argv.slice(2), {
    arch: { type: 'string', multiple: true },
    dist: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  })
  if (v.help) {
    process.stdout.write(`${PUBLISH_USAGE}\n`)
    return
  }
  const arches: ArchInfo[] = v.arch ? v.arch.map((a) => parseArch(a, '--arch')) : [parseArch(process.env.ARCH || 'x86_64')]
  const dist = path.resolve(v.dist ?? path.join(root, 'dist'))
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }
  // What the zip contains, as an SPDX expression (license-info.ts), not package.json's license alone.
  const settings = publishSettingsFromEnv(process.env, await layerLicenseInfo(root))

  // Every zip must exist before anything is published (publish-all is all or nothing up front).
  const files = arches.map((a) => ({ arch: a, file: path.join(dist, layerZipName(a.lambda)) }))
  for (const { arch, file } of files) {
    if (!fs.existsSync(file)) throw new BuildError(`${path.relative(process.cwd(), file)} has not been built: run \`make layer ARCH=${arch.lambda}\` first`)
  }
  const recordFile = path.resolve(settings.recordFile ?? path.join(dist, 'published.json'))
  const markdownFile = recordFile.replace(/\.json$/, '.md')
  const previous = readRecord(recordFile) // a damaged record stops the run before it publishes anything

  const log = (line: string) => process.stderr.write(`[publish] ${line}\n`)
  // The CLI's own pager must never wait for a keypress (v2 pages output by default).
  const env = { ...process.env, AWS_PAGER: '' }
  const runner: Runner = (cmd, args, timeoutMs) => runCommand(cmd, args, { env, timeoutMs })

  const { regions, source } = await resolveRegions(settings, () => configuredRegion(settings.awsCli, runner))
  const targets = planTargets(settings, regions, files.map((f) => localZip(f.arch, f.file)))
  const identity = await checkAwsAccess(settings.awsCli, settings.endpointArgs, regions[0], runner, log)
  log(`credentials: ${identity}${settings.endpointUrl ? `, endpoint ${settings.endpointUrl}` : ''}`)
  log(`${settings.layerName} for ${arches.map((a) => a.lambda).join(' and ')} in ${regions.join(', ')} (from ${source})${settings.signing ? `, signed with AWS Signer profile ${settings.signing.profileName}` : ''}`)

  const cli = awsCli(settings.awsCli, settings.endpointArgs, runner)
  const revision = await gitRevision(root)
  const outcomes = await publishTargets({ cli, settings, version: pkg.version, revision, log, wait: { sleep: (ms) => sleep(ms), now: Date.now } }, targets, settings.concurrency)

  const published: RecordEntry[] = outcomes.flatMap((o) => ('result' in o ? [{ layerName: settings.layerName, ...o.result }] : []))
  const record = mergeRecord(previous, published)
  writeFileAtomic(recordFile, recordJson(record))
  writeFileAtomic(markdownFile, recordMarkdown(record))

  const rows = outcomes.map((o) =>
    'result' in o
      ? { region: o.result.region, architecture: o.result.architecture, status: o.result.status, detail: o.result.layerVersionArn }
      : { region: o.target.region, architecture: o.target.zip.arch.lambda, status: 'FAILED' as const, detail: 'see below' },
  )
  const count = (s: string) => rows.filter((r) => r.status === s).length
  process.stderr.write(`\n${renderTable(rows)}\n\n`)
  const shown = path.relative(process.cwd(), recordFile)
  log(`${count('new')} new, ${count('unchanged')} unchanged, ${count('FAILED')} failed; recorded in ${shown.startsWith('..') ? recordFile : shown} and ${path.basename(markdownFile)}`)
  for (const p of published) process.stdout.write(`LayerVersionArn: ${p.layerVersionArn}\n`)

  const failures = failureLines(outcomes)
  if (failures.length) {
    const failedRegions = [...new Set(outcomes.filter((o) => 'error' in o).map((o) => o.target.region))]
    throw new BuildError(
      `publishing failed for ${failures.length} of ${outcomes.length} layer version(s), in ${failedRegions.join(', ')}; ` +
        `run the same command again to publish only what is missing:\n${failures.map((f) => `  ${f}`).join('\n')}`,
    )
  }
}

if (require.main === module) runMain('publish', PUBLISH_USAGE, main)
