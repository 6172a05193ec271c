// `make publish SIGNING_PROFILE=…` with every installed AWS CLI against the fake's S3, Signer and
// Lambda: the zip goes to each region's versioned bucket, a signing job signs that object version,
// the *signed* object is what gets published, and a re-run recognises the signed version without
// signing again. A failed or timed-out job publishes nothing and says why.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { SIGNED_MARK } from '../../build-scripts/publish/publish-idempotency'
import { ACCOUNT, FakeAws, RecordedRequest } from './fake-aws'
import { DIST, awsClis, ensureLayer } from './helpers'
import { arnLines, make, publishEnv, publishFixture, readRecordFile } from './publish-helpers'

const clis = awsClis()
const REGIONS = ['eu-west-1', 'us-east-1']
const PROFILE = 'wfi_signer'
const BUCKET = 'wfi-artifacts-{region}'
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('base64')
/** PublishLayerVersion requests (compare their regions, never the requests: a failed comparison would print the bodies). */
const publishes = (reqs: readonly RecordedRequest[]) => reqs.filter((q) => q.method === 'POST' && q.path === '/2018-10-31/layers/wait-for-init/versions')
const publishedIn = (reqs: readonly RecordedRequest[]) => publishes(reqs).map((q) => q.region)
const signVars = (regions = REGIONS) => [`REGIONS=${regions.join(' ')}`, `SIGNING_PROFILE=${PROFILE}`, `S3_BUCKET=${BUCKET}`]
/** `service METHOD /path`, job ids and object keys replaced, for order checks. */
const shape = (q: RecordedRequest) => `${q.service} ${q.method} ${q.path.replace(/[0-9a-f-]{36}/, 'JOB').replace(/\/[^/]+\.zip$/, '/KEY.zip')}`

/** A versioned bucket and a Lambda signing profile in each region; returns each region's profile version ARN. */
function signingSetup(fake: FakeAws, regions = REGIONS): Record<string, string> {
  const arns: Record<string, string> = {}
  for (const r of regions) {
    fake.addBucket(`wfi-artifacts-${r}`, r, { versioned: true })
    arns[r] = fake.addSigningProfile(r, PROFILE)
  }
  return arns
}

if (clis.length === 0) t.test('publish signed', { skip: 'no AWS CLI installed (pip install awscli, or apt-get install awscli)' }, async () => undefined)

t.before(async () => {
  if (clis.length) await ensureLayer('x86_64')
})

