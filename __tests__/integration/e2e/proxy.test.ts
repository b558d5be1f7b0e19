/**
 * Self-hosted runners behind a proxy: Moodle requests honour HTTP(S)_PROXY and NO_PROXY, read and
 * applied by the rules of undici's EnvHttpProxyAgent; undici's proxy agent carries the requests
 * a proxy applies to, Node's http the others. A minimal forwarding proxy on loopback stands in
 * for the real one.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { DEMO_TOKEN, MoodleServer } from '../../../test-servers/moodle/server.js'
import { runAction } from '../../../test-servers/runner/run-action.js'
import { startConnectProxy, type ConnectProxy } from '../../fixtures/connect-proxy.js'

let moodle: MoodleServer
let proxy: ConnectProxy
let proxyUrl: string

beforeAll(async () => {
  moodle = new MoodleServer()
  await moodle.start()
  proxy = await startConnectProxy()
  proxyUrl = proxy.url
})

afterAll(async () => {
  await moodle.stop()
  await proxy.close()
})

beforeEach(() => {
  moodle.reset()
  proxy.seen.length = 0
  proxy.refuseWith = null
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
    expect(proxy.seen).toEqual([tunnel, tunnel])
    expect(moodle.awardsApplied()).toBe(1)
    expect(proxy.seen.join('\n')).not.toContain(DEMO_TOKEN)
  })

  it('go straight to Moodle for hosts in NO_PROXY', async () => {
    const result = await award({ http_proxy: proxyUrl, no_proxy: '127.0.0.1' })
    expect(result.code).toBe(0)
    expect(proxy.seen).toEqual([])
    expect(moodle.awardsApplied()).toBe(1)
  })

  it('go straight to Moodle when NO_PROXY names its host and port', async () => {
    const result = await award({
      HTTP_PROXY: proxyUrl,
      NO_PROXY: `other.example.edu,${new URL(moodle.url).host}`
    })
    expect(result.code).toBe(0)
    expect(proxy.seen).toEqual([])
    expect(moodle.awardsApplied()).toBe(1)
  })

  it('go through the proxy when NO_PROXY names only other hosts or another port', async () => {
    const result = await award({
      HTTP_PROXY: proxyUrl,
      NO_PROXY: '127.0.0.2,127.0.0.1:1,localhost'
    })
    expect(result.code).toBe(0)
    expect(proxy.seen).toEqual(Array(2).fill(`CONNECT ${new URL(moodle.url).host}`))
    expect(moodle.awardsApplied()).toBe(1)
  })

  it('go straight to an http Moodle when only HTTPS_PROXY is set (it is for https addresses)', async () => {
    const result = await award({ HTTPS_PROXY: proxyUrl })
    expect(result.code).toBe(0)
    expect(proxy.seen).toEqual([])
    expect(moodle.awardsApplied()).toBe(1)
  })

  it('read the lower-case variable first, as undici does: http_proxy over HTTP_PROXY', async () => {
    const result = await award({ http_proxy: proxyUrl, HTTP_PROXY: 'http://127.0.0.1:9' })
    expect(result.results[0]?.['status']).toBe('awarded')
    expect(proxy.seen).toEqual(Array(2).fill(`CONNECT ${new URL(moodle.url).host}`))
    expect(moodle.awardsApplied()).toBe(1)
  })

  it('read no_proxy over NO_PROXY', async () => {
    const result = await award({
      HTTP_PROXY: proxyUrl,
      no_proxy: '127.0.0.1',
      NO_PROXY: 'other.example.edu'
    })
    expect(result.results[0]?.['status']).toBe('awarded')
    expect(proxy.seen).toEqual([])
    expect(moodle.awardsApplied()).toBe(1)
  })

  it('a proxy variable that is not an address: the step fails at once, naming it, nothing sent', async () => {
    const result = await award({ HTTP_PROXY: 'proxy-user:s3cret@127.0.0.1:3128' })
    expect(result.code).toBe(1)
    expect(result.errors).toEqual([
      expect.stringMatching(
        /the runner's HTTP_PROXY \(or http_proxy\), the proxy for 127\.0\.0\.1:\d+, is not a proxy address: give it with its scheme/
      )
    ])
    expect(result.outputs['awarded-points']).toBe('0')
    expect(result.outputs['results']).toBe('[]')
    expect(`${result.stdout}${result.stderr}`).not.toContain('s3cret')
    expect(moodle.requests).toHaveLength(0)
  })

  it('a proxy that refuses the tunnel: failed, nothing sent', async () => {
    proxy.refuseWith = 403
    const result = await award({ HTTP_PROXY: proxyUrl })
    expect(result.code).toBe(1)
    expect(result.results[0]?.['status']).toBe('failed')
    expect(result.errors[0]).toMatch(/Nothing was sent/)
    expect(proxy.seen[0]).toBe(`CONNECT ${new URL(moodle.url).host}`)
    expect(moodle.requests).toHaveLength(0)
  })

  it('report an unreachable proxy as a failure that awarded nothing', async () => {
    const result = await award({ HTTP_PROXY: 'http://127.0.0.1:9' })
    expect(result.code).toBe(1)
    expect(result.results[0]?.['status']).toBe('failed')
    expect(moodle.requests).toHaveLength(0)
  })
})
