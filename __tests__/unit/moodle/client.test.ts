import { afterEach, describe, expect, it } from '@jest/globals'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net'
import { MoodleClient, type MoodleClientOptions } from '../../../src/moodle/client.js'
import { AWARD_FUNCTION, MoodleError } from '../../../src/moodle/errors.js'
import { HttpTransport } from '../../../src/moodle/http-transport.js'
import type { MoodleTransport } from '../../../src/moodle/transport.js'
import { UndiciTransport } from '../../../src/moodle/undici-transport.js'
import { selfSignedCertificate } from '../../fixtures/tls.js'
import {
  sendJson,
  sendText,
  startRawServer,
  startServer,
  type Reply,
  type TestServer
} from './server.js'

const TOKEN = 'f00dfacecafe0123456789abcdef0123'
const FAST = { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 }
const ONE_POINT = { userId: 1, points: 1, courseId: 1 }

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

async function server(reply: Reply): Promise<TestServer> {
  const s = await startServer(reply)
  cleanups.push(() => s.close())
  return s
}

/**
 * Both transports: Node's http for direct connections, undici for connections through a proxy
 * (here without one). The client must classify what each reports the same way.
 */
const TRANSPORTS: [string, (timeoutMs: number) => MoodleTransport][] = [
  ['node:http', timeoutMs => new HttpTransport(timeoutMs)],
  ['undici', timeoutMs => new UndiciTransport({ timeoutMs })]
]

function clientOver(
  transport: (timeoutMs: number) => MoodleTransport,
  endpoint: string,
  over: Partial<MoodleClientOptions> = {}
): MoodleClient {
  const options = { endpoint, token: TOKEN, timeoutMs: 2000, retry: FAST, ...over }
  const c = new MoodleClient({ ...options, transport: transport(options.timeoutMs) })
  cleanups.push(() => c.close())
  return c
}

async function failureOf(promise: Promise<unknown>): Promise<MoodleError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(MoodleError)
    const e = error as MoodleError
    // The token never leaves in an error, in any property or the stack.
    expect(JSON.stringify({ ...e, message: e.message, stack: e.stack })).not.toContain(TOKEN)
    return e
  }
  throw new Error('expected the call to fail')
}

/** A port where nothing listens (yet). */
async function freePort(): Promise<number> {
  const s = createTcpServer()
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  const { port } = s.address() as AddressInfo
  await new Promise<void>(resolve => s.close(() => resolve()))
  return port
}

