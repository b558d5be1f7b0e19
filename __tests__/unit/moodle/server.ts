import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'

/** A request as the tiny test server saw it. */
export interface SeenRequest {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
  form: URLSearchParams
}

export type Reply = (req: SeenRequest, res: ServerResponse, index: number) => void

export interface TestServer {
  endpoint: string
  port: number
  requests: SeenRequest[]
  close(): Promise<void>
}

/** Starts a throwaway HTTP server on 127.0.0.1 (random port) that answers with `reply`. */
export async function startServer(reply: Reply): Promise<TestServer> {
  const requests: SeenRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        form: new URLSearchParams(body)
      }
      requests.push(seen)
      reply(seen, res, requests.length - 1)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}/webservice/rest/server.php`,
    port,
    requests,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

export function sendJson(
  res: ServerResponse,
  body: unknown,
  status = 200,
  headers: Record<string, string> = {}
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

export function sendText(
  res: ServerResponse,
  body: string,
  status: number,
  headers: Record<string, string> = {}
): void {
  res.writeHead(status, headers)
  res.end(body)
}

/** A plain TCP server on 127.0.0.1 (random port), for replies no HTTP server would send. */
export interface RawServer {
  port: number
  /** Connections accepted so far. */
  connections: () => number
  close(): Promise<void>
}

export async function startRawServer(onSocket: (socket: Socket) => void): Promise<RawServer> {
  let connections = 0
  const sockets = new Set<Socket>()
  const server = createTcpServer(socket => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    onSocket(socket)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

/** Calls `onRequest` with the raw request once its head and `content-length` bytes arrived. */
export function onRawRequest(socket: Socket, onRequest: (request: string) => void): void {
  let received = ''
  let seen = false
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => {
    if (seen) return
    received += chunk
    const end = received.indexOf('\r\n\r\n')
    if (end < 0) return
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(received)?.[1] ?? 0)
    if (received.length < end + 4 + length) return
    seen = true
    onRequest(received)
  })
}
