// The SAM and Terraform examples, checked offline: they parse (YAML with CloudFormation's tags;
// HCL through HashiCorp's own parser, built to wasm), the layer zip they reference is the file
// `make layer` writes for the architecture they declare, the function's architecture is the
// layer's, the SAM timeout leaves room for the hold under `sam local`, the Terraform lookup finds
// the right ARN in a record written by the publish step's own code, and `terraform fmt -check`
// passes. `sam` cannot be installed here (PyPI is unreachable) and `terraform validate`/`plan`
// need the AWS provider download and an account: neither runs.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { parse as parseHcl } from '@cdktf/hcl2json'
import { parseDocument, type Tags } from 'yaml'
import { LambdaArch, parseArch } from '../../build-scripts/arch'
import { RELEASE_DIR, layerZipName, releaseZipName } from '../../build-scripts/artifact-names'
import { zipPathFor } from '../../build-scripts/build'
import { mergeRecord, recordJson, RecordEntry } from '../../build-scripts/publish/publish-record'
import { emulatorCapFor, functionTimeoutSecondsFor } from '../../extension-src/init-budget'

const ROOT = path.resolve(__dirname, '..', '..')
const DIST = path.join(ROOT, 'dist')
const SAM_DIR = path.join(ROOT, 'examples', 'sam')
const TF_DIR = path.join(ROOT, 'examples', 'terraform')

