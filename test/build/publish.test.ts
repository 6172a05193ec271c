// `make publish` with the real AWS CLI (each one installed here: pip's v1 on PATH, Debian's v2 at
// /usr/bin/aws) against a local endpoint that checks what the CLI sends and answers like AWS.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { parseArch } from '../../build-scripts/arch'
import { gitRevision } from '../../build-scripts/publish'
import { DEFAULT_RUNTIMES, layerDescription } from '../../build-scripts/publish-settings'
import { ACCOUNT, FakeAws, startFakeAws } from './fake-aws'
import { DIST, ROOT, TSX, awsClis, ensureLayer, pathWithoutAws, run } from './helpers'

const clis = awsClis()
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }

/** Environment for `make publish`: only dummy credentials, a throwaway HOME, the fake endpoint. */
function publishEnv(fake: FakeAws, home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    AWS_ENDPOINT_URL: fake.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFORTESTS0000',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-for-tests',
    AWS_CONFIG_FILE: path.join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-credentials'),
    ...extra,
  }
  // The surrounding make (make test) must not change how the inner make behaves.
  return env
}

async function setup(t: { teardown(fn: () => void | Promise<void>): void }): Promise<{ fake: FakeAws; home: string }> {
  const fake = await startFakeAws()
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-pub-'))
  t.teardown(async () => {
    await fake.close()
    fs.rmSync(home, { recursive: true, force: true })
  })
  return { fake, home }
}

const make = (target: string, env: NodeJS.ProcessEnv, vars: string[] = []) => run('make', ['-s', target, ...vars], { env, timeoutMs: 5 * 60_000 })
const arnLines = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('LayerVersionArn: '))

if (clis.length === 0) t.test('publish with the AWS CLI', { skip: 'no AWS CLI installed (pip install awscli, or apt-get install awscli)' }, async () => undefined)

for (const cli of clis) {
  t.test(`${cli.version}: make publish uploads the built zip and prints the ARN`, async (t) => {
    const zipPath = await ensureLayer('x86_64')
    const zip = fs.readFileSync(zipPath)
    const { fake, home } = await setup(t)
    const r = await make('publish', publishEnv(fake, home, { AWS_CLI: cli.path }), ['LAYER_NAME=wfi-test'])
    t.equal(r.code, 0, r.stderr)

    const sts = fake.requests.filter((q) => q.path === '/')
    t.equal(sts.length, 1, 'one credentials check (sts get-caller-identity)')
    const pub = fake.requests.filter((q) => q.path.includes('/layers/'))
    t.equal(pub.length, 1, 'one Lambda call')
    t.equal(pub[0].method, 'POST')
    t.equal(pub[0].path, '/2018-10-31/layers/wfi-test/versions')
    const body = pub[0].json!
    t.same(body.CompatibleArchitectures, ['x86_64'])
    t.same(body.CompatibleRuntimes, DEFAULT_RUNTIMES)
    // Our code (MIT-0), the bundled npm packages and Node (MIT): the expression the build recorded.
    t.equal(body.LicenseInfo, 'MIT-0 AND MIT')
    t.equal(body.LicenseInfo, JSON.parse(fs.readFileSync(path.join(DIST, 'wait-for-init-x86_64.build.json'), 'utf8')).license)
    // The revision as `git describe` gives it here ('unknown' outside a git checkout).
    t.equal(body.Description, layerDescription(pkg.version, await gitRevision(ROOT), parseArch('x86_64')))
    t.match(body.Description as string, new RegExp(`^wait-for-init ${pkg.version.replace(/\./g, '\\.')} \\(([0-9a-f]{7,}(-dirty)?|unknown), x86_64\\)`))
    const content = body.Content as { ZipFile?: string }
    t.ok(content.ZipFile, 'zip sent in the request')
    t.ok(Buffer.from(content.ZipFile!, 'base64').equals(zip), 'Content.ZipFile decodes to exactly the built zip')
    t.same(arnLines(r.stdout), [`LayerVersionArn: arn:aws:lambda:us-east-1:${ACCOUNT}:layer:wfi-test:1`], 'the ARN on its own line')
  })

  t.test(`${cli.version}: above the direct-upload limit it goes through S3, then grants PUBLIC access`, async (t) => {
    const zipPath = await ensureLayer('x86_64')
    const zip = fs.readFileSync(zipPath)
    const { fake, home } = await setup(t)
    const env = publishEnv(fake, home, { AWS_CLI: cli.path })
    const r = await make('publish', env, ['MAX_DIRECT_UPLOAD_BYTES=1000000', 'S3_BUCKET=layer-bucket', 'PUBLIC=1'])
    t.equal(r.code, 0, r.stderr)
    const calls = fake.requests.filter((q) => q.path !== '/').map((q) => `${q.method} ${q.path.replace(/\/[^/]+\.zip$/, '/KEY.zip')}`)
    t.same(calls, [
      'PUT /layer-bucket/wait-for-init/KEY.zip',
      'POST /2018-10-31/layers/wait-for-init/versions',
      'POST /2018-10-31/layers/wait-for-init/versions/1/policy',
    ])
    const key = [...fake.objects.keys()][0]
    t.match(key, /^layer-bucket\/wait-for-init\/wait-for-init-x86_64-/)
    t.ok(fake.objects.get(key)!.equals(zip), 'PutObject body is exactly the built zip')
    const pub = fake.requests.find((q) => q.path.endsWith('/versions'))!.json!
    t.same(pub.Content, { S3Bucket: 'layer-bucket', S3Key: key.slice('layer-bucket/'.length) })
    const perm = fake.requests.find((q) => q.path.endsWith('/policy'))!.json!
    t.same(perm, { StatementId: 'wait-for-init-public', Action: 'lambda:GetLayerVersion', Principal: '*' })
    t.match(r.stderr, /granted lambda:GetLayerVersion on version 1 to every AWS account/)
    t.same(arnLines(r.stdout), [`LayerVersionArn: arn:aws:lambda:us-east-1:${ACCOUNT}:layer:wait-for-init:1`])
  })
}

