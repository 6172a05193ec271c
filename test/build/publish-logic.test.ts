// The publish step's pure logic, and its orchestration with a scripted AWS CLI (no process, no
// network): AWS error parsing, the newest version, the idempotency decision, the signing wait,
// the region plan, the record, sharing, and publishTargets' concurrency and failure handling.
// The real CLI against the fake endpoint: publish*.test.ts.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { parseArch } from '../../build-scripts/arch'
import { layerZipName, releaseZipName } from '../../build-scripts/artifact-names'
import { AwsCallError, AwsCli, parseAwsError, shortError } from '../../build-scripts/publish/aws-cli'
import { zipPathFor } from '../../build-scripts/build'
import { policyStatements, shareVersion } from '../../build-scripts/publish/layer-sharing'
import { LayerVersionInfo, newestListed } from '../../build-scripts/publish/layer-versions'
import { DESCRIPTION_LIMIT, SIGNED_MARK, compareWithLatest, signedDescription, signedFromZip } from '../../build-scripts/publish/publish-idempotency'
import { LocalZip, planTargets, resolveRegions } from '../../build-scripts/publish/publish-plan'
import { mergeRecord, readRecord, recordMarkdown, renderTable, RecordEntry } from '../../build-scripts/publish/publish-record'
import { publishSettingsFromEnv } from '../../build-scripts/publish/publish-settings'
import { publishTargets } from '../../build-scripts/publish/region-publisher'
import { POLL_DELAYS_MS, jobStateFrom, waitForSigningJob } from '../../build-scripts/publish/signer'

const SHA_A = 'A'.repeat(43) + '='
const SHA_B = 'B'.repeat(43) + '='
const PROFILE_V1 = 'arn:aws:signer:eu-west-1:123456789012:/signing-profiles/p/v1'
const latest = (over: Partial<LayerVersionInfo> = {}): LayerVersionInfo => ({ version: 7, layerVersionArn: 'arn:x:7', description: 'd', codeSha256: SHA_A, ...over })
const zip = (arch: 'x86_64' | 'arm64', bytes = 1000): LocalZip => ({ arch: parseArch(arch), file: `/d/${layerZipName(arch)}`, bytes, sha256: SHA_A })

t.test('parseAwsError reads the code and message both CLIs print', async (t) => {
  t.same(parseAwsError('\nAn error occurred (AccessDeniedException) when calling the ListLayerVersions operation: User: arn:aws:iam::1:user/u is not authorized\n'), {
    code: 'AccessDeniedException', operation: 'ListLayerVersions', message: 'User: arn:aws:iam::1:user/u is not authorized',
  })
  t.same(parseAwsError('An error occurred (TooManyRequestsException) when calling the PublishLayerVersion operation (reached max retries: 4): Rate exceeded'), {
    code: 'TooManyRequestsException', operation: 'PublishLayerVersion', message: 'Rate exceeded',
  }, 'throttling after the retries')
  t.same(parseAwsError('An error occurred (UnrecognizedClientException) when calling the ListLayerVersions operation: The security token included in the request is invalid.')?.code, 'UnrecognizedClientException', 'a region not enabled for the account')
  t.same(parseAwsError('\nCould not connect to the endpoint URL: "https://lambda.xx-nowhere-1.amazonaws.com/2018-10-31/layers/x/versions"\n'), {
    code: 'EndpointConnectionError', operation: '', message: 'could not connect to https://lambda.xx-nowhere-1.amazonaws.com/2018-10-31/layers/x/versions',
  })
  t.equal(parseAwsError('usage: aws [options] <command> <subcommand>'), undefined)
  t.equal(shortError(new AwsCallError('long text', 'aws lambda get-layer-version', 'ResourceNotFoundException', 'not found')), 'aws lambda get-layer-version: ResourceNotFoundException: not found')
  t.equal(shortError(new Error('plain')), 'plain')
})

t.test('newestListed takes the highest version whatever the order', async (t) => {
  t.equal(newestListed([{ Version: 3 }, { Version: 11 }, { Version: 2 }]), 11)
  t.equal(newestListed([]), undefined)
  t.equal(newestListed(undefined), undefined)
  t.equal(newestListed([{ Version: '9' }, { nothing: 1 }, { Version: 4 }]), 4, 'entries without a numeric Version are ignored')
})

