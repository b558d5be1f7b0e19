import { plainLine } from '../report/text.js'

/** Level Up XP+'s award function: the one call that changes anything. */
export const AWARD_FUNCTION = 'local_xp_award_points'

/** Functions this client calls that change nothing in Moodle. */
const READ_ONLY_FUNCTIONS = new Set([
  'core_webservice_get_site_info',
  'core_user_get_users_by_field',
  'core_enrol_get_enrolled_users',
  'local_xp_get_user_state',
  'local_xp_get_levels_info',
  'local_xp_get_course_world_ladder'
])

/**
 * The function may change something in Moodle: the award, and any function not known to be
 * read-only. An error from such a function may have come after its change was made.
 */
function mayChange(wsfunction: string): boolean {
  return !READ_ONLY_FUNCTIONS.has(wsfunction)
}

/** 'unknown' = the function may have run: never repeat an award on this. */
export type MoodleOutcome = 'not-applied' | 'unknown'

/**
 * What to look at: `token` (the token or its user account), `service` (the external service,
 * or the function is not installed), `site` (web services disabled, maintenance, overload),
 * `request` (a parameter such as the course id), `permission` (capabilities, IP restriction),
 * `recipient` (the student), `network` (Moodle not reached), `not-moodle` (the URL answers but
 * is not Moodle's REST server), `unknown-outcome` (the function may have run).
 */
export type MoodleErrorCategory =
  | 'token'
  | 'service'
  | 'site'
  | 'request'
  | 'permission'
  | 'recipient'
  | 'network'
  | 'not-moodle'
  | 'unknown-outcome'

export interface MoodleErrorDetails {
  outcome: MoodleOutcome
  category: MoodleErrorCategory
  retryable: boolean
  errorcode?: string | null
  httpStatus?: number | null
  retryAfterMs?: number | null
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

