// Sends `ready` on the readiness socket from the bench process and returns the reply (the
// reference extension sends none), bounded by a timeout.
import net from 'node:net'

export function signalReady(socketPath: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    let reply = ''
    const socket = net.createConnection(socketPath, () => socket.end('ready\n'))
    const timer = setTimeout(() => socket.destroy(), timeoutMs)
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => (reply += d))
    socket.on('error', (e: NodeJS.ErrnoException) => (reply += `<${e.code ?? e.message}>`))
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(reply)
    })
  })
}
