/**
 * Moodle requests over Node's own `http` and `https`, for a direct connection (no proxy). Node
 * ships these modules precompiled, so a run that sends one award starts much faster than with
 * undici's request code, which is compiled on every run (docs/speed.md). The modules are taken
 * with `process.getBuiltinModule`, not imported: an ES module import of a built-in reads all its
 * exports, and `node:http`'s lazy ones load Node's internal copy of undici; `https` (and TLS) load
 * only for an https address.
 */
import type * as Http from 'node:http'
import {
  errorCode,
  firstValues,
  type MoodleRequest,
  type MoodleTransport,
  type SendResult
} from './transport.js'

const BYTE_ORDER_MARK = '\uFEFF'

export class HttpTransport implements MoodleTransport {
  /**
   * @param timeoutMs The limit for one call, from its start to the last byte of the reply. It
   *   covers connecting (DNS, TCP, TLS), waiting for the reply and reading it: the phases undici
   *   limits one by one, with this same limit each, so that the overall limit (started first)
   *   is the one that runs out in every phase.
   */
  constructor(private readonly timeoutMs: number) {}

  send(request: MoodleRequest): Promise<SendResult> {
    const { url, headers } = request
    const secure = url.protocol === 'https:'
    const http = process.getBuiltinModule(secure ? 'node:https' : 'node:http') as typeof Http
    const body = Buffer.from(request.body, 'utf8')

    return new Promise(resolve => {
      let sent = false
      let settled = false
      let outgoing: Http.ClientRequest | undefined
      const finish = (result: SendResult) => {
        if (settled) return
        settled = true
        clearTimeout(limit)
        // Nothing is reused: the connection closes with the call (after the reply, or on failure).
        outgoing?.destroy()
        resolve(result)
      }
      const fail = (error: unknown) => finish({ ok: false, code: errorCode(error), sent })
      const limit = setTimeout(() => fail({ code: 'TIMEOUT' }), request.timeoutMs ?? this.timeoutMs)

      try {
        // No agent: a fresh connection for this one call, closed after it (`Connection: close`).
        // A request written to a kept-alive socket the server has just closed fails like a crash
        // after sending, and would turn an award into an unknown outcome for nothing.
        outgoing = http.request(url, {
          method: 'POST',
          agent: false,
          headers: { ...headers, 'content-length': String(body.length) }
        })
      } catch (error) {
        fail(error)
        return
      }
      const pending = outgoing
      pending.on('error', fail)
      // The request is written only once the connection is ready (TCP, and TLS for https): that
      // is the moment it is sent. Any failure before it means nothing reached Moodle.
      pending.on('socket', socket => {
        socket.once(secure ? 'secureConnect' : 'connect', () => {
          if (settled) return
          sent = true
          pending.end(body)
        })
      })
      pending.on('response', incoming => {
        sent = true
        const chunks: Buffer[] = []
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
        // A connection that closes before the whole body arrived: 'aborted' (ECONNRESET).
        incoming.on('error', fail)
        incoming.on('close', () => {
          if (!incoming.complete) fail({ code: 'ECONNRESET' })
        })
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          finish({
            ok: true,
            reply: {
              status: incoming.statusCode ?? 0,
              headers: firstValues(incoming.headers),
              body: text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text
            }
          })
        })
      })
    })
  }

  /** Nothing to release: every call has its own connection, closed when the call ends. */
  async close(): Promise<void> {}
}
