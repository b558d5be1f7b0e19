/**
 * End to end, the same behaviour whatever carries the Moodle requests: Node's http for a direct
 * connection, undici through the runner's proxy. Each case runs both ways against the
 * Moodle-compatible server, and checks on the proxy's side that it carried the requests (or not).
 * What a reply or a lost connection means for an award depends only on whether the request had
 * been sent, which both transports must report the same way.
 */
import { createServer, type Server } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import {
  AWARD_FUNCTION,
  DEMO_TOKEN,
  LEVELS_INFO_FUNCTION,
  MoodleServer,
  REST_PATH,
  USERS_BY_FIELD_FUNCTION
} from '../../../test-servers/moodle/server.js'
import { type ActionResult, runAction } from '../../../test-servers/runner/run-action.js'
import { startConnectProxy, type ConnectProxy } from '../../fixtures/connect-proxy.js'
import { onRawRequest, startRawServer } from '../../unit/moodle/server.js'

let moodle: MoodleServer
let proxy: ConnectProxy

beforeAll(async () => {
  moodle = new MoodleServer()
  await moodle.start()
  proxy = await startConnectProxy()
})

afterAll(async () => {
  await moodle.stop()
  await proxy.close()
})

beforeEach(() => {
  moodle.reset()
  proxy.seen.length = 0
})

/** A server answering every request with `answer`, for as long as the test runs. */
async function answering(answer: (socket: Socket) => void) {
  const server = await startRawServer(socket => onRawRequest(socket, () => answer(socket)))
  return { url: `http://127.0.0.1:${server.port}`, close: () => server.close() }
}

