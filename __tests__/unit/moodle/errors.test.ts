import { describe, expect, it } from '@jest/globals'
import {
  AWARD_FUNCTION,
  classifyNetworkError,
  classifyReply,
  functionUnavailable,
  MOODLE_ERROR_CODES,
  MoodleError,
  parseRetryAfter,
  type MoodleErrorCategory,
  type ReplyInput,
  unknownOutcomeAdvice
} from '../../../src/moodle/errors.js'

const reply = (over: Partial<ReplyInput> = {}): ReplyInput => ({
  status: 200,
  contentType: 'application/json; charset=utf-8',
  body: '',
  retryAfter: null,
  wsfunction: AWARD_FUNCTION,
  ...over
})

function moodle(
  errorcode: string,
  message: string,
  debuginfo?: string,
  over: Partial<ReplyInput> = {}
): MoodleError {
  const body = JSON.stringify({
    exception: 'core\\exception\\moodle_exception',
    errorcode,
    message,
    ...(debuginfo === undefined ? {} : { debuginfo })
  })
  const result = classifyReply(reply({ body, ...over }))
  if (result.ok) throw new Error('expected an error')
  return result.error
}

function failure(over: Partial<ReplyInput>): MoodleError {
  const result = classifyReply(reply(over))
  if (result.ok) throw new Error('expected an error')
  return result.error
}

const ACCESS = 'Access control exception'

describe('classifyReply: success', () => {
  it('returns the decoded data', () => {
    expect(classifyReply(reply({ body: '{"xp":1200}' }))).toEqual({ ok: true, data: { xp: 1200 } })
    expect(classifyReply(reply({ body: '[]' }))).toEqual({ ok: true, data: [] })
  })

  it('returns null for a function that returns nothing', () => {
    expect(classifyReply(reply({ body: 'null' }))).toEqual({ ok: true, data: null })
  })

  it('reads JSON printed after PHP warnings', () => {
    const body =
      '<br />\n<b>Warning</b>:  Undefined variable $x in <b>/x.php</b> on line <b>3</b><br />\n{"xp":5}'
    expect(classifyReply(reply({ body, contentType: 'text/html' }))).toEqual({
      ok: true,
      data: { xp: 5 }
    })
  })
})

