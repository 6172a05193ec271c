// A local HTTP endpoint that answers the AWS calls `make publish` makes, the way AWS does, and
// records each request so tests can check what the real AWS CLI sent. Every service shares the
// one endpoint (AWS_ENDPOINT_URL); a request's service and region come from its SigV4 credential
// scope (`Authorization: … Credential=AKID/DATE/REGION/SERVICE/aws4_request`), and each region has
// its own layers, buckets, signing profiles and jobs, as in AWS.
//   sts     GetCallerIdentity          POST /                    (query protocol, XML answer)
//   lambda  ListLayerVersions          GET  /2018-10-31/layers/{name}/versions?CompatibleArchitecture&Marker&MaxItems
//           PublishLayerVersion        POST /2018-10-31/layers/{name}/versions                -> 201
//           GetLayerVersion            GET  /2018-10-31/layers/{name}/versions/{n}
//           GetLayerVersionPolicy      GET  /2018-10-31/layers/{name}/versions/{n}/policy     (404 when none)
//           AddLayerVersionPermission  POST /2018-10-31/layers/{name}/versions/{n}/policy     -> 201 (409 for a taken Sid)
//   s3      PutObject                  PUT  /{bucket}/{key}  (path style; x-amz-version-id when the bucket is versioned)
//   signer  GetSigningProfile          GET  /signing-profiles/{name}
//           StartSigningJob            POST /signing-jobs
//           DescribeSigningJob         GET  /signing-jobs/{id}  (Succeeded: the signed zip is written to the destination)
// A region in `denyRegions` answers AccessDenied to every lambda, s3 and signer call. Anything
// else gets a 404 in Lambda's error format, so an unexpected call fails loudly.
import crypto from 'node:crypto'
import http from 'node:http'
import { AddressInfo } from 'node:net'

export const ACCOUNT = '123456789012'
export const LAMBDA_PLATFORM = 'AWSLambda-SHA384-ECDSA'

export interface RecordedRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: http.IncomingHttpHeaders
  body: Buffer
  /** Parsed JSON body, when it is JSON. */
  json?: Record<string, unknown>
  /** From the SigV4 credential scope; undefined for an unsigned request. */
  region?: string
  service?: string
  accessKey?: string
}

export interface StoredLayerVersion {
  layerName: string
  version: number
  arn: string
  description: string
  architectures: string[]
  runtimes: string[]
  license?: string
  content: Buffer
  createdDate: string
  signingJobArn?: string
  signingProfileVersionArn?: string
  statements: Record<string, unknown>[]
}

interface Bucket {
  region: string
  versioned: boolean
}

interface SigningProfileState {
  name: string
  platformId: string
  status: string
  profileVersion: string
}

interface SigningJob {
  id: string
  region: string
  profile: SigningProfileState
  source: { bucket: string; key: string; version: string }
  destination: { bucket: string; prefix: string }
  polls: number
  status?: 'Succeeded' | 'Failed'
  reason?: string
  signedKey?: string
}

export interface FakeAws {
  url: string
  requests: RecordedRequest[]
  /** Latest object per `bucket/key`. */
  objects: Map<string, Buffer>
  /** Makes the next PublishLayerVersion fail with this Lambda error. */
  failNextPublish?: { status: number; type: string; message: string }
  /** Regions that answer AccessDenied (403) to lambda, s3 and signer calls. */
  denyRegions: Set<string>
  /** ListLayerVersions page size (the CLI follows NextMarker). */
  listPageSize: number
  /** How signing jobs end: after `inProgressPolls` InProgress answers, Succeeded, or Failed with `failReason`. */
  signing: { inProgressPolls: number; failReason?: string }
  addBucket(name: string, region: string, opts?: { versioned?: boolean }): void
  addSigningProfile(region: string, name: string, opts?: { platformId?: string; status?: string }): string
  /** The profile version ARN Signer reports for a profile. */
  profileVersionArn(region: string, name: string): string
  layerVersions(region: string, layerName?: string): StoredLayerVersion[]
  /** A version published earlier (by someone else, or from another zip). */
  seedLayerVersion(region: string, layerName: string, v: { architecture: string; content: Buffer; description?: string }): StoredLayerVersion
  /** Signed objects written by signing jobs, per `bucket/key`. */
  signedObjects: Map<string, { jobArn: string; profileVersionArn: string; source: Buffer }>
  close(): Promise<void>
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': crypto.randomUUID(), ...headers })
  res.end(JSON.stringify(body))
}

