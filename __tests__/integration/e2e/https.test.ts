/**
 * End to end over https, as real Moodle sites are reached: a TLS front on loopback (certificates
 * in `__tests__/fixtures/tls/`) forwards to the Moodle-compatible server. The runner trusts the
 * test authority through NODE_EXTRA_CA_CERTS, as a self-hosted runner trusts a private one. A
 * direct award goes over Node's https, a proxied one over undici through the proxy's tunnel.
 */
import { connect, type AddressInfo } from 'node:net'
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { DEMO_TOKEN, MoodleServer } from '../../../test-servers/moodle/server.js'
import { runAction } from '../../../test-servers/runner/run-action.js'
import { NODE_INTERNAL_UNDICI, recordingBuiltins } from '../../fixtures/builtins.js'
import { joinSockets, startConnectProxy, type ConnectProxy } from '../../fixtures/connect-proxy.js'
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
let proxy: ConnectProxy

/** A TLS front with `certificate` that forwards every connection to the Moodle server. */
async function front(certificate: { cert: string; key: string }): Promise<Front> {
  const moodlePort = Number(new URL(moodle.url).port)
  const server = createTlsServer(certificate, socket =>
    joinSockets(socket, connect(moodlePort, '127.0.0.1'))
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
  proxy = await startConnectProxy()
})

afterAll(async () => {
  await moodle.stop()
  await proxy.close()
  for (const server of [trusted.server, selfSigned.server]) {
    await new Promise(done => server.close(done))
  }
})

beforeEach(() => {
  moodle.reset()
  proxy.seen.length = 0
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
    // The award, then the course's levels: a connection each.
    expect(trusted.connections).toBe(2)
  })

  it('a direct award over https loads node:https and node:tls, never Node’s own undici', async () => {
    const recording = recordingBuiltins()
    const result = await award(trusted.url, {
      NODE_EXTRA_CA_CERTS: TEST_CA_FILE,
      ...recording.env
    })
    expect(result.results[0]?.['status']).toBe('awarded')
    const builtins = recording.loaded()
    expect(builtins).toEqual(expect.arrayContaining(['https', 'tls']))
    expect(builtins).not.toContain(NODE_INTERNAL_UNDICI)
  })

  it('an award through a proxy to an https Moodle: tunnelled, awarded once', async () => {
    const result = await award(trusted.url, {
      NODE_EXTRA_CA_CERTS: TEST_CA_FILE,
      HTTPS_PROXY: proxy.url
    })
    expect(result.errors).toEqual([])
    expect(result.results[0]?.['status']).toBe('awarded')
    expect(proxy.seen).toEqual(Array(2).fill(`CONNECT ${new URL(trusted.url).host}`))
    expect(moodle.awardsApplied()).toBe(1)
  })

  it.each([
    ['directly', false],
    ['through a proxy', true]
  ])(
    'a certificate nobody trusts, %s: failed, nothing sent, not retried',
    async (_how, proxied) => {
      const result = await award(selfSigned.url, proxied ? { HTTPS_PROXY: proxy.url } : {})
      expect(result.code).toBe(1)
      expect(result.results[0]?.['status']).toBe('failed')
      expect(result.errors[0]).toMatch(
        /TLS certificate of 127\.0\.0\.1:\d+ was rejected \(DEPTH_ZERO_SELF_SIGNED_CERT\); nothing was sent/
      )
      expect(selfSigned.connections).toBe(1)
      expect(proxy.seen).toEqual(proxied ? [`CONNECT ${new URL(selfSigned.url).host}`] : [])
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
