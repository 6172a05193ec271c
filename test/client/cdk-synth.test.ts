// Runs `cdk synth` for examples/cdk offline and checks the template: the layer with its
// architectures, the function's layer reference and WARMING_TIMEOUT, the API methods, and the
// provisioned-concurrency alias option. Installs examples/cdk's own dependencies with `npm ci`
// when they are missing (about 10 s with a warm npm cache; needs the npm registry otherwise).
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync, SpawnSyncReturns } from 'node:child_process'
import { tempDir } from './helpers'

const cdkDir = path.resolve(__dirname, '..', '..', 'examples', 'cdk')
const cdkBin = path.join(cdkDir, 'node_modules', '.bin', 'cdk')
const tsxBin = path.join(cdkDir, 'node_modules', '.bin', 'tsx')

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, any> }> }

/** An environment with no AWS credentials or profile, so nothing tries to reach AWS. */
function offlineEnv(scratch: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('CDK_')) env[k] = v
  return {
    ...env,
    AWS_CONFIG_FILE: path.join(scratch, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(scratch, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: '1',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    ...extra,
  }
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeout = 180000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd: cdkDir, env, encoding: 'utf8', timeout, killSignal: 'SIGKILL' })
}

function fakeLayer(dir: string): string {
  // Synth only packages the directory; a placeholder extension stands in for `make layer`'s output.
  const layer = path.join(dir, 'layer')
  fs.mkdirSync(path.join(layer, 'extensions'), { recursive: true })
  fs.writeFileSync(path.join(layer, 'extensions', 'wait-for-init'), '#!/bin/sh\n', { mode: 0o755 })
  return layer
}

function synth(scratch: string, name: string, context: string[]): Template {
  const out = path.join(scratch, name)
  const args = ['synth', '--no-notices', '--quiet', '-o', out]
  for (const c of context) args.push('-c', c)
  const r = run(cdkBin, args, offlineEnv(scratch))
  if (r.status !== 0) throw new Error(`cdk synth failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`)
  return JSON.parse(fs.readFileSync(path.join(out, 'WaitForInitSample.template.json'), 'utf8'))
}

function ofType(tpl: Template, type: string): Array<[string, Record<string, any>]> {
  return Object.entries(tpl.Resources).filter(([, r]) => r.Type === type).map(([id, r]) => [id, r.Properties])
}

t.before(() => {
  if (fs.existsSync(path.join(cdkDir, 'node_modules', 'aws-cdk-lib', 'package.json')) && fs.existsSync(cdkBin)) return
  const start = Date.now()
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: cdkDir, encoding: 'utf8', timeout: 600000 })
  if (r.status !== 0) throw new Error(`npm ci in examples/cdk failed: ${r.stderr}`)
  t.comment(`npm ci in examples/cdk took ${Date.now() - start} ms`)
})

t.test('default synth: layer, function, API', async (t) => {
  const scratch = tempDir(t, 'wfi-cdk-')
  const tpl = synth(scratch, 'out', [`layerDir=${fakeLayer(scratch)}`])

  const layers = ofType(tpl, 'AWS::Lambda::LayerVersion')
  t.equal(layers.length, 1, 'one layer')
  const [layerId, layer] = layers[0]
  t.same(layer.CompatibleArchitectures, ['x86_64'])

  const fns = ofType(tpl, 'AWS::Lambda::Function')
  t.equal(fns.length, 1, 'one function')
  const [fnId, fn] = fns[0]
  t.same(fn.Layers, [{ Ref: layerId }], 'the function uses the layer')
  t.equal(fn.Environment.Variables.WARMING_TIMEOUT, '5000')
  t.match(fn.Runtime, /^nodejs(2[2-9]|[3-9]\d)\.x$/, 'nodejs22.x or newer')
  t.equal(fn.Handler, 'index.handler')
  t.same(fn.Architectures, ['x86_64'])

  const methods = ofType(tpl, 'AWS::ApiGateway::Method')
  t.equal(methods.length, 2, 'two methods')
  const resources = ofType(tpl, 'AWS::ApiGateway::Resource')
  t.same(resources.map(([, r]) => r.PathPart), ['default'])
  const [defaultId] = resources[0]
  const onRoot = methods.find(([, m]) => JSON.stringify(m.ResourceId).includes('RootResourceId'))
  const onDefault = methods.find(([, m]) => JSON.stringify(m.ResourceId) === JSON.stringify({ Ref: defaultId }))
  t.ok(onRoot, 'GET /')
  t.ok(onDefault, 'GET /default')
  for (const [, m] of methods) {
    t.equal(m.HttpMethod, 'GET')
    t.equal(m.Integration.Type, 'AWS_PROXY')
    t.match(JSON.stringify(m.Integration.Uri), fnId, 'integrates with the sample function')
  }
  t.equal(ofType(tpl, 'AWS::Lambda::Alias').length, 0, 'no alias without provisioned concurrency')
  t.equal(ofType(tpl, 'AWS::ApiGateway::Account').length, 0, 'account-wide API Gateway settings untouched')
})

