// A local HTTP endpoint that answers the few AWS calls `make publish` makes, the way AWS does,
// and records each request so tests can check what the real AWS CLI sent:
//   STS GetCallerIdentity            POST /            (query protocol, XML answer)
//   Lambda PublishLayerVersion       POST /2018-10-31/layers/{name}/versions            -> 201 JSON
//   Lambda AddLayerVersionPermission POST /2018-10-31/layers/{name}/versions/{n}/policy -> 201 JSON
//   S3 PutObject                     PUT  /{bucket}/{key}  (path style)                 -> 200 + ETag
// Anything else gets a 404 in Lambda's error format, so an unexpected call fails loudly.
import crypto from 'node:crypto'
import http from 'node:http'
import { AddressInfo } from 'node:net'

export const ACCOUNT = '123456789012'

export interface RecordedRequest {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  body: Buffer
  /** Parsed JSON body, when it is JSON. */
  json?: Record<string, unknown>
}

export interface FakeAws {
  url: string
  requests: RecordedRequest[]
  objects: Map<string, Buffer>
  /** Makes the next PublishLayerVersion fail with this Lambda error. */
  failNextPublish?: { status: number; type: string; message: string }
  close(): Promise<void>
}

function lambdaError(res: http.ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type, 'x-amzn-requestid': crypto.randomUUID() })
  res.end(JSON.stringify({ Type: 'User', message }))
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

export async function startFakeAws(region = 'us-east-1'): Promise<FakeAws> {
  const versions = new Map<string, number>()
  const fake: FakeAws = { url: '', requests: [], objects: new Map(), close: async () => undefined }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const url = new URL(req.url ?? '/', 'http://localhost')
      const rec: RecordedRequest = { method: req.method ?? '', path: url.pathname, headers: req.headers, body }
      if (/json/.test(String(req.headers['content-type'] ?? '')) && body.length) {
        try {
          rec.json = JSON.parse(body.toString('utf8')) as Record<string, unknown>
        } catch {
          /* left undefined: the test will notice */
        }
      }
      fake.requests.push(rec)

      if (req.method === 'POST' && url.pathname === '/' && /Action=GetCallerIdentity/.test(body.toString('utf8'))) {
        res.writeHead(200, { 'content-type': 'text/xml' })
        res.end(
          `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
            `<Arn>arn:aws:iam::${ACCOUNT}:user/publisher</Arn><UserId>AIDAFAKEPUBLISHER</UserId><Account>${ACCOUNT}</Account>` +
            `</GetCallerIdentityResult><ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
        )
        return
      }
      let m = /^\/2018-10-31\/layers\/([^/]+)\/versions$/.exec(url.pathname)
      if (req.method === 'POST' && m) {
        if (fake.failNextPublish) {
          const f = fake.failNextPublish
          fake.failNextPublish = undefined
          return lambdaError(res, f.status, f.type, f.message)
        }
        const name = decodeURIComponent(m[1])
        const j = rec.json ?? {}
        const runtimes = (j.CompatibleRuntimes as string[] | undefined) ?? []
        if (runtimes.length > 15) return lambdaError(res, 400, 'InvalidParameterValueException', 'CompatibleRuntimes: at most 15')
        const content = (j.Content ?? {}) as { ZipFile?: string; S3Bucket?: string; S3Key?: string }
        let zip: Buffer | undefined
        if (content.ZipFile) zip = Buffer.from(content.ZipFile, 'base64')
        else if (content.S3Bucket && content.S3Key) zip = fake.objects.get(`${content.S3Bucket}/${content.S3Key}`)
        if (!zip) return lambdaError(res, 400, 'InvalidParameterValueException', 'Content: no ZipFile and no existing S3 object')
        const version = (versions.get(name) ?? 0) + 1
        versions.set(name, version)
        const layerArn = `arn:aws:lambda:${region}:${ACCOUNT}:layer:${name}`
        res.writeHead(201, { 'content-type': 'application/json', 'x-amzn-requestid': crypto.randomUUID() })
        res.end(
          JSON.stringify({
            Content: {
              Location: `https://awslambda-${region}-layers.s3.${region}.amazonaws.com/snapshots/${ACCOUNT}/${name}-x`,
              CodeSha256: crypto.createHash('sha256').update(zip).digest('base64'),
              CodeSize: zip.length,
            },
            LayerArn: layerArn,
            LayerVersionArn: `${layerArn}:${version}`,
            Description: j.Description,
            CreatedDate: '2026-01-01T00:00:00.000+0000',
            Version: version,
            CompatibleRuntimes: runtimes,
            LicenseInfo: j.LicenseInfo,
            CompatibleArchitectures: j.CompatibleArchitectures,
          }),
        )
        return
      }
      m = /^\/2018-10-31\/layers\/([^/]+)\/versions\/(\d+)\/policy$/.exec(url.pathname)
      if (req.method === 'POST' && m) {
        const j = rec.json ?? {}
        const statement = {
          Sid: j.StatementId,
          Effect: 'Allow',
          Principal: j.Principal,
          Action: j.Action,
          Resource: `arn:aws:lambda:${region}:${ACCOUNT}:layer:${m[1]}:${m[2]}`,
          ...(j.OrganizationId ? { Condition: { StringEquals: { 'aws:PrincipalOrgID': j.OrganizationId } } } : {}),
        }
        res.writeHead(201, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ Statement: JSON.stringify(statement), RevisionId: crypto.randomUUID() }))
        return
      }
      if (req.method === 'PUT' && /^\/[^/]+\/.+/.test(url.pathname)) {
        const key = decodeURIComponent(url.pathname.slice(1))
        const chunked = /aws-chunked/.test(String(req.headers['content-encoding'] ?? '')) || String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')
        const data = chunked ? decodeAwsChunked(body) : body
        fake.objects.set(key, data)
        res.writeHead(200, { etag: `"${crypto.createHash('md5').update(data).digest('hex')}"` })
        res.end()
        return
      }
      lambdaError(res, 404, 'ResourceNotFoundException', `fake AWS endpoint has no route for ${req.method} ${url.pathname}`)
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