/** CloudFormation's short-form intrinsic functions, as the long forms they stand for. */
const CFN_TAGS: Tags = [
  ...['Ref', 'Sub', 'GetAZs', 'ImportValue', 'Condition', 'Base64'].map((name) => ({
    tag: `!${name}`,
    resolve: (value: string) => ({ [name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`]: value }),
  })),
  { tag: '!GetAtt', resolve: (value: string) => ({ 'Fn::GetAtt': value.split('.') }) },
  ...['If', 'Equals', 'And', 'Or', 'Not', 'Join', 'Select', 'Split', 'FindInMap', 'Sub', 'GetAtt', 'Cidr'].map((name) => ({
    tag: `!${name}`,
    collection: 'seq' as const,
    resolve: (value: { toJSON(): unknown }) => ({ [`Fn::${name}`]: value.toJSON() }),
  })),
]

type Resource = { Type: string; Condition?: string; Properties: Record<string, any> }
type SamTemplate = { Transform: string; Parameters: Record<string, any>; Conditions: Record<string, any>; Resources: Record<string, Resource> }

function samTemplate(): SamTemplate {
  const doc = parseDocument(fs.readFileSync(path.join(SAM_DIR, 'template.yaml'), 'utf8'), { customTags: CFN_TAGS, prettyErrors: true })
  if (doc.errors.length || doc.warnings.length) throw new Error(`template.yaml: ${[...doc.errors, ...doc.warnings].map((e) => e.message).join('; ')}`)
  return doc.toJS() as SamTemplate
}

t.test('SAM: the template parses with CloudFormation tags and is a SAM template', async (t) => {
  const tpl = samTemplate()
  t.equal(tpl.Transform, 'AWS::Serverless-2016-10-31')
  t.ok(Object.keys(tpl.Resources).length >= 2)
  t.throws(() => parseDocument('a: !NoSuchTag x', { customTags: CFN_TAGS }).warnings.forEach((w) => { throw w }), /Unresolved tag: !NoSuchTag/, 'an unknown tag would be caught')
})

t.test('SAM: the layer comes from the zip make layer writes for its architecture, or from the ARN parameter', async (t) => {
  const tpl = samTemplate()
  const layers = Object.entries(tpl.Resources).filter(([, r]) => r.Type === 'AWS::Serverless::LayerVersion')
  t.equal(layers.length, 1, 'one layer')
  const [layerId, layer] = layers[0]
  const archs = layer.Properties.CompatibleArchitectures as LambdaArch[]
  t.equal(archs.length, 1, 'one architecture: the zip holds a native executable for exactly one')
  const arch = parseArch(archs[0]).lambda
  t.equal(path.resolve(SAM_DIR, layer.Properties.ContentUri), zipPathFor(DIST, parseArch(arch)), `ContentUri is dist/${layerZipName(arch)}, what \`make layer ARCH=${arch}\` writes`)

  // The ARN alternative: a parameter defaulting to empty, and a condition that deploys the zip only then.
  t.same(tpl.Parameters.WaitForInitLayerArn, { ...tpl.Parameters.WaitForInitLayerArn, Type: 'String', Default: '' })
  t.same(tpl.Conditions[layer.Condition!], { 'Fn::Equals': [{ Ref: 'WaitForInitLayerArn' }, ''] })

  const fns = Object.entries(tpl.Resources).filter(([, r]) => r.Type === 'AWS::Serverless::Function')
  t.equal(fns.length, 1)
  const [, fn] = fns[0]
  t.same(fn.Properties.Architectures, archs, 'the function runs on the layer\'s architecture')
  t.same(fn.Properties.Layers, [{ 'Fn::If': [layer.Condition, { Ref: layerId }, { Ref: 'WaitForInitLayerArn' }] }])
  t.ok(fs.existsSync(path.join(path.resolve(SAM_DIR, fn.Properties.CodeUri), `${fn.Properties.Handler.split('.')[0]}.js`)), 'CodeUri holds the handler')
})

t.test('SAM: Timeout leaves room for the whole hold under sam local; provisioned concurrency on an alias', async (t) => {
  const fn = Object.values(samTemplate().Resources).find((r) => r.Type === 'AWS::Serverless::Function')!.Properties
  const warming = fn.Environment.Variables.WARMING_TIMEOUT as string
  t.match(warming, /^\d+$/, 'WARMING_TIMEOUT is a whole number of milliseconds, as a string')
  const holdMs = Number(warming)
  t.ok(fn.Timeout >= (1.5 * holdMs) / 1000, `Timeout ${fn.Timeout} s >= 1.5 × ${holdMs} ms`)
  const advised = functionTimeoutSecondsFor(holdMs)
  t.ok(advised !== null && fn.Timeout >= advised, `and >= what the extension's own warning asks for (${advised} s)`)
  t.ok(emulatorCapFor(fn.Timeout * 1000).maxHoldMs >= holdMs, 'the emulator cap does not cut the hold')
  t.equal(fn.AutoPublishAlias, 'live')
  t.same(fn.ProvisionedConcurrencyConfig, { ProvisionedConcurrentExecutions: { Ref: 'ProvisionedInstances' } })
})

interface Hcl {
  variable: Record<string, [{ default?: unknown; validation?: [{ condition: string }] }]>
  locals: Record<string, string>[]
  resource: Record<string, Record<string, [Record<string, any>]>>
}

async function terraformConfig(): Promise<Hcl> {
  const merged: Hcl = { variable: {}, locals: [], resource: {} }
  const files = fs.readdirSync(TF_DIR).filter((f) => f.endsWith('.tf'))
  for (const file of files) {
    const j = (await parseHcl(file, fs.readFileSync(path.join(TF_DIR, file), 'utf8'))) as Partial<Hcl>
    Object.assign(merged.variable, j.variable ?? {})
    merged.locals.push(...(j.locals ?? []))
    for (const [type, byName] of Object.entries(j.resource ?? {})) merged.resource[type] = { ...merged.resource[type], ...byName }
  }
  return merged
}

const local = (hcl: Hcl, name: string) => hcl.locals.find((l) => name in l)![name]

t.test('Terraform: the files parse; an HCL error would be reported', async (t) => {
  const hcl = await terraformConfig()
  t.ok(Object.keys(hcl.resource).length >= 4)
  await t.rejects(parseHcl('broken.tf', 'resource "x" "y" {'), 'the parser rejects broken HCL')
})

t.test('Terraform: the layer zip is the one make layer writes for var.architecture; the function shares that architecture', async (t) => {
  const hcl = await terraformConfig()
  const arch = hcl.variable.architecture[0]
  t.equal(arch.default, 'x86_64')
  const allowed = [...arch.validation![0].condition.matchAll(/"(x86_64|arm64)"/g)].map((m) => m[1] as LambdaArch)
  t.same(allowed.sort(), ['arm64', 'x86_64'], 'validated to the two Lambda architectures')

  const layer = hcl.resource.aws_lambda_layer_version.wait_for_init[0]
  t.equal(layer.filename, '${local.layer_zip}')
  t.equal(layer.source_code_hash, '${filebase64sha256(local.layer_zip)}', 'a changed zip means a new version')
  t.same(layer.compatible_architectures, ['${var.architecture}'])
  const m = /^\$\{coalesce\(var\.layer_zip, "(.+)"\)\}$/.exec(local(hcl, 'layer_zip'))
  t.ok(m, `layer_zip: var.layer_zip, else a default path (${local(hcl, 'layer_zip')})`)
  for (const a of allowed) {
    const resolved = path.resolve(m![1].replace('${path.module}', TF_DIR).replace('${var.architecture}', a))
    t.equal(resolved, zipPathFor(DIST, parseArch(a)), `architecture=${a}: dist/${layerZipName(a)}`)
  }

  const fn = hcl.resource.aws_lambda_function.get_default[0]
  t.same(fn.architectures, ['${var.architecture}'], 'the function runs on the layer\'s architecture')
  t.same(fn.layers, ['${local.layer_arn}'])
  t.equal(fn.environment[0].variables.WARMING_TIMEOUT, '${tostring(var.warming_timeout)}')
  t.equal(fn.publish, true, 'a published version, which provisioned concurrency needs')
  t.match(local(hcl, 'layer_arn'), /var\.wait_for_init_arn.*local\.published_layer_arn.*aws_lambda_layer_version\.wait_for_init/, 'an ARN, else the record, else the zip')

  t.equal(hcl.resource.aws_lambda_alias.live[0].function_version, '${aws_lambda_function.get_default.version}')
  const pc = hcl.resource.aws_lambda_provisioned_concurrency_config.live[0]
  t.equal(pc.qualifier, '${aws_lambda_alias.live.name}')
  t.equal(pc.provisioned_concurrent_executions, '${var.provisioned_instances}')
})

/** terraform on PATH or where this machine has it; undefined when absent (CI installs none). */
function terraform(): string | undefined {
  for (const p of [...(process.env.PATH ?? '').split(':').map((d) => path.join(d, 'terraform')), '/usr/local/bin/terraform']) {
    if (fs.existsSync(p)) return p
  }
  return undefined
}
const tf = terraform()
const noTerraform = tf ? false : 'terraform is not installed (not an npm or Debian package; HashiCorp\'s releases site is needed)'

function runTerraform(args: string[], cwd: string, input?: string) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-tf-'))
  try {
    const config = path.join(scratch, 'terraformrc')
    fs.writeFileSync(config, '')
    // No checkpoint call home, no plugin cache, no user config: fully offline.
    const env = { PATH: process.env.PATH, HOME: scratch, TF_CLI_CONFIG_FILE: config, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' }
    return spawnSync(tf!, args, { cwd, env, input, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' })
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true })
  }
}

t.test('Terraform: terraform fmt -check passes', { skip: noTerraform }, async (t) => {
  const r = runTerraform(['fmt', '-check', '-diff', '-recursive'], TF_DIR)
  t.equal(r.status, 0, `${r.stdout}${r.stderr}`)
})

t.test('Terraform: published.tf picks the ARN for the region and architecture from a real record', { skip: noTerraform }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-tf-published-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  // published.tf alone (it needs no provider, so no init and no download) and the two variables it shares.
  fs.copyFileSync(path.join(TF_DIR, 'published.tf'), path.join(dir, 'published.tf'))
  fs.writeFileSync(path.join(dir, 'vars.tf'), 'variable "region" {}\nvariable "architecture" {}\n')
  const entry = (layerName: string, region: string, architecture: string, version: number): RecordEntry => ({
    layerName, region, architecture, version, layerVersionArn: `arn:aws:lambda:${region}:123456789012:layer:${layerName}:${version}`, codeSha256: 'x', zipSha256: 'x', status: 'new',
  })
  const record = mergeRecord({ layers: [] }, [entry('wait-for-init', 'eu-west-1', 'x86_64', 1), entry('wait-for-init', 'eu-west-1', 'arm64', 2), entry('wait-for-init', 'us-east-1', 'arm64', 5), entry('other', 'eu-west-1', 'arm64', 9)])
  fs.writeFileSync(path.join(dir, 'published.json'), recordJson(record))
  const lookup = (vars: string[]) => {
    const r = runTerraform(['console', ...vars.flatMap((v) => ['-var', v])], dir, 'local.published_layer_arn\n')
    t.equal(r.status, 0, r.stderr)
    return r.stdout.trim()
  }
  t.equal(lookup(['region=eu-west-1', 'architecture=arm64', 'published_record=published.json']), '"arn:aws:lambda:eu-west-1:123456789012:layer:wait-for-init:2"')
  t.equal(lookup(['region=us-east-1', 'architecture=arm64', 'published_record=published.json']), '"arn:aws:lambda:us-east-1:123456789012:layer:wait-for-init:5"')
  t.equal(lookup(['region=eu-west-1', 'architecture=arm64', 'published_record=published.json', 'layer_name=other']), '"arn:aws:lambda:eu-west-1:123456789012:layer:other:9"')
  t.equal(lookup(['region=us-east-1', 'architecture=x86_64', 'published_record=published.json']), 'null', 'no entry: null (the function\'s precondition then names the fix)')
  t.equal(lookup(['region=us-east-1', 'architecture=x86_64', 'published_record=missing.json']), 'null', 'no record: null, not a crash')
})

t.test('the examples\' READMEs and docs/publishing.md: relative links resolve; the release zip name is releaseZipName\'s', async (t) => {
  for (const doc of ['examples/sam/README.md', 'examples/terraform/README.md', 'docs/publishing.md']) {
    const text = fs.readFileSync(path.join(ROOT, doc), 'utf8')
    const links = [...text.matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l))
    t.ok(links.length > 0, `${doc} has relative links`)
    for (const l of links) t.ok(fs.existsSync(path.resolve(path.dirname(path.join(ROOT, doc)), l)), `${doc}: ${l} exists`)
  }
  const release = `dist/${RELEASE_DIR}/${releaseZipName('<version>', '<architecture>' as LambdaArch)}`
  t.match(fs.readFileSync(path.join(TF_DIR, 'README.md'), 'utf8'), release)
  t.match(fs.readFileSync(path.join(SAM_DIR, 'README.md'), 'utf8'), `dist/${RELEASE_DIR}/${releaseZipName('<version>', '<arch>' as LambdaArch)}`)
})
