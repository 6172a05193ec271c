// Build and publish configuration parsing: defaults, overrides, and clear errors naming the
// variable and the bad value.
import t from 'tap'
import { parseArch } from '../../build-scripts/arch'
import { buildConfigFromEnv, DEFAULT_ZIP_LEVEL, NodePins, parseExecArgv } from '../../build-scripts/config'
import { DEFAULT_RUNTIMES, layerDescription, publishSettingsFromEnv } from '../../build-scripts/publish-settings'

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
  t.same(s.commonArgs, [])
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
  t.same(s.commonArgs, ['--region', 'eu-west-1', '--endpoint-url', 'http://127.0.0.1:4566'])
  t.equal(s.s3Prefix, 'layers/')
  t.same(publishSettingsFromEnv({ PUBLIC: '1' }, 'MIT-0').permission, { statementId: 'wait-for-init-public', principal: '*', audience: 'every AWS account' })
  t.match(publishSettingsFromEnv({ ORG_ID: 'o-abcdefghij' }, 'MIT-0').permission, { principal: '*', organizationId: 'o-abcdefghij' })
  t.match(publishSettingsFromEnv({ PRINCIPAL: '210987654321' }, 'MIT-0').permission, { principal: '210987654321' })
  t.same(publishSettingsFromEnv({ AWS_DEFAULT_REGION: 'ap-south-1' }, 'MIT-0').commonArgs, ['--region', 'ap-south-1'])
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
