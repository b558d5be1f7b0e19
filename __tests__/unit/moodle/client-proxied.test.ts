/**
 * The proxied transport is opened at the first call (undici loads only then). If it cannot be
 * opened, the call fails as one that sent nothing, and is not retried; the error's message,
 * which may quote the proxy's address and password, is not shown. undici's proxy agent is
 * replaced here by one that refuses its settings: no address that passes the client's own check
 * makes the real one refuse.
 */
import { describe, expect, it, jest } from '@jest/globals'

let opened = 0
jest.unstable_mockModule('../../../src/moodle/undici-transport.js', () => ({
  UndiciTransport: class {
    constructor() {
      opened++
      throw Object.assign(new Error('Invalid URL http://user:secret@proxy.example.edu'), {
        code: 'ERR_INVALID_URL'
      })
    }
  }
}))
const { MoodleClient } = await import('../../../src/moodle/client.js')
const { MoodleError } = await import('../../../src/moodle/errors.js')

describe('a proxied transport that cannot be opened', () => {
  it('fails the call as not sent, not retried, without the message of the cause; close() still works', async () => {
    const client = new MoodleClient({
      endpoint: 'https://moodle.example.edu/webservice/rest/server.php',
      token: 'f00dfacecafe0123456789abcdef0123',
      timeoutMs: 1000,
      retry: { attempts: 3, baseDelayMs: 1 },
      proxy: { httpsProxy: 'http://user:secret@proxy.example.edu' }
    })
    const error = await client.awardPoints({ userId: 2, points: 10, courseId: 30 }).then(
      () => null,
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(MoodleError)
    expect(error).toMatchObject({ outcome: 'not-applied', retryable: false })
    expect((error as Error).message).toBe(
      "Moodle local_xp_award_points: could not set up the connection through the runner's proxy " +
        '(ERR_INVALID_URL); check HTTP_PROXY and HTTPS_PROXY. Nothing was sent'
    )
    expect(opened).toBe(1)
    await expect(client.close()).resolves.toBeUndefined()
  })
})