/** A port where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createTcpServer()
  await new Promise<void>(done => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  await new Promise(done => server.close(done))
  return port
}

describe.each([
  ['directly, over Node’s http', false],
  ['through a proxy, over undici', true]
])('Moodle requests %s', (_how, proxied) => {
  const env = (): Record<string, string> => (proxied ? { HTTP_PROXY: proxy.url } : {})

  /**
   * The proxy carried the requests to `url` (one tunnel each), or saw nothing. With `orMore`,
   * further tunnels are allowed: undici opens a new connection after its time limit aborted a
   * request, which carries nothing (the test counts Moodle's requests).
   */
  function expectCarried(url: string, tunnels: number, orMore = false): void {
    if (!proxied) return expect(proxy.seen).toEqual([])
    expect(new Set(proxy.seen)).toEqual(new Set([`CONNECT ${new URL(url).host}`]))
    if (orMore) expect(proxy.seen.length).toBeGreaterThanOrEqual(tunnels)
    else expect(proxy.seen).toHaveLength(tunnels)
  }

  /** One direct award (`user-id`, no ledger) to the Moodle at `url`. */
  const award = (url = moodle.url, inputs: Record<string, string> = {}) =>
    runAction({
      inputs: {
        'moodle-url': url,
        'moodle-token': DEMO_TOKEN,
        'course-id': '30',
        'user-id': '3',
        ledger: 'off',
        ...inputs
      },
      env: env()
    })

  /** An award to Bob, found in Moodle by the e-mail address in the roster (one look-up). */
  const awardLookingUp = () =>
    runAction({
      inputs: {
        'moodle-url': moodle.url,
        'moodle-token': DEMO_TOKEN,
        'course-id': '30',
        'github-login': 'bob-gh',
        'mapping-file': 'students.yml',
        ledger: 'off'
      },
      files: { 'students.yml': 'users:\n  - github: bob-gh\n    email: bob@example.edu\n' },
      env: env()
    })

  function expectStatus(result: ActionResult, status: string, message?: RegExp): void {
    expect(result.results.map(r => r['status'])).toEqual([status])
    expect(result.code).toBe(status === 'awarded' ? 0 : 1)
    if (message) expect(result.errors[0]).toMatch(message)
  }

  it('the award answered by a redirect to Moodle itself: unknown, the redirect not followed', async () => {
    const seen: string[] = []
    const redirector: Server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`)
      res.writeHead(307, { location: `${moodle.url}${REST_PATH}` }).end()
    })
    await new Promise<void>(done => redirector.listen(0, '127.0.0.1', done))
    const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`
    try {
      const result = await award(url)
      expectStatus(result, 'unknown', /HTTP 307.*moodle-url redirects/)
      expect(seen).toEqual([`POST ${REST_PATH}`])
      expect(moodle.requests).toHaveLength(0)
      expectCarried(url, 1)
    } finally {
      redirector.closeAllConnections()
      await new Promise(done => redirector.close(done))
    }
  })

  it('a look-up answered 503 with Retry-After: waited for, retried, then awarded', async () => {
    moodle.queueFault(
      { type: 'http-status', status: 503, retryAfter: '1' },
      { wsfunction: USERS_BY_FIELD_FUNCTION }
    )
    const answered: number[] = []
    moodle.onRequest = () => answered.push(Date.now())
    const result = await awardLookingUp()
    delete moodle.onRequest

    expectStatus(result, 'awarded')
    expect(moodle.requests.map(r => `${r.wsfunction} ${r.status}`)).toEqual([
      `${USERS_BY_FIELD_FUNCTION} 503`,
      `${USERS_BY_FIELD_FUNCTION} 200`,
      `${AWARD_FUNCTION} 200`,
      `${LEVELS_INFO_FUNCTION} 200`
    ])
    // Retry-After: 1 was honoured (the client's own first backoff is 0.5 s).
    expect((answered[1] ?? 0) - (answered[0] ?? 0)).toBeGreaterThanOrEqual(900)
    expectCarried(moodle.url, 4)
  })

  it('a look-up whose connection closed after it ran: retried (a read changes nothing), awarded once', async () => {
    moodle.queueFault({ type: 'close-after-apply' }, { wsfunction: USERS_BY_FIELD_FUNCTION })
    const result = await awardLookingUp()

    expectStatus(result, 'awarded')
    expect(moodle.requestsFor(USERS_BY_FIELD_FUNCTION)).toHaveLength(2)
    expect(moodle.awardsApplied()).toBe(1)
    // Two look-ups, the award, the course's levels.
    expectCarried(moodle.url, 4)
  })

  it('the award’s connection closed after it was sent: unknown, never retried', async () => {
    moodle.queueFault({ type: 'close-after-apply' })
    const result = await award()

    expectStatus(result, 'unknown', /closed after the request was sent/)
    expect(moodle.requests).toHaveLength(1)
    expect(moodle.awardsApplied()).toBe(1)
    expectCarried(moodle.url, 1)
  })

  it('no answer to the award within timeout-seconds: unknown, never retried', async () => {
    moodle.queueFault({ type: 'hang-after-apply' })
    const result = await award(moodle.url, { 'timeout-seconds': '1' })

    expectStatus(result, 'unknown', /no reply from .* within 1 s after the request was sent/)
    expect(moodle.requests).toHaveLength(1)
    expectCarried(moodle.url, 1, true)
  })

  it('nothing listening at Moodle’s address: failed, nothing sent', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const result = await award(url)

    expectStatus(result, 'failed', /Nothing was sent/)
    expect(moodle.requests).toHaveLength(0)
    // Retried: nothing reached Moodle, so trying again cannot award twice.
    expectCarried(url, 3)
  })

  it('a server that keeps the connection open after its reply: the run still ends, awarded', async () => {
    const server = await answering(socket =>
      socket.write(
        'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: keep-alive\r\n' +
          'content-length: 10\r\n\r\n{"xp":110}'
      )
    )
    try {
      const result = await award(server.url)
      expectStatus(result, 'awarded')
      expect(result.outputs['xp']).toBe('110')
      // The award, then the course's levels (this server's answer is not levels: left out).
      expectCarried(server.url, 2)
    } finally {
      await server.close()
    }
  })
})
