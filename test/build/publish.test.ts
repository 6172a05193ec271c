// `make publish` in one region with the real AWS CLI (each one installed here: pip's v1 on PATH,
// Debian's v2 at /usr/bin/aws) against a local endpoint that checks what the CLI sends and answers
// like AWS. Many regions, idempotency and resuming: publish-regions.test.ts; signing:
// publish-signing.test.ts.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { parseArch } from '../../build-scripts/arch'
import { gitRevision } from '../../build-scripts/publish/publish'
import { DEFAULT_RUNTIMES, layerDescription } from '../../build-scripts/publish/publish-settings'
import { ACCOUNT } from './fake-aws'
import { DIST, ROOT, TSX, awsClis, ensureLayer, pathWithoutAws, run } from './helpers'
import { arnLines, calls, make, publishEnv, publishFixture, readRecordFile } from './publish-helpers'

const clis = awsClis()
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }

if (clis.length === 0) t.test('publish with the AWS CLI', { skip: 'no AWS CLI installed (pip install awscli, or apt-get install awscli)' }, async () => undefined)

for (const cli of clis) {
  t.test(`${cli.version}: make publish uploads the built zip, prints the ARN and records it`, async (t) => {
    const zipPath = await ensureLayer('x86_64')
    const zip = fs.readFileSync(zipPath)
    const f = await publishFixture(t)
    const r = await make('publish', publishEnv(f, { AWS_CLI: cli.path }), ['LAYER_NAME=wfi-test'])
    t.equal(r.code, 0, r.stderr)

    t.equal(f.fake.requests.filter((q) => q.service === 'sts').length, 1, 'one credentials check (sts get-caller-identity)')
    t.same(calls(f.fake.requests), ['GET /2018-10-31/layers/wfi-test/versions', 'POST /2018-10-31/layers/wfi-test/versions'], 'look for the newest version, then publish')
    t.equal(f.fake.requests.find((q) => q.method === 'GET')!.query.get('CompatibleArchitecture'), 'x86_64', 'the lookup is for this architecture')
    const body = f.fake.requests.find((q) => q.method === 'POST' && q.service === 'lambda')!.json!
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
    const arn = `arn:aws:lambda:us-east-1:${ACCOUNT}:layer:wfi-test:1`
    t.same(arnLines(r.stdout), [`LayerVersionArn: ${arn}`], 'the ARN on its own line')
    t.equal(r.stdout, `LayerVersionArn: ${arn}\n`, 'nothing else on stdout (the table goes to stderr)')
    t.match(r.stderr, new RegExp(`\\nregion +architecture +status +layer version ARN\\nus-east-1 +x86_64 +new +${arn}\\n`), 'the table')

    const record = readRecordFile(f.record)
    t.equal(record.layers.length, 1)
    t.match(record.layers[0], { layerName: 'wfi-test', region: 'us-east-1', architecture: 'x86_64', layerVersionArn: arn, version: 1, status: 'new' })
    const sha = (await import('node:crypto')).createHash('sha256').update(zip).digest('base64')
    t.equal(record.layers[0].codeSha256, sha, 'codeSha256 is the base64 SHA-256 of the zip, as Lambda reports it')
    t.equal(fs.readFileSync(f.record.replace(/json$/, 'md'), 'utf8'), `| region | architecture | layer version ARN | status |\n| --- | --- | --- | --- |\n| us-east-1 | x86_64 | \`${arn}\` | new |\n`)
  })

  t.test(`${cli.version}: above the direct-upload limit it goes through S3, then grants PUBLIC access`, async (t) => {
    const zipPath = await ensureLayer('x86_64')
    const zip = fs.readFileSync(zipPath)
    const f = await publishFixture(t)
    f.fake.addBucket('layer-bucket', 'us-east-1')
    const r = await make('publish', publishEnv(f, { AWS_CLI: cli.path }), ['MAX_DIRECT_UPLOAD_BYTES=1000000', 'S3_BUCKET=layer-bucket', 'PUBLIC=1'])
    t.equal(r.code, 0, r.stderr)
    t.same(calls(f.fake.requests).map((c) => c.replace(/\/[^/]+\.zip$/, '/KEY.zip')), [
      'GET /2018-10-31/layers/wait-for-init/versions',
      'PUT /layer-bucket/wait-for-init/KEY.zip',
      'POST /2018-10-31/layers/wait-for-init/versions',
      'POST /2018-10-31/layers/wait-for-init/versions/1/policy',
    ], 'a new version has no policy to read: the grant is added at once')
    const key = [...f.fake.objects.keys()][0]
    t.match(key, /^layer-bucket\/wait-for-init\/wait-for-init-x86_64-/)
    t.ok(f.fake.objects.get(key)!.equals(zip), 'PutObject body is exactly the built zip')
    const pub = f.fake.requests.find((q) => q.method === 'POST' && q.path.endsWith('/versions'))!.json!
    t.same(pub.Content, { S3Bucket: 'layer-bucket', S3Key: key.slice('layer-bucket/'.length) }, 'an unversioned bucket: no S3ObjectVersion')
    const perm = f.fake.requests.find((q) => q.path.endsWith('/policy'))!.json!
    t.same(perm, { StatementId: 'wait-for-init-public', Action: 'lambda:GetLayerVersion', Principal: '*' })
    t.match(r.stderr, /granted lambda:GetLayerVersion on version 1 to every AWS account/)
    t.same(arnLines(r.stdout), [`LayerVersionArn: arn:aws:lambda:us-east-1:${ACCOUNT}:layer:wait-for-init:1`])
  })

  t.test(`${cli.version}: AWS_PROFILE and its region are honoured when AWS_REGION is not set`, async (t) => {
    await ensureLayer('x86_64')
    const f = await publishFixture(t)
    const credentials = path.join(f.home, 'credentials')
    fs.writeFileSync(credentials, '[other]\naws_access_key_id = AKIAOTHERPROFILE0000\naws_secret_access_key = x\n[publisher]\naws_access_key_id = AKIAPROFILEKEY000000\naws_secret_access_key = y\n')
    const config = path.join(f.home, 'config')
    fs.writeFileSync(config, '[default]\nregion = us-west-2\n[profile publisher]\nregion = eu-west-1\n')
    const env = publishEnv(f, { AWS_CLI: cli.path, AWS_PROFILE: 'publisher', AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: config })
    delete env.AWS_ACCESS_KEY_ID
    delete env.AWS_SECRET_ACCESS_KEY
    delete env.AWS_REGION
    const r = await make('publish', env)
    t.equal(r.code, 0, r.stderr)
    t.match(r.stderr, /in eu-west-1 \(from the AWS CLI profile\)/)
    const signed = f.fake.requests.filter((q) => q.service)
    t.ok(signed.length >= 3, `${signed.length} signed requests`)
    // SigV4: Credential=<access key>/<date>/<region>/<service>/aws4_request
    for (const q of signed) t.equal(`${q.accessKey} ${q.region}`, 'AKIAPROFILEKEY000000 eu-west-1', `${q.method} ${q.path}: signed with the profile, for its region`)
    t.same(arnLines(r.stdout), [`LayerVersionArn: arn:aws:lambda:eu-west-1:${ACCOUNT}:layer:wait-for-init:1`])
  })
}

