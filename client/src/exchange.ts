// One attempt of the signal protocol: connect to the Unix socket, send one message line,
// half-close, and read the extension's one-line answer. Bounded by `timeoutMs`; every socket
// and timer is released before the promise settles. Never rejects.
import { connect } from 'net'
import { lstatSync } from 'fs'
import { encodeMessage, isAccepted } from '../../protocol/signal-protocol'

export type AttemptOutcome =
  | { kind: 'ok' } // the extension answered `ok`
  | { kind: 'answer'; answer: string } // it answered something else (an `error ...` line)
  | { kind: 'no-answer'; why: string } // connected, but no answer line (timeout, EOF, reset)
  | { kind: 'missing' } // ENOENT: nothing at the path
  | { kind: 'refused' } // a socket file with nobody listening (released or dead extension)
  | { kind: 'not-a-socket' } // the path is a regular file or a directory
  | { kind: 'unusable'; code: string } // any other connect error (EACCES, path too long, ...)

const MAX_ANSWER_BYTES = 1024

export function attempt(socketPath: string, message: string, timeoutMs: number): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    let settled = false
    let connected = false
    let answer = ''
    const socket = connect({ path: socketPath, allowHalfOpen: true })
    const finish = (outcome: AttemptOutcome): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(outcome)
    }
    // The timer defers its verdict by one setImmediate: timers run before I/O in Node's event
    // loop, so after a sandbox thaw (docs/lambda-lifecycle.md §7) an answer that arrived just before the freeze is
    // read first instead of being mistaken for a timeout.
    const timer = setTimeout(() => {
      setImmediate(() => finish({ kind: 'no-answer', why: `no answer within ${timeoutMs} ms` }))
    }, timeoutMs)

    socket.setEncoding('utf8')
    socket.on('connect', () => {
      connected = true
      socket.end(encodeMessage(message)) // newline for line readers, FIN for readers that wait for EOF
    })
    socket.on('data', (chunk: string) => {
      answer += chunk
      const newline = answer.indexOf('\n')
      if (newline >= 0) finish(classify(answer.slice(0, newline)))
      else if (answer.length > MAX_ANSWER_BYTES) finish(classify(answer))
    })
    socket.on('end', () => {
      if (answer.trim() !== '') finish(classify(answer))
      else finish({ kind: 'no-answer', why: 'the extension closed the connection without answering' })
    })
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (connected) {
        finish(answer.trim() !== '' ? classify(answer) : { kind: 'no-answer', why: `connection error ${err.code || err.message}` })
        return
      }
      finish(classifyConnectError(socketPath, err))
    })
  })
}

function classify(line: string): AttemptOutcome {
  const text = line.trim()
  return isAccepted(text) ? { kind: 'ok' } : { kind: 'answer', answer: text.slice(0, 200) }
}

function classifyConnectError(socketPath: string, err: NodeJS.ErrnoException): AttemptOutcome {
  const code = err.code || 'UNKNOWN'
  if (code === 'ENOENT') return { kind: 'missing' }
  if (code === 'ECONNREFUSED') {
    // Linux also refuses connections to regular files and directories; tell them apart.
    try {
      return lstatSync(socketPath).isSocket() ? { kind: 'refused' } : { kind: 'not-a-socket' }
    } catch {
      return { kind: 'refused' } // a socket refused us, then vanished: the extension just left
    }
  }
  return { kind: 'unusable', code }
}