for (const cli of clis) {
  t.test(`${cli.version}: AWS_PROFILE and AWS_REGION are honoured`, async (t) => {
    await ensureLayer('x86_64')
    const fake = await startFakeAws('eu-west-1')
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-prof-'))
    t.teardown(async () => {
      await fake.close()
      fs.rmSync(home, { recursive: true, force: true })
    })
    const credentials = path.join(home, 'credentials')
    fs.writeFileSync(credentials, '[other]\naws_access_key_id = AKIAOTHERPROFILE0000\naws_secret_access_key = x\n[publisher]\naws_access_key_id = AKIAPROFILEKEY000000\naws_secret_access_key = y\n')
    const env = publishEnv(fake, home, { AWS_CLI: cli.path, AWS_PROFILE: 'publisher', AWS_REGION: 'eu-west-1', AWS_SHARED_CREDENTIALS_FILE: credentials })
    delete env.AWS_ACCESS_KEY_ID
    delete env.AWS_SECRET_ACCESS_KEY
    const r = await make('publish', env)
    t.equal(r.code, 0, r.stderr)
    const pub = fake.requests.find((q) => q.path.endsWith('/versions'))!
    // SigV4: Credential=<access key>/<date>/<region>/<service>/aws4_request
    t.match(String(pub.headers.authorization), /Credential=AKIAPROFILEKEY000000\/\d{8}\/eu-west-1\/lambda\/aws4_request/, 'signed with the profile, for the region')
    t.same(arnLines(r.stdout), [`LayerVersionArn: arn:aws:lambda:eu-west-1:${ACCOUNT}:layer:wait-for-init:1`])
  })
}