for (const cli of clis) {
  t.test(`${cli.version}: SIGNING_PROFILE publishes the signed object in each region; a re-run signs nothing`, async (t) => {
    const zip = fs.readFileSync(path.join(DIST, 'wait-for-init-x86_64.zip'))
    const f = await publishFixture(t)
    const profileArns = signingSetup(f.fake)
    const env = publishEnv(f, { AWS_CLI: cli.path, AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'ap-south-1' })
    const first = await make('publish', env, signVars())
    t.equal(first.code, 0, first.stderr)

    for (const region of REGIONS) {
      const mine = f.fake.requests.filter((q) => q.region === region && q.service !== 'sts')
      t.same(mine.map(shape), [
        'signer GET /signing-profiles/wfi_signer',
        'lambda GET /2018-10-31/layers/wait-for-init/versions',
        `s3 PUT /wfi-artifacts-${region}/wait-for-init/KEY.zip`,
        'signer POST /signing-jobs',
        'signer GET /signing-jobs/JOB',
        'lambda POST /2018-10-31/layers/wait-for-init/versions',
      ], `${region}: profile, lookup, upload to the region's bucket, sign, wait, publish; all signed for ${region}`)
      const put = mine.find((q) => q.service === 's3')!
      const job = mine.find((q) => q.path === '/signing-jobs')!.json as { source: { s3: Record<string, string> }; destination: { s3: Record<string, string> }; profileName: string }
      t.equal(job.profileName, PROFILE)
      t.same(job.source.s3.bucketName, `wfi-artifacts-${region}`)
      t.equal(`${job.source.s3.bucketName}/${job.source.s3.key}`, put.path.slice(1), 'the uploaded object is signed')
      t.ok(job.source.s3.version, 'pinned to the uploaded object version')
      t.same(job.destination.s3, { bucketName: `wfi-artifacts-${region}`, prefix: 'wait-for-init/signed/' })

      const pub = publishes(mine)[0].json!
      const content = pub.Content as { S3Bucket: string; S3Key: string }
      t.equal(content.S3Bucket, `wfi-artifacts-${region}`)
      t.match(content.S3Key, /^wait-for-init\/signed\/[0-9a-f-]{36}\.zip$/, 'the object Signer wrote')
      const signed = f.fake.objects.get(`${content.S3Bucket}/${content.S3Key}`)!
      t.ok(f.fake.signedObjects.has(`${content.S3Bucket}/${content.S3Key}`), 'a signed object')
      t.notOk(signed.equals(zip), 'whose bytes differ from the zip')
      t.ok(signed.subarray(0, zip.length).equals(zip), 'signed from this zip')
      t.equal(pub.Description, `${(pub.Description as string).split(SIGNED_MARK)[0]}${SIGNED_MARK}${sha(zip)}`, 'the description records the unsigned zip')
      const [stored] = f.fake.layerVersions(region)
      t.ok(stored.content.equals(signed), 'Lambda holds the signed zip')
      t.equal(stored.signingProfileVersionArn, profileArns[region])
    }
    t.same(arnLines(first.stdout), REGIONS.map((r) => `LayerVersionArn: arn:aws:lambda:${r}:${ACCOUNT}:layer:wait-for-init:1`))
    const record = readRecordFile(f.record)
    for (const e of record.layers) {
      const [stored] = f.fake.layerVersions(e.region)
      t.match(e, { status: 'new', zipSha256: sha(zip), codeSha256: sha(stored.content), signingProfileVersionArn: profileArns[e.region] }, `${e.region}: the record has the signed CodeSha256 and the zip it came from`)
      t.not(e.codeSha256, e.zipSha256)
    }

    const before = f.fake.requests.length
    const second = await make('publish', env, signVars())
    t.equal(second.code, 0, second.stderr)
    const again = f.fake.requests.slice(before).filter((q) => q.service !== 'sts')
    t.same(again.map(shape).sort(), [
      'lambda GET /2018-10-31/layers/wait-for-init/versions',
      'lambda GET /2018-10-31/layers/wait-for-init/versions',
      'lambda GET /2018-10-31/layers/wait-for-init/versions/1',
      'lambda GET /2018-10-31/layers/wait-for-init/versions/1',
      'signer GET /signing-profiles/wfi_signer',
      'signer GET /signing-profiles/wfi_signer',
    ], 'the re-run looks, and neither uploads, signs nor publishes')
    t.equal(second.stderr.match(/unchanged, nothing published: version 1 was signed by the same profile version from the zip with sha256/g)?.length, 2)
    t.same(arnLines(second.stdout), arnLines(first.stdout), 'the same ARNs')
  })

  t.test(`${cli.version}: a failed signing job publishes nothing and prints the job's reason`, async (t) => {
    const f = await publishFixture(t)
    signingSetup(f.fake, ['eu-west-1'])
    f.fake.signing.failReason = 'Signing failed: the zip file already contains a signature'
    const r = await make('publish', publishEnv(f, { AWS_CLI: cli.path }), signVars(['eu-west-1']))
    t.not(r.code, 0)
    t.same(publishedIn(f.fake.requests), [], 'nothing published')
    t.equal(f.fake.layerVersions('eu-west-1').length, 0)
    t.match(r.stderr, /\n {2}eu-west-1 x86_64 \(wait-for-init-x86_64\.zip\): the signing job failed: Signing failed: the zip file already contains a signature \(job [0-9a-f-]{36}\)\n/)
    t.same(arnLines(r.stdout), [])
  })
}

