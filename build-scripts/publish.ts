// Publishes built layer zips with the AWS CLI (`make publish`, or `npx tsx build-scripts/publish.ts --help`).
// Environment: LAYER_NAME, AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, S3_BUCKET, S3_PREFIX,
// PUBLIC, ORG_ID, PRINCIPAL, COMPATIBLE_RUNTIMES, MAX_DIRECT_UPLOAD_BYTES, AWS_CLI.
// Progress goes to stderr; stdout gets one line per layer: `LayerVersionArn: <arn>`.
import fs from 'node:fs'
import path from 'node:path'
import { ArchInfo, parseArch } from './arch'
import { parseOptions, runMain } from './cli'
import { BuildError } from './errors'
import { layerLicenseInfo } from './license-info'
import { publishSettingsFromEnv, layerDescription, PublishSettings } from './publish-settings'
import { CommandResult, describeFailure, runCommand } from './run-command'

const AWS_TIMEOUT_MS = 15 * 60_000 // a 40 MB upload on a slow link
const QUICK_TIMEOUT_MS = 60_000

export type Runner = (cmd: string, args: readonly string[], timeoutMs: number) => Promise<CommandResult>

export interface PublishContext {
  settings: PublishSettings
  version: string
  revision: string
  runner: Runner
  log: (line: string) => void
}

export interface PublishResult {
  arch: string
  layerVersionArn: string
  version: number
  upload: 'direct' | 's3'
}

const INSTALL_HINT =
  'install it: `apt-get install awscli` (Debian, v2) or `pip install awscli` (v1), or follow ' +
  'https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html; set AWS_CLI if it is not on PATH'

async function aws(ctx: PublishContext, what: string, args: string[], timeoutMs = AWS_TIMEOUT_MS): Promise<unknown> {
  const r = await ctx.runner(ctx.settings.awsCli, [...args, ...ctx.settings.commonArgs, '--output', 'json'], timeoutMs)
  if (r.spawnError?.code === 'ENOENT') throw new BuildError(`AWS CLI not found (${ctx.settings.awsCli}): ${INSTALL_HINT}`)
  if (r.code !== 0) throw new BuildError(describeFailure(what, r, timeoutMs))
  try {
    return r.stdout.trim() ? JSON.parse(r.stdout) : {}
  } catch {
    throw new BuildError(`${what}: the AWS CLI printed something that is not JSON:\n${r.stdout.slice(0, 500)}`)
  }
}

/** Fails early, with the fix, when the CLI is missing or has no usable credentials. */
export async function checkAwsAccess(ctx: PublishContext): Promise<string> {
  const v = await ctx.runner(ctx.settings.awsCli, ['--version'], QUICK_TIMEOUT_MS)
  if (v.spawnError || v.code !== 0) {
    const why = v.spawnError?.code === 'ENOENT' ? 'not found' : describeFailure('aws --version', v, QUICK_TIMEOUT_MS)
    throw new BuildError(`AWS CLI ${why} (${ctx.settings.awsCli}): ${INSTALL_HINT}`)
  }
  ctx.log(`using ${(v.stdout.trim() || v.stderr.trim()).split(/\s/)[0]}`)
  // The same endpoint as the publish itself (a LocalStack-style emulator answers STS too).
  const r = await ctx.runner(ctx.settings.awsCli, ['sts', 'get-caller-identity', ...ctx.settings.commonArgs, '--output', 'json'], QUICK_TIMEOUT_MS)
  if (r.code !== 0) {
    const detail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' ')
    throw new BuildError(
      `AWS credentials are missing or not valid: \`aws sts get-caller-identity\` failed (${detail}). ` +
        'Set AWS_PROFILE (after `aws configure` or `aws sso login --profile NAME`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.',
    )
  }
  try {
    return String((JSON.parse(r.stdout) as { Arn?: string }).Arn ?? 'unknown identity')
  } catch {
    return 'unknown identity'
  }
}