t.test('make publish-all publishes both architectures with an organization grant', { skip: clis.length ? false : 'no AWS CLI' }, async (t) => {
  await ensureLayer('x86_64')
  await ensureLayer('arm64')
  const { fake, home } = await setup(t)
  const r = await make('publish-all', publishEnv(fake, home, { AWS_CLI: clis[0].path }), ['ORG_ID=o-abcdefghij', 'COMPATIBLE_RUNTIMES=nodejs22.x provided.al2023'])
  t.equal(r.code, 0, r.stderr)
  const pubs = fake.requests.filter((q) => q.path.endsWith('/versions')).map((q) => q.json!)
  t.same(pubs.map((p) => p.CompatibleArchitectures), [['x86_64'], ['arm64']])
  t.same(pubs.map((p) => p.CompatibleRuntimes), [['nodejs22.x', 'provided.al2023'], ['nodejs22.x', 'provided.al2023']])
  t.ok(Buffer.from((pubs[1].Content as { ZipFile: string }).ZipFile, 'base64').equals(fs.readFileSync(path.join(DIST, 'wait-for-init-arm64.zip'))), 'arm64 zip sent for arm64')
  const perms = fake.requests.filter((q) => q.path.endsWith('/policy'))
  t.same(perms.map((p) => p.path), ['/2018-10-31/layers/wait-for-init/versions/1/policy', '/2018-10-31/layers/wait-for-init/versions/2/policy'])
  t.match(perms[0].json, { Principal: '*', OrganizationId: 'o-abcdefghij' })
  t.same(arnLines(r.stdout), [
    `LayerVersionArn: arn:aws:lambda:us-east-1:${ACCOUNT}:layer:wait-for-init:1`,
    `LayerVersionArn: arn:aws:lambda:us-east-1:${ACCOUNT}:layer:wait-for-init:2`,
  ])
})

t.test('clear errors', { skip: clis.length ? false : 'no AWS CLI' }, async (t) => {
  await ensureLayer('x86_64')
  const { fake, home } = await setup(t)
  const cli = clis[0].path

  t.test('no zip built', async (t) => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-nodist-'))
    t.teardown(() => fs.rmSync(empty, { recursive: true, force: true }))
    const r = await run(TSX[0], [...TSX.slice(1), 'build-scripts/publish.ts', '--arch', 'arm64', '--dist', empty], {
      env: publishEnv(fake, home, { AWS_CLI: cli }),
    })
    t.equal(r.code, 1)
    t.match(r.stderr, /wait-for-init-arm64\.zip has not been built: run `make layer ARCH=arm64` first/)
  })

  t.test('no aws on PATH', async (t) => {
    const bin = pathWithoutAws(path.join(home, 'bin'))
    const env = publishEnv(fake, home, { PATH: bin })
    const r = await make('publish', env)
    t.not(r.code, 0)
    t.match(r.stderr, /AWS CLI not found \(aws\): install it: `apt-get install awscli`/)
  })

  t.test('no credentials', async (t) => {
    const env = publishEnv(fake, home, { AWS_CLI: cli })
    delete env.AWS_ACCESS_KEY_ID
    delete env.AWS_SECRET_ACCESS_KEY
    const before = fake.requests.length
    const r = await make('publish', env)
    t.not(r.code, 0)
    t.match(r.stderr, /AWS credentials are missing or not valid: `aws sts get-caller-identity` failed \(.*Unable to locate credentials/)
    t.equal(fake.requests.slice(before).filter((q) => q.path !== '/').length, 0, 'nothing was published')
  })

  t.test('zip above the limit without S3_BUCKET', async (t) => {
    const r = await make('publish', publishEnv(fake, home, { AWS_CLI: cli }), ['MAX_DIRECT_UPLOAD_BYTES=1000'])
    t.not(r.code, 0)
    t.match(r.stderr, /above the direct-upload limit of 1000 bytes \(MAX_DIRECT_UPLOAD_BYTES\): set S3_BUCKET/)
  })

  t.test('an error from Lambda is shown, not swallowed', async (t) => {
    fake.failNextPublish = { status: 400, type: 'InvalidParameterValueException', message: 'Unsupported runtime: nodejs4.3' }
    const r = await make('publish', publishEnv(fake, home, { AWS_CLI: cli }))
    t.not(r.code, 0)
    t.match(r.stderr, /aws lambda publish-layer-version failed \(exit \d+\):[\s\S]*InvalidParameterValueException[\s\S]*Unsupported runtime/)
    t.same(arnLines(r.stdout), [])
  })
})
