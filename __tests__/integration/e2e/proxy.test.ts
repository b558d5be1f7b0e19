/**
 * Self-hosted runners behind a proxy: Moodle requests honour HTTP(S)_PROXY and NO_PROXY, as the
 * Actions toolkit does. A minimal forwarding proxy on loopback stands in for the real one.
 */
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { DEMO_TOKEN, MoodleServer } from '../../../test-servers/moodle/server.js'
import { runAction } from '../../../test-servers/runner/run-action.js'

let moodle: MoodleServer
let proxy: Server
let proxyUrl: string
const forwarded: string[] = []

beforeAll(async () => {
  moodle = new MoodleServer()
  await moodle.start()
  // undici tunnels every proxied request with CONNECT; a plain request here is a surprise.
  proxy = createServer((incoming, outgoing) => {
    forwarded.push(`${incoming.method} ${incoming.url}`)
    outgoing.writeHead(502).end()
  })
  // Tunnels CONNECT requests, as an HTTPS proxy does (undici tunnels plain http targets too).
  proxy.on('connect', (incoming, client, head) => {
    forwarded.push(`CONNECT ${incoming.url}`)
    const [host = '', port = '80'] = (incoming.url ?? '').split(':')
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'))
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>(done => proxy.listen(0, '127.0.0.1', done))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
})

afterAll(async () => {
  await moodle.stop()
  await new Promise(done => proxy.close(done))
})

beforeEach(() => {
  moodle.reset()
  forwarded.length = 0
})

const award = (env: Record<string, string>) =>
  runAction({
    inputs: {
      'moodle-url': moodle.url,
      'moodle-token': DEMO_TOKEN,
      'course-id': '30',
      'user-id': '2'
    },
    env
  })

describe('Moodle requests through a proxy', () => {
  it('go through HTTP_PROXY, and the proxy never sees the token', async () => {
    const result = await award({ HTTP_PROXY: proxyUrl })
    expect(result.code).toBe(0)
    expect(result.results[0]?.['status']).toBe('awarded')
    // The award, then the student's level (its own client, with a short timeout).
    const tunnel = `CONNECT ${new URL(moodle.url).host}`
    expect(forwarded).toEqual([tunnel, tunnel])
    expect(moodle.awardsApplied()).toBe(1)
    expect(forwarded.join('\n')).not.toContain(DEMO_TOKEN)
  })

  it('go straight to Moodle for hosts in NO_PROXY', async () => {
    const result = await award({ http_proxy: proxyUrl, no_proxy: '127.0.0.1' })
    expect(result.code).toBe(0)
    expect(forwarded).toEqual([])
    expect(moodle.awardsApplied()).toBe(1)
  })

  it('report an unreachable proxy as a failure that awarded nothing', async () => {
    const result = await award({ HTTP_PROXY: 'http://127.0.0.1:9' })
    expect(result.code).toBe(1)
    expect(result.results[0]?.['status']).toBe('failed')
    expect(moodle.requests).toHaveLength(0)
  })
})
