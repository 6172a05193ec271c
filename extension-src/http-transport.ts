// The one HTTP transport of the extension: node-fetch over node:http, one connection per call
// (no keep-alive pool) and no timeout of any kind (extensions-api.ts says why). Two choices keep
// node-fetch's first call, which every cold start pays before register, to the work it needs
// (docs/performance.md has the numbers):
//   - compress: false. The Extensions API never compresses; node-fetch otherwise asks for gzip,
//     deflate and br and checks every answer for an encoding to undo.
//   - the answer is read from node-fetch's body stream by its events. Response#text() reads it
//     with an async iterator, whose machinery in Node's streams is compiled on first use only
//     for this.
import { Agent } from 'node:http'
import fetch from 'node-fetch'
import type { FetchLike } from './extensions-api'

export function createHttpTransport(): FetchLike {
  const agent = new Agent({ keepAlive: false })
  return async (url, init) => {
    const res = await fetch(url, { ...init, agent, compress: false })
    return { status: res.status, headers: res.headers, text: () => readBody(res.body) }
  }
}

/** The whole body as UTF-8 text. */
function readBody(body: NodeJS.ReadableStream | null): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!body) return resolve('')
    const chunks: Buffer[] = []
    body.on('data', (chunk: Buffer) => chunks.push(chunk))
    body.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    body.once('error', reject)
  })
}
