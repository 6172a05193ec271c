// `make publish-all REGIONS="eu-west-1 us-east-1"` with every installed AWS CLI against the
// multi-region fake: every region × architecture published with each call scoped to its region,
// the ARNs printed and recorded; a re-run publishes nothing; a region that answers AccessDenied
// fails alone and the re-run publishes only what it is missing; sharing reaches versions found
// unchanged.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { ACCOUNT, RecordedRequest } from './fake-aws'
import { DIST, awsClis, ensureLayer } from './helpers'
import { arnLines, calls, make, publishEnv, publishFixture, readRecordFile } from './publish-helpers'

const clis = awsClis()
const REGIONS = ['eu-west-1', 'us-east-1']
const zipOf = (arch: string) => fs.readFileSync(path.join(DIST, `wait-for-init-${arch}.zip`))
const arn = (region: string, version: number) => `arn:aws:lambda:${region}:${ACCOUNT}:layer:wait-for-init:${version}`
/** What REGIONS="eu-west-1 us-east-1" prints: regions in order, x86_64 (version 1) then arm64 (version 2) in each. */
const ALL_ARNS = REGIONS.flatMap((r) => [`LayerVersionArn: ${arn(r, 1)}`, `LayerVersionArn: ${arn(r, 2)}`])
/** PublishLayerVersion calls as `region architecture` (never the requests themselves: a failed comparison would print 55 MB bodies). */
const publishes = (reqs: readonly RecordedRequest[]) =>
  reqs.filter((q) => q.method === 'POST' && q.path === '/2018-10-31/layers/wait-for-init/versions').map((q) => `${q.region} ${(q.json?.CompatibleArchitectures as string[] | undefined)?.join()}`)

if (clis.length === 0) t.test('publish to many regions', { skip: 'no AWS CLI installed (pip install awscli, or apt-get install awscli)' }, async () => undefined)

t.before(async () => {
  if (clis.length) {
    await ensureLayer('x86_64')
    await ensureLayer('arm64')
  }
})

