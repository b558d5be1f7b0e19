import { setTimeout as sleep } from 'node:timers/promises'
import { en } from 'zod/locales'
import * as z from 'zod/mini'
import {
  AWARD_FUNCTION,
  MoodleError,
  classifyNetworkError,
  classifyReply,
  moodleError,
  oneLine,
  type ReplyResult
} from './errors.js'
import { unknownOutcomeStatement } from './error-codes.js'
import { encodeForm, type MoodleParam } from './form.js'
import { Redactor } from '../report/redact.js'
import { HttpTransport } from './http-transport.js'
import { proxyFor, proxyProblem, type MoodleProxyOptions } from './proxy.js'
import { errorCode, type MoodleTransport } from './transport.js'
import type { MoodleUser, SiteInfo } from './types.js'

export interface MoodleRetryOptions {
  /** Attempts in all, the first included. Default 3. */
  attempts?: number
  /** First backoff delay; doubles each time. Default 500 ms. */
  baseDelayMs?: number
  /** Cap on any wait, Retry-After included. Default 30 s. */
  maxDelayMs?: number
}

/** Limits of one call, tighter than the client's: an optional read that must not hold a run up. */
export interface MoodleCallLimits {
  /** Limit for each attempt; never longer than the client's `timeoutMs`. */
  timeoutMs?: number
  /** Attempts in all; never more than the client's. */
  attempts?: number
}

export interface MoodleClientOptions {
  /** The REST endpoint, as `moodleEndpoint()` returns it. */
  endpoint: string
  token: string
  /** Limit for one attempt: connect, headers and body timeouts, and the overall limit. */
  timeoutMs: number
  retry?: MoodleRetryOptions
  /** Proxy settings (from HTTPS_PROXY, HTTP_PROXY, NO_PROXY); none: connect directly. */
  proxy?: MoodleProxyOptions
  /**
   * What carries the requests. Default: Node's http/https straight to Moodle, or undici when
   * the proxy settings apply to Moodle's host (loaded only then).
   */
  transport?: MoodleTransport
}

/** PHP's max_input_vars must be >= 5000 for Moodle: 2500 values stay well inside it. */
export const USERS_PER_REQUEST = 2500

/** zod/mini words its messages only when asked: the English ones say what was expected. */
const replyMessages = { error: en().localeError }
const awardReply = z.object({ xp: z.int() })
const siteInfoReply = z.object({
  sitename: z.string(),
  siteurl: z.string(),
  userid: z.int(),
  username: z.string(),
  fullname: z.optional(z.string()),
  release: z.optional(z.string()),
  version: z.optional(z.string()),
  functions: z.array(z.object({ name: z.string(), version: z.optional(z.string()) }))
})
const usersReply = z.array(
  z.object({
    id: z.int(),
    username: z.optional(z.string()),
    email: z.optional(z.string()),
    idnumber: z.optional(z.string()),
    fullname: z.optional(z.string())
  })
)

/** A level of a course's Level Up XP; `name` is null when the teacher gave it none. */
const xpLevel = z.object({
  level: z.int(),
  xprequired: z.int(),
  name: z.pipe(
    z.nullish(z.string()),
    z.transform((name: string | null | undefined) => name ?? null)
  )
})
const userStateReply = z.object({
  id: z.int(),
  xp: z.int(),
  level: xpLevel,
  xpinlevel: z.int(),
  totalxpinlevel: z.int()
})
const levelsInfoReply = z.object({ count: z.int(), levels: z.array(xpLevel) })

/** `local_xp_get_user_state` (Level Up XP+): a user's points and level in a course. */
export type XpUserState = z.infer<typeof userStateReply>
/** `local_xp_get_levels_info` (Level Up XP+): the levels of a course. */
export type XpLevelsInfo = z.infer<typeof levelsInfoReply>

/**
 * Moodle's REST web services. Every call is a form POST with the token in the body, on a fresh
 * connection (transport.ts). Retries only what certainly did not run (see `call`).
 *
 * Why not a library's retry handler (undici's RetryAgent, for one): it decides from status codes
 * and error codes alone, so it cannot see a `sitemaintenance` body (HTTP 200), and its error codes
 * (ECONNRESET, UND_ERR_SOCKET, EPIPE...) do not say whether the request had already been
 * sent, which decides whether an award may be repeated. It also retries 500/502/504, which
 * for an award means possibly paying twice. The loop below is short and states exactly that.
 */
export class MoodleClient {
  readonly #endpoint: URL
  readonly #token: string
  readonly #timeoutMs: number
  readonly #attempts: number
  readonly #baseDelayMs: number
  readonly #maxDelayMs: number
  /** The proxy that applies to Moodle's address (proxy.ts); null: a direct connection. */
  readonly #proxy: string | null
  /** Opened at the first call: undici's module loads only if a proxy applies. */
  #transport: Promise<MoodleTransport> | undefined
  /** Hides the token in every form a reply may echo it (see report/redact.ts). */
  readonly #redactor: Redactor
  #closed = false