function lambdaError(res: http.ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type, 'x-amzn-requestid': crypto.randomUUID() })
  res.end(JSON.stringify({ Type: 'User', message }))
}

function s3Error(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' })
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${crypto.randomUUID()}</RequestId></Error>`)
}

/** S3 bodies may come as aws-chunked (streaming checksums in newer CLIs): undo that framing. */
function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const eol = body.indexOf('\r\n', at)
    if (eol < 0) break
    const size = parseInt(body.toString('latin1', at, eol).split(';')[0], 16)
    if (!Number.isFinite(size) || size === 0) break
    parts.push(body.subarray(eol + 2, eol + 2 + size))
    at = eol + 2 + size + 2
  }
  return Buffer.concat(parts)
}

const sha256b64 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('base64')

/** What the fake Signer writes: the zip with a signature block appended, so the bytes differ from the input. */
export function fakeSignedZip(zip: Buffer, jobId: string, profileVersionArn: string): Buffer {
  return Buffer.concat([zip, Buffer.from(`\nFAKE-AWS-SIGNER-SIGNATURE job=${jobId} profile=${profileVersionArn} nonce=${crypto.randomUUID()}\n`)])
}

export async function startFakeAws(): Promise<FakeAws> {
  const layers = new Map<string, StoredLayerVersion[]>() // `${region}/${name}`
  const lastVersion = new Map<string, number>()
  const buckets = new Map<string, Bucket>()
  const objectVersions = new Map<string, Buffer>() // `${bucket}/${key}#${versionId}`
  const profiles = new Map<string, SigningProfileState>() // `${region}/${name}`
  const jobs = new Map<string, SigningJob>()

  const fake: FakeAws = {
    url: '',
    requests: [],
    objects: new Map(),
    denyRegions: new Set(),
    listPageSize: 50,
    signing: { inProgressPolls: 0 },
    signedObjects: new Map(),
    addBucket(name, region, opts = {}) {
      buckets.set(name, { region, versioned: !!opts.versioned })
    },
    addSigningProfile(region, name, opts = {}) {
      profiles.set(`${region}/${name}`, { name, platformId: opts.platformId ?? LAMBDA_PLATFORM, status: opts.status ?? 'Active', profileVersion: crypto.randomBytes(5).toString('hex') })
      return fake.profileVersionArn(region, name)
    },
    profileVersionArn(region, name) {
      const p = profiles.get(`${region}/${name}`)
      if (!p) throw new Error(`no signing profile ${name} in ${region}`)
      return `arn:aws:signer:${region}:${ACCOUNT}:/signing-profiles/${name}/${p.profileVersion}`
    },
    layerVersions(region, layerName) {
      return [...layers.entries()].filter(([k]) => k.startsWith(`${region}/`) && (!layerName || k === `${region}/${layerName}`)).flatMap(([, v]) => v)
    },
    seedLayerVersion(region, layerName, v) {
      return addVersion(region, layerName, { description: v.description ?? 'seeded', architectures: [v.architecture], runtimes: [], content: v.content })
    },
    close: async () => undefined,
  }

  function addVersion(region: string, name: string, v: Pick<StoredLayerVersion, 'description' | 'architectures' | 'runtimes' | 'content'> & Partial<StoredLayerVersion>): StoredLayerVersion {
    const version = (lastVersion.get(`${region}/${name}`) ?? 0) + 1
    lastVersion.set(`${region}/${name}`, version)
    const stored: StoredLayerVersion = {
      layerName: name,
      version,
      arn: `arn:aws:lambda:${region}:${ACCOUNT}:layer:${name}:${version}`,
      createdDate: `2026-01-01T00:00:${String(version).padStart(2, '0')}.000+0000`,
      statements: [],
      ...v,
    }
    versionsOf(region, name).push(stored)
    return stored
  }

  const versionsOf = (region: string, name: string) => {
    const k = `${region}/${name}`
    if (!layers.has(k)) layers.set(k, [])
    return layers.get(k)!
  }
  const layerJson = (v: StoredLayerVersion, region: string, full: boolean) => ({
    ...(full
      ? {
          Content: {
            Location: `https://awslambda-${region}-layers.s3.${region}.amazonaws.com/snapshots/${ACCOUNT}/${v.layerName}-x`,
            CodeSha256: sha256b64(v.content),
            CodeSize: v.content.length,
            ...(v.signingJobArn ? { SigningJobArn: v.signingJobArn, SigningProfileVersionArn: v.signingProfileVersionArn } : {}),
          },
          LayerArn: v.arn.replace(/:\d+$/, ''),
        }
      : {}),
    LayerVersionArn: v.arn,
    Version: v.version,
    Description: v.description,
    CreatedDate: v.createdDate,
    CompatibleRuntimes: v.runtimes,
    LicenseInfo: v.license,
    CompatibleArchitectures: v.architectures,
  })

  function lambda(req: RecordedRequest, res: http.ServerResponse, region: string): void {
    const p = req.path
    let m = /^\/2018-10-31\/layers\/([^/]+)\/versions$/.exec(p)
    if (m && req.method === 'GET') {
      const arch = req.query.get('CompatibleArchitecture')
      const all = versionsOf(region, decodeURIComponent(m[1]))
        .filter((v) => !arch || v.architectures.includes(arch))
        .sort((a, b) => b.version - a.version)
      const start = Number(req.query.get('Marker') ?? 0)
      const size = Math.min(Number(req.query.get('MaxItems') ?? fake.listPageSize), fake.listPageSize)
      const page = all.slice(start, start + size)
      return json(res, 200, { LayerVersions: page.map((v) => layerJson(v, region, false)), ...(start + size < all.length ? { NextMarker: String(start + size) } : {}) })
    }
    if (m && req.method === 'POST') {
      if (fake.failNextPublish) {
        const f = fake.failNextPublish
        fake.failNextPublish = undefined
        return lambdaError(res, f.status, f.type, f.message)
      }
      const name = decodeURIComponent(m[1])
      const j = req.json ?? {}
      const runtimes = (j.CompatibleRuntimes as string[] | undefined) ?? []
      if (runtimes.length > 15) return lambdaError(res, 400, 'InvalidParameterValueException', 'CompatibleRuntimes: at most 15')
      if (typeof j.Description === 'string' && j.Description.length > 256) return lambdaError(res, 400, 'ValidationException', 'Description: at most 256 characters')
      const content = (j.Content ?? {}) as { ZipFile?: string; S3Bucket?: string; S3Key?: string; S3ObjectVersion?: string }
      let zip: Buffer | undefined
      let signed: { jobArn: string; profileVersionArn: string } | undefined
      if (content.ZipFile) zip = Buffer.from(content.ZipFile, 'base64')
      else if (content.S3Bucket && content.S3Key) {
        const bucket = buckets.get(content.S3Bucket)
        if (bucket && bucket.region !== region) {
          return lambdaError(res, 400, 'InvalidParameterValueException', `Error occurred while GetObject. S3 Error Code: PermanentRedirect. S3 Error Message: The bucket is in this region: ${bucket.region}. Please use this region to retry the request`)
        }
        const k = `${content.S3Bucket}/${content.S3Key}`
        zip = content.S3ObjectVersion ? objectVersions.get(`${k}#${content.S3ObjectVersion}`) : fake.objects.get(k)
        signed = fake.signedObjects.get(k)
      }
      if (!zip) return lambdaError(res, 400, 'InvalidParameterValueException', 'Content: no ZipFile and no existing S3 object')
      const stored = addVersion(region, name, {
        description: String(j.Description ?? ''),
        architectures: (j.CompatibleArchitectures as string[] | undefined) ?? [],
        runtimes,
        license: j.LicenseInfo as string | undefined,
        content: zip,
        ...(signed ? { signingJobArn: signed.jobArn, signingProfileVersionArn: signed.profileVersionArn } : {}),
      })
      return json(res, 201, layerJson(stored, region, true))
    }
    m = /^\/2018-10-31\/layers\/([^/]+)\/versions\/(\d+)(\/policy)?$/.exec(p)
    const stored = m ? versionsOf(region, decodeURIComponent(m[1])).find((v) => v.version === Number(m![2])) : undefined
    if (m && !stored) return lambdaError(res, 404, 'ResourceNotFoundException', `Layer version ${p} does not exist`)
    if (m && stored && !m[3] && req.method === 'GET') return json(res, 200, layerJson(stored, region, true))
    if (m && stored && m[3] && req.method === 'GET') {
      if (!stored.statements.length) return lambdaError(res, 404, 'ResourceNotFoundException', 'No policy is associated with the given resource.')
      return json(res, 200, { Policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: stored.statements }), RevisionId: crypto.randomUUID() })
    }
    if (m && stored && m[3] && req.method === 'POST') {
      const j = req.json ?? {}
      if (stored.statements.some((s) => s.Sid === j.StatementId)) {
        return lambdaError(res, 409, 'ResourceConflictException', `The statement id (${String(j.StatementId)}) provided already exists. Please provide a new statement id, or remove the existing statement.`)
      }
      const statement = {
        Sid: j.StatementId,
        Effect: 'Allow',
        Principal: j.Principal,
        Action: j.Action,
        Resource: stored.arn,
        ...(j.OrganizationId ? { Condition: { StringEquals: { 'aws:PrincipalOrgID': j.OrganizationId } } } : {}),
      }
      stored.statements.push(statement)
      return json(res, 201, { Statement: JSON.stringify(statement), RevisionId: crypto.randomUUID() })
    }
    lambdaError(res, 404, 'ResourceNotFoundException', `fake AWS endpoint has no route for ${req.method} ${p}`)
  }

  function s3(req: RecordedRequest, res: http.ServerResponse, region: string): void {
    const m = /^\/([^/]+)\/(.+)$/.exec(req.path)
    if (req.method !== 'PUT' || !m) return s3Error(res, 404, 'NotImplemented', `fake AWS endpoint has no S3 route for ${req.method} ${req.path}`)
    const name = decodeURIComponent(m[1])
    const bucket = buckets.get(name)
    if (!bucket) return s3Error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist')
    if (bucket.region !== region) return s3Error(res, 400, 'InvalidRequest', `The bucket ${name} is in ${bucket.region}, not ${region}`)
    const key = `${name}/${decodeURIComponent(m[2])}`
    const chunked = /aws-chunked/.test(String(req.headers['content-encoding'] ?? '')) || String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')
    const data = chunked ? decodeAwsChunked(req.body) : req.body
    fake.objects.set(key, data)
    const headers: http.OutgoingHttpHeaders = { etag: `"${crypto.createHash('md5').update(data).digest('hex')}"` }
    if (bucket.versioned) {
      const versionId = crypto.randomBytes(16).toString('base64url')
      objectVersions.set(`${key}#${versionId}`, data)
      headers['x-amz-version-id'] = versionId
    }
    res.writeHead(200, headers)
    res.end()
  }

  function signer(req: RecordedRequest, res: http.ServerResponse, region: string): void {
    let m = /^\/signing-profiles\/([^/]+)$/.exec(req.path)
    if (m && req.method === 'GET') {
      const name = decodeURIComponent(m[1])
      const p = profiles.get(`${region}/${name}`)
      if (!p) return lambdaError(res, 404, 'ResourceNotFoundException', `Profile ${name} not found.`)
      const arn = `arn:aws:signer:${region}:${ACCOUNT}:/signing-profiles/${name}`
      return json(res, 200, {
        profileName: name,
        profileVersion: p.profileVersion,
        profileVersionArn: `${arn}/${p.profileVersion}`,
        platformId: p.platformId,
        platformDisplayName: 'AWS Lambda',
        signatureValidityPeriod: { value: 135, type: 'MONTHS' },
        status: p.status,
        arn,
      })
    }
    if (req.path === '/signing-jobs' && req.method === 'POST') {
      const j = (req.json ?? {}) as { source?: { s3?: { bucketName?: string; key?: string; version?: string } }; destination?: { s3?: { bucketName?: string; prefix?: string } }; profileName?: string; clientRequestToken?: string }
      const p = profiles.get(`${region}/${j.profileName}`)
      if (!p) return lambdaError(res, 404, 'ResourceNotFoundException', `Profile ${String(j.profileName)} not found.`)
      const src = j.source?.s3 ?? {}
      const dst = j.destination?.s3 ?? {}
      if (!j.clientRequestToken) return lambdaError(res, 400, 'ValidationException', 'clientRequestToken is required')
      const srcBucket = buckets.get(src.bucketName ?? '')
      if (!srcBucket || srcBucket.region !== region || !buckets.get(dst.bucketName ?? '') || buckets.get(dst.bucketName!)!.region !== region) {
        return lambdaError(res, 400, 'ValidationException', 'The source and destination buckets must exist in the region of the signing profile.')
      }
      if (!srcBucket.versioned || !src.version || !objectVersions.has(`${src.bucketName}/${src.key}#${src.version}`)) {
        return lambdaError(res, 400, 'ValidationException', 'The source object version was not found; the source bucket must be versioned.')
      }
      const id = crypto.randomUUID()
      jobs.set(id, { id, region, profile: p, source: { bucket: src.bucketName!, key: src.key!, version: src.version }, destination: { bucket: dst.bucketName!, prefix: dst.prefix ?? '' }, polls: 0 })
      return json(res, 200, { jobId: id, jobOwner: ACCOUNT })
    }
    m = /^\/signing-jobs\/([^/]+)$/.exec(req.path)
    if (m && req.method === 'GET') {
      const job = jobs.get(decodeURIComponent(m[1]))
      if (!job || job.region !== region) return lambdaError(res, 404, 'ResourceNotFoundException', `Job ${m[1]} not found.`)
      job.polls++
      if (!job.status && job.polls > fake.signing.inProgressPolls) {
        if (fake.signing.failReason) {
          job.status = 'Failed'
          job.reason = fake.signing.failReason
        } else {
          job.status = 'Succeeded'
          const profileVersionArn = fake.profileVersionArn(region, job.profile.name)
          const jobArn = `arn:aws:signer:${region}:${ACCOUNT}:/signing-jobs/${job.id}`
          job.signedKey = `${job.destination.prefix}${job.id}.zip`
          const source = objectVersions.get(`${job.source.bucket}/${job.source.key}#${job.source.version}`)!
          const k = `${job.destination.bucket}/${job.signedKey}`
          fake.objects.set(k, fakeSignedZip(source, job.id, profileVersionArn))
          fake.signedObjects.set(k, { jobArn, profileVersionArn, source })
        }
      }
      return json(res, 200, {
        jobId: job.id,
        source: { s3: { bucketName: job.source.bucket, key: job.source.key, version: job.source.version } },
        platformId: job.profile.platformId,
        profileName: job.profile.name,
        profileVersion: job.profile.profileVersion,
        status: job.status ?? 'InProgress',
        ...(job.reason ? { statusReason: job.reason } : {}),
        ...(job.signedKey ? { signedObject: { s3: { bucketName: job.destination.bucket, key: job.signedKey } } } : {}),
        jobOwner: ACCOUNT,
      })
    }
    lambdaError(res, 404, 'ResourceNotFoundException', `fake AWS endpoint has no signer route for ${req.method} ${req.path}`)
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const url = new URL(req.url ?? '/', 'http://localhost')
      const scope = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(String(req.headers.authorization ?? ''))
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        ...(scope ? { accessKey: scope[1], region: scope[2], service: scope[3] } : {}),
      }
      if (/json/.test(String(req.headers['content-type'] ?? '')) && body.length) {
        try {
          rec.json = JSON.parse(body.toString('utf8')) as Record<string, unknown>
        } catch {
          /* left undefined: the test will notice */
        }
      }
      fake.requests.push(rec)
      const region = rec.region ?? 'us-east-1'

      if (rec.service === 'sts' || (req.method === 'POST' && url.pathname === '/' && /Action=GetCallerIdentity/.test(body.toString('utf8')))) {
        res.writeHead(200, { 'content-type': 'text/xml' })
        res.end(
          `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
            `<Arn>arn:aws:iam::${ACCOUNT}:user/publisher</Arn><UserId>AIDAFAKEPUBLISHER</UserId><Account>${ACCOUNT}</Account>` +
            `</GetCallerIdentityResult><ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
        )
        return
      }
      if (fake.denyRegions.has(region)) {
        const msg = `User: arn:aws:iam::${ACCOUNT}:user/publisher is not authorized to perform this ${rec.service} action in ${region} because no identity-based policy allows it`
        return rec.service === 's3' ? s3Error(res, 403, 'AccessDenied', msg) : lambdaError(res, 403, 'AccessDeniedException', msg)
      }
      if (rec.service === 's3') return s3(rec, res, region)
      if (rec.service === 'signer') return signer(rec, res, region)
      return lambda(rec, res, region)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return fake
}
