import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

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