t.test('options: provisioned-concurrency alias, arm64, ESM variant, custom WARMING_TIMEOUT', async (t) => {
  const scratch = tempDir(t, 'wfi-cdk-')
  const tpl = synth(scratch, 'out', [
    `layerDir=${fakeLayer(scratch)}`, 'provisioned=2', 'architecture=arm64', 'variant=esm',
    'warmingTimeout=8000', 'runtime=nodejs24.x',
  ])
  const [[, layer]] = ofType(tpl, 'AWS::Lambda::LayerVersion')
  t.same(layer.CompatibleArchitectures, ['arm64'])
  const [[, fn]] = ofType(tpl, 'AWS::Lambda::Function')
  t.same(fn.Architectures, ['arm64'])
  t.equal(fn.Runtime, 'nodejs24.x')
  t.equal(fn.Environment.Variables.WARMING_TIMEOUT, '8000')
  const aliases = ofType(tpl, 'AWS::Lambda::Alias')
  t.equal(aliases.length, 1)
  const [aliasId, alias] = aliases[0]
  t.equal(alias.Name, 'live')
  t.same(alias.ProvisionedConcurrencyConfig, { ProvisionedConcurrentExecutions: 2 })
  for (const [, m] of ofType(tpl, 'AWS::ApiGateway::Method')) {
    t.match(JSON.stringify(m.Integration.Uri), aliasId, 'the API calls the alias')
  }
  const assets = JSON.parse(fs.readFileSync(path.join(scratch, 'out', 'WaitForInitSample.assets.json'), 'utf8'))
  const sources = Object.values(assets.files as Record<string, { source: { path: string } }>).map((f) => f.source.path)
  t.ok(sources.length >= 2, 'layer and function assets')
  const staged = sources.map((p) => path.join(scratch, 'out', p))
  t.ok(staged.some((dir) => fs.existsSync(path.join(dir, 'index.mjs'))), 'the ESM function code is packaged')
})

t.test('bad context values stop the app with a message naming key and value', async (t) => {
  const scratch = tempDir(t, 'wfi-cdk-')
  const layerDir = fakeLayer(scratch)
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ layerDir, warmingTimeout: 'abc' }, /context warmingTimeout must be a positive integer \(milliseconds\) or off, got "abc"/],
    [{ layerDir, architecture: 'sparc' }, /context architecture must be x86_64 or arm64, got "sparc"/],
    [{ layerDir, runtime: 'nodejs18.x' }, /context runtime must be nodejs22\.x or newer.*"nodejs18\.x"/],
    [{ layerDir: path.join(scratch, 'nope') }, /context layerDir=.*nope.* has no extensions\/wait-for-init.*make layer/],
  ]
  for (const [context, message] of cases) {
    // The app alone (no CLI) reads its context from CDK_CONTEXT_JSON: quicker than a full synth.
    const env = offlineEnv(scratch, { CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: path.join(scratch, 'app-out') })
    const r = run(tsxBin, ['bin/app.ts'], env)
    t.not(r.status, 0, `fails for ${JSON.stringify(context)}`)
    t.match(r.stderr, message)
  }
})

const hasSam = spawnSync('sh', ['-c', 'command -v sam']).status === 0
t.test('the CDK app type-checks (root typescript and @types/node, the sample\'s aws-cdk-lib)', async (t) => {
  const tsc = path.resolve(cdkDir, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc')
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: cdkDir, encoding: 'utf8', timeout: 180000 })
  t.equal(r.status, 0, r.stdout + r.stderr)
})

t.test('warmingTimeout=off leaves WARMING_TIMEOUT unset (the comparison deployment)', async (t) => {
  const scratch = tempDir(t, 'wfi-cdk-')
  const out = path.join(scratch, 'app-out')
  const context = { layerDir: fakeLayer(scratch), warmingTimeout: 'off' }
  const r = run(tsxBin, ['bin/app.ts'], offlineEnv(scratch, { CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: out }))
  t.equal(r.status, 0, r.stderr)
  const tpl = JSON.parse(fs.readFileSync(path.join(out, 'WaitForInitSample.template.json'), 'utf8')) as Template
  const [[, fn]] = ofType(tpl, 'AWS::Lambda::Function')
  t.equal(fn.Environment?.Variables?.WARMING_TIMEOUT, undefined)
  t.equal(fn.Layers.length, 1, 'the layer is still attached')
})

t.test('deploy-local without the SAM CLI: synthesizes, then says what is missing', {
  skip: hasSam ? 'the SAM CLI is installed here; deploy-local would start a server' : false,
}, async (t) => {
  const scratch = tempDir(t, 'wfi-cdk-')
  const r = run('sh', ['scripts/deploy-local.sh', '-c', `layerDir=${fakeLayer(scratch)}`], offlineEnv(scratch))
  t.equal(r.status, 1)
  t.match(r.stderr, /the AWS SAM CLI \(sam\) is not installed/)
  const layerDir = path.join(scratch, 'layer')
  const tpl = JSON.parse(fs.readFileSync(path.join(cdkDir, 'cdk.out', 'WaitForInitSample.template.json'), 'utf8'))
  const metadata = Object.values(tpl.Resources as Record<string, { Metadata?: Record<string, string> }>)
    .map((r) => r.Metadata?.['aws:asset:path']).filter(Boolean)
  // --no-staging: the asset paths SAM mounts are the source directories themselves.
  t.same(metadata.sort(), [layerDir, path.join(cdkDir, '..', 'get-default')].sort())
})
