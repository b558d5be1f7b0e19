/**
 * End to end over https, as real Moodle sites are reached: a TLS front on loopback (certificates
 * in `__tests__/fixtures/tls/`) forwards to the Moodle-compatible server. The runner trusts the
 * test authority through NODE_EXTRA_CA_CERTS, as a self-hosted runner trusts a private one. A
 * direct award goes over Node's https, a proxied one over undici through the proxy's tunnel.
 */
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { DEMO_TOKEN, MoodleServer } from '../../../test-servers/moodle/server.js'
import { runAction } from '../../../test-servers/runner/run-action.js'
import { localhostCertificate, selfSignedCertificate, TEST_CA_FILE } from '../../fixtures/tls.js'

interface Front {
  server: TlsServer
  url: string
  /** TLS connections accepted (handshake or not). */
  connections: number
}

let moodle: MoodleServer
let trusted: Front
let selfSigned: Front
let proxy: ReturnType<typeof createTcpServer>
let proxyUrl: string
const tunnels: string[] = []

/** Two sockets joined both ways; either one closing closes the other. */
function join(a: Socket, b: Socket): void {
  a.pipe(b).pipe(a)
  for (const [one, other] of [
    [a, b],
    [b, a]
  ] as const) {
    one.on('error', () => other.destroy())
    one.on('close', () => other.destroy())
  }
}

/** A TLS front with `certificate` that forwards every connection to the Moodle server. */
async function front(certificate: { cert: string; key: string }): Promise<Front> {
  const moodlePort = Number(new URL(moodle.url).port)
  const server = createTlsServer(certificate, socket =>
    join(socket, connect(moodlePort, '127.0.0.1'))
  )
  const result: Front = { server, url: '', connections: 0 }
  server.on('connection', () => result.connections++)
  server.on('tlsClientError', () => undefined)
  await new Promise<void>(done => server.listen(0, '127.0.0.1', done))
  result.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  return result
}

beforeAll(async () => {
  moodle = new MoodleServer()
  await moodle.start()
  trusted = await front(localhostCertificate())
  selfSigned = await front(selfSignedCertificate())
  // A CONNECT-only proxy, as in proxy.test.ts: it sees the tunnel's target, never the request.
  proxy = createTcpServer(client => {
    client.once('data', head => {
      const target = /^CONNECT (\S+) /.exec(head.toString('latin1'))?.[1] ?? ''
      tunnels.push(target)
      const [host = '', port = '0'] = target.split(':')
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        join(client, upstream)
      })
      upstream.on('error', () => client.destroy())
    })
    client.on('error', () => undefined)
  })
  await new Promise<void>(done => proxy.listen(0, '127.0.0.1', done))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
})

afterAll(async () => {
  await moodle.stop()
  for (const server of [trusted.server, selfSigned.server, proxy]) {
    await new Promise(done => server.close(done))
  }
})

beforeEach(() => {
  moodle.reset()
  tunnels.length = 0
  trusted.connections = 0
  selfSigned.connections = 0
})

const award = (url: string, env: Record<string, string> = {}) =>
  runAction({
    inputs: {
      'moodle-url': url,
      'moodle-token': DEMO_TOKEN,
      'course-id': '30',
      'user-id': '2',
      ledger: 'off'
    },
    env
  })

describe('Moodle over https', () => {
  it('a direct award over https, the certificate trusted through NODE_EXTRA_CA_CERTS', async () => {
    const result = await award(trusted.url, { NODE_EXTRA_CA_CERTS: TEST_CA_FILE })
    expect(result.errors).toEqual([])
    expect(result.results[0]?.['status']).toBe('awarded')
    expect(moodle.awardsApplied()).toBe(1)
    expect(trusted.connections).toBe(1)
  })

  it('an award through a proxy to an https Moodle: tunnelled, awarded once', async () => {
    const result = await award(trusted.url, {
      NODE_EXTRA_CA_CERTS: TEST_CA_FILE,
      HTTPS_PROXY: proxyUrl
    })
    expect(result.errors).toEqual([])
    expect(result.results[0]?.['status']).toBe('awarded')
    expect(tunnels).toEqual([new URL(trusted.url).host])
    expect(moodle.awardsApplied()).toBe(1)
  })

  it.each([
    ['directly', false],
    ['through a proxy', true]
  ])(
    'a certificate nobody trusts, %s: failed, nothing sent, not retried',
    async (_how, proxied) => {
      const result = await award(selfSigned.url, proxied ? { HTTPS_PROXY: proxyUrl } : {})
      expect(result.code).toBe(1)
      expect(result.results[0]?.['status']).toBe('failed')
      expect(result.errors[0]).toMatch(
        /TLS certificate of 127\.0\.0\.1:\d+ was rejected \(DEPTH_ZERO_SELF_SIGNED_CERT\); nothing was sent/
      )
      expect(selfSigned.connections).toBe(1)
      expect(tunnels).toEqual(proxied ? [new URL(selfSigned.url).host] : [])
      expect(moodle.requests).toHaveLength(0)
    }
  )

  it('the connection closed after the request was sent over https: unknown, not retried', async () => {
    moodle.queueFault({ type: 'close-after-apply' })
    const result = await award(trusted.url, { NODE_EXTRA_CA_CERTS: TEST_CA_FILE })
    expect(result.code).toBe(1)
    expect(result.results[0]?.['status']).toBe('unknown')
    expect(result.errors[0]).toMatch(/closed after the request was sent/)
    expect(moodle.requests).toHaveLength(1)
    expect(moodle.awardsApplied()).toBe(1)
  })
})
