/**
 * How the client reads Moodle's answers: a reply (classifyReply) or its absence
 * (classifyNetworkError) becomes data or a MoodleError that says whether the function may have
 * run and what to do. Moodle's error codes themselves are in error-codes.ts.
 */
import {
  AWARD_FUNCTION,
  explainMoodleException,
  mayChange,
  moodleErrorCode,
  type MoodleErrorCategory,
  type MoodleOutcome,
  oneLine,
  unknownOutcomeAdvice,
  unknownOutcomeStatement
} from './error-codes.js'

export {
  AWARD_FUNCTION,
  MOODLE_ERROR_CODES,
  moodleErrorCode,
  type MoodleErrorCategory,
  type MoodleOutcome,
  oneLine,
  unknownOutcomeAdvice
} from './error-codes.js'

export interface MoodleErrorDetails {
  outcome: MoodleOutcome
  category: MoodleErrorCategory
  retryable: boolean
  errorcode?: string | null
  httpStatus?: number | null
  retryAfterMs?: number | null
  /** The message without the advice for an unknown outcome (default: the message). */
  diagnosis?: string
  /** The reply was a login page (moodle-url is not the site root, or a sign-on gate). */
  loginPage?: boolean
}

/** A failed Moodle call. The message is one line and never contains the token. */
export class MoodleError extends Error {
  readonly outcome: MoodleOutcome
  /** Moodle's errorcode when the reply carried one. */
  readonly errorcode: string | null
  /** Safe to retry: the function certainly did not run, and the cause may go away. */
  readonly retryable: boolean
  readonly category: MoodleErrorCategory
  /** HTTP status of the reply; null when no reply came. */
  readonly httpStatus: number | null
  /** Wait the server asked for (Retry-After), in milliseconds. */
  readonly retryAfterMs: number | null
  /**
   * What happened and what it means, without what to do next: for an unknown outcome, the
   * caller that keeps a ledger gives its own procedure instead of the generic advice.
   */
  readonly diagnosis: string
  /** The reply was a login page instead of Moodle's answer. */
  readonly loginPage: boolean

  constructor(message: string, details: MoodleErrorDetails) {
    super(message)
    this.name = 'MoodleError'
    this.outcome = details.outcome
    this.category = details.category
    this.retryable = details.retryable
    this.errorcode = details.errorcode ?? null
    this.httpStatus = details.httpStatus ?? null
    this.retryAfterMs = details.retryAfterMs ?? null
    this.diagnosis = details.diagnosis ?? message
    this.loginPage = details.loginPage ?? false
  }
}

/**
 * Why an optional function could not be called, from the error it raised: `not-installed` on the
 * site, or `not-in-service` (not in the token's external service); null for any other failure,
 * the token as a whole refused included.
 */
export function functionUnavailable(error: unknown): 'not-installed' | 'not-in-service' | null {
  if (!(error instanceof MoodleError) || error.errorcode === null) return null
  const probe = moodleErrorCode(error.errorcode)?.probe
  if (probe === 'function-unknown') return 'not-installed'
  if (probe === 'access-refused' && error.category !== 'token') return 'not-in-service'
  return null
}

/**
 * `Moodle fn: what happened` and, for an unknown outcome of a call that may change something,
 * `: what to do` (check before calling again).
 */
export function moodleError(
  wsfunction: string,
  text: string,
  details: Omit<MoodleErrorDetails, 'diagnosis'>
): MoodleError {
  const diagnosis = `Moodle ${wsfunction}: ${text}`
  const advice = details.outcome === 'unknown' ? unknownOutcomeAdvice(wsfunction) : ''
  return new MoodleError(advice === '' ? diagnosis : `${diagnosis}: ${advice}`, {
    ...details,
    diagnosis
  })
}

export interface ReplyInput {
  status: number
  contentType: string | null
  /** Already free of the token: the caller redacts it before anything here cuts the text. */
  body: string
  /** Retry-After header; for a change, a 503 without it may come from a proxy after the call ran. */
  retryAfter: string | null
  wsfunction: string
  /** Location header, shown for redirects. */
  location?: string | null
  /** Clock for Retry-After dates (tests). */
  now?: number
}