t.test('compareWithLatest: unsigned compares CodeSha256', async (t) => {
  t.same(compareWithLatest(undefined, { zipSha256: SHA_A }), { unchanged: false, reason: 'no version for this architecture yet' })
  t.same(compareWithLatest(latest(), { zipSha256: SHA_A }), { unchanged: true, reason: `version 7 has the zip's CodeSha256 ${SHA_A}` })
  t.same(compareWithLatest(latest(), { zipSha256: SHA_B }), { unchanged: false, reason: `version 7 has CodeSha256 ${SHA_A}, the zip ${SHA_B}` })
})

t.test('compareWithLatest: signed compares the profile version and the recorded source zip', async (t) => {
  const want = { zipSha256: SHA_A, signingProfileVersionArn: PROFILE_V1 }
  const signedFromA = latest({ codeSha256: SHA_B, signingProfileVersionArn: PROFILE_V1, description: signedDescription('wait-for-init 1.0.0', SHA_A) })
  t.equal(compareWithLatest(signedFromA, want).unchanged, true)
  t.match(compareWithLatest(signedFromA, { ...want, zipSha256: SHA_B }), { unchanged: false, reason: `version 7 was signed from a zip with sha256 ${SHA_A}, the zip is ${SHA_B}` })
  t.match(compareWithLatest(latest(), want), { unchanged: false, reason: `version 7 is not signed, not by ${PROFILE_V1}` }, 'an unsigned version of the same zip is not enough')
  t.match(compareWithLatest({ ...signedFromA, signingProfileVersionArn: PROFILE_V1.replace('v1', 'v0') }, want), { unchanged: false, reason: /is signed by .*\/v0, not by .*\/v1/ }, 'a rotated profile signs again')
  t.match(compareWithLatest({ ...signedFromA, description: 'signed elsewhere' }, want), { unchanged: false, reason: 'version 7 does not record which zip it was signed from' })
  t.equal(compareWithLatest(signedFromA, { zipSha256: SHA_A }).unchanged, false, 'unsigned wanted: the signed zip\'s CodeSha256 is not the zip\'s')
})

t.test('signedDescription fits Lambda\'s 256 characters and keeps the mark whole', async (t) => {
  const short = signedDescription('wait-for-init 1.0.0 (abc, x86_64)', SHA_A)
  t.equal(short, `wait-for-init 1.0.0 (abc, x86_64)${SIGNED_MARK}${SHA_A}`)
  const long = signedDescription('x'.repeat(300), SHA_A)
  t.equal(long.length, DESCRIPTION_LIMIT)
  t.equal(signedFromZip(long), SHA_A)
  t.equal(signedFromZip(short), SHA_A)
  t.equal(signedFromZip('plain description'), undefined)
  t.equal(signedFromZip(`x${SIGNED_MARK}not-a-hash`), undefined)
})

t.test('waitForSigningJob polls with growing delays, bounded by the timeout', async (t) => {
  let now = 0
  const slept: number[] = []
  const clock = { now: () => now, sleep: async (ms: number) => { slept.push(ms); now += ms } }
  const script = (...states: string[]) => {
    let i = 0
    return async () => jobStateFrom({ status: states[Math.min(i++, states.length - 1)], statusReason: 'bad zip', signedObject: { s3: { bucketName: 'b', key: 'k' } } })
  }
  const done = await waitForSigningJob(script('Succeeded'), { ...clock, timeoutMs: 10_000 })
  t.same(done, { status: 'Succeeded', statusReason: 'bad zip', signedObject: { bucketName: 'b', key: 'k' } })
  t.same(slept, [], 'a finished job costs no wait')

  await waitForSigningJob(script('InProgress', 'InProgress', 'InProgress', 'Succeeded'), { ...clock, timeoutMs: 60_000 })
  t.same(slept, POLL_DELAYS_MS.slice(0, 3))

  await t.rejects(waitForSigningJob(script('InProgress', 'Failed'), { ...clock, timeoutMs: 60_000 }), /^the signing job failed: bad zip$/)
  slept.length = 0
  now = 0
  await t.rejects(waitForSigningJob(script('InProgress'), { ...clock, timeoutMs: 20_000 }), /the signing job is still InProgress after 20 s \(SIGNING_TIMEOUT\)/)
  t.equal(slept.reduce((a, b) => a + b, 0), 20_000, 'waited exactly up to the deadline, never past it')
  t.ok(slept.every((ms) => ms <= 10_000), 'at most 10 s between polls')
})

