// Build and publish configuration parsing: defaults, overrides, and clear errors naming the
// variable and the bad value.
import t from 'tap'
import { parseArch } from '../../build-scripts/arch'
import { buildConfigFromEnv, DEFAULT_ZIP_LEVEL, NodePins, parseExecArgv } from '../../build-scripts/config'
import { DEFAULT_RUNTIMES, bucketFor, layerDescription, publishSettingsFromEnv } from '../../build-scripts/publish/publish-settings'

const pins: NodePins = { default: '24.21.0', versions: { '24.21.0': { x64: 'sha512-x', arm64: 'sha512-y' }, '22.1.0': { x64: 'sha512-z' } } }
const hostLambdaArch = process.arch === 'arm64' ? 'arm64' : 'x86_64'
const crossArch = hostLambdaArch === 'arm64' ? 'x86_64' : 'arm64'

t.test('architectures and their aliases', async (t) => {
  t.equal(parseArch('x86_64').npm, 'x64')
  t.equal(parseArch('amd64').lambda, 'x86_64')
  t.equal(parseArch('aarch64').lambda, 'arm64')
  t.equal(parseArch('ARM64').elfMachine, 183)
  t.throws(() => parseArch('riscv64'), /ARCH="riscv64" is not a Lambda architecture/)
})

t.test('defaults are the shipped configuration', async (t) => {
  const c = buildConfigFromEnv({}, pins)
  t.equal(c.arch.lambda, 'x86_64')
  t.equal(c.nodeVersion, '24.21.0')
  t.same(c.sea, { execArgv: ['--min-semi-space-size=2'], execArgvExtension: 'none', useCodeCache: false, useSnapshot: false })
  t.equal(c.strip, true)
  t.equal(c.zipLevel, DEFAULT_ZIP_LEVEL)
  t.same(c.notices, [])
})

t.test('overrides from the environment', async (t) => {
  const c = buildConfigFromEnv(
    { ARCH: hostLambdaArch, NODE_VERSION: '22.1.0', SEA_EXEC_ARGV: '--max-semi-space-size=1  --v8-pool-size=1', SEA_USE_CODE_CACHE: '1', STRIP: '0', ZIP_LEVEL: '0', SEA_EXEC_ARGV_EXTENSION: 'env' },
    pins,
  )
  t.equal(c.nodeVersion, '22.1.0')
  t.same(c.sea.execArgv, ['--max-semi-space-size=1', '--v8-pool-size=1'])
  t.equal(c.sea.useCodeCache, true, 'kept for a native build')
  t.equal(c.sea.execArgvExtension, 'env')
  t.equal(c.strip, false)
  t.equal(c.zipLevel, 0)
  t.same(parseExecArgv('["--a=1 2"]'), ['--a=1 2'], 'JSON array form keeps spaces')
})

t.test('code cache and snapshot are forced off for a cross build, with a notice', async (t) => {
  const c = buildConfigFromEnv({ SEA_USE_CODE_CACHE: '1', SEA_USE_SNAPSHOT: 'true' }, pins, crossArch)
  t.equal(c.sea.useCodeCache, false)
  t.equal(c.sea.useSnapshot, false)
  t.match(c.notices.join('\n'), /SEA_USE_CODE_CACHE ignored.*cross build/)
  t.match(c.notices.join('\n'), /SEA_USE_SNAPSHOT ignored.*cross build/)
})

t.test('bad values name the variable and the value', async (t) => {
  t.throws(() => buildConfigFromEnv({ NODE_VERSION: '25.0.0' }, pins), /NODE_VERSION="25.0.0" is not pinned/)
  t.throws(() => buildConfigFromEnv({ ZIP_LEVEL: '10' }, pins), /ZIP_LEVEL="10" must be an integer from 0/)
  t.throws(() => buildConfigFromEnv({ ZIP_LEVEL: 'max' }, pins), /ZIP_LEVEL="max"/)
  t.throws(() => buildConfigFromEnv({ STRIP: 'maybe' }, pins), /STRIP="maybe" is not a boolean/)
  t.throws(() => buildConfigFromEnv({ SEA_EXEC_ARGV: 'max-old-space-size=8' }, pins), /SEA_EXEC_ARGV="max-old-space-size=8" must be Node\/V8 flags/)
  t.throws(() => buildConfigFromEnv({ SEA_EXEC_ARGV: '[--x' }, pins), /SEA_EXEC_ARGV="\[--x" is not a valid JSON array/)
  t.throws(() => buildConfigFromEnv({ SEA_EXEC_ARGV_EXTENSION: 'all' }, pins), /SEA_EXEC_ARGV_EXTENSION="all" must be none, env or cli/)
  t.throws(() => buildConfigFromEnv({ ARCH: 'sparc' }, pins), /ARCH="sparc"/)
})