export async function publishOne(ctx: PublishContext, arch: ArchInfo, zipPath: string): Promise<PublishResult> {
  const { settings: s, log } = ctx
  const bytes = fs.statSync(zipPath).size
  const mb = (bytes / 1e6).toFixed(1)
  const args = [
    'lambda', 'publish-layer-version',
    '--layer-name', s.layerName,
    '--description', layerDescription(ctx.version, ctx.revision, arch),
    '--license-info', s.license,
    '--compatible-architectures', arch.lambda,
    '--compatible-runtimes', ...s.runtimes,
  ]
  let upload: PublishResult['upload'] = 'direct'
  if (bytes > s.maxDirectUploadBytes) {
    if (!s.s3Bucket) {
      throw new BuildError(
        `${path.basename(zipPath)} is ${mb} MB, above the direct-upload limit of ${s.maxDirectUploadBytes} bytes (MAX_DIRECT_UPLOAD_BYTES): ` +
          'set S3_BUCKET to a bucket in the target region and publish again (the zip is uploaded there first)',
      )
    }
    const key = `${s.s3Prefix}${s.layerName}-${arch.lambda}-${ctx.version}-${ctx.revision}.zip`
    log(`uploading ${mb} MB to s3://${s.s3Bucket}/${key} (above the direct-upload limit)`)
    await aws(ctx, 'aws s3api put-object', ['s3api', 'put-object', '--bucket', s.s3Bucket, '--key', key, '--body', zipPath])
    args.push('--content', `S3Bucket=${s.s3Bucket},S3Key=${key}`)
    upload = 's3'
  } else {
    args.push('--zip-file', `fileb://${zipPath}`)
  }
  log(`publishing ${s.layerName} for ${arch.lambda} (${mb} MB, ${upload === 's3' ? 'from S3' : 'direct upload'})${s.region ? ` in ${s.region}` : ''}`)
  const out = (await aws(ctx, 'aws lambda publish-layer-version', args)) as { LayerVersionArn?: string; Version?: number }
  if (typeof out.LayerVersionArn !== 'string' || typeof out.Version !== 'number') {
    throw new BuildError(`aws lambda publish-layer-version answered without LayerVersionArn/Version: ${JSON.stringify(out).slice(0, 300)}`)
  }
  if (s.permission) {
    const p = s.permission
    await aws(ctx, 'aws lambda add-layer-version-permission', [
      'lambda', 'add-layer-version-permission',
      '--layer-name', s.layerName,
      '--version-number', String(out.Version),
      '--statement-id', p.statementId,
      '--action', 'lambda:GetLayerVersion',
      '--principal', p.principal,
      ...(p.organizationId ? ['--organization-id', p.organizationId] : []),
    ])
    log(`granted lambda:GetLayerVersion on version ${out.Version} to ${p.audience}`)
  }
  return { arch: arch.lambda, layerVersionArn: out.LayerVersionArn, version: out.Version, upload }
}

export async function gitRevision(root: string): Promise<string> {
  const r = await runCommand('git', ['describe', '--always', '--dirty', '--abbrev=12'], { cwd: root, timeoutMs: QUICK_TIMEOUT_MS })
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : 'unknown'
}

export const PUBLISH_USAGE = `usage: npx tsx build-scripts/publish.ts [--arch x86_64|arm64]... [--dist DIR]
  --arch   architecture to publish, repeatable (default: ARCH, else x86_64)
  --dist   folder holding wait-for-init-ARCH.zip (default dist/)`

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..')
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
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string; license?: string }
  // What the zip contains, as an SPDX expression (license-info.ts), not package.json's license alone.
  const settings = publishSettingsFromEnv(process.env, await layerLicenseInfo(root))

  // Every zip must exist before anything is published (publish-all is all or nothing up front).
  const zips = arches.map((a) => ({ arch: a, zip: path.join(dist, `wait-for-init-${a.lambda}.zip`) }))
  for (const { arch, zip } of zips) {
    if (!fs.existsSync(zip)) throw new BuildError(`${path.relative(process.cwd(), zip)} has not been built: run \`make layer ARCH=${arch.lambda}\` first`)
  }

  const log = (line: string) => process.stderr.write(`[publish] ${line}\n`)
  // The CLI's own pager must never wait for a keypress (v2 pages output by default).
  const env = { ...process.env, AWS_PAGER: '' }
  const runner: Runner = (cmd, args, timeoutMs) => runCommand(cmd, args, { env, timeoutMs })
  const ctx: PublishContext = { settings, version: pkg.version, revision: await gitRevision(root), runner, log }
  const identity = await checkAwsAccess(ctx)
  log(`credentials: ${identity}${settings.endpointUrl ? `, endpoint ${settings.endpointUrl}` : ''}`)
  for (const { arch, zip } of zips) {
    const r = await publishOne(ctx, arch, zip)
    log(`published ${settings.layerName} version ${r.version} for ${r.arch}`)
    process.stdout.write(`LayerVersionArn: ${r.layerVersionArn}\n`)
  }
}

if (require.main === module) runMain('publish', PUBLISH_USAGE, main)
