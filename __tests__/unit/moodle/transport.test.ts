/**
 * The two transports report the same things in the cases where they could differ: what came
 * back, and for a failure whether the request had been sent (after DNS, TCP and TLS), which
 * decides whether an award may be repeated.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { isDeepStrictEqual } from 'node:util'
import { HttpTransport } from '../../../src/moodle/http-transport.js'
import type { MoodleTransport, SendResult } from '../../../src/moodle/transport.js'
import { UndiciTransport } from '../../../src/moodle/undici-transport.js'
import { selfSignedCertificate } from '../../fixtures/tls.js'
import { onRawRequest, startRawServer, type RawServer } from './server.js'

const TRANSPORTS: [string, (timeoutMs: number) => MoodleTransport][] = [
  ['node:http', timeoutMs => new HttpTransport(timeoutMs)],
  ['undici', timeoutMs => new UndiciTransport({ timeoutMs })]
]
const TIMEOUT_CODES = ['TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']
const FORM = 'wsfunction=x&wstoken=secret'
const HEADERS = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

async function raw(onSocket: Parameters<typeof startRawServer>[0]): Promise<RawServer> {
  const server = await startRawServer(onSocket)
  cleanups.push(() => server.close())
  return server
}

async function listening<T extends HttpServer>(server: T): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(async () => {
    server.closeAllConnections()
    await new Promise<void>(resolve => server.close(() => resolve()))
  })
  return (server.address() as AddressInfo).port
}

/** Resolves once `condition` holds (checked every 10 ms); no fixed sleeps. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise(resolve => setTimeout(resolve, 10))
}

describe.each(TRANSPORTS)('%s transport', (_name, open) => {
  const send = (url: string, timeoutMs = 2000): Promise<SendResult> => {
    const transport = open(timeoutMs)
    cleanups.push(() => transport.close())
    return transport.send({ url: new URL(url), body: FORM, headers: HEADERS })
  }

  it('sends the form as a POST and returns the reply: status, first header values, body without BOM', async () => {
    let request = ''
    const server = await raw(socket =>
      onRawRequest(socket, text => {
        request = text
        const body = Buffer.from('\uFEFF{"xp":12,"name":"Zoë"}', 'utf8')
        socket.end(
          Buffer.concat([
            Buffer.from(
              'HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n' +
                `retry-after: 7\r\nretry-after: 9\r\ncontent-length: ${body.length}\r\n\r\n`
            ),
            body
          ])
        )
      })
    )
    const result = await send(`http://127.0.0.1:${server.port}/webservice/rest/server.php`)
    expect(result).toEqual({
      ok: true,
      reply: {
        status: 503,
        headers: expect.objectContaining({
          'content-type': 'application/json',
          'retry-after': '7'
        }),
        body: '{"xp":12,"name":"Zoë"}'
      }
    })
    expect(request).toMatch(/^POST \/webservice\/rest\/server\.php HTTP\/1\.1\r\n/)
    expect(request).toMatch(/\r\ncontent-type: application\/x-www-form-urlencoded\r\n/i)
    expect(request).toMatch(/\r\ncontent-length: 27\r\n/i)
    expect(request.endsWith(`\r\n\r\n${FORM}`)).toBe(true)
  })

  it('a reply of 6 MB, multi-byte characters across its chunks, arrives whole', async () => {
    const body = JSON.stringify(
      Array.from({ length: 60_000 }, (_, i) => ({ id: i, fullname: `Zoë Ångström € ${i}` }))
    ).padEnd(6 * 1024 * 1024, ' ')
    const port = await listening(
      createHttpServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' })
        // Written in pieces that split the two- and three-byte characters.
        const bytes = Buffer.from(body, 'utf8')
        for (let at = 0; at < bytes.length; at += 65_537) res.write(bytes.subarray(at, at + 65_537))
        res.end()
      })
    )
    const result = await send(`http://127.0.0.1:${port}/`, 10_000)
    expect(result.ok).toBe(true)
    // Compared without printing 6 MB if it fails.
    expect(result.ok && isDeepStrictEqual(result.reply.body, body)).toBe(true)
  })

  it('a body without a length, ended by closing the connection, is complete', async () => {
    const server = await raw(socket =>
      onRawRequest(socket, () => socket.end('HTTP/1.1 200 OK\r\n\r\n{"xp":5}'))
    )
    const result = await send(`http://127.0.0.1:${server.port}/`)
    expect(result).toMatchObject({ ok: true, reply: { status: 200, body: '{"xp":5}' } })
  })

  it('opens a fresh connection for every call and closes it after the reply', async () => {
    let connections = 0
    const server = createHttpServer((_req, res) => res.end('{}'))
    server.keepAliveTimeout = 60_000 // the server would keep it open: the client must not
    server.on('connection', () => connections++)
    const port = await listening(server)
    const transport = open(2000)
    cleanups.push(() => transport.close())
    for (let i = 1; i <= 2; i++) {
      const request = { url: new URL(`http://127.0.0.1:${port}/`), body: FORM, headers: HEADERS }
      await expect(transport.send(request)).resolves.toMatchObject({ ok: true })
      expect(connections).toBe(i)
      await until(
        () => new Promise<boolean>(resolve => server.getConnections((_e, count) => resolve(!count)))
      )
    }
  })

  it('a server that keeps the connection open after its reply: the client closes it', async () => {
    let closedByClient = false
    const server = await raw(socket => {
      socket.on('end', () => (closedByClient = true))
      onRawRequest(socket, () =>
        // Keep-alive offered, and the socket never closed from this side.
        socket.write(
          'HTTP/1.1 200 OK\r\nconnection: keep-alive\r\ncontent-length: 8\r\n\r\n{"xp":5}'
        )
      )
    })
    const result = await send(`http://127.0.0.1:${server.port}/`)
    expect(result).toMatchObject({ ok: true, reply: { status: 200, body: '{"xp":5}' } })
    await until(() => closedByClient)
  })

  it('a redirect is the reply: not followed, the Location header kept', async () => {
    const paths: string[] = []
    const port = await listening(
      createHttpServer((req, res) => {
        paths.push(`${req.method} ${req.url}`)
        res.writeHead(307, { location: '/moodle/webservice/rest/server.php' }).end()
      })
    )
    const result = await send(`http://127.0.0.1:${port}/webservice/rest/server.php`)
    expect(result).toMatchObject({
      ok: true,
      reply: { status: 307, headers: { location: '/moodle/webservice/rest/server.php' } }
    })
    expect(paths).toEqual(['POST /webservice/rest/server.php'])
  })

  it('a reply that is not HTTP: sent, and a failure', async () => {
    const server = await raw(socket =>
      onRawRequest(socket, () => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'))
    )
    const result = await send(`http://127.0.0.1:${server.port}/`)
    expect(result).toMatchObject({ ok: false, sent: true })
  })

  it('a reset after the request reached the server, before any reply: sent', async () => {
    const server = await raw(socket => onRawRequest(socket, () => socket.resetAndDestroy()))
    const result = await send(`http://127.0.0.1:${server.port}/`)
    expect(result).toMatchObject({ ok: false, sent: true })
  })

  it('a body cut half way: sent, and a failure (not a short reply)', async () => {
    const server = await raw(socket =>
      onRawRequest(socket, () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"xp":')
        setTimeout(() => socket.destroy(), 20)
      })
    )
    const result = await send(`http://127.0.0.1:${server.port}/`)
    expect(result).toMatchObject({ ok: false, sent: true })
  })

  it('no reply after the request was sent: the time limit, sent', async () => {
    const server = await raw(socket => onRawRequest(socket, () => undefined))
    const result = await send(`http://127.0.0.1:${server.port}/`, 300)
    expect(result).toMatchObject({ ok: false, sent: true })
    expect(TIMEOUT_CODES).toContain(!result.ok && result.code)
  })

  it('nothing listening: ECONNREFUSED, nothing sent', async () => {
    const server = await raw(() => undefined)
    const port = server.port
    await server.close()
    await expect(send(`http://127.0.0.1:${port}/`)).resolves.toEqual({
      ok: false,
      code: 'ECONNREFUSED',
      sent: false
    })
  })

  it('a self-signed certificate: a certificate error, nothing sent', async () => {
    let requests = 0
    const port = await listening(
      createHttpsServer(selfSignedCertificate(), (_req, res) => {
        requests++
        res.end('{}')
      })
    )
    const result = await send(`https://127.0.0.1:${port}/`)
    expect(result).toEqual({ ok: false, code: 'DEPTH_ZERO_SELF_SIGNED_CERT', sent: false })
    expect(requests).toBe(0)
  })

  it('a server that accepts the connection but never completes TLS: the time limit, nothing sent', async () => {
    const server = await raw(() => undefined)
    const result = await send(`https://127.0.0.1:${server.port}/`, 300)
    expect(result).toMatchObject({ ok: false, sent: false })
    expect(TIMEOUT_CODES).toContain(!result.ok && result.code)
    expect(server.connections()).toBe(1)
  })

  it('a reset during the TLS handshake: nothing sent', async () => {
    const server = await raw(socket => socket.once('data', () => socket.resetAndDestroy()))
    const result = await send(`https://127.0.0.1:${server.port}/`)
    expect(result).toMatchObject({ ok: false, sent: false })
  })
})