t.test('make publish-all publishes both architectures with an organization grant', { skip: clis.length ? false : 'no AWS CLI' }, async (t) => {
  await ensureLayer('x86_64')
  await ensureLayer('arm64')
  const f = await publishFixture(t)
  const r = await make('publish-all', publishEnv(f, { AWS_CLI: clis[0].path }), ['ORG_ID=o-abcdefghij', 'COMPATIBLE_RUNTIMES=nodejs22.x provided.al2023'])
  t.equal(r.code, 0, r.stderr)
  const pubs = f.fake.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/versions')).map((q) => q.json!)
  t.same(pubs.map((p) => p.CompatibleArchitectures), [['x86_64'], ['arm64']])
  t.same(pubs.map((p) => p.CompatibleRuntimes), [['nodejs22.x', 'provided.al2023'], ['nodejs22.x', 'provided.al2023']])
  t.ok(Buffer.from((pubs[1].Content as { ZipFile: string }).ZipFile, 'base64').equals(fs.readFileSync(path.join(DIST, 'wait-for-init-arm64.zip'))), 'arm64 zip sent for arm64')
  const perms = f.fake.requests.filter((q) => q.path.endsWith('/policy'))
  t.same(perms.map((p) => `${p.method} ${p.path}`), ['POST /2018-10-31/layers/wait-for-init/versions/1/policy', 'POST /2018-10-31/layers/wait-for-init/versions/2/policy'])
  t.match(perms[0].json, { Principal: '*', OrganizationId: 'o-abcdefghij' })
  t.same(arnLines(r.stdout), [
    `LayerVersionArn: arn:aws:lambda:us-east-1:${ACCOUNT}:layer:wait-for-init:1`,
    `LayerVersionArn: arn:aws:lambda:us-east-1:${ACCOUNT}:layer:wait-for-init:2`,
  ])
})