export type ReplyResult = { ok: true; data: unknown } | { ok: false; error: MoodleError }

/** Seconds or an HTTP date -> milliseconds from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const date = Date.parse(text)
  return Number.isNaN(date) ? null : Math.max(0, date - now)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

/** Moodle's error shapes: `{exception, errorcode, message, debuginfo?}` and `{error, errorcode}`. */
function moodleException(
  data: unknown
): { errorcode: string; message: string; debuginfo: string | null } | null {
  if (!isRecord(data)) return null
  const errorcode = text(data.errorcode)
  const exception = text(data.exception)
  if (errorcode === null && exception === null) return null
  return {
    errorcode: errorcode ?? '',
    message: oneLine(text(data.message) ?? text(data.error) ?? ''),
    debuginfo: text(data.debuginfo) === null ? null : oneLine(text(data.debuginfo) ?? '')
  }
}

/** `HTTP 403 (text/html): "<!DOCTYPE ..."` - what arrived, for replies that are not Moodle JSON. */
function describeReply(status: number, contentType: string | null, body: string): string {
  const type = contentType ? oneLine(contentType.split(';')[0] ?? '', 60) : 'no content type'
  const first = oneLine(body, 80)
  return first === ''
    ? `HTTP ${status} (${type}, empty body)`
    : `HTTP ${status} (${type}): "${first}"`
}

const PHP_DIAGNOSTIC =
  /(^|\n|<b>)\s*(PHP )?(Fatal error|Parse error|Warning|Notice|Deprecated)(<\/b>)?:/

/** A reply with PHP warnings printed before the JSON (display_errors on): the JSON, if any. */
function jsonAfterPhpOutput(body: string): { data: unknown } | null {
  if (!PHP_DIAGNOSTIC.test(body)) return null
  const lastLine = body.trim().split('\n').at(-1)?.trim() ?? ''
  try {
    return { data: JSON.parse(lastLine) }
  } catch {
    return null
  }
}

function parseJson(body: string): { data: unknown } | null {
  if (body.trim() === '') return null
  try {
    return { data: JSON.parse(body) }
  } catch {
    return jsonAfterPhpOutput(body)
  }
}

/** Moodle's login page (the URL is not the site root, or a single sign-on gate). */
function isLoginPage(body: string): boolean {
  return /id="page-login-index"|<input[^>]*type=["']?password|<title>\s*(log ?in|sign ?in)/i.test(
    body
  )
}

/**
 * What a reply that is not a Moodle answer most likely is. `likelihood`: whether whatever sent it
 * may have let the call run first (`possible`: proxies that time out, server errors) or most
 * likely stopped it before Moodle (`unlikely`: a missing page, a login page, a firewall).
 */