describe('classifyReply: Moodle exceptions (body first, any status)', () => {
  it('invalidtoken -> token: create/copy the token and store it in the secret', () => {
    const e = moodle('invalidtoken', 'Invalid token - token not found')
    expect(e).toMatchObject({
      category: 'token',
      outcome: 'not-applied',
      retryable: false,
      errorcode: 'invalidtoken'
    })
    expect(e.message).toContain(AWARD_FUNCTION)
    expect(e.message).toMatch(/token again/)
    expect(e.message).toMatch(/secret/)
  })

  it('accessexception with an expired token -> token', () => {
    const e = moodle(
      'accessexception',
      ACCESS,
      'Invalid token - token expired - check validuntil time for the token'
    )
    expect(e).toMatchObject({ category: 'token', outcome: 'not-applied', retryable: false })
    expect(e.message).toMatch(/expired/)
    expect(e.message).toMatch(/new one/)
  })

  it('accessexception for a function missing from the service -> service, names it', () => {
    const e = moodle(
      'accessexception',
      ACCESS,
      'Access to the function local_xp_award_points() is not allowed. There could be multiple reasons'
    )
    expect(e).toMatchObject({ category: 'service', outcome: 'not-applied', retryable: false })
    expect(e.message).toMatch(/local_xp_award_points is not in the token's external service/)
    expect(e.message).toMatch(/External services > Functions/)
  })

  it('accessexception for an IP restriction names the runner address', () => {
    const e = moodle('accessexception', ACCESS, 'Invalid service - IP:20.1.2.3 is not supported')
    expect(e).toMatchObject({ category: 'permission', retryable: false })
    expect(e.message).toContain('20.1.2.3')
    expect(e.message).toMatch(/IP restriction/)
  })

  it('other accessexception (debug info) mentions rest:use and the IP restriction', () => {
    const e = moodle('accessexception', ACCESS, 'Something else')
    expect(e).toMatchObject({ category: 'permission', outcome: 'not-applied', retryable: false })
    expect(e.message).toMatch(/webservice\/rest:use/)
    expect(e.message).toMatch(/IP restriction/)
  })

  it('bare accessexception (debugging off) lists every cause', () => {
    const e = moodle('accessexception', ACCESS)
    expect(e).toMatchObject({ category: 'permission', outcome: 'not-applied', retryable: false })
    expect(e.message).toMatch(/external service/)
    expect(e.message).toMatch(/webservice\/rest:use/)
    expect(e.message).toMatch(/IP/)
    expect(e.message).toMatch(/expired/)
  })

  it.each([
    ['invalidrecord', "Can't find data record in database table external_functions."],
    ['invalidrecordunknown', "Can't find data record in database."]
  ])('%s for the award -> service: install Level Up XP+ (local_xp)', (code, message) => {
    const e = moodle(code, message)
    expect(e).toMatchObject({
      category: 'service',
      outcome: 'not-applied',
      retryable: false,
      errorcode: code
    })
    expect(e.message).toMatch(/Level Up XP\+/)
    expect(e.message).toMatch(/local_xp/)
  })

  it('invalidrecord naming the user table -> recipient', () => {
    const e = moodle('invalidrecord', "Can't find data record in database table user.")
    expect(e).toMatchObject({ category: 'recipient', retryable: false })
  })

  it('invalidparameter includes debuginfo on one line', () => {
    const e = moodle(
      'invalidparameter',
      'Invalid parameter value detected',
      'Missing required key in single structure: userid\nMore lines\r\n'
    )
    expect(e).toMatchObject({ category: 'request', outcome: 'not-applied', retryable: false })
    expect(e.message).toContain('Missing required key in single structure: userid More lines')
    expect(e.message).not.toMatch(/[\r\n]/)
  })

  it('sitemaintenance is temporary and retryable', () => {
    const e = moodle(
      'sitemaintenance',
      'The site is undergoing maintenance and is currently not available'
    )
    expect(e).toMatchObject({ category: 'site', outcome: 'not-applied', retryable: true })
    expect(e.message).toMatch(/again/)
  })

  it.each([
    ['wsaccessusersuspended', /suspended/],
    ['wsaccessuserdeleted', /deleted/],
    ['wsaccessuserunconfirmed', /confirm/],
    ['wsaccessusernologin', /No login/],
    ['wsaccessuserexpired', /password/]
  ])('%s -> the token user account', (code, fix) => {
    const e = moodle(code, 'Refused web service access for ...')
    expect(e).toMatchObject({ category: 'token', outcome: 'not-applied', retryable: false })
    expect(e.message).toMatch(/token's user account/)
    expect(e.message).toMatch(fix)
  })

  it('nopermissions -> block/xp:manage in the course or system context', () => {
    const e = moodle(
      'nopermissions',
      'Sorry, but you do not currently have permissions to do that (Award points).'
    )
    expect(e).toMatchObject({ category: 'permission', outcome: 'not-applied', retryable: false })
    expect(e.message).toMatch(/block\/xp:manage/)
    expect(e.message).toMatch(/system context/)
  })

  it('requireloginerror -> course not accessible / not enrolled', () => {
    const e = moodle('requireloginerror', 'Course or activity not accessible.')
    expect(e).toMatchObject({ category: 'recipient', outcome: 'not-applied', retryable: false })
    expect(e.message).toMatch(/not accessible/)
    expect(e.message).toMatch(/enrolled/)
  })

  it('invaliduser -> recipient; invalidcourseid -> request (course-id)', () => {
    const user = moodle('invaliduser', 'Invalid user')
    expect(user).toMatchObject({ category: 'recipient', outcome: 'not-applied', retryable: false })
    expect(user.message).toMatch(/user id/)
    const course = moodle('invalidcourseid', 'You are trying to use an invalid course ID')
    expect(course).toMatchObject({ category: 'request', outcome: 'not-applied', retryable: false })
    expect(course.message).toMatch(/course-id/)
  })

  it('invalidresponse -> outcome unknown: check the XP log', () => {
    const e = moodle('invalidresponse', 'Invalid response value detected')
    expect(e).toMatchObject({
      category: 'unknown-outcome',
      outcome: 'unknown',
      retryable: false,
      errorcode: 'invalidresponse'
    })
    expect(e.message).toMatch(/XP log/)
  })

  it.each([
    [AWARD_FUNCTION, 'the points may have been added'],
    ['local_other_update', 'local_other_update may have run']
  ])(
    'an unknown code from %s (it may change something) -> outcome unknown: it may have come after the change',
    (wsfunction, statement) => {
      const e = moodle(
        'dmlwriteexception',
        'Error writing to database',
        'INSERT INTO mdl_block_xp_log',
        { wsfunction }
      )
      expect(e).toMatchObject({
        category: 'unknown-outcome',
        outcome: 'unknown',
        retryable: false,
        errorcode: 'dmlwriteexception'
      })
      expect(e.message).toContain('"dmlwriteexception"')
      expect(e.message).toContain('Error writing to database INSERT INTO mdl_block_xp_log')
      expect(e.message).toContain(`${statement}: ${unknownOutcomeAdvice(wsfunction)}`)
    }
  )

  it('an error without errorcode on the award -> outcome unknown', () => {
    const e = failure({ body: '{"exception":"moodle_exception","message":"Oops"}' })
    expect(e).toMatchObject({ category: 'unknown-outcome', outcome: 'unknown', retryable: false })
    expect(e.message).toContain('Oops')
  })

  it.each(['core_webservice_get_site_info', 'core_user_get_users_by_field'])(
    'any other code on the read-only %s is quoted with its message, nothing applied',
    wsfunction => {
      const e = moodle('somethingodd', 'A strange thing happened', undefined, { wsfunction })
      expect(e).toMatchObject({
        category: 'request',
        outcome: 'not-applied',
        retryable: false,
        errorcode: 'somethingodd'
      })
      expect(e.message).toContain('"somethingodd"')
      expect(e.message).toContain('A strange thing happened')
    }
  )

  it.each([
    ['invalidtoken', 'token'],
    ['accessexception', 'permission'],
    ['invalidrecord', 'service'],
    ['invalidrecordunknown', 'service'],
    ['invalidparameter', 'request'],
    ['sitemaintenance', 'site'],
    ['wsaccessusersuspended', 'token'],
    ['wsaccessuserlocked', 'token'],
    ['nopermissions', 'permission'],
    ['requireloginerror', 'recipient'],
    ['invaliduser', 'recipient'],
    ['invalidcourseid', 'request'],
    ['cannotearnpoints', 'recipient'],
    ['invaliddata', 'request']
  ])('%s on the award is raised before any points are added -> not-applied', (code, category) => {
    const e = moodle(code, 'Something')
    expect(e).toMatchObject({ outcome: 'not-applied', category, errorcode: code })
  })

  it.each(Object.entries(MOODLE_ERROR_CODES))(
    '%s with its own Moodle message: outcome, category and retry as its row in the table',
    (code, row) => {
      // invalidrecord names a table: one the award reads before adding points.
      const detail = code === 'invalidrecord' ? 'external_functions' : 'x'
      const e = moodle(code, row.moodleMessage.replace('{$a}', detail))
      expect(e).toMatchObject({
        errorcode: code,
        outcome: row.outcome,
        category: row.category,
        retryable: row.retryable
      })
      expect(e.message).toContain(code)
    }
  )

  it('invalidrecord naming a table the award only touches while adding points -> unknown', () => {
    const e = moodle('invalidrecord', "Can't find data record in database table block_xp_log.")
    expect(e).toMatchObject({ category: 'unknown-outcome', outcome: 'unknown', retryable: false })
    expect(e.message).toContain('block_xp_log')
  })

  it('decides by the body even with HTTP 400', () => {
    const e = moodle('invalidtoken', 'Invalid token - token not found', undefined, { status: 400 })
    expect(e).toMatchObject({ category: 'token', httpStatus: 400 })
  })

  it('reads the login/token.php error shape', () => {
    const e = failure({ body: '{"error":"Invalid login","errorcode":"invalidlogin"}' })
    expect(e.errorcode).toBe('invalidlogin')
    expect(e.message).toContain('Invalid login')
  })

  it('names the function for other functions too', () => {
    const e = moodle('invalidtoken', 'x', undefined, {
      wsfunction: 'core_webservice_get_site_info'
    })
    expect(e.message).toContain('core_webservice_get_site_info')
  })
})

describe('classifyReply: replies that are not Moodle JSON', () => {
  const SITE_INFO = 'core_webservice_get_site_info'
  const LOGIN_PAGE =
    '<!DOCTYPE html>\n<html><head><title>Log in to the site</title></head>' +
    '<body id="page-login-index"><input type="password" name="password"></body></html>'

  // Replies that came back after the request was sent but are not a complete Moodle answer. For
  // a read-only call they keep their precise diagnosis; for the award nothing proves the points
  // were not added, so the outcome is unknown, the diagnosis kept in the message.
  const replies: Array<{
    name: string
    reply: Partial<ReplyInput>
    category: MoodleErrorCategory
    diagnosis: RegExp
  }> = [
    {
      name: '403 with an empty body (web services off)',
      reply: { status: 403, contentType: null, body: '' },
      category: 'site',
      diagnosis:
        /HTTP 403 \(no content type, empty body\): web services or the REST protocol are disabled; enable both under Site administration > Server > Web services/
    },
    {
      name: '200 with an empty body (older sites with web services off)',
      reply: { status: 200, body: '' },
      category: 'site',
      diagnosis: /HTTP 200 \(application\/json, empty body\): web services or the REST protocol/
    },
    {
      name: "200 HTML: Moodle's login page",
      reply: { status: 200, contentType: 'text/html; charset=utf-8', body: LOGIN_PAGE },
      category: 'not-moodle',
      diagnosis:
        /HTTP 200 \(a login page\): this looks like Moodle's login page: moodle-url must be the Moodle site root/
    },
    {
      name: '200 HTML: a proxy or firewall page',
      reply: {
        status: 200,
        contentType: 'text/html',
        body: '<html><h1>Blocked by policy</h1></html>'
      },
      category: 'not-moodle',
      diagnosis: /HTTP 200 \(text\/html\): "<html><h1>Blocked by policy.*a proxy or firewall page/
    },
    {
      name: '200 text/plain',
      reply: { status: 200, contentType: 'text/plain', body: 'Service temporarily rerouted' },
      category: 'not-moodle',
      diagnosis:
        /HTTP 200 \(text\/plain\): "Service temporarily rerouted": this is not a Moodle web service reply/
    },
    {
      name: '200 with truncated JSON',
      reply: { status: 200, body: '{"xp": 12' },
      category: 'not-moodle',
      diagnosis: /HTTP 200 \(application\/json\): "\{"xp": 12": the reply is not complete JSON/
    },
    {
      name: '200 with a truncated Moodle error',
      reply: { status: 200, body: '{"exception":"moodle_exception","errorcode":"invalidto' },
      category: 'not-moodle',
      diagnosis: /the reply is not complete JSON/
    },
    {
      name: '404 HTML (wrong URL)',
      reply: { status: 404, contentType: 'text/html', body: '<h1>Not Found</h1>' },
      category: 'not-moodle',
      diagnosis:
        /HTTP 404 .*no Moodle web service at this address; moodle-url must be the Moodle site root/
    },
    {
      name: '403 HTML (a firewall)',
      reply: { status: 403, contentType: 'text/html', body: '<html>Forbidden by WAF</html>' },
      category: 'not-moodle',
      diagnosis:
        /HTTP 403 \(text\/html\): "<html>Forbidden by WAF<\/html>": the web server or a firewall refused the request/
    },
    {
      name: '400 HTML',
      reply: { status: 400, contentType: 'text/html', body: '<html>Bad Request</html>' },
      category: 'not-moodle',
      diagnosis: /HTTP 400 .*firewall/
    }
  ]

  it.each(replies)(
    '$name, from a read-only call: not applied, with the precise diagnosis',
    ({ reply: over, category, diagnosis }) => {
      const e = failure({ ...over, wsfunction: SITE_INFO })
      expect(e).toMatchObject({ category, outcome: 'not-applied', retryable: false })
      expect(e.message).toMatch(diagnosis)
      expect(e.message).not.toMatch(/XP log|most likely/)
    }
  )

  it.each(replies)(
    '$name, from the award: unknown, the diagnosis kept, most likely not added',
    ({ reply: over, diagnosis }) => {
      const e = failure(over)
      expect(e).toMatchObject({ category: 'unknown-outcome', outcome: 'unknown', retryable: false })
      expect(e.message).toMatch(diagnosis)
      expect(e.diagnosis).toMatch(diagnosis)
      expect(e.diagnosis).toMatch(
        /; the points were most likely not added, but a reply that is not Moodle's own cannot prove it$/
      )
      expect(e.message).toBe(`${e.diagnosis}: ${unknownOutcomeAdvice(AWARD_FUNCTION)}`)
      expect(e.message).not.toMatch(/[\r\n]/)
    }
  )

  it('a login page is named, not quoted, and flagged for check mode', () => {
    const e = failure({ status: 200, contentType: 'text/html', body: LOGIN_PAGE })
    expect(e.message).not.toContain('<!DOCTYPE')
    expect(e.loginPage).toBe(true)
    const other = failure({ status: 200, contentType: 'text/html', body: '<html>Portal</html>' })
    expect(other.loginPage).toBe(false)
  })

  it('200 HTML shows the first bytes on one line, cut', () => {
    const body = '<!DOCTYPE html>\n<html>\t<head><title>Portal</title>\u0007' + 'x'.repeat(200)
    const e = failure({ status: 200, contentType: 'text/html; charset=utf-8', body })
    expect(e.message).toContain('HTTP 200 (text/html): "<!DOCTYPE html> <html> <head><title>Portal')
    expect(e.message).not.toMatch(/\p{Cc}/u)
    expect(e.message).not.toContain('x'.repeat(100))
  })

  it('503 -> upgrade or maintenance, retryable, Retry-After parsed', () => {
    const e = failure({
      status: 503,
      contentType: 'text/html',
      body: '<html>Upgrade</html>',
      retryAfter: '300'
    })
    expect(e).toMatchObject({
      category: 'site',
      outcome: 'not-applied',
      retryable: true,
      retryAfterMs: 300_000
    })
    expect(e.message).toMatch(/upgraded or is in maintenance/)
  })

  it('503 without Retry-After on the award -> outcome unknown (a proxy may answer so after Moodle ran)', () => {
    const e = failure({
      status: 503,
      contentType: 'text/plain',
      body: 'upstream connect error or disconnect/reset before headers'
    })
    expect(e).toMatchObject({
      category: 'unknown-outcome',
      outcome: 'unknown',
      retryable: false,
      httpStatus: 503
    })
    expect(e.message).toContain('HTTP 503')
    expect(e.message).toMatch(/Retry-After/)
    expect(e.message).toContain(unknownOutcomeAdvice(AWARD_FUNCTION))
  })

  it('503 with an unreadable Retry-After on the award is still Moodle-style: retryable', () => {
    const e = failure({ status: 503, body: '<html>Upgrade</html>', retryAfter: 'later' })
    expect(e).toMatchObject({ category: 'site', retryable: true, retryAfterMs: null })
  })

  it('503 without Retry-After on a read-only call -> retryable, nothing changes', () => {
    const e = failure({ status: 503, body: '', wsfunction: 'core_user_get_users_by_field' })
    expect(e).toMatchObject({ category: 'site', outcome: 'not-applied', retryable: true })
  })

  it('429 -> retryable', () => {
    const e = failure({ status: 429, contentType: 'text/plain', body: 'slow down' })
    expect(e).toMatchObject({ category: 'site', outcome: 'not-applied', retryable: true })
  })

  it.each([502, 504])('%i -> outcome unknown for an award', status => {
    const e = failure({ status, contentType: 'text/html', body: '<html>Gateway Timeout</html>' })
    expect(e).toMatchObject({ category: 'unknown-outcome', outcome: 'unknown', retryable: false })
    expect(e.message).toMatch(/proxy/)
    expect(e.message).toMatch(/XP log/)
  })

  it('500 -> outcome unknown (PHP may have crashed after running)', () => {
    const e = failure({ status: 500, contentType: 'text/html', body: '' })
    expect(e).toMatchObject({ category: 'unknown-outcome', outcome: 'unknown', retryable: false })
    expect(e.message).toMatch(/XP log/)
  })

  it('unknown outcome of a read-only call says repeating is safe', () => {
    const e = failure({ status: 504, body: '', wsfunction: 'core_webservice_get_site_info' })
    expect(e.outcome).toBe('unknown')
    expect(e.message).toMatch(/changes nothing/)
  })

  it('3xx on the award -> unknown, with the redirect named (only Moodle can prove nothing ran)', () => {
    const e = failure({
      status: 301,
      contentType: 'text/html',
      body: '',
      location: 'https://moodle.example.edu/webservice/rest/server.php'
    })
    expect(e).toMatchObject({ category: 'unknown-outcome', outcome: 'unknown', retryable: false })
    expect(e.message).toMatch(/redirects to https:\/\/moodle.example.edu/)
    expect(e.message).toMatch(/most likely not added/)
  })

  it('3xx on a read -> not applied, names the target', () => {
    const e = failure({
      status: 302,
      contentType: 'text/html',
      body: '',
      location: 'https://moodle.example.edu/login/index.php',
      wsfunction: 'core_webservice_get_site_info'
    })
    expect(e).toMatchObject({ category: 'not-moodle', outcome: 'not-applied', retryable: false })
    expect(e.message).toMatch(/redirects to https:\/\/moodle.example.edu\/login/)
  })

  it.each([401, 407])(
    '%i (a password prompt in front of Moodle) on the award -> unknown, with the prompt named',
    status => {
      const e = failure({
        status,
        contentType: 'text/html',
        body: '<html>Authorization Required</html>'
      })
      expect(e).toMatchObject({ category: 'unknown-outcome', outcome: 'unknown', retryable: false })
      expect(e.message).toMatch(/password prompt/)
    }
  )

  it.each([401, 407])('%i on a read -> not applied: a password prompt', status => {
    const e = failure({
      status,
      contentType: 'text/html',
      body: '<html>Authorization Required</html>',
      wsfunction: 'core_webservice_get_site_info'
    })
    expect(e).toMatchObject({ category: 'not-moodle', outcome: 'not-applied', retryable: false })
    expect(e.message).toMatch(/password prompt/)
  })

  it('PHP errors instead of JSON on 200 -> outcome unknown', () => {
    const e = failure({
      status: 200,
      contentType: 'text/html',
      body: '<b>Fatal error</b>: Allowed memory size exhausted'
    })
    expect(e).toMatchObject({ category: 'unknown-outcome', outcome: 'unknown' })
    expect(e.message).toMatch(/the points may have been added/)
  })

  it('JSON that is not an error on a non-2xx status is not success', () => {
    expect(classifyReply(reply({ status: 500, body: '{"xp":3}' })).ok).toBe(false)
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z')
    expect(parseRetryAfter('5', now)).toBe(5000)
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000)
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeNull()
    expect(parseRetryAfter(null, now)).toBeNull()
  })
})

describe('classifyNetworkError', () => {
  const base = { wsfunction: AWARD_FUNCTION, host: 'moodle.example.edu', timeoutMs: 30_000 }

  it.each([
    'ECONNREFUSED',
    'ENOTFOUND',
    'EAI_AGAIN',
    'UND_ERR_CONNECT_TIMEOUT',
    'ECONNRESET',
    'TIMEOUT'
  ])('%s before sending -> not applied, retryable', code => {
    const e = classifyNetworkError({ ...base, code, sent: false })
    expect(e).toMatchObject({ category: 'network', outcome: 'not-applied', retryable: true })
    expect(e.message).toContain(code)
    expect(e.message).toContain('moodle.example.edu')
  })

  it('a certificate error is not retried', () => {
    const e = classifyNetworkError({ ...base, code: 'ERR_TLS_CERT_ALTNAME_INVALID', sent: false })
    expect(e).toMatchObject({ category: 'network', outcome: 'not-applied', retryable: false })
    expect(e.message).toMatch(/certificate/)
  })

  it.each([
    'ECONNRESET',
    'UND_ERR_SOCKET',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    'TIMEOUT'
  ])('%s after sending -> outcome unknown, never retried', code => {
    const e = classifyNetworkError({ ...base, code, sent: true })
    expect(e).toMatchObject({ category: 'unknown-outcome', outcome: 'unknown', retryable: false })
    expect(e.message).toMatch(/XP log/)
  })
})

describe('functionUnavailable', () => {
  const error = (errorcode: string | null, category: MoodleErrorCategory = 'permission') =>
    new MoodleError('x', { outcome: 'not-applied', category, retryable: false, errorcode })

  it.each([
    ['accessexception', 'permission', 'not-in-service'],
    ['accessexception', 'token', null],
    ['invalidrecord', 'service', 'not-installed'],
    ['invalidrecordunknown', 'service', 'not-installed'],
    ['invalidparameter', 'request', null],
    [null, 'network', null]
  ] as const)('%s (%s): %s', (code, category, expected) => {
    expect(functionUnavailable(error(code, category))).toBe(expected)
  })

  it('is null for anything that is not a MoodleError', () => {
    expect(functionUnavailable(new Error('accessexception'))).toBeNull()
  })
})