t.test('resolveRegions: REGIONS, else AWS_REGION, else the profile (asked only then)', async (t) => {
  let asked = 0
  const profile = (r?: string) => async () => { asked++; return r }
  t.same(await resolveRegions(publishSettingsFromEnv({ REGIONS: 'eu-west-1 us-east-1', AWS_REGION: 'ap-south-1' }, 'MIT-0'), profile('x')), { regions: ['eu-west-1', 'us-east-1'], source: 'REGIONS' })
  t.same(await resolveRegions(publishSettingsFromEnv({ AWS_DEFAULT_REGION: 'ap-south-1' }, 'MIT-0'), profile('x')), { regions: ['ap-south-1'], source: 'AWS_REGION' })
  t.equal(asked, 0, 'the CLI is not asked when the environment says')
  t.same(await resolveRegions(publishSettingsFromEnv({}, 'MIT-0'), profile('sa-east-1')), { regions: ['sa-east-1'], source: 'the AWS CLI profile' })
  await t.rejects(resolveRegions(publishSettingsFromEnv({}, 'MIT-0'), profile(undefined)), /no region to publish to: set REGIONS/)
  await t.rejects(resolveRegions(publishSettingsFromEnv({}, 'MIT-0'), profile('moon')), /the AWS CLI profile's region "moon" is not an AWS region name/)
})

t.test('planTargets: region by region, each architecture, the way each zip travels', async (t) => {
  const plain = publishSettingsFromEnv({}, 'MIT-0')
  t.same(planTargets(plain, ['eu-west-1', 'us-east-1'], [zip('x86_64'), zip('arm64')]).map((x) => `${x.region} ${x.zip.arch.lambda} ${x.via} ${x.bucket ?? '-'}`), [
    'eu-west-1 x86_64 direct -', 'eu-west-1 arm64 direct -', 'us-east-1 x86_64 direct -', 'us-east-1 arm64 direct -',
  ])
  const big = publishSettingsFromEnv({ S3_BUCKET: 'art-{region}', MAX_DIRECT_UPLOAD_BYTES: '1500' }, 'MIT-0')
  t.same(planTargets(big, ['eu-west-1', 'us-east-1'], [zip('x86_64', 2000), zip('arm64', 1000)]).map((x) => `${x.region} ${x.zip.arch.lambda} ${x.via} ${x.bucket ?? '-'}`), [
    'eu-west-1 x86_64 s3 art-eu-west-1', 'eu-west-1 arm64 direct -', 'us-east-1 x86_64 s3 art-us-east-1', 'us-east-1 arm64 direct -',
  ], 'only the zip above the limit goes through S3')
  const signed = publishSettingsFromEnv({ S3_BUCKET: 'art-{region}', SIGNING_PROFILE: 'p1' }, 'MIT-0')
  t.same(planTargets(signed, ['eu-west-1'], [zip('x86_64')]).map((x) => `${x.via} ${x.bucket}`), ['signed art-eu-west-1'], 'signing always goes through S3')
  t.same(planTargets(publishSettingsFromEnv({ S3_BUCKET: 'one', SIGNING_PROFILE: 'p1' }, 'MIT-0'), ['eu-west-1'], [zip('x86_64')]).map((x) => x.bucket), ['one'], 'one region: a fixed bucket is fine')
  t.throws(() => planTargets(publishSettingsFromEnv({ S3_BUCKET: 'one', SIGNING_PROFILE: 'p1' }, 'MIT-0'), ['eu-west-1', 'us-east-1'], [zip('x86_64')]), /S3_BUCKET="one" names one bucket for 2 regions.*Lambda and AWS Signer use buckets of their own region only/)
  t.throws(() => planTargets(publishSettingsFromEnv({ MAX_DIRECT_UPLOAD_BYTES: '10' }, 'MIT-0'), ['eu-west-1'], [zip('x86_64')]), /wait-for-init-x86_64\.zip is 0\.0 MB, above the direct-upload limit of 10 bytes/)
})

t.test('the record: merged by layer × region × architecture, sorted; Markdown; the table', async (t) => {
  const e = (region: string, architecture: string, version: number, status: RecordEntry['status'] = 'new', layerName = 'wait-for-init'): RecordEntry =>
    ({ layerName, region, architecture, layerVersionArn: `arn:aws:lambda:${region}:1:layer:${layerName}:${version}`, version, codeSha256: SHA_A, zipSha256: SHA_A, status })
  const old = { layers: [e('us-east-1', 'x86_64', 1), e('eu-west-1', 'x86_64', 1), e('eu-west-1', 'x86_64', 1, 'new', 'other-layer')] }
  const merged = mergeRecord(old, [e('eu-west-1', 'x86_64', 3), e('eu-west-1', 'arm64', 4)])
  t.same(merged.layers.map((x) => `${x.layerName} ${x.region} ${x.architecture} ${x.version}`), [
    'other-layer eu-west-1 x86_64 1',
    'wait-for-init eu-west-1 arm64 4',
    'wait-for-init eu-west-1 x86_64 3',
    'wait-for-init us-east-1 x86_64 1',
  ], 'the new entry replaces the old one for the same key; others stay')
  t.equal(recordMarkdown({ layers: [e('eu-west-1', 'arm64', 4, 'unchanged')] }), '| region | architecture | layer version ARN | status |\n| --- | --- | --- | --- |\n| eu-west-1 | arm64 | `arn:aws:lambda:eu-west-1:1:layer:wait-for-init:4` | unchanged |\n')
  t.equal(renderTable([{ region: 'eu-west-1', architecture: 'x86_64', status: 'new', detail: 'arn:1' }, { region: 'ap-southeast-5', architecture: 'arm64', status: 'FAILED', detail: 'see below' }]), [
    'region          architecture  status  layer version ARN',
    'eu-west-1       x86_64        new     arn:1',
    'ap-southeast-5  arm64         FAILED  see below',
  ].join('\n'))

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-record-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  t.same(readRecord(path.join(dir, 'none.json')), { layers: [] }, 'no file yet: an empty record')
  fs.writeFileSync(path.join(dir, 'r.json'), JSON.stringify(merged))
  t.same(readRecord(path.join(dir, 'r.json')), merged)
  fs.writeFileSync(path.join(dir, 'bad.json'), '{"layers": [{"region": "x"}]}')
  t.throws(() => readRecord(path.join(dir, 'bad.json')), /bad\.json is not a publish record \(an entry lacks layerName\/region\/architecture\/layerVersionArn/)
  fs.writeFileSync(path.join(dir, 'list.json'), '[]')
  t.throws(() => readRecord(path.join(dir, 'list.json')), /list\.json is not a publish record \(no "layers" list\)/)
})

t.test('artifact names: the zip make layer writes, and the release name', async (t) => {
  for (const arch of ['x86_64', 'arm64'] as const) t.equal(zipPathFor('/out', parseArch(arch)), path.join('/out', layerZipName(arch)), `${arch}: publish looks where build writes`)
  t.equal(releaseZipName('1.2.3', 'arm64'), 'wait-for-init-1.2.3-arm64.zip')
})

/** An AWS CLI answering from a table of handlers, recording each call with its region. */
function scriptedCli(handle: (region: string, args: readonly string[]) => Record<string, unknown> | Error, delayMs = 5) {
  const log: string[] = []
  let inFlight = 0
  let maxInFlight = 0
  const cli: AwsCli = {
    async call(region, what, args) {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      log.push(`${region} ${args[0]} ${args[1]}`)
      try {
        await new Promise((r) => setTimeout(r, delayMs))
        const out = handle(region, args)
        if (out instanceof Error) throw out
        return out
      } finally {
        inFlight--
      }
    },
  }
  return { cli, log, maxInFlight: () => maxInFlight }
}

t.test('publishTargets: regions in parallel up to the limit, failures collected, nothing stops the others', async (t) => {
  const settings = publishSettingsFromEnv({}, 'MIT-0')
  const regions = ['r1-a-1', 'r2-a-1', 'r3-a-1', 'r4-a-1', 'r5-a-1']
  const denied = new AwsCallError('denied', 'aws lambda list-layer-versions', 'AccessDeniedException', 'no')
  let version = 0
  const s = scriptedCli((region, args) => {
    if (region === 'r3-a-1') return denied
    if (args[1] === 'list-layer-versions') return { LayerVersions: [] }
    return { LayerVersionArn: `arn:${region}:${++version}`, Version: version, Content: { CodeSha256: SHA_A } }
  })
  const targets = planTargets(settings, regions, [zip('x86_64'), zip('arm64')])
  const lines: string[] = []
  const outcomes = await publishTargets({ cli: s.cli, settings, version: '1', revision: 'r', log: (l) => lines.push(l), wait: { sleep: async () => undefined, now: () => 0 } }, targets, 2)
  t.equal(outcomes.length, 10)
  t.same(outcomes.map((o) => ('error' in o ? `${o.target.region} failed` : `${o.result.region} ${o.result.architecture} ${o.result.status}`)), regions.flatMap((r) =>
    r === 'r3-a-1' ? [`${r} failed`, `${r} failed`] : [`${r} x86_64 new`, `${r} arm64 new`]), 'in plan order, whatever finished first')
  t.equal(s.maxInFlight(), 4, 'never more than PUBLISH_CONCURRENCY regions (2) at once, each with its 2 lookups')
  for (const r of regions) {
    const mine = s.log.filter((l) => l.startsWith(`${r} `)).map((l) => l.slice(r.length + 1))
    const expected = r === 'r3-a-1' ? ['lambda list-layer-versions', 'lambda list-layer-versions'] : ['lambda list-layer-versions', 'lambda list-layer-versions', 'lambda publish-layer-version', 'lambda publish-layer-version']
    t.same(mine, expected, `${r}: both lookups at once, then the publishes one after the other`)
  }
  t.equal(lines.filter((l) => l.includes('FAILED')).length, 2, 'each failure is logged as it happens')
})

t.test('publishTargets: a missing signing profile fails its region without an upload', async (t) => {
  const settings = publishSettingsFromEnv({ SIGNING_PROFILE: 'p1', S3_BUCKET: 'b-{region}' }, 'MIT-0')
  const s = scriptedCli((region, args) => {
    if (args[1] === 'get-signing-profile') return new AwsCallError('x', 'aws signer get-signing-profile', 'ResourceNotFoundException', 'Profile p1 not found.')
    return new Error(`unexpected ${args.join(' ')}`)
  })
  const targets = planTargets(settings, ['eu-west-1'], [zip('x86_64'), zip('arm64')])
  const outcomes = await publishTargets({ cli: s.cli, settings, version: '1', revision: 'r', log: () => undefined, wait: { sleep: async () => undefined, now: () => 0 } }, targets, 4)
  t.same(s.log, ['eu-west-1 signer get-signing-profile'], 'looked up once for both architectures, nothing else')
  for (const o of outcomes) t.match('error' in o && (o.error as Error).message, /AWS Signer profile p1 \(SIGNING_PROFILE\) does not exist in eu-west-1/)
})

t.test('shareVersion: reads the policy only for existing versions, adds the statement once', async (t) => {
  const perm = publishSettingsFromEnv({ ORG_ID: 'o-abcdefghij' }, 'MIT-0').permission!
  const policy = (...sids: string[]) => ({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: sids.map((Sid) => ({ Sid })) }) })
  t.same(policyStatements(policy('a', 'b')).map((s) => s.Sid), ['a', 'b'])
  t.same(policyStatements({ Policy: JSON.stringify({ Statement: { Sid: 'one' } }) }).map((s) => s.Sid), ['one'], 'a single statement object')
  t.same(policyStatements({}), [])

  const run = async (readExisting: boolean, answer: (args: readonly string[]) => Record<string, unknown> | Error) => {
    const s = scriptedCli((_r, args) => answer(args), 0)
    const lines: string[] = []
    const result = await shareVersion(s.cli, { region: 'eu-west-1', layerName: 'l', version: 3, permission: perm, readExisting }, (l) => lines.push(l))
    return { result, calls: s.log.map((l) => l.split(' ')[2]), lines }
  }
  const fresh = await run(false, () => ({}))
  t.same(fresh, { result: 'granted', calls: ['add-layer-version-permission'], lines: ['granted lambda:GetLayerVersion on version 3 to organization o-abcdefghij'] })
  const none = await run(true, (a) => (a[1] === 'get-layer-version-policy' ? new AwsCallError('x', 'get', 'ResourceNotFoundException', 'No policy') : {}))
  t.same(none.calls, ['get-layer-version-policy', 'add-layer-version-permission'])
  const present = await run(true, () => policy('wait-for-init-public', perm.statementId))
  t.same(present.result, 'present')
  t.same(present.calls, ['get-layer-version-policy'])
  t.match(present.lines[0], /also grants access through statement\(s\) wait-for-init-public; left as they are/)
  const raced = await run(true, (a) => (a[1] === 'get-layer-version-policy' ? policy() : new AwsCallError('x', 'add', 'ResourceConflictException', 'exists')))
  t.same(raced.result, 'present', 'added by someone else in between')
  await t.rejects(run(true, () => new AwsCallError('x', 'get', 'AccessDeniedException', 'no')), /x/, 'other errors are not swallowed')
})