  /** @throws MoodleError when the proxy that applies to Moodle is not an address. */
  constructor(options: MoodleClientOptions) {
    this.#endpoint = new URL(options.endpoint)
    const problem = proxyProblem(this.#endpoint, options.proxy)
    if (problem !== null) {
      throw new MoodleError(`Moodle: ${problem}`, {
        outcome: 'not-applied',
        category: 'network',
        retryable: false
      })
    }
    this.#token = options.token
    this.#redactor = new Redactor([options.token])
    this.#timeoutMs = options.timeoutMs
    this.#attempts = Math.max(1, Math.floor(options.retry?.attempts ?? 3))
    this.#baseDelayMs = Math.max(0, options.retry?.baseDelayMs ?? 500)
    this.#maxDelayMs = Math.max(0, options.retry?.maxDelayMs ?? 30_000)
    this.#proxy = proxyFor(this.#endpoint, options.proxy)
    this.#transport = options.transport && Promise.resolve(options.transport)
  }

  /**
   * Calls `wsfunction` and returns its decoded JSON. Throws MoodleError.
   * Retried (up to `attempts` in all): failures before the request reached Moodle, HTTP 429,
   * `sitemaintenance`, and HTTP 503 with Retry-After (Moodle's upgrade page; for a read-only
   * function any 503). With `readOnly`, also timeouts and resets after sending and 502/504:
   * repeating a read changes nothing. Never retried: anything else, and for writes any
   * failure whose outcome is unknown (a bare 503, possibly from a proxy after Moodle ran the
   * call, or an error code not known to come before the change).
   */
  async call(
    wsfunction: string,
    params: Record<string, MoodleParam>,
    options: { readOnly?: boolean } & MoodleCallLimits = {}
  ): Promise<unknown> {
    const timeoutMs = Math.min(options.timeoutMs ?? this.#timeoutMs, this.#timeoutMs)
    const attempts = Math.min(options.attempts ?? this.#attempts, this.#attempts)
    const body = encodeForm({
      ...params,
      wstoken: this.#token,
      wsfunction,
      moodlewsrestformat: 'json'
    })
    for (let attempt = 1; ; attempt++) {
      const result = await this.#attempt(wsfunction, body, timeoutMs)
      if (result.ok) return result.data
      const error = result.error
      const again = error.retryable || (options.readOnly === true && isTransientUnknown(error))
      if (!again || attempt >= attempts) {
        const gaveUp = again ? ` (gave up after ${attempt} attempts)` : ''
        throw this.#withoutToken(error, gaveUp)
      }
      const backoff = this.#baseDelayMs * 2 ** (attempt - 1)
      await sleep(Math.min(error.retryAfterMs ?? backoff, this.#maxDelayMs))
    }
  }

  /** Awards points; returns the recipient's new total. */
  async awardPoints(a: {
    userId: number
    points: number
    courseId: number
  }): Promise<{ xp: number }> {
    const data = await this.call(AWARD_FUNCTION, {
      userid: a.userId,
      points: a.points,
      courseid: a.courseId
    })
    const parsed = awardReply.safeParse(data)
    if (parsed.success) return { xp: parsed.data.xp }
    // Moodle answered with a result, so the function ran: the points were most likely added.
    throw this.#withoutToken(
      moodleError(
        AWARD_FUNCTION,
        `the reply ${shown(data)} is not {"xp": <integer>}; ${unknownOutcomeStatement(AWARD_FUNCTION)}`,
        { outcome: 'unknown', category: 'unknown-outcome', retryable: false, httpStatus: 200 }
      )
    )
  }

  /** `core_webservice_get_site_info`: who the token belongs to, and its service's functions. */
  async getSiteInfo(): Promise<SiteInfo> {
    const fn = 'core_webservice_get_site_info'
    return this.#validated(fn, siteInfoReply, await this.call(fn, {}, { readOnly: true }))
  }

  /**
   * `core_user_get_users_by_field`. Usernames are sent lower-case (Moodle rejects others).
   * Unknown values are simply absent from the result.
   */
  async getUsersByField(
    field: 'id' | 'email' | 'username' | 'idnumber',
    values: string[]
  ): Promise<MoodleUser[]> {
    const fn = 'core_user_get_users_by_field'
    const wanted = [...new Set(field === 'username' ? values.map(v => v.toLowerCase()) : values)]
    const users: MoodleUser[] = []
    for (let start = 0; start < wanted.length; start += USERS_PER_REQUEST) {
      const chunk = wanted.slice(start, start + USERS_PER_REQUEST)
      const data = await this.call(fn, { field, values: chunk }, { readOnly: true })
      users.push(...this.#validated(fn, usersReply, data))
    }
    return users
  }

  /**
   * `local_xp_get_user_state` (Level Up XP+): a user's points and level in a course. `userId` 0
   * is the token's own user; another user needs block/xp:manage, as an award does.
   */
  async getUserState(courseId: number, userId: number): Promise<XpUserState> {
    const fn = 'local_xp_get_user_state'
    const data = await this.call(fn, { courseid: courseId, userid: userId }, { readOnly: true })
    return this.#validated(fn, userStateReply, data)
  }

  /** `local_xp_get_levels_info` (Level Up XP+): the levels of a course. */
  async getLevelsInfo(courseId: number, limits: MoodleCallLimits = {}): Promise<XpLevelsInfo> {
    const fn = 'local_xp_get_levels_info'
    const data = await this.call(fn, { courseid: courseId }, { ...limits, readOnly: true })
    return this.#validated(fn, levelsInfoReply, data)
  }

  /**
   * `core_enrol_get_enrolled_users` with `withcapability`: the users enrolled in a course who
   * hold `capability` there (the token's user needs moodle/role:review for that).
   */
  async getEnrolledUsers(courseId: number, capability: string): Promise<MoodleUser[]> {
    const fn = 'core_enrol_get_enrolled_users'
    const data = await this.call(
      fn,
      { courseid: courseId, options: [{ name: 'withcapability', value: capability }] },
      { readOnly: true }
    )
    return this.#validated(fn, usersReply, data)
  }

  /** Closes the transport, if one was opened. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    // A transport that failed to open holds nothing; its failure was the call's.
    const transport = await this.#transport?.catch(() => undefined)
    await transport?.close()
  }

  /**
   * Node's http straight to Moodle, or undici through the proxy where the runner's proxy
   * settings apply to Moodle's address (proxy.ts): only then does undici's code load.
   */
  #openTransport(): Promise<MoodleTransport> {
    const proxy = this.#proxy
    this.#transport ??=
      proxy === null
        ? Promise.resolve(new HttpTransport(this.#timeoutMs))
        : import('./undici-transport.js').then(
            ({ UndiciTransport }) => new UndiciTransport({ timeoutMs: this.#timeoutMs, proxy })
          )
    return this.#transport
  }

  #validated<T>(wsfunction: string, schema: z.ZodMiniType<T>, data: unknown): T {
    const parsed = schema.safeParse(data, replyMessages)
    if (parsed.success) return parsed.data
    const issue = parsed.error.issues[0]
    const where = issue
      ? `${issue.path.join('.') || 'reply'}: ${issue.message}`
      : 'unexpected shape'
    throw this.#withoutToken(
      new MoodleError(
        `Moodle ${wsfunction}: unexpected reply (${oneLine(where, 120)}); check that moodle-url is a Moodle site`,
        { outcome: 'not-applied', category: 'not-moodle', retryable: false, httpStatus: 200 }
      )
    )
  }

  async #attempt(wsfunction: string, body: string, timeoutMs: number): Promise<ReplyResult> {
    let transport: MoodleTransport
    try {
      transport = await this.#openTransport()
    } catch (error) {
      // undici refused the proxy settings (a case proxyProblem does not know), or its chunk
      // failed to load: either way nothing was sent, and trying again cannot help. Only the
      // error's code is shown: its message may quote the proxy address, password and all.
      return {
        ok: false,
        error: new MoodleError(
          `Moodle ${wsfunction}: could not set up the connection through the runner's proxy ` +
            `(${errorCode(error) ?? 'no error code'}); check HTTP_PROXY and HTTPS_PROXY. ` +
            'Nothing was sent',
          { outcome: 'not-applied', category: 'network', retryable: false }
        )
      }
    }
    const result = await transport.send({
      url: this.#endpoint,
      body,
      timeoutMs,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
    })
    if (!result.ok) {
      return {
        ok: false,
        error: classifyNetworkError({
          code: result.code,
          sent: result.sent,
          wsfunction,
          host: this.#endpoint.host,
          timeoutMs
        })
      }
    }
    const { status, headers } = result.reply
    // Redact before classifying: the classifier cuts long texts, and a cut token would no
    // longer match the final check in #withoutToken.
    const redact = (value: string | undefined) => (value === undefined ? null : this.#redact(value))
    return classifyReply({
      status,
      contentType: redact(headers['content-type']),
      body: this.#redact(result.reply.body),
      retryAfter: redact(headers['retry-after']),
      location: redact(headers.location),
      wsfunction
    })
  }

  /**
   * Replaces the token with `***` in text taken from a reply, in every form a server may echo it:
   * form- or percent-encoded (the request body), JSON-escaped, base64, any letter case, cut.
   */
  #redact(text: string): string {
    return this.#redactor.redact(text)
  }

  /** Belt and braces: a server may echo the request; the token never leaves in an error. */
  #withoutToken(error: MoodleError, suffix = ''): MoodleError {
    return new MoodleError(this.#redact(`${error.message}${suffix}`), {
      ...error,
      diagnosis: this.#redact(`${error.diagnosis}${suffix}`)
    })
  }
}

/** Outcome unknown only because the answer was lost in transit (not a Moodle verdict). */
function isTransientUnknown(error: MoodleError): boolean {
  return (
    error.category === 'unknown-outcome' &&
    error.errorcode === null &&
    (error.httpStatus === null || error.httpStatus === 502 || error.httpStatus === 504)
  )
}

function shown(data: unknown): string {
  let json: string
  try {
    json = JSON.stringify(data) ?? String(data)
  } catch {
    json = String(data)
  }
  return oneLine(json, 80)
}