function diagnose(input: ReplyInput): {
  seen: string
  text: string
  category: MoodleErrorCategory
  likelihood: 'possible' | 'unlikely'
  loginPage: boolean
} {
  const { status, contentType, body, wsfunction } = input
  const empty = body.trim() === ''
  const html = /html/i.test(contentType ?? '') || /^\s*</.test(body)
  const ok = status >= 200 && status < 300
  const seen = describeReply(status, contentType, body)
  const possible = (text: string) =>
    ({ seen, text, category: 'unknown-outcome', likelihood: 'possible', loginPage: false }) as const
  const unlikely = (text: string, category: MoodleErrorCategory) =>
    ({ seen, text, category, likelihood: 'unlikely', loginPage: false }) as const

  if (status === 503) {
    return possible(
      "the server or a proxy in front of Moodle was unavailable, without the Retry-After of Moodle's own " +
        'maintenance reply, and a proxy may answer so after Moodle ran the call'
    )
  }
  if (status === 502 || status === 504) {
    return possible(
      'a proxy in front of Moodle gave up waiting for it, but Moodle may have finished the call'
    )
  }
  if (status >= 500) {
    return possible(
      "Moodle failed with a server error, possibly after running the function (see the web server's error log)"
    )
  }
  if (ok && PHP_DIAGNOSTIC.test(body)) {
    return possible(
      'Moodle printed PHP errors instead of a reply (turn off display_errors and see the error log)'
    )
  }
  if (status === 404) {
    return unlikely(
      'there is no Moodle web service at this address; moodle-url must be the Moodle site root (the address of its front page)',
      'not-moodle'
    )
  }
  if (empty && (status === 403 || ok)) {
    return unlikely(
      'web services or the REST protocol are disabled; enable both under Site administration > Server > Web services > Overview',
      'site'
    )
  }
  if (ok && isLoginPage(body)) {
    return {
      ...unlikely(
        "this looks like Moodle's login page: moodle-url must be the Moodle site root",
        'not-moodle'
      ),
      seen: `HTTP ${status} (a login page)`,
      loginPage: true
    }
  }
  if (ok && html) {
    return unlikely(
      "this is a web page, not Moodle's web service (a proxy or firewall page, or the URL is wrong); moodle-url must be the Moodle site root",
      'not-moodle'
    )
  }
  if (ok && /^\s*[[{"]/.test(body)) {
    return unlikely(
      `the reply is not complete JSON (cut off on the way?); ${wsfunction === AWARD_FUNCTION ? 'Moodle answers the award with {"xp": <integer>}' : 'Moodle answers with complete JSON'}`,
      'not-moodle'
    )
  }
  if (ok) {
    return unlikely(
      'this is not a Moodle web service reply; check that moodle-url is the Moodle site root',
      'not-moodle'
    )
  }
  return unlikely(
    'the web server or a firewall refused the request (Moodle itself answers with HTTP 200); check moodle-url and any firewall in front of Moodle',
    'not-moodle'
  )
}

/**
 * Classifies one HTTP reply from Moodle's REST server. The body decides first: core Moodle
 * sends its errors with HTTP 200, some plugins with 400. For a function that may change
 * something (the award) only a complete Moodle answer is trusted: its result, or an error code
 * known to come before any change (error-codes.ts). Any other reply came after the request was
 * sent and proves nothing, so its outcome is unknown (a redirect or a password prompt included,
 * with their diagnosis), except a rate limit (429) and Moodle's own maintenance reply (503 with
 * Retry-After), which come before anything runs and are retried. Pure.
 */
export function classifyReply(input: ReplyInput): ReplyResult {
  const { status, wsfunction } = input
  const fail = (text: string, details: MoodleErrorDetails): ReplyResult => ({
    ok: false,
    error: moodleError(wsfunction, text, { httpStatus: status, ...details })
  })
  const retryAfterMs = parseRetryAfter(input.retryAfter, input.now)

  const parsed = parseJson(input.body)
  if (parsed !== null) {
    const exception = moodleException(parsed.data)
    if (exception !== null) {
      const { text: explanation, ...details } = explainMoodleException({ ...exception, wsfunction })
      return fail(explanation, {
        ...details,
        errorcode: exception.errorcode || null,
        retryAfterMs: details.retryable ? retryAfterMs : null
      })
    }
    if (status >= 200 && status < 300) return { ok: true, data: parsed.data }
  }

  const seen = describeReply(status, input.contentType, input.body)
  const change = mayChange(wsfunction)
  const refused = { outcome: 'not-applied', retryable: false, category: 'not-moodle' } as const
  const later = { outcome: 'not-applied', retryable: true, category: 'site', retryAfterMs } as const

  // Moodle's own 503 (upgrade or CLI maintenance) comes before anything runs and carries
  // Retry-After. A proxy (Envoy, Istio, load balancers) may answer a bare 503 after Moodle ran
  // the call ("upstream reset before headers"), so for a change only Retry-After makes it safe.
  if (status === 503 && (!change || (input.retryAfter ?? '').trim() !== '')) {
    return fail(
      `${seen}: Moodle is being upgraded or is in maintenance; nothing was changed, run the workflow again later`,
      later
    )
  }
  // A rate limiter answers before forwarding the request: nothing ran.
  if (status === 429) {
    return fail(
      `${seen}: the server limits the request rate; nothing was changed, run the workflow again later`,
      later
    )
  }
  // A redirect or a password prompt most likely stopped the request before Moodle, but for a
  // change only Moodle's own answer proves that nothing was applied: unknown, with the diagnosis.
  const refusal =
    status >= 300 && status < 400
      ? `moodle-url redirects${input.location ? ` to ${oneLine(input.location, 120)}` : ''}; give the final https address of the Moodle site root`
      : status === 401 || status === 407
        ? 'a password prompt (HTTP authentication or a proxy) stands in front of Moodle; let /webservice/rest/server.php through without it'
        : null
  if (refusal !== null) {
    return change
      ? fail(`${seen}: ${refusal}; ${unknownOutcomeStatement(wsfunction, 'unlikely')}`, {
          outcome: 'unknown',
          retryable: false,
          category: 'unknown-outcome'
        })
      : fail(`${seen}: ${refusal}`, refused)
  }

  const found = diagnose(input)
  const { loginPage } = found
  if (change) {
    return fail(
      `${found.seen}: ${found.text}; ${unknownOutcomeStatement(wsfunction, found.likelihood)}`,
      { outcome: 'unknown', retryable: false, category: 'unknown-outcome', loginPage }
    )
  }
  if (found.likelihood === 'possible') {
    return fail(`${found.seen}: ${found.text}; ${unknownOutcomeStatement(wsfunction)}`, {
      outcome: 'unknown',
      retryable: false,
      category: 'unknown-outcome'
    })
  }
  return fail(`${found.seen}: ${found.text}`, {
    outcome: 'not-applied',
    retryable: false,
    category: found.category,
    loginPage
  })
}

const TIMEOUT_CODES = new Set([
  'TIMEOUT',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT'
])

/** Certificate problems do not go away by retrying. */
function isCertificateError(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_/.test(code)
}

export interface NetworkFailure {
  /** Node or undici error code; 'TIMEOUT' for the overall time limit. */
  code: string | null
  /** The request had been handed to a connected socket: Moodle may have received it. */
  sent: boolean
  wsfunction: string
  /** host[:port], for the message. */
  host: string
  timeoutMs: number
}

/** Classifies a failure without an HTTP reply. Pure. */
export function classifyNetworkError(failure: NetworkFailure): MoodleError {
  const { code, sent, wsfunction, host, timeoutMs } = failure
  const shownCode = code ?? 'no error code'
  const seconds = `${Math.round(timeoutMs / 100) / 10} s`
  const timedOut = code !== null && TIMEOUT_CODES.has(code)
  const prefix = `Moodle ${wsfunction}:`

  if (sent) {
    const what = timedOut
      ? `no reply from ${host} within ${seconds} after the request was sent (${shownCode})`
      : `the connection to ${host} closed after the request was sent (${shownCode})`
    return moodleError(wsfunction, `${what}; ${unknownOutcomeStatement(wsfunction)}`, {
      outcome: 'unknown',
      category: 'unknown-outcome',
      retryable: false
    })
  }
  const notSent = { outcome: 'not-applied', category: 'network' } as const
  if (code !== null && isCertificateError(code)) {
    return new MoodleError(
      `${prefix} the TLS certificate of ${host} was rejected (${code}); nothing was sent. ` +
        'Fix the certificate on the server (valid, matching the host name, with its full chain)',
      { ...notSent, retryable: false }
    )
  }
  let what: string
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    what = `cannot resolve the host name ${host} (${code}); check moodle-url`
  } else if (code === 'ECONNREFUSED') {
    what = `${host} refused the connection (${code}); check moodle-url and its port, and that the web server is running`
  } else if (timedOut) {
    what = `no connection to ${host} within ${seconds} (${code}); check that Moodle is reachable from GitHub's runners (firewall?)`
  } else {
    what = `could not connect to ${host} (${shownCode}); check moodle-url and that Moodle is reachable from the runner`
  }
  return new MoodleError(`${prefix} ${what}. Nothing was sent`, { ...notSent, retryable: true })
}
