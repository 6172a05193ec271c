// Small shared helpers for unit tests: a throwaway directory and a Unix-socket client.
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { Logger } from '../../extension-src/logger'

/** A short temp dir (Unix socket paths must stay under 108 bytes), removed at teardown. */
export function shortTempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-u-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Connects, writes each chunk, half-closes, and resolves with everything the server answered. */
export function exchange(socketPath: string, chunks: string[], opts: { end?: boolean; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath)
    let answer = ''
    const timer = setTimeout(() => {
      socket.destroy()
      resolve(answer)
    }, opts.timeoutMs ?? 3000)
    socket.setEncoding('utf8')
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c)
      if (opts.end !== false) socket.end()
    })
    socket.on('data', (d: string) => (answer += d))
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(answer)
    })
    socket.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
  })
}

export interface RecordingLogger extends Logger {
  lines: { level: string; message: string; fields?: Record<string, unknown> }[]
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = []
  const rec = (level: string) => (message: string, fields?: Record<string, unknown>) => lines.push({ level, message, fields })
  return { lines, debug: rec('DEBUG'), info: rec('INFO'), warn: rec('WARN'), error: rec('ERROR') }
}

/** A throwaway HTTP server on 127.0.0.1 (closed at teardown); resolves with its host:port. */
export async function httpServer(t: { teardown(fn: () => void): void }, handler: http.RequestListener): Promise<string> {
  const s = http.createServer(handler)
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  t.teardown(() => {
    s.closeAllConnections()
    s.close()
  })
  return `127.0.0.1:${(s.address() as { port: number }).port}`
}