for (const cli of clis) {
  t.test(`${cli.version}: two regions × two architectures, then a re-run that publishes nothing`, async (t) => {
    const f = await publishFixture(t)
    // The CLI's own region is a third one (v2 reads AWS_REGION, v1 only AWS_DEFAULT_REGION): a call without --region would be signed for it.
    const env = publishEnv(f, { AWS_CLI: cli.path, AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'ap-south-1' })
    const first = await make('publish-all', env, [`REGIONS=${REGIONS.join(' ')}`])
    t.equal(first.code, 0, first.stderr)

    const signed = f.fake.requests.filter((q) => q.service)
    t.equal(signed.length, f.fake.requests.length, 'every request is signed (has a credential scope)')
    t.same(f.fake.requests.filter((q) => q.service === 'sts').map((q) => q.region), ['eu-west-1'], 'one credentials check, in the first region')
    t.same([...new Set(signed.map((q) => q.region))].sort(), REGIONS, 'no call went to the CLI\'s own region: each named its region')
    for (const region of REGIONS) {
      const mine = f.fake.requests.filter((q) => q.region === region && q.service === 'lambda')
      t.same(mine.map((q) => `${q.method} ${q.path}?${q.query}`).sort(), [
        'GET /2018-10-31/layers/wait-for-init/versions?CompatibleArchitecture=arm64',
        'GET /2018-10-31/layers/wait-for-init/versions?CompatibleArchitecture=x86_64',
        'POST /2018-10-31/layers/wait-for-init/versions?',
        'POST /2018-10-31/layers/wait-for-init/versions?',
      ], `${region}: one lookup and one publish per architecture, each signed for ${region}`)
      const stored = f.fake.layerVersions(region, 'wait-for-init')
      t.same(stored.map((v) => `${v.version} ${v.architectures.join()}`), ['1 x86_64', '2 arm64'], `${region}: x86_64 then arm64`)
      for (const v of stored) t.ok(v.content.equals(zipOf(v.architectures[0])), `${region} version ${v.version} holds the ${v.architectures[0]} zip`)
    }
    t.same(arnLines(first.stdout), ALL_ARNS, '4 ARNs, region by region')
    const record = readRecordFile(f.record)
    t.same(record.layers.map((e) => `${e.region} ${e.architecture} ${e.layerVersionArn} ${e.status}`), [
      `eu-west-1 arm64 ${arn('eu-west-1', 2)} new`,
      `eu-west-1 x86_64 ${arn('eu-west-1', 1)} new`,
      `us-east-1 arm64 ${arn('us-east-1', 2)} new`,
      `us-east-1 x86_64 ${arn('us-east-1', 1)} new`,
    ], 'all 4 recorded')
    for (const e of record.layers) t.equal(e.codeSha256, crypto.createHash('sha256').update(zipOf(e.architecture)).digest('base64'), `${e.region} ${e.architecture}: codeSha256 of its zip`)
    t.match(first.stderr, /4 new, 0 unchanged, 0 failed/)

    const before = f.fake.requests.length
    const second = await make('publish-all', env, [`REGIONS=${REGIONS.join(' ')}`])
    t.equal(second.code, 0, second.stderr)
    const again = f.fake.requests.slice(before)
    t.same(publishes(again), [], 'the re-run publishes nothing')
    // x86_64's newest version is 1 although arm64's version 2 is newer: the lookup is per architecture.
    t.same(calls(again, 'lambda').filter((c) => !c.endsWith('/versions')).sort(), [
      'GET /2018-10-31/layers/wait-for-init/versions/1',
      'GET /2018-10-31/layers/wait-for-init/versions/1',
      'GET /2018-10-31/layers/wait-for-init/versions/2',
      'GET /2018-10-31/layers/wait-for-init/versions/2',
    ], 'the newest version of each architecture is read once per region')
    t.same(arnLines(second.stdout), ALL_ARNS, 'the same 4 ARNs')
    t.equal(second.stderr.match(/unchanged, nothing published: version \d has the zip's CodeSha256/g)?.length, 4, 'each reuse is logged with its reason')
    t.match(second.stderr, /0 new, 4 unchanged, 0 failed/)
    t.same(readRecordFile(f.record).layers.map((e) => e.status), ['unchanged', 'unchanged', 'unchanged', 'unchanged'])
    t.match(fs.readFileSync(f.record.replace(/json$/, 'md'), 'utf8'), `| eu-west-1 | x86_64 | \`${arn('eu-west-1', 1)}\` | unchanged |`)
  })

  t.test(`${cli.version}: AccessDenied in one region: the others publish, exit non-zero, the re-run publishes only that region`, async (t) => {
    const f = await publishFixture(t)
    f.fake.denyRegions.add('eu-west-1')
    const env = publishEnv(f, { AWS_CLI: cli.path })
    const first = await make('publish-all', env, [`REGIONS=${REGIONS.join(',')}`])
    t.not(first.code, 0, 'non-zero exit')
    t.same(publishes(f.fake.requests), ['us-east-1 x86_64', 'us-east-1 arm64'], 'us-east-1 published both architectures')
    t.equal(f.fake.layerVersions('eu-west-1').length, 0, 'nothing in eu-west-1')
    t.match(first.stderr, /publish: error: publishing failed for 2 of 4 layer version\(s\), in eu-west-1; run the same command again to publish only what is missing:\n/)
    for (const arch of ['x86_64', 'arm64']) {
      t.match(first.stderr, new RegExp(`\\n {2}eu-west-1 ${arch} \\(wait-for-init-${arch}\\.zip\\): aws lambda list-layer-versions: AccessDeniedException: User: arn:aws:iam::${ACCOUNT}:user/publisher is not authorized`), `eu-west-1 ${arch} named with AWS's error`)
    }
    t.match(first.stderr, /eu-west-1 +x86_64 +FAILED/, 'the table shows the failed rows')
    t.same(arnLines(first.stdout), ALL_ARNS.slice(2), 'the ARNs that were published are printed')
    t.same(readRecordFile(f.record).layers.map((e) => e.region), ['us-east-1', 'us-east-1'], 'and recorded')

    f.fake.denyRegions.clear()
    const before = f.fake.requests.length
    const second = await make('publish-all', env, [`REGIONS=${REGIONS.join(',')}`])
    t.equal(second.code, 0, second.stderr)
    t.same(publishes(f.fake.requests.slice(before)), ['eu-west-1 x86_64', 'eu-west-1 arm64'], 'only what was missing')
    t.same(arnLines(second.stdout), ALL_ARNS)
    t.same(readRecordFile(f.record).layers.map((e) => `${e.region} ${e.status}`), ['eu-west-1 new', 'eu-west-1 new', 'us-east-1 unchanged', 'us-east-1 unchanged'], 'the record is complete')
  })
}

t.test('sharing reaches unchanged versions once; a changed zip gets a new version', { skip: clis.length ? false : 'no AWS CLI' }, async (t) => {
  const f = await publishFixture(t)
  const env = publishEnv(f, { AWS_CLI: clis[0].path })
  // Someone published another build earlier: the newest x86_64 version holds different bytes.
  f.fake.seedLayerVersion('us-east-1', 'wait-for-init', { architecture: 'x86_64', content: Buffer.from('an older zip') })
  const first = await make('publish', env)
  t.equal(first.code, 0, first.stderr)
  t.match(first.stderr, /us-east-1 x86_64: publishing: version 1 has CodeSha256 \S+, the zip \S+/)
  t.same(arnLines(first.stdout), [`LayerVersionArn: ${arn('us-east-1', 2)}`])
  t.same(f.fake.layerVersions('us-east-1')[1].statements, [], 'published unshared')

  let before = f.fake.requests.length
  const shared = await make('publish', env, ['PUBLIC=1'])
  t.equal(shared.code, 0, shared.stderr)
  t.same(calls(f.fake.requests.slice(before), 'lambda').slice(-2), [
    'GET /2018-10-31/layers/wait-for-init/versions/2/policy',
    'POST /2018-10-31/layers/wait-for-init/versions/2/policy',
  ], 'the unchanged version has no policy: the grant is added')
  t.same(publishes(f.fake.requests.slice(before)), [], 'and nothing is published')
  t.match(shared.stderr, /granted lambda:GetLayerVersion on version 2 to every AWS account/)

  const sharedAgain = await make('publish', env, ['PRINCIPAL=210987654321'])
  t.equal(sharedAgain.code, 0, sharedAgain.stderr)
  t.match(sharedAgain.stderr, /version 2 also grants access through statement\(s\) wait-for-init-public; left as they are/)
  t.match(sharedAgain.stderr, /granted lambda:GetLayerVersion on version 2 to account 210987654321/)

  before = f.fake.requests.length
  const once = await make('publish', env, ['PUBLIC=1'])
  t.equal(once.code, 0, once.stderr)
  t.same(calls(f.fake.requests.slice(before), 'lambda').filter((c) => c.endsWith('/policy')), ['GET /2018-10-31/layers/wait-for-init/versions/2/policy'], 'already shared: read, not added again')
  t.match(once.stderr, /version 2 is already shared with every AWS account \(statement wait-for-init-public\)/)
  t.same(f.fake.layerVersions('us-east-1')[1].statements.map((s) => s.Sid), ['wait-for-init-public', 'wait-for-init-account-210987654321'])
})

t.test('one S3_BUCKET for several regions is refused before any call', { skip: clis.length ? false : 'no AWS CLI' }, async (t) => {
  const f = await publishFixture(t)
  const r = await make('publish', publishEnv(f, { AWS_CLI: clis[0].path }), [`REGIONS=${REGIONS.join(' ')}`, 'S3_BUCKET=one-bucket', 'MAX_DIRECT_UPLOAD_BYTES=1000'])
  t.not(r.code, 0)
  t.match(r.stderr, /S3_BUCKET="one-bucket" names one bucket for 2 regions, but a bucket lives in one region and Lambda uses buckets of their own region only: put \{region\} in the name \(e\.g\. one-bucket-\{region\}\)/)
  t.same(calls(f.fake.requests), [], 'no AWS call')
})