  constructor(message: string, details: MoodleErrorDetails) {
    super(message)
    this.name = 'MoodleError'
    this.outcome = details.outcome
    this.category = details.category
    this.retryable = details.retryable
    this.errorcode = details.errorcode ?? null
    this.httpStatus = details.httpStatus ?? null
    this.retryAfterMs = details.retryAfterMs ?? null
  }
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

/**
 * One line, no control characters, at most `max` characters. Server text (HTML pages,
 * debuginfo) is often indented, so runs of white space collapse too.
 */
export function oneLine(text: string, max = 300): string {
  return plainLine(text.replace(/\s+/g, ' '), max)
}

/** Seconds or an HTTP date -> milliseconds from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const date = Date.parse(text)
  return Number.isNaN(date) ? null : Math.max(0, date - now)
}

/** What a teacher should do when nobody knows whether the function ran. */
export function unknownOutcomeAdvice(wsfunction: string): string {
  if (wsfunction === AWARD_FUNCTION) {
    return (
      "the points may have been added: check the student's XP log in Moodle (Level Up XP > Log) " +
      'before awarding again; this is never retried automatically'
    )
  }
  if (READ_ONLY_FUNCTIONS.has(wsfunction)) {
    return 'this call changes nothing in Moodle, so running the workflow again is safe'
  }
  return `${wsfunction} may have run: check in Moodle before calling it again`
}

interface MoodleException {
  errorcode: string | null
  message: string
  debuginfo: string | null
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

/** Moodle's error shapes: `{exception, errorcode, message, debuginfo?}` and `{error, errorcode}`. */
function moodleException(data: unknown): MoodleException | null {
  if (!isRecord(data)) return null
  const errorcode = text(data.errorcode)
  const exception = text(data.exception)
  if (errorcode === null && exception === null) return null
  return {
    errorcode,
    message: oneLine(text(data.message) ?? text(data.error) ?? ''),
    debuginfo: text(data.debuginfo) === null ? null : oneLine(text(data.debuginfo) ?? '')
  }
}

/**
 * Tables the award reads before adding any points (the function's record, the recipient, the
 * course and its context): `invalidrecord` naming one of them means nothing was added.
 */
const TABLES_READ_BEFORE_AWARD = new Set(['external_functions', 'user', 'course', 'context'])

const SERVICES = 'Site administration > Server > Web services > External services'
const TOKENS = 'Site administration > Server > Web services > Manage tokens'

/**
 * The classification of one Moodle exception: what it means and what to do. The codes named
 * below, `invalidresponse` aside, are raised before the award adds any points (token and
 * access checks, parameter validation, record look-ups, capability checks). Any other code,
 * from a function that may change something, may have been raised after the change (a
 * `dmlwriteexception` while logging, say): its outcome is unknown.
 */
function explainException(
  e: MoodleException,
  wsfunction: string
): Omit<MoodleErrorDetails, 'errorcode'> & { text: string } {
  const code = e.errorcode ?? ''
  const said = [e.message, e.debuginfo].filter(Boolean).join(' ')
  const notApplied = { outcome: 'not-applied', retryable: false } as const
  const award = wsfunction === AWARD_FUNCTION

  if (code.startsWith('wsaccessuser')) {
    return { ...notApplied, category: 'token', text: explainTokenUser(code) }
  }
  switch (code) {
    case 'invalidtoken':
      return {
        ...notApplied,
        category: 'token',
        text:
          'the token is not valid (invalidtoken): create or copy the token again ' +
          `(${TOKENS}) and store it in the secret passed as moodle-token`
      }
    case 'accessexception':
      return { ...notApplied, ...explainAccess(e, said) }
    case 'invalidrecord':
    case 'invalidrecordunknown': {
      const table = /database table (\w+)/i.exec(said)?.[1]?.toLowerCase()
      if (mayChange(wsfunction) && table && !TABLES_READ_BEFORE_AWARD.has(table)) {
        return unknownCode(code, said, wsfunction)
      }
      if (/external_functions/i.test(said)) {
        return {
          ...notApplied,
          category: 'service',
          text:
            `Moodle does not know the function ${wsfunction} (${code}): ` +
            (award
              ? 'install the Level Up XP+ add-on (local_xp) with API support'
              : 'check that the plugin providing it is installed and the name is spelt right')
        }
      }
      // Without debugging Moodle names no table: a missing function, user and course all look
      // alike, so say both rather than blame the add-on for an unknown user id.
      if (award && !/\b(user|course)\b/i.test(said)) {
        return {
          ...notApplied,
          category: 'service',
          text:
            `Moodle found no record (${code}), without saying which: either ${wsfunction} is not ` +
            'installed (install the Level Up XP+ add-on, local_xp, with API support), or the user id ' +
            'or the course id does not exist in Moodle; turn on debugging in Moodle to see which'
        }
      }
      return {
        ...notApplied,
        category: 'recipient',
        text: `a record was not found (${code}: ${said || 'no details'}): check the user id and the course id exist in Moodle`
      }
    }
    case 'invalidparameter':
      return {
        ...notApplied,
        category: 'request',
        text:
          `Moodle rejected the parameters (invalidparameter${e.debuginfo ? `: ${e.debuginfo}` : ''}): ` +
          'check the course id and the Moodle user ids' +
          (e.debuginfo ? '' : ' (turn on debugging in Moodle to see which parameter)')
      }
    case 'sitemaintenance':
      return {
        outcome: 'not-applied',
        retryable: true,
        category: 'site',
        text: 'the site is in maintenance mode (sitemaintenance): nothing was changed; run the workflow again once the site is back'
      }
    case 'nopermissions':
      return {
        ...notApplied,
        category: 'permission',
        text:
          `the token's user lacks a permission (nopermissions: ${e.message}): ` +
          (award
            ? 'give it a role with block/xp:manage in the course (in the system context when XP is sitewide)'
            : 'give it a role with the capability the message names')
      }
    case 'requireloginerror':
      return {
        ...notApplied,
        category: 'recipient',
        text:
          'the course is not accessible (requireloginerror): check that the course exists and is visible, ' +
          "that the token's user is enrolled in it or has a site-wide role, and that the student is enrolled"
      }
    case 'invaliduser':
      return {
        ...notApplied,
        category: 'recipient',
        text: 'Moodle has no such user (invaliduser): check the Moodle user id in the mapping'
      }
    case 'invalidcourseid':
      return {
        ...notApplied,
        category: 'request',
        text: 'Moodle has no such course (invalidcourseid): check course-id (1 means sitewide)'
      }
    case 'invalidresponse':
      return {
        outcome: 'unknown',
        retryable: false,
        category: 'unknown-outcome',
        text:
          'Moodle ran the function but its reply did not match its description (invalidresponse): ' +
          unknownOutcomeAdvice(wsfunction)
      }
    default:
      if (mayChange(wsfunction)) return unknownCode(code, said, wsfunction)
      return {
        ...notApplied,
        category: 'request',
        text: `${raised(code, said)}; look the error code up in Moodle's documentation`
      }
  }
}

/** `Moodle raised "code": message debuginfo` */
function raised(code: string, said: string): string {
  return (
    `Moodle raised ${code === '' ? 'an error without errorcode' : `"${code}"`}` +
    // Without its final period, the text continues the sentence it is quoted in.
    `${said ? `: ${oneLine(said, 200).replace(/\.$/, '')}` : ''}`
  )
}

/** An error not known to come before the function's change: it may have come after it. */
function unknownCode(
  code: string,
  said: string,
  wsfunction: string
): Omit<MoodleErrorDetails, 'errorcode'> & { text: string } {
  return {
    outcome: 'unknown',
    retryable: false,
    category: 'unknown-outcome',
    text:
      `${raised(code, said)}, an error that may come after the function made its change; ` +
      unknownOutcomeAdvice(wsfunction)
  }
}

/** `accessexception` covers several causes; debuginfo (debugging on) tells them apart. */
function explainAccess(
  e: MoodleException,
  said: string
): { category: MoodleErrorCategory; text: string } {
  const notAllowed = /Access to the function (\w+)\(\) is not allowed/i.exec(said)
  if (/token (has )?expired|expired token/i.test(said)) {
    return {
      category: 'token',
      text:
        'the token has expired (accessexception), and Moodle deletes expired tokens: create a new one ' +
        `(${TOKENS}), without an expiry date or a later one, and store it in the moodle-token secret`
    }
  }
  if (notAllowed) {
    return {
      category: 'service',
      text: `${notAllowed[1]} is not in the token's external service (accessexception): add it under ${SERVICES} > Functions`
    }
  }
  const ip = /IP:\s*(\S+) is not supported/i.exec(said)
  if (ip) {
    return {
      category: 'permission',
      text:
        `the token or its service is restricted to IP addresses that exclude the runner (${ip[1]}) ` +
        '(accessexception): clear "IP restriction" or use a self-hosted runner with a fixed address'
    }
  }
  if (/not available|disabled/i.test(said)) {
    return {
      category: 'service',
      text: `the token's external service is disabled or missing (accessexception): enable it under ${SERVICES}`
    }
  }
  if (/Refused web service access/i.test(said)) {
    return {
      category: 'token',
      text: `Moodle refused the token's user (accessexception: ${oneLine(said, 160)}): make that account active`
    }
  }
  if (e.debuginfo !== null) {
    return {
      category: 'permission',
      text:
        `access denied (accessexception: ${oneLine(e.debuginfo, 160)}): ` +
        "give the token's user webservice/rest:use (system context) and check the token's IP restriction"
    }
  }
  // Without debugging Moodle sends the same bare message for every cause: list them all.
  return {
    category: 'permission',
    text:
      "access denied (accessexception): check that the function is in the token's external service " +
      `(${SERVICES} > Functions), that the token's user has webservice/rest:use, that the token's IP ` +
      'restriction allows the runner, and that the token has not expired (debugging shows which)'
  }
}

function explainTokenUser(code: string): string {
  const fixes: Record<string, string> = {
    wsaccessusersuspended: 'is suspended: unsuspend it, or create the token for an active account',
    wsaccessuserdeleted: 'was deleted: create a new token for an active account',
    wsaccessuserunconfirmed: 'is not confirmed: confirm the account in Moodle',
    wsaccessusernologin:
      'uses the "No login" authentication method: change it (e.g. to Manual accounts)',
    wsaccessuserexpired: "has an expired password: reset the account's password"
  }
  return `the token's user account ${fixes[code] ?? 'cannot use web services'} (${code})`
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

/**
 * Classifies one HTTP reply from Moodle's REST server. The body decides first: core Moodle
 * sends its errors with HTTP 200, some plugins with 400. Pure.
 */
export function classifyReply(input: ReplyInput): ReplyResult {
  const { status, contentType, body, wsfunction } = input
  const fail = (text: string, details: MoodleErrorDetails): ReplyResult => ({
    ok: false,
    error: new MoodleError(`Moodle ${wsfunction}: ${text}`, { httpStatus: status, ...details })
  })

  const parsed = parseJson(body)
  if (parsed !== null) {
    const exception = moodleException(parsed.data)
    if (exception !== null) {
      const { text: explanation, ...details } = explainException(exception, wsfunction)
      return fail(explanation, {
        ...details,
        errorcode: exception.errorcode,
        retryAfterMs: details.retryable ? parseRetryAfter(input.retryAfter, input.now) : null
      })
    }
    if (status >= 200 && status < 300) return { ok: true, data: parsed.data }
  }

  const seen = describeReply(status, contentType, body)
  const empty = body.trim() === ''
  const html = /html/i.test(contentType ?? '') || /^\s*</.test(body)
  const notApplied = { outcome: 'not-applied', retryable: false } as const
  const unknown = { outcome: 'unknown', retryable: false, category: 'unknown-outcome' } as const
  const retryAfterMs = parseRetryAfter(input.retryAfter, input.now)

  // Moodle's own 503 (upgrade or CLI maintenance) comes before anything runs and carries
  // Retry-After. A proxy (Envoy, Istio, load balancers) may answer a bare 503 after Moodle ran
  // the call ("upstream reset before headers"), so for a change only Retry-After makes it safe.
  if (status === 503 && mayChange(wsfunction) && (input.retryAfter ?? '').trim() === '') {
    return fail(
      `${seen}: the server or a proxy in front of Moodle was unavailable, without the Retry-After ` +
        "of Moodle's own maintenance reply, and a proxy may answer so after Moodle ran the call; " +
        unknownOutcomeAdvice(wsfunction),
      unknown
    )
  }
  if (status === 503) {
    return fail(
      `${seen}: Moodle is being upgraded or is in maintenance; nothing was changed, run the workflow again later`,
      { outcome: 'not-applied', retryable: true, category: 'site', retryAfterMs }
    )
  }
  // A rate limiter answers before forwarding the request: nothing ran.
  if (status === 429) {
    return fail(
      `${seen}: the server limits the request rate; nothing was changed, run the workflow again later`,
      { outcome: 'not-applied', retryable: true, category: 'site', retryAfterMs }
    )
  }
  if (status === 502 || status === 504) {
    return fail(
      `${seen}: a proxy in front of Moodle gave up waiting for it, but Moodle may have finished the call; ${unknownOutcomeAdvice(wsfunction)}`,
      unknown
    )
  }
  if (status >= 500) {
    return fail(
      `${seen}: Moodle failed with a server error, possibly after running the function (see the web server's error log); ${unknownOutcomeAdvice(wsfunction)}`,
      unknown
    )
  }
  if (status >= 300 && status < 400) {
    const to = input.location ? ` to ${oneLine(input.location, 120)}` : ''
    return fail(
      `${seen}: moodle-url redirects${to}; give the final https address of the Moodle site root`,
      { ...notApplied, category: 'not-moodle' }
    )
  }
  if (status === 404) {
    return fail(
      `${seen}: there is no Moodle web service at this address; moodle-url must be the Moodle site root (the address of its front page)`,
      { ...notApplied, category: 'not-moodle' }
    )
  }
  if (empty && (status === 403 || status === 200)) {
    return fail(
      `${seen}: web services or the REST protocol are disabled; enable both under Site administration > Server > Web services > Overview`,
      { ...notApplied, category: 'site' }
    )
  }
  if (status === 401 || status === 407) {
    return fail(
      `${seen}: a password prompt (HTTP authentication or a proxy) stands in front of Moodle; let /webservice/rest/server.php through without it`,
      { ...notApplied, category: 'not-moodle' }
    )
  }
  if (status >= 200 && status < 300 && PHP_DIAGNOSTIC.test(body)) {
    return fail(
      `${seen}: Moodle printed PHP errors instead of a reply (turn off display_errors and see the error log); ${unknownOutcomeAdvice(wsfunction)}`,
      unknown
    )
  }
  if (status >= 200 && status < 300 && html) {
    return fail(
      `${seen}: this is a web page, not Moodle's web service (often the login page); moodle-url must be the Moodle site root`,
      { ...notApplied, category: 'not-moodle' }
    )
  }
  if (status >= 200 && status < 300) {
    return fail(
      `${seen}: this is not a Moodle web service reply; check that moodle-url is the Moodle site root`,
      { ...notApplied, category: 'not-moodle' }
    )
  }
  return fail(
    `${seen}: the web server or a firewall refused the request (Moodle itself answers with HTTP 200); check moodle-url and any firewall in front of Moodle`,
    { ...notApplied, category: 'not-moodle' }
  )
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
    return new MoodleError(`${prefix} ${what}; ${unknownOutcomeAdvice(wsfunction)}`, {
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