describe.each(TRANSPORTS)('over %s', (_name, transport) => {
  const client = (endpoint: string, over: Partial<MoodleClientOptions> = {}) =>
    clientOver(transport, endpoint, over)

  describe('MoodleClient request shape', () => {
    it('POSTs a form with the token in the body, never in the URL', async () => {
      const s = await server((_req, res) => sendJson(res, { xp: 1200 }))
      const result = await client(s.endpoint).awardPoints({ userId: 5, points: 10, courseId: 30 })
      expect(result).toEqual({ xp: 1200 })
      expect(s.requests).toHaveLength(1)
      const req = s.requests[0]!
      expect(req.method).toBe('POST')
      expect(req.url).toBe('/webservice/rest/server.php')
      expect(req.url).not.toContain(TOKEN)
      expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded')
      expect(req.headers.authorization).toBeUndefined()
      expect(Object.fromEntries(req.form)).toEqual({
        userid: '5',
        points: '10',
        courseid: '30',
        wstoken: TOKEN,
        wsfunction: AWARD_FUNCTION,
        moodlewsrestformat: 'json'
      })
    })

    it('keeps its own reserved parameters even if a caller passes them', async () => {
      const s = await server((_req, res) => sendJson(res, null))
      await client(s.endpoint).call('x_f', { wstoken: 'other', moodlewsrestformat: 'xml' })
      expect(s.requests[0]!.form.getAll('wstoken')).toEqual([TOKEN])
      expect(s.requests[0]!.form.getAll('moodlewsrestformat')).toEqual(['json'])
    })

    it('returns null for a function that returns nothing', async () => {
      const s = await server((_req, res) => sendJson(res, null))
      await expect(client(s.endpoint).call('x_f', {})).resolves.toBeNull()
    })
  })

  describe('MoodleClient retries only what did not run', () => {
    it('503 with Retry-After, then success = 2 requests; waits Retry-After capped by maxDelayMs', async () => {
      const s = await server((_req, res, i) =>
        i === 0
          ? sendText(res, '<html>Upgrading</html>', 503, {
              'retry-after': '1',
              'content-type': 'text/html'
            })
          : sendJson(res, { xp: 7 })
      )
      const started = Date.now()
      const c = client(s.endpoint, { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 150 } })
      await expect(c.awardPoints(ONE_POINT)).resolves.toEqual({ xp: 7 })
      const elapsed = Date.now() - started
      expect(s.requests).toHaveLength(2)
      expect(elapsed).toBeGreaterThanOrEqual(140) // Retry-After (capped), not the 1 ms backoff
      expect(elapsed).toBeLessThan(1000) // capped, not the full second
    })

    it('3 x 503 with Retry-After fails after 3 requests', async () => {
      const s = await server((_req, res) => sendText(res, '', 503, { 'retry-after': '0' }))
      const e = await failureOf(client(s.endpoint).awardPoints(ONE_POINT))
      expect(s.requests).toHaveLength(3)
      expect(e).toMatchObject({ category: 'site', outcome: 'not-applied', httpStatus: 503 })
      expect(e.message).toMatch(/gave up after 3 attempts/)
    })

    it('a bare 503 on a read-only call is retried (repeating a read changes nothing)', async () => {
      const s = await server((_req, res, i) =>
        i === 0 ? sendText(res, 'no healthy upstream', 503) : sendJson(res, [])
      )
      await expect(client(s.endpoint).getUsersByField('id', ['5'])).resolves.toEqual([])
      expect(s.requests).toHaveLength(2)
    })

    it('429 without Retry-After on the award is retried (a rate limiter answers before Moodle)', async () => {
      const s = await server((_req, res, i) =>
        i === 0 ? sendText(res, 'slow down', 429) : sendJson(res, { xp: 4 })
      )
      await expect(client(s.endpoint).awardPoints(ONE_POINT)).resolves.toEqual({ xp: 4 })
      expect(s.requests).toHaveLength(2)
    })

    it('honours the attempts option', async () => {
      const s = await server((_req, res) => sendText(res, 'busy', 429))
      await failureOf(client(s.endpoint, { retry: { ...FAST, attempts: 1 } }).call('x_f', {}))
      expect(s.requests).toHaveLength(1)
    })

    it('sitemaintenance is retried', async () => {
      const s = await server((_req, res, i) =>
        i === 0
          ? sendJson(res, {
              exception: 'moodle_exception',
              errorcode: 'sitemaintenance',
              message: 'maintenance'
            })
          : sendJson(res, { xp: 3 })
      )
      await expect(client(s.endpoint).awardPoints(ONE_POINT)).resolves.toEqual({ xp: 3 })
      expect(s.requests).toHaveLength(2)
    })

    it('connection refused is retried', async () => {
      const port = await freePort()
      const http = createHttpServer((_req, res) => sendJson(res, { xp: 9 }))
      cleanups.push(async () => {
        http.closeAllConnections()
        await new Promise<void>(resolve => http.close(() => resolve()))
      })
      const c = client(`http://127.0.0.1:${port}/webservice/rest/server.php`, {
        retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 200 }
      })
      // Nothing listens for the first attempt; the server appears before the retry.
      const pending = c.awardPoints(ONE_POINT)
      setTimeout(() => http.listen(port, '127.0.0.1'), 50)
      await expect(pending).resolves.toEqual({ xp: 9 })
    })

    it('connection refused every time: network error after 3 attempts, nothing sent', async () => {
      const port = await freePort()
      const e = await failureOf(
        client(`http://127.0.0.1:${port}/webservice/rest/server.php`).call(AWARD_FUNCTION, {})
      )
      expect(e).toMatchObject({ category: 'network', outcome: 'not-applied', retryable: true })
      expect(e.message).toMatch(/ECONNREFUSED/)
      expect(e.message).toMatch(/gave up after 3 attempts/)
    })

    it('a TLS handshake failure (before anything was sent) is retried', async () => {
      let connections = 0
      const tcp: Server = createTcpServer(socket => {
        connections++
        socket.destroy()
      })
      await new Promise<void>(resolve => tcp.listen(0, '127.0.0.1', resolve))
      cleanups.push(() => new Promise<void>(resolve => tcp.close(() => resolve())))
      const { port } = tcp.address() as AddressInfo
      const e = await failureOf(
        client(`https://127.0.0.1:${port}/webservice/rest/server.php`).call(AWARD_FUNCTION, {})
      )
      expect(e).toMatchObject({ category: 'network', outcome: 'not-applied' })
      expect(connections).toBe(3)
    })

    it('a server that never completes the TLS handshake: no connection within the limit, retried, nothing sent', async () => {
      const silent = await startRawServer(() => undefined)
      cleanups.push(() => silent.close())
      const e = await failureOf(
        client(`https://127.0.0.1:${silent.port}/webservice/rest/server.php`, {
          timeoutMs: 300,
          retry: { ...FAST, attempts: 2 }
        }).awardPoints(ONE_POINT)
      )
      expect(e).toMatchObject({ category: 'network', outcome: 'not-applied', retryable: true })
      expect(e.message).toMatch(/no connection to 127\.0\.0\.1:\d+ within 0\.3 s/)
      expect(e.message).toMatch(/Nothing was sent \(gave up after 2 attempts\)$/)
      expect(silent.connections()).toBe(2)
    })

    it('a self-signed certificate: rejected once, not retried, nothing sent', async () => {
      let requests = 0
      const https = createHttpsServer(selfSignedCertificate(), (_req, res) => {
        requests++
        res.end('{}')
      })
      let connections = 0
      https.on('connection', () => connections++)
      await new Promise<void>(resolve => https.listen(0, '127.0.0.1', resolve))
      cleanups.push(() => new Promise<void>(resolve => https.close(() => resolve())))
      const { port } = https.address() as AddressInfo
      const e = await failureOf(
        client(`https://127.0.0.1:${port}/webservice/rest/server.php`).awardPoints(ONE_POINT)
      )
      expect(e).toMatchObject({ category: 'network', outcome: 'not-applied', retryable: false })
      expect(e.message).toMatch(
        /certificate of 127\.0\.0\.1:\d+ was rejected \(DEPTH_ZERO_SELF_SIGNED_CERT\); nothing was sent/
      )
      expect([connections, requests]).toEqual([1, 0])
    })
  })

  describe('MoodleClient never retries an award that may have run', () => {
    it('reset after the request was sent = unknown, exactly 1 request', async () => {
      const s = await server((_req, res) => res.socket?.destroy())
      const e = await failureOf(client(s.endpoint).awardPoints(ONE_POINT))
      expect(s.requests).toHaveLength(1)
      expect(e).toMatchObject({ category: 'unknown-outcome', outcome: 'unknown', retryable: false })
      expect(e.message).toMatch(/XP log/)
    })

    it('timeout after the request was sent = unknown, exactly 1 request', async () => {
      const s = await server(() => {
        /* never answers */
      })
      const started = Date.now()
      const e = await failureOf(client(s.endpoint, { timeoutMs: 200 }).awardPoints(ONE_POINT))
      expect(Date.now() - started).toBeLessThan(1500)
      expect(s.requests).toHaveLength(1)
      expect(e).toMatchObject({ category: 'unknown-outcome', outcome: 'unknown', retryable: false })
      expect(e.message).toMatch(/no reply .* within 0\.2 s/)
    })

    it('a body that stops half way = unknown, 1 request', async () => {
      const s = await server((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
        res.write('{"xp":')
        setTimeout(() => res.socket?.destroy(), 20)
      })
      const e = await failureOf(client(s.endpoint).awardPoints(ONE_POINT))
      expect(s.requests).toHaveLength(1)
      expect(e.outcome).toBe('unknown')
    })

    it.each([502, 504, 500])('HTTP %i = unknown, 1 request', async status => {
      const s = await server((_req, res) => sendText(res, '<html>Bad gateway</html>', status))
      const e = await failureOf(client(s.endpoint).awardPoints(ONE_POINT))
      expect(s.requests).toHaveLength(1)
      expect(e).toMatchObject({
        category: 'unknown-outcome',
        outcome: 'unknown',
        httpStatus: status
      })
    })

    it('a bare 503 (proxy: upstream reset before headers) = unknown, 1 request', async () => {
      const s = await server((_req, res) =>
        sendText(res, 'upstream connect error or disconnect/reset before headers', 503, {
          'content-type': 'text/plain'
        })
      )
      const e = await failureOf(client(s.endpoint).awardPoints(ONE_POINT))
      expect(s.requests).toHaveLength(1)
      expect(e).toMatchObject({
        category: 'unknown-outcome',
        outcome: 'unknown',
        retryable: false,
        httpStatus: 503
      })
      expect(e.message).toMatch(/XP log/)
    })

    it.each([
      {
        name: 'an error code the client does not know',
        reply: {
          exception: 'dml_write_exception',
          errorcode: 'dmlwriteexception',
          message: 'Error writing to database'
        },
        shown: '"dmlwriteexception" (Error writing to database)'
      },
      {
        name: 'invalidresponse',
        reply: {
          exception: 'invalid_response_exception',
          errorcode: 'invalidresponse',
          message: 'Invalid response value detected'
        },
        shown: 'did not match its description (invalidresponse)'
      }
    ])('$name = unknown, 1 request', async ({ reply, shown }) => {
      const s = await server((_req, res) => sendJson(res, reply))
      const e = await failureOf(client(s.endpoint).awardPoints(ONE_POINT))
      expect(s.requests).toHaveLength(1)
      expect(e).toMatchObject({
        category: 'unknown-outcome',
        outcome: 'unknown',
        errorcode: reply.errorcode
      })
      expect(e.message).toContain(shown)
      expect(e.message).toMatch(/XP log/)
    })

    it.each([[{ xp: '12' }], [{}], [null], [{ xp: 1.5 }]])(
      'award reply %j = unknown (the function ran)',
      async body => {
        const s = await server((_req, res) => sendJson(res, body))
        const e = await failureOf(client(s.endpoint).awardPoints(ONE_POINT))
        expect(e).toMatchObject({
          category: 'unknown-outcome',
          outcome: 'unknown',
          retryable: false
        })
        expect(e.message).toMatch(/XP log/)
        expect(s.requests).toHaveLength(1)
      }
    )
  })

  describe('MoodleClient read-only calls', () => {
    const siteInfo = {
      sitename: 'Test',
      siteurl: 'https://m.example.edu',
      userid: 2,
      username: 'xpbot',
      fullname: 'XP Bot',
      release: '4.5',
      version: '2024100700',
      siteid: 1,
      functions: [{ name: AWARD_FUNCTION, version: '1' }]
    }

    it('getSiteInfo validates and returns the site info', async () => {
      const s = await server((_req, res) => sendJson(res, siteInfo))
      const info = await client(s.endpoint).getSiteInfo()
      expect(info.functions.map(f => f.name)).toEqual([AWARD_FUNCTION])
      expect(s.requests[0]!.form.get('wsfunction')).toBe('core_webservice_get_site_info')
    })

    it('getSiteInfo rejects another shape', async () => {
      const s = await server((_req, res) => sendJson(res, { sitename: 'x' }))
      const e = await failureOf(client(s.endpoint).getSiteInfo())
      expect(e).toMatchObject({ category: 'not-moodle', outcome: 'not-applied' })
    })

    it('a reset during a read-only call is retried (nothing changes)', async () => {
      const s = await server((_req, res, i) =>
        i === 0 ? res.socket?.destroy() : sendJson(res, siteInfo)
      )
      await expect(client(s.endpoint).getSiteInfo()).resolves.toMatchObject({ userid: 2 })
      expect(s.requests).toHaveLength(2)
    })

    it('getUsersByField lower-cases usernames, removes duplicates and returns the users', async () => {
      const s = await server((req, res) =>
        sendJson(res, [{ id: 7, username: req.form.get('values[0]'), email: 'a@x.org', extra: 1 }])
      )
      const users = await client(s.endpoint).getUsersByField('username', ['Alice', 'alice', 'BOB'])
      expect(users).toEqual([{ id: 7, username: 'alice', email: 'a@x.org' }])
      expect(s.requests).toHaveLength(1)
      expect(s.requests[0]!.form.get('field')).toBe('username')
      expect(s.requests[0]!.form.getAll('values[0]')).toEqual(['alice'])
      expect(s.requests[0]!.form.get('values[1]')).toBe('bob')
      expect(s.requests[0]!.form.get('values[2]')).toBeNull()
    })

    it('getUsersByField sends at most 2500 values per request', async () => {
      const s = await server((_req, res) => sendJson(res, []))
      const values = Array.from({ length: 2501 }, (_, i) => `u${i}@x.org`)
      await expect(client(s.endpoint).getUsersByField('email', values)).resolves.toEqual([])
      expect(s.requests).toHaveLength(2)
      expect(s.requests[0]!.form.get('values[2499]')).toBe('u2499@x.org')
      expect(s.requests[0]!.form.get('values[2500]')).toBeNull()
      expect(s.requests[1]!.form.get('values[0]')).toBe('u2500@x.org')
    })

    it('getUsersByField reads a reply of several MB whole', async () => {
      const users = Array.from({ length: 40_000 }, (_, i) => ({
        id: i + 1,
        username: `student${i}`,
        email: `student${i}@uni.example.edu`,
        fullname: `Zoë Ångström ${i}`
      }))
      const s = await server((_req, res) => sendJson(res, users))
      const found = await client(s.endpoint).getUsersByField('id', ['1'])
      expect(JSON.stringify(users).length).toBeGreaterThan(3_000_000)
      expect(found).toHaveLength(users.length)
      expect(found.at(-1)).toEqual(users.at(-1))
    })

    it('getUsersByField with no values sends nothing', async () => {
      const s = await server((_req, res) => sendJson(res, []))
      await expect(client(s.endpoint).getUsersByField('id', [])).resolves.toEqual([])
      expect(s.requests).toHaveLength(0)
    })

    it('getUserState sends the course and user and reads the level, a null name kept as null', async () => {
      const level = { level: 2, xprequired: 120, badgeurl: null, description: null, name: null }
      const reply = { id: 5, level, ratioinlevel: 0.5, totalxpinlevel: 156, xp: 198, xpinlevel: 78 }
      const s = await server((_req, res) => sendJson(res, reply))
      const state = await client(s.endpoint).getUserState(30, 5)
      expect(state).toEqual({
        id: 5,
        xp: 198,
        level: { level: 2, xprequired: 120, name: null },
        xpinlevel: 78,
        totalxpinlevel: 156
      })
      const form = s.requests[0]!.form
      expect([form.get('wsfunction'), form.get('courseid'), form.get('userid')]).toEqual([
        'local_xp_get_user_state',
        '30',
        '5'
      ])
    })

    it('getLevelsInfo reads the levels; another shape is not Moodle', async () => {
      const levels = [{ level: 1, xprequired: 0, badgeurl: null, description: null, name: 'One' }]
      const s = await server((_req, res, i) =>
        sendJson(res, i === 0 ? { count: 1, levels } : { count: 'x' })
      )
      await expect(client(s.endpoint).getLevelsInfo(30)).resolves.toEqual({
        count: 1,
        levels: [{ level: 1, xprequired: 0, name: 'One' }]
      })
      const e = await failureOf(client(s.endpoint).getLevelsInfo(30))
      expect(e).toMatchObject({ category: 'not-moodle', outcome: 'not-applied' })
    })

    it("a call's own limits are tighter than the client's, never looser: one attempt, its timeout", async () => {
      const s = await server(() => {
        /* never answers */
      })
      const started = Date.now()
      const e = await failureOf(
        client(s.endpoint, { timeoutMs: 5000 }).getLevelsInfo(30, { timeoutMs: 200, attempts: 1 })
      )
      expect(Date.now() - started).toBeLessThan(2500)
      expect(s.requests).toHaveLength(1)
      expect(e.message).toMatch(/within 0\.2 s/)
      const capped = await failureOf(
        client(s.endpoint, { timeoutMs: 200 }).getLevelsInfo(30, { timeoutMs: 60_000 })
      )
      expect(capped.message).toMatch(/within 0\.2 s/)
    })

    it('getEnrolledUsers asks for the users holding a capability', async () => {
      const s = await server((_req, res) => sendJson(res, [{ id: 2, fullname: 'Alice A' }]))
      await expect(client(s.endpoint).getEnrolledUsers(30, 'block/xp:earnxp')).resolves.toEqual([
        { id: 2, fullname: 'Alice A' }
      ])
      const form = s.requests[0]!.form
      expect(form.get('wsfunction')).toBe('core_enrol_get_enrolled_users')
      expect(form.get('options[0][name]')).toBe('withcapability')
      expect(form.get('options[0][value]')).toBe('block/xp:earnxp')
    })

    it('an error of a read function is never an unknown outcome', async () => {
      const s = await server((_req, res) =>
        sendJson(res, { exception: 'x', errorcode: 'somethingnew', message: 'New error' })
      )
      const e = await failureOf(client(s.endpoint).getUserState(30, 5))
      expect(e.outcome).toBe('not-applied')
    })
  })

  describe('MoodleClient keeps the token out of errors', () => {
    it('a Moodle error does not carry the token', async () => {
      const s = await server((_req, res) =>
        sendJson(res, {
          exception: 'moodle_exception',
          errorcode: 'invalidtoken',
          message: 'Invalid token - token not found'
        })
      )
      const e = await failureOf(client(s.endpoint).awardPoints(ONE_POINT))
      expect(e).toMatchObject({ category: 'token', errorcode: 'invalidtoken' })
    })

    it('a page that echoes the request is shown without the token', async () => {
      const s = await server((req, res) =>
        sendText(res, `${TOKEN} ${req.body}`, 500, { 'content-type': 'text/html' })
      )
      const e = await failureOf(client(s.endpoint).call(AWARD_FUNCTION, {}))
      expect(e.message).toContain('***')
    })

    it('a Moodle error whose debuginfo echoes the token is redacted', async () => {
      const s = await server((_req, res) =>
        sendJson(res, {
          exception: 'x',
          errorcode: 'invalidparameter',
          message: 'Invalid',
          debuginfo: `token=${TOKEN}`
        })
      )
      const e = await failureOf(client(s.endpoint).call(AWARD_FUNCTION, {}))
      expect(e.message).toContain('token=***')
    })
  })

  describe('MoodleClient keeps every part of the token out of errors, wherever the reply is cut', () => {
    /** Any 6 consecutive characters of the token: enough to narrow a brute force. */
    function expectNoTokenPiece(message: string): void {
      for (let i = 0; i + 6 <= TOKEN.length; i++) {
        expect(message).not.toContain(TOKEN.slice(i, i + 6))
      }
    }
    // The token starts anywhere from well before to well after each cut (80, 120, 160, 200).
    const fillers = Array.from({ length: 90 }, (_, i) => 20 + 2 * i)

    it('a 400 page echoing the request, the token at the cut of the shown body', async () => {
      const s = await server((req, res, i) =>
        sendText(res, `${'x'.repeat(fillers[i] ?? 0)}${req.body}`, 400, {
          'content-type': 'text/html'
        })
      )
      const c = client(s.endpoint)
      for (const filler of fillers) {
        const e = await failureOf(c.awardPoints(ONE_POINT))
        expect(e.message).toContain(`HTTP 400 (text/html): "${'x'.repeat(Math.min(filler, 70))}`)
        expectNoTokenPiece(e.message)
      }
      // The cut fell inside the token for some of them: the reproduction holds.
      expect(s.requests).toHaveLength(fillers.length)
    })

    it('60 characters of filler, then wstoken=<token>', async () => {
      const s = await server((_req, res) =>
        sendText(res, `${'a'.repeat(60)}wstoken=${TOKEN}&wsfunction=x`, 400, {
          'content-type': 'text/html'
        })
      )
      const e = await failureOf(client(s.endpoint).call(AWARD_FUNCTION, {}))
      expect(e.message).toContain('wstoken=***')
      expectNoTokenPiece(e.message)
    })

    it('a Moodle error whose message and debuginfo echo the token at the cut', async () => {
      const s = await server((_req, res, i) =>
        sendJson(res, {
          exception: 'moodle_exception',
          errorcode: i % 2 === 0 ? 'somethingodd' : 'accessexception',
          message: 'Bad',
          debuginfo: `${'d'.repeat(fillers[i >> 1] ?? 0)}wstoken=${TOKEN}`
        })
      )
      const c = client(s.endpoint)
      for (let i = 0; i < fillers.length * 2; i++) {
        expectNoTokenPiece((await failureOf(c.call(AWARD_FUNCTION, {}))).message)
      }
    })

    it('a redirect whose Location carries the token at the cut', async () => {
      const s = await server((_req, res, i) =>
        sendText(res, '', 302, {
          location: `https://login.example.edu/?${'l'.repeat(fillers[i] ?? 0)}&wstoken=${TOKEN}`
        })
      )
      const c = client(s.endpoint)
      for (const _filler of fillers) {
        const e = await failureOf(c.call(AWARD_FUNCTION, {}))
        expect(e.message).toMatch(/redirects to https:\/\/login\.example\.edu/)
        expectNoTokenPiece(e.message)
      }
    })

    it('a token with characters that the echo encodes: form-encoded and JSON-escaped', async () => {
      const token = 'Ab/Cd+Ef=Gh&Ij%Kl"Mn'
      const s = await server((req, res, i) =>
        i === 0
          ? sendText(res, `${'y'.repeat(60)}${req.body}`, 400, { 'content-type': 'text/html' })
          : res.end(
              `{"exception":"x","errorcode":"odd","message":"${'m'.repeat(150)}Ab\\/Cd+Ef=Gh&Ij%Kl\\"Mn"}`
            )
      )
      const c = client(s.endpoint, { token })
      for (let i = 0; i < 2; i++) {
        const message = (await failureOf(c.call(AWARD_FUNCTION, {}))).message
        expect(message).toContain('***')
        for (const piece of ['Ab/Cd', 'Ab%2FCd', 'Ab\\/Cd', 'Kl"Mn', 'Kl\\"Mn', 'Kl%22Mn']) {
          expect(message).not.toContain(piece)
        }
      }
    })

    it('an award reply of the wrong shape echoing the token', async () => {
      const s = await server((_req, res) => sendJson(res, { note: `${'n'.repeat(60)}${TOKEN}` }))
      const e = await failureOf(client(s.endpoint).awardPoints(ONE_POINT))
      expect(e.outcome).toBe('unknown')
      expectNoTokenPiece(e.message)
    })
  })
})