t.test('publish settings: defaults', async (t) => {
  const s = publishSettingsFromEnv({}, 'MIT-0')
  t.equal(s.layerName, 'wait-for-init')
  t.same(s.runtimes, DEFAULT_RUNTIMES)
  t.equal(s.maxDirectUploadBytes, 50 * 1024 * 1024)
  t.equal(s.permission, undefined)
  t.same(s.endpointArgs, [])
  t.same(s.regions, [], 'no REGIONS: the CLI\'s region, resolved when publishing')
  t.equal(s.region, undefined)
  t.equal(s.signing, undefined)
  t.equal(s.concurrency, 4)
  t.equal(s.awsCli, 'aws')
  const d = layerDescription('1.2.3', 'abc123def456', parseArch('arm64'))
  t.match(d, /1\.2\.3/)
  t.match(d, /abc123def456/)
  t.ok(d.length <= 256)
})

t.test('publish settings: overrides and permissions', async (t) => {
  const s = publishSettingsFromEnv(
    { LAYER_NAME: 'my_layer-2', COMPATIBLE_RUNTIMES: 'nodejs22.x, python3.13', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', S3_BUCKET: 'my.bucket-1', S3_PREFIX: 'layers' },
    'MIT-0',
  )
  t.equal(s.layerName, 'my_layer-2')
  t.same(s.runtimes, ['nodejs22.x', 'python3.13'])
  t.same(s.endpointArgs, ['--endpoint-url', 'http://127.0.0.1:4566'])
  t.equal(s.region, 'eu-west-1')
  t.equal(s.s3Prefix, 'layers/')
  t.same(publishSettingsFromEnv({ PUBLIC: '1' }, 'MIT-0').permission, { statementId: 'wait-for-init-public', principal: '*', audience: 'every AWS account' })
  t.match(publishSettingsFromEnv({ ORG_ID: 'o-abcdefghij' }, 'MIT-0').permission, { principal: '*', organizationId: 'o-abcdefghij' })
  t.match(publishSettingsFromEnv({ PRINCIPAL: '210987654321' }, 'MIT-0').permission, { principal: '210987654321' })
  t.equal(publishSettingsFromEnv({ AWS_DEFAULT_REGION: 'ap-south-1' }, 'MIT-0').region, 'ap-south-1')
  t.equal(publishSettingsFromEnv({ AWS_DEFAULT_REGION: 'ap-south-1', AWS_REGION: 'eu-west-3' }, 'MIT-0').region, 'eu-west-3', 'AWS_REGION first, as the CLI')
})

t.test('publish settings: REGIONS, signing, S3_BUCKET with {region}, concurrency', async (t) => {
  t.same(publishSettingsFromEnv({ REGIONS: ' eu-west-1,us-east-1  ap-southeast-5,eu-west-1 us-gov-west-1 ' }, 'MIT-0').regions, ['eu-west-1', 'us-east-1', 'ap-southeast-5', 'us-gov-west-1'], 'spaces or commas; duplicates dropped, order kept')
  const s = publishSettingsFromEnv({ SIGNING_PROFILE: 'layer_signer_1', S3_BUCKET: 'artifacts-{region}', SIGNING_TIMEOUT: '45', PUBLISH_CONCURRENCY: '8' }, 'MIT-0')
  t.same(s.signing, { profileName: 'layer_signer_1', timeoutSeconds: 45 })
  t.equal(s.s3Bucket, 'artifacts-{region}')
  t.equal(s.concurrency, 8)
  t.same(publishSettingsFromEnv({ SIGNING_PROFILE: 'p1', S3_BUCKET: 'b-{region}' }, 'MIT-0').signing, { profileName: 'p1', timeoutSeconds: 300 })
  t.equal(bucketFor('artifacts-{region}', 'eu-central-2'), 'artifacts-eu-central-2')
  t.equal(bucketFor('fixed.bucket', 'eu-central-2'), 'fixed.bucket')
  t.throws(() => bucketFor(`${'x'.repeat(50)}-{region}`, 'ap-southeast-5'), /S3_BUCKET="x+-\{region\}" is not a valid S3 bucket name \(x+-ap-southeast-5 in ap-southeast-5\)/, 'too long once the region is in')
})

t.test('publish settings: bad REGIONS, signing and bucket values name the variable and the value', async (t) => {
  t.throws(() => publishSettingsFromEnv({ REGIONS: 'eu-west-1 EU-WEST-2' }, 'MIT-0'), /REGIONS="eu-west-1 EU-WEST-2" holds "EU-WEST-2", which is not an AWS region name/)
  t.throws(() => publishSettingsFromEnv({ REGIONS: 'eu-west' }, 'MIT-0'), /REGIONS="eu-west" holds "eu-west"/)
  t.throws(() => publishSettingsFromEnv({ AWS_REGION: 'Frankfurt' }, 'MIT-0'), /AWS_REGION="Frankfurt" is not an AWS region name/)
  t.throws(() => publishSettingsFromEnv({ SIGNING_PROFILE: 'my-profile', S3_BUCKET: 'b-{region}' }, 'MIT-0'), /SIGNING_PROFILE="my-profile" is not an AWS Signer profile name/)
  t.throws(() => publishSettingsFromEnv({ SIGNING_PROFILE: 'signer1' }, 'MIT-0'), /SIGNING_PROFILE="signer1" needs S3_BUCKET: a versioned bucket in each region/)
  t.throws(() => publishSettingsFromEnv({ SIGNING_PROFILE: 'signer1', S3_BUCKET: 'b-{region}', SIGNING_TIMEOUT: '5m' }, 'MIT-0'), /SIGNING_TIMEOUT="5m" must be a whole number of seconds from 1 to 3600/)
  t.throws(() => publishSettingsFromEnv({ SIGNING_PROFILE: 'signer1', S3_BUCKET: 'b-{region}', SIGNING_TIMEOUT: '0' }, 'MIT-0'), /SIGNING_TIMEOUT="0"/)
  t.throws(() => publishSettingsFromEnv({ S3_BUCKET: 'b-{Region}' }, 'MIT-0'), /S3_BUCKET="b-\{Region\}" holds a placeholder other than \{region\}/)
  t.throws(() => publishSettingsFromEnv({ PUBLISH_CONCURRENCY: '0' }, 'MIT-0'), /PUBLISH_CONCURRENCY="0" must be a whole number from 1 to 32/)
  t.throws(() => publishSettingsFromEnv({ PUBLISH_CONCURRENCY: 'all' }, 'MIT-0'), /PUBLISH_CONCURRENCY="all"/)
})

t.test('publish settings: bad values name the variable and the value', async (t) => {
  const sixteen = Array.from({ length: 16 }, (_, i) => `nodejs${i}.x`).join(' ')
  t.throws(() => publishSettingsFromEnv({ COMPATIBLE_RUNTIMES: sixteen }, 'MIT-0'), /COMPATIBLE_RUNTIMES=.* lists 16 runtimes; Lambda accepts at most 15/)
  t.throws(() => publishSettingsFromEnv({ COMPATIBLE_RUNTIMES: 'Node JS' }, 'MIT-0'), /COMPATIBLE_RUNTIMES="Node JS" holds "Node"/)
  t.throws(() => publishSettingsFromEnv({ LAYER_NAME: 'a/b' }, 'MIT-0'), /LAYER_NAME="a\/b"/)
  t.throws(() => publishSettingsFromEnv({ MAX_DIRECT_UPLOAD_BYTES: '-1' }, 'MIT-0'), /MAX_DIRECT_UPLOAD_BYTES="-1"/)
  t.throws(() => publishSettingsFromEnv({ PUBLIC: 'sure' }, 'MIT-0'), /PUBLIC="sure" must be 1 or 0/)
  t.throws(() => publishSettingsFromEnv({ ORG_ID: 'acme' }, 'MIT-0'), /ORG_ID="acme"/)
  t.throws(() => publishSettingsFromEnv({ PRINCIPAL: 'bob' }, 'MIT-0'), /PRINCIPAL="bob" must be a 12-digit/)
  t.throws(() => publishSettingsFromEnv({ PUBLIC: '1', ORG_ID: 'o-abcdefghij' }, 'MIT-0'), /set only one of PUBLIC=1/)
  t.throws(() => publishSettingsFromEnv({ S3_BUCKET: 'Bad_Bucket' }, 'MIT-0'), /S3_BUCKET="Bad_Bucket"/)
  t.throws(() => publishSettingsFromEnv({ AWS_ENDPOINT_URL: 'localhost:4566' }, 'MIT-0'), /AWS_ENDPOINT_URL="localhost:4566" is not an http\(s\) URL/)
})
