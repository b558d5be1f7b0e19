/**
 * Moodle requests over undici, for runners behind a proxy: its proxy agent tunnels through the
 * proxy that applies to Moodle's host (chosen by proxy.ts, as undici's EnvHttpProxyAgent would
 * choose it). Loaded only then: undici's code is compiled on every run that loads it, which a
 * direct award avoids.
 */
import type { Dispatcher } from 'undici'
import {
  errorCode,
  firstValues,
  type MoodleRequest,
  type MoodleTransport,
  type SendResult
} from './transport.js'
import { Agent, ProxyAgent, request } from './undici.js'

/**
 * Marks the moment undici hands the request to a connected socket (after DNS, TCP and TLS, and
 * the proxy's tunnel). Before it, nothing can have reached Moodle; after it, Moodle may have run
 * the function.
 */
class SentTracker implements Dispatcher.DispatchHandler {
  constructor(
    private readonly next: Dispatcher.DispatchHandler,
    private readonly onSent: () => void
  ) {}
  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.onSent()
    this.next.onRequestStart?.(controller, context)
  }
  onRequestUpgrade(
    ...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>
  ): void {
    this.next.onRequestUpgrade?.(...args)
  }
  onResponseStart(
    ...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>
  ): void {
    this.next.onResponseStart?.(...args)
  }
  onResponseData(
    ...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseData']>>
  ): void {
    this.next.onResponseData?.(...args)
  }
  onResponseEnd(
    ...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseEnd']>>
  ): void {
    this.next.onResponseEnd?.(...args)
  }
  onResponseError(
    ...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseError']>>
  ): void {
    this.next.onResponseError?.(...args)
  }
}

export class UndiciTransport implements MoodleTransport {
  readonly #timeoutMs: number
  readonly #agent: Dispatcher
  #closed = false

  /**
   * @param options.timeoutMs The limit for connecting, for the reply's headers, between pieces of
   *   its body, and for the whole call.
   * @param options.proxy The address of the proxy to go through (`proxyFor`); none: a direct
   *   connection, which only the tests use, to hold the two transports to the same cases.
   */
  constructor(options: { timeoutMs: number; proxy?: string }) {
    this.#timeoutMs = options.timeoutMs
    const agentOptions = {
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      // No keep-alive: a request written to a socket the server has just closed fails in a
      // way indistinguishable from a crash after sending. A fresh connection per call avoids
      // turning an award into an "unknown" for nothing; the action makes only a few calls.
      pipelining: 0
    }
    // The agent EnvHttpProxyAgent would pick for Moodle's host, with the same options. Only the
    // proxy that applies is set up: another variable that is not an address cannot get in the way.
    this.#agent = options.proxy
      ? new ProxyAgent({ ...agentOptions, uri: options.proxy })
      : new Agent(agentOptions)
  }

  async send({ url, body, headers, timeoutMs }: MoodleRequest): Promise<SendResult> {
    const limitMs = timeoutMs ?? this.#timeoutMs
    let sent = false
    const dispatcher = this.#agent.compose(
      dispatch => (opts, handler) =>
        dispatch(
          opts,
          new SentTracker(handler, () => {
            sent = true
          })
        )
    )
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher,
        signal: AbortSignal.timeout(limitMs),
        headersTimeout: limitMs,
        bodyTimeout: limitMs,
        headers,
        body
      })
      try {
        // undici's text() decodes UTF-8 and drops a leading byte order mark.
        const text = await response.body.text()
        return {
          ok: true,
          reply: { status: response.statusCode, headers: firstValues(response.headers), body: text }
        }
      } catch (error) {
        return { ok: false, code: errorCode(error), sent: true }
      }
    } catch (error) {
      return { ok: false, code: errorCode(error), sent }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#agent.close()
  }
}