describe('MoodleClient.close', () => {
  it('can be called twice', async () => {
    const c = new MoodleClient({
      endpoint: 'https://m.example.edu/webservice/rest/server.php',
      token: TOKEN,
      timeoutMs: 100
    })
    await c.close()
    await expect(c.close()).resolves.toBeUndefined()
  })
})

describe('MoodleClient proxy settings', () => {
  const endpoint = 'https://m.example.edu/webservice/rest/server.php'

  it('a proxy for Moodle that is not an address: refused when the client is made, before any call', () => {
    const make = () =>
      new MoodleClient({
        endpoint,
        token: TOKEN,
        timeoutMs: 100,
        proxy: { httpsProxy: 'user:secret@proxy.example.edu:3128' }
      })
    expect(make).toThrow(MoodleError)
    expect(make).toThrow(
      /^Moodle: the runner's HTTPS_PROXY \(or https_proxy\), the proxy for m\.example\.edu, is not a proxy address: .* Nothing was sent$/
    )
    expect(make).not.toThrow(/secret/)
  })

  it('the same setting, with Moodle in NO_PROXY: no problem, the proxy is not used', () => {
    const make = () =>
      new MoodleClient({
        endpoint,
        token: TOKEN,
        timeoutMs: 100,
        proxy: { httpsProxy: 'proxy.example.edu:3128', noProxy: 'm.example.edu' }
      })
    expect(make).not.toThrow()
  })
})