t.test('signing: polling an unfinished job, the timeout, and what each region lacks', { skip: clis.length ? false : 'no AWS CLI' }, async (t) => {
  const cli = clis[0].path
  t.test('an unfinished job is polled until it succeeds', async (t) => {
    const f = await publishFixture(t)
    signingSetup(f.fake, ['eu-west-1'])
    f.fake.signing.inProgressPolls = 1
    const r = await make('publish', publishEnv(f, { AWS_CLI: cli }), signVars(['eu-west-1']))
    t.equal(r.code, 0, r.stderr)
    t.equal(f.fake.requests.filter((q) => q.service === 'signer' && /^\/signing-jobs\/./.test(q.path)).length, 2, 'InProgress, then Succeeded')
    t.same(publishedIn(f.fake.requests), ['eu-west-1'])
  })

  t.test('SIGNING_TIMEOUT bounds the wait', async (t) => {
    const f = await publishFixture(t)
    signingSetup(f.fake, ['eu-west-1'])
    f.fake.signing.inProgressPolls = 1000
    const started = Date.now()
    const r = await make('publish', publishEnv(f, { AWS_CLI: cli }), [...signVars(['eu-west-1']), 'SIGNING_TIMEOUT=1'])
    t.not(r.code, 0)
    t.match(r.stderr, /eu-west-1 x86_64 \(wait-for-init-x86_64\.zip\): the signing job is still InProgress after 1 s \(SIGNING_TIMEOUT\) \(job [0-9a-f-]{36}\)/)
    t.same(publishedIn(f.fake.requests), [])
    t.ok(Date.now() - started < 120_000, 'gave up, did not hang')
  })

  t.test('a region without the profile, and one whose bucket keeps no versions, fail alone with the fix', async (t) => {
    const f = await publishFixture(t)
    signingSetup(f.fake, ['us-east-1'])
    f.fake.addBucket('wfi-artifacts-eu-west-1', 'eu-west-1', { versioned: true }) // but no profile there
    f.fake.addBucket('wfi-artifacts-us-west-2', 'us-west-2', { versioned: false })
    f.fake.addSigningProfile('us-west-2', PROFILE)
    const r = await make('publish', publishEnv(f, { AWS_CLI: cli }), signVars(['eu-west-1', 'us-east-1', 'us-west-2']))
    t.not(r.code, 0)
    t.match(r.stderr, /\n {2}eu-west-1 x86_64 \(wait-for-init-x86_64\.zip\): AWS Signer profile wfi_signer \(SIGNING_PROFILE\) does not exist in eu-west-1; profiles are regional: aws signer put-signing-profile --platform-id AWSLambda-SHA384-ECDSA --profile-name wfi_signer --region eu-west-1\n/)
    t.match(r.stderr, /\n {2}us-west-2 x86_64 \(wait-for-init-x86_64\.zip\): s3:\/\/wfi-artifacts-us-west-2 \(S3_BUCKET in us-west-2\) has no versioning, and AWS Signer signs only versioned objects: aws s3api put-bucket-versioning --bucket wfi-artifacts-us-west-2 --versioning-configuration Status=Enabled --region us-west-2\n/)
    t.same(publishedIn(f.fake.requests), ['us-east-1'], 'the region that has both is published')
    t.same(f.fake.requests.filter((q) => q.region === 'eu-west-1' && q.service !== 'sts').map(shape), ['signer GET /signing-profiles/wfi_signer'], 'a region without the profile stops at the lookup')
  })

  t.test('a profile for another platform is refused', async (t) => {
    const f = await publishFixture(t)
    f.fake.addBucket('wfi-artifacts-eu-west-1', 'eu-west-1', { versioned: true })
    f.fake.addSigningProfile('eu-west-1', PROFILE, { platformId: 'AWSIoTDeviceManagement-SHA256-ECDSA' })
    const r = await make('publish', publishEnv(f, { AWS_CLI: cli }), signVars(['eu-west-1']))
    t.not(r.code, 0)
    t.match(r.stderr, /AWS Signer profile wfi_signer in eu-west-1 is for platform AWSIoTDeviceManagement-SHA256-ECDSA; Lambda code signing needs AWSLambda-SHA384-ECDSA/)
    t.same(f.fake.requests.filter((q) => q.service === 's3').map(shape), [], 'nothing uploaded')
  })
})