t.test('clear errors', { skip: clis.length ? false : 'no AWS CLI' }, async (t) => {
  await ensureLayer('x86_64')
  const f = await publishFixture(t)
  const cli = clis[0].path

  t.test('no zip built', async (t) => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-nodist-'))
    t.teardown(() => fs.rmSync(empty, { recursive: true, force: true }))
    const r = await run(TSX[0], [...TSX.slice(1), 'build-scripts/publish/publish.ts', '--arch', 'arm64', '--dist', empty], { env: publishEnv(f, { AWS_CLI: cli }) })
    t.equal(r.code, 1)
    t.match(r.stderr, /wait-for-init-arm64\.zip has not been built: run `make layer ARCH=arm64` first/)
  })

  t.test('no aws on PATH', async (t) => {
    const bin = pathWithoutAws(path.join(f.home, 'bin'))
    const r = await make('publish', publishEnv(f, { PATH: bin }))
    t.not(r.code, 0)
    t.match(r.stderr, /AWS CLI not found \(aws\): install it: `apt-get install awscli`/)
  })

  t.test('no credentials', async (t) => {
    const env = publishEnv(f, { AWS_CLI: cli })
    delete env.AWS_ACCESS_KEY_ID
    delete env.AWS_SECRET_ACCESS_KEY
    const before = f.fake.requests.length
    const r = await make('publish', env)
    t.not(r.code, 0)
    t.match(r.stderr, /AWS credentials are missing or not valid: `aws sts get-caller-identity` failed \(.*Unable to locate credentials/)
    t.equal(f.fake.requests.slice(before).filter((q) => q.path !== '/').length, 0, 'nothing was published')
  })

  t.test('no region anywhere', async (t) => {
    const env = publishEnv(f, { AWS_CLI: cli })
    delete env.AWS_REGION
    const before = f.fake.requests.length
    const r = await make('publish', env)
    t.equal(r.code, 2, 'make reports the script\'s exit 1')
    t.match(r.stderr, /publish: error: no region to publish to: set REGIONS \(e\.g\. REGIONS="eu-west-1 us-east-1"\), AWS_REGION, or a region in the AWS CLI profile/)
    t.equal(f.fake.requests.length, before, 'no AWS call')
  })

  t.test('zip above the limit without S3_BUCKET', async (t) => {
    const r = await make('publish', publishEnv(f, { AWS_CLI: cli }), ['MAX_DIRECT_UPLOAD_BYTES=1000'])
    t.not(r.code, 0)
    t.match(r.stderr, /above the direct-upload limit of 1000 bytes \(MAX_DIRECT_UPLOAD_BYTES\): set S3_BUCKET/)
  })

  t.test('a damaged record stops the run before anything is published', async (t) => {
    fs.mkdirSync(path.dirname(f.record), { recursive: true })
    fs.writeFileSync(f.record, '{"layers": [')
    t.teardown(() => fs.rmSync(f.record, { force: true }))
    const before = f.fake.requests.length
    const r = await make('publish', publishEnv(f, { AWS_CLI: cli }))
    t.not(r.code, 0)
    t.match(r.stderr, /published\.json is not a publish record \(.*\): fix it or move it away, then publish again/)
    t.equal(f.fake.requests.length, before, 'no AWS call')
    t.equal(fs.readFileSync(f.record, 'utf8'), '{"layers": [', 'left as it was')
  })

  t.test('an error from Lambda is shown, not swallowed', async (t) => {
    f.fake.failNextPublish = { status: 400, type: 'InvalidParameterValueException', message: 'Unsupported runtime: nodejs4.3' }
    const r = await make('publish', publishEnv(f, { AWS_CLI: cli }), ['LAYER_NAME=wfi-fails'])
    t.not(r.code, 0)
    t.match(r.stderr, /us-east-1 x86_64: FAILED: aws lambda publish-layer-version failed \(exit \d+\):[\s\S]*InvalidParameterValueException[\s\S]*Unsupported runtime/)
    t.match(r.stderr, /publish: error: publishing failed for 1 of 1 layer version\(s\), in us-east-1; run the same command again to publish only what is missing:\n {2}us-east-1 x86_64 \(wait-for-init-x86_64\.zip\): aws lambda publish-layer-version: InvalidParameterValueException: Unsupported runtime: nodejs4\.3\n/)
    t.same(arnLines(r.stdout), [])
  })
})
