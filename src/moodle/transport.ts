/**
 * How one Moodle request travels: a POST on a fresh connection, and either the whole reply or a
 * failure that says whether the request had been sent. Whether an award may be repeated depends
 * on that answer alone, so the client classifies it the same way whatever carried the request:
 * Node's `http`/`https` for a direct connection (http-transport.ts), undici when the runner's
 * proxy applies to Moodle's host (undici-transport.ts).
 */

export interface MoodleRequest {
  url: URL
  /** The form, token included: a transport never shows it anywhere. */
  body: string
  headers: Record<string, string>
  /** The limit for this call, when shorter than the transport's own. */
  timeoutMs?: number
}

export interface MoodleReply {
  status: number
  /** Header names in lower case; where a server sent a header twice, its first value. */
  headers: Record<string, string>
  /** The whole body decoded as UTF-8, without a leading byte order mark. */
  body: string
}

export type SendResult =
  | { ok: true; reply: MoodleReply }
  | {
      ok: false
      /** Node's or undici's error code; 'TIMEOUT' when the time limit of the call ran out. */
      code: string | null
      /**
       * The request had been handed to a connected socket (after DNS, TCP and TLS, and through
       * the proxy's tunnel): Moodle may have received it. Before that, nothing reached Moodle.
       */
      sent: boolean
    }

export interface MoodleTransport {
  /** Sends one request; never throws (a failure is a result). */
  send(request: MoodleRequest): Promise<SendResult>
  /** Releases what the transport holds. Safe to call more than once. */
  close(): Promise<void>
}

/** The code of a failed request: Node's or undici's, 'TIMEOUT' for an AbortSignal's timeout. */
export function errorCode(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null
  if ((error as { name?: unknown }).name === 'TimeoutError') return 'TIMEOUT'
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') return code
  // Node's happy-eyeballs connect wraps per-address errors in an AggregateError.
  const inner = (error as { errors?: unknown }).errors
  return Array.isArray(inner) ? errorCode(inner[0]) : null
}

/** First value of a header that may come as a list (undici) or a string (Node). */
export function firstValues(
  headers: Record<string, string | string[] | undefined>
): Record<string, string> {
  const first: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    const one = Array.isArray(value) ? value[0] : value
    if (one !== undefined) first[name.toLowerCase()] = one
  }
  return first
}
