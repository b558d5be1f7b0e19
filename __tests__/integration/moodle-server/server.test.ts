import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import {
  AWARD_FUNCTION,
  DEMO_NO_AWARD_TOKEN,
  DEMO_STUDENT_TOKEN,
  DEMO_TOKEN,
  defaultMoodleConfig,
  ENROLLED_USERS_FUNCTION,
  LADDER_FUNCTION,
  LEVELS_INFO_FUNCTION,
  MoodleServer,
  type MoodleServerConfig,
  SITE_INFO_FUNCTION,
  USER_STATE_FUNCTION,
  USERS_BY_FIELD_FUNCTION,
  XP_READ_FUNCTIONS
} from '../../../test-servers/moodle/server.js'
import { parseFormEncoded, phpToJs } from '../../../test-servers/moodle/php.js'

let server: MoodleServer
let url: string

async function startServer(config?: MoodleServerConfig): Promise<void> {
  await server?.stop()
  server = new MoodleServer(config)
  url = await server.start()
}

beforeEach(async () => {
  server = new MoodleServer()
  url = await server.start()
})

afterEach(async () => {
  await server.stop()
})

interface Reply {
  status: number
  text: string
  json: Record<string, unknown> | unknown[] | null
  contentType: string | null
  retryAfter: string | null
}

async function post(
  body: string | URLSearchParams,
  query = '',
  init: RequestInit = {}
): Promise<Reply> {
  const res = await fetch(`${url}/webservice/rest/server.php${query}`, {
    method: 'POST',
    body,
    ...init
  })
  const text = await res.text()
  let json: Reply['json']
  try {
    json = JSON.parse(text) as Reply['json']
  } catch {
    json = null
  }
  return {
    status: res.status,
    text,
    json,
    contentType: res.headers.get('content-type'),
    retryAfter: res.headers.get('retry-after')
  }
}

/** A form POST with `wstoken` (default: demo token; null: none) and `moodlewsrestformat=json`. */
function call(
  wsfunction: string | null,
  params: Record<string, string | number> = {},
  opts: { token?: string | null; format?: string | null } = {}
): Promise<Reply> {
  const body = new URLSearchParams()
  const token = opts.token === undefined ? DEMO_TOKEN : opts.token
  if (token !== null) body.set('wstoken', token)
  if (wsfunction !== null) body.set('wsfunction', wsfunction)
  const format = opts.format === undefined ? 'json' : opts.format
  if (format !== null) body.set('moodlewsrestformat', format)
  for (const [k, v] of Object.entries(params)) body.append(k, String(v))
  return post(body)
}

const award = (params: Record<string, string | number>, opts?: { token?: string | null }) =>
  call(AWARD_FUNCTION, params, opts)

function errorOf(reply: Reply): { errorcode?: unknown; message?: unknown; debuginfo?: unknown } {
  expect(reply.status).toBe(200)
  expect(reply.json).toEqual(expect.objectContaining({ exception: expect.any(String) }))
  return reply.json as Record<string, unknown>
}

describe('successful calls', () => {
  it('awards points and answers the new total, twice for two calls (no idempotency)', async () => {
    server.setXp(30, 2, 100)
    const first = await award({ userid: 2, points: 50, courseid: 30 })
    expect(first.status).toBe(200)
    expect(first.contentType).toBe('application/json; charset=utf-8')
    expect(first.json).toEqual({ xp: 150 })
    expect((await award({ userid: 2, points: 50, courseid: 30 })).json).toEqual({ xp: 200 })
    expect(server.xp(30, 2)).toBe(200)
    expect(server.xp(31, 2)).toBe(0)
    expect(server.awardsApplied()).toBe(2)
  })

  it('answers site info with the token service functions, PHP-escaped', async () => {
    const reply = await call(SITE_INFO_FUNCTION)
    expect(reply.json).toMatchObject({
      sitename: 'Demo Moodle',
      siteurl: url,
      userid: 100,
      username: 'xpbot',
      firstname: 'XP',
      lastname: 'Bot',
      fullname: 'XP Bot',
      release: expect.any(String),
      version: expect.any(String),
      siteid: 1,
      functions: [
        { name: AWARD_FUNCTION, version: expect.any(String) },
        { name: SITE_INFO_FUNCTION, version: expect.any(String) },
        { name: USERS_BY_FIELD_FUNCTION, version: expect.any(String) },
        ...[...XP_READ_FUNCTIONS, ENROLLED_USERS_FUNCTION].map(name => ({
          name,
          version: expect.any(String)
        }))
      ]
    })
    // json_encode escapes slashes: a client must parse JSON, not search the text.
    expect(reply.text).toContain('"siteurl":"http:\\/\\/127.0.0.1:')
    const limited = await call(SITE_INFO_FUNCTION, {}, { token: DEMO_NO_AWARD_TOKEN })
    expect((limited.json as { functions: { name: string }[] }).functions.map(f => f.name)).toEqual([
      SITE_INFO_FUNCTION,
      USERS_BY_FIELD_FUNCTION
    ])
  })

  it('lists only installed functions in site info', async () => {
    server.config.installedFunctions = [SITE_INFO_FUNCTION, USERS_BY_FIELD_FUNCTION]
    const reply = await call(SITE_INFO_FUNCTION)
    const names = (reply.json as { functions: { name: string }[] }).functions.map(f => f.name)
    expect(names).not.toContain(AWARD_FUNCTION)
  })

  it('looks users up by each field; unknown and deleted users are missing', async () => {
    const byUsername = await call(USERS_BY_FIELD_FUNCTION, {
      field: 'username',
      'values[0]': 'bob',
      'values[1]': 'alice',
      'values[2]': 'nobody',
      'values[3]': 'frank'
    })
    expect(byUsername.json).toEqual([
      expect.objectContaining({
        id: 2,
        username: 'alice',
        email: 'alice@example.edu',
        idnumber: 'S1001',
        firstname: 'Alice',
        lastname: 'Anders',
        fullname: 'Alice Anders'
      }),
      expect.objectContaining({ id: 3, username: 'bob' })
    ])
    const byEmail = await call(USERS_BY_FIELD_FUNCTION, {
      field: 'email',
      'values[0]': 'carol@example.edu'
    })
    expect((byEmail.json as { id: number }[]).map(u => u.id)).toEqual([4])
    const byId = await call(USERS_BY_FIELD_FUNCTION, { field: 'id', 'values[0]': '5' })
    expect((byId.json as { id: number }[]).map(u => u.id)).toEqual([5])
    const byIdnumber = await call(USERS_BY_FIELD_FUNCTION, {
      field: 'idnumber',
      'values[0]': 'S1002'
    })
    expect((byIdnumber.json as { id: number }[]).map(u => u.id)).toEqual([3])
    const none = await call(USERS_BY_FIELD_FUNCTION, { field: 'username', 'values[0]': 'zed' })
    expect(none.text).toBe('[]')
    // A user without idnumber has no idnumber key, as in Moodle.
    const erin = await call(USERS_BY_FIELD_FUNCTION, { field: 'username', 'values[0]': 'erin' })
    expect((erin.json as object[])[0]).not.toHaveProperty('idnumber')
  })

  it('accepts values[] (append) brackets and GET with query parameters', async () => {
    const form =
      'wsfunction=core_user_get_users_by_field&field=username&values[]=carol&values[]=dave'
    const query = `?wstoken=${DEMO_TOKEN}&moodlewsrestformat=json`
    const reply = await post(form, query, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }
    })
    expect((reply.json as { id: number }[]).map(u => u.id)).toEqual([4, 5])
    // PHP fills $_POST only from form bodies: the same text sent as text/plain is ignored.
    const plain = await post(form, query, { headers: { 'Content-Type': 'text/plain' } })
    expect(errorOf(plain).errorcode).toBe('invalidparameter')
    const res = await fetch(
      `${url}/webservice/rest/server.php?wstoken=${DEMO_TOKEN}&wsfunction=${SITE_INFO_FUNCTION}&moodlewsrestformat=json`
    )
    expect(await res.json()).toMatchObject({ username: 'xpbot' })
    expect(server.requests[2]).toMatchObject({ method: 'GET', tokenInQuery: true })
  })

  it('answers null for an installed function without implementation', async () => {
    server.config.installedFunctions.push('core_course_get_courses')
    server.config.tokens[0]?.functions.push('core_course_get_courses')
    const reply = await call('core_course_get_courses')
    expect(reply.text).toBe('null')
    const xml = await call('core_course_get_courses', {}, { format: null })
    expect(xml.text).toBe('<?xml version="1.0" encoding="UTF-8" ?>\n<RESPONSE>\n</RESPONSE>\n')
  })
})

describe('Moodle errors, in the order Moodle checks', () => {
  it('token missing or unknown: invalidtoken, no debuginfo when debugging is off', async () => {
    for (const token of [null, '', 'not-a-token']) {
      const err = errorOf(await call(SITE_INFO_FUNCTION, {}, { token }))
      expect(err).toEqual({
        exception: 'core\\exception\\moodle_exception',
        errorcode: 'invalidtoken',
        message: 'Invalid token - token not found'
      })
    }
  })

  it('token expired: accessexception mentioning expiry, then the token is gone', async () => {
    await startServer({
      debug: true,
      tokens: [{ token: 'old', userId: 100, functions: [SITE_INFO_FUNCTION], expired: true }]
    })
    const err = errorOf(await call(SITE_INFO_FUNCTION, {}, { token: 'old' }))
    expect(err).toMatchObject({ errorcode: 'accessexception', message: 'Access control exception' })
    expect(err.debuginfo).toMatch(/token expired/)
    expect(errorOf(await call(SITE_INFO_FUNCTION, {}, { token: 'old' })).errorcode).toBe(
      'invalidtoken'
    )
  })

  it('token IP-restricted: accessexception naming the IP', async () => {
    await startServer({
      debug: true,
      tokens: [{ token: 'ip', userId: 100, functions: [SITE_INFO_FUNCTION], ipRestricted: true }]
    })
    const err = errorOf(await call(SITE_INFO_FUNCTION, {}, { token: 'ip' }))
    expect(err.errorcode).toBe('accessexception')
    expect(err.debuginfo).toBe(
      'Invalid service - IP:127.0.0.1 is not supported - check this allowed user'
    )
  })

  it('token user without webservice/rest:use: accessexception', async () => {
    await startServer({
      debug: true,
      tokens: [{ token: 'norest', userId: 100, functions: [SITE_INFO_FUNCTION], restUse: false }]
    })
    const err = errorOf(await call(SITE_INFO_FUNCTION, {}, { token: 'norest' }))
    expect(err.errorcode).toBe('accessexception')
    expect(err.debuginfo).toMatch(/webservice\/rest:use/)
  })

  it('function not in the token service: accessexception, nothing applied', async () => {
    server.config.debug = true
    const err = errorOf(
      await award({ userid: 2, points: 5, courseid: 30 }, { token: DEMO_NO_AWARD_TOKEN })
    )
    expect(err).toMatchObject({ errorcode: 'accessexception', message: 'Access control exception' })
    expect(err.debuginfo).toMatch(
      /^Access to the function local_xp_award_points\(\) is not allowed/
    )
    expect(server.xp(30, 2)).toBe(0)
  })

  it('function not installed: invalidrecord with debugging, invalidrecordunknown without', async () => {
    server.config.installedFunctions = [SITE_INFO_FUNCTION, USERS_BY_FIELD_FUNCTION]
    expect(errorOf(await award({ userid: 2, points: 5, courseid: 30 }))).toEqual({
      exception: 'dml_missing_record_exception',
      errorcode: 'invalidrecordunknown',
      message: "Can't find data record in database."
    })
    server.config.debug = true
    const err = errorOf(await call('local_xp_award_pointz'))
    expect(err).toMatchObject({
      errorcode: 'invalidrecord',
      message: "Can't find data record in database table external_functions."
    })
    expect(err.debuginfo).toContain('local_xp_award_pointz')
  })

  it('wsfunction missing: invalidparameter "Missing function name"', async () => {
    server.config.debug = true
    expect(errorOf(await call(null))).toMatchObject({
      errorcode: 'invalidparameter',
      message: 'Invalid parameter value detected',
      debuginfo: 'Missing function name'
    })
  })

  it('bad or missing parameters: invalidparameter with Moodle debuginfo, nothing applied', async () => {
    server.config.debug = true
    const cases: [Record<string, string | number>, RegExp | string][] = [
      [{ points: 5, courseid: 30 }, 'Missing required key in single structure: userid'],
      [
        { userid: 'abc', points: 5, courseid: 30 },
        /^userid => Invalid parameter value detected: .*"abc".*"int"/
      ],
      [{ userid: 2, points: '5.0', courseid: 30 }, /^points => /],
      [{ userid: 2, points: ' 5', courseid: 30 }, /^points => /],
      [{ userid: 2, points: '', courseid: 30 }, /^points => /],
      [{ userid: 2, points: 0, courseid: 30 }, /points must be at least 1/],
      [{ userid: 2, points: -3, courseid: 30 }, /points must be at least 1/],
      [
        { userid: 2, points: 5, courseid: 30, reason: 'x' },
        'Unexpected keys (reason) detected in parameter array.'
      ],
      [{ userid: 2, 'points[0]': 5, courseid: 30 }, /^points => .*Scalar type expected/]
    ]
    for (const [params, debuginfo] of cases) {
      const err = errorOf(await award(params))
      expect(err).toMatchObject({
        errorcode: 'invalidparameter',
        message: 'Invalid parameter value detected'
      })
      // A string is the whole debuginfo; a pattern, a part of it.
      const whole = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)
      expect(err.debuginfo).toMatch(typeof debuginfo === 'string' ? whole(debuginfo) : debuginfo)
    }
    expect(server.xp(30, 2)).toBe(0)
    expect(server.awardsApplied()).toBe(0)
  })

  it('a scalar where a list is expected, a bad field or an uncleaned username: invalidparameter', async () => {
    server.config.debug = true
    const scalar = errorOf(
      await call(USERS_BY_FIELD_FUNCTION, { field: 'username', values: 'alice' })
    )
    expect(scalar.errorcode).toBe('invalidparameter')
    expect(scalar.debuginfo).toBe(
      "values => Invalid parameter value detected: Only arrays accepted. The bad value is: 'alice'"
    )
    const noValues = errorOf(await call(USERS_BY_FIELD_FUNCTION, { field: 'username' }))
    expect(noValues.debuginfo).toBe('Missing required key in single structure: values')
    for (const field of ['nickname', 'user_name']) {
      const err = errorOf(await call(USERS_BY_FIELD_FUNCTION, { field, 'values[0]': 'alice' }))
      expect(err.errorcode).toBe('invalidparameter')
    }
    for (const value of ['Alice', 'alice ', 'al ice', 'alice!']) {
      const err = errorOf(
        await call(USERS_BY_FIELD_FUNCTION, { field: 'username', 'values[0]': value })
      )
      expect(err.errorcode).toBe('invalidparameter')
      expect(err.debuginfo).toMatch(/^The field 'username' value is invalid: /)
    }
    const badId = errorOf(await call(USERS_BY_FIELD_FUNCTION, { field: 'id', 'values[0]': 'two' }))
    expect(badId.errorcode).toBe('invalidparameter')
  })

  it('site in maintenance: sitemaintenance, nothing applied', async () => {
    server.config.maintenance = true
    expect(errorOf(await award({ userid: 2, points: 5, courseid: 30 }))).toEqual({
      exception: 'core\\exception\\moodle_exception',
      errorcode: 'sitemaintenance',
      message: 'The site is undergoing maintenance and is currently not available'
    })
    expect(server.xp(30, 2)).toBe(0)
  })

  it('token user suspended or deleted: wsaccessuser*', async () => {
    const config = defaultMoodleConfig()
    config.users.push(
      { id: 200, username: 'gone', email: 'gone@example.edu', suspended: true },
      { id: 201, username: 'erased', email: 'erased@example.edu', deleted: true }
    )
    config.tokens.push(
      { token: 'susp', userId: 200, functions: [SITE_INFO_FUNCTION] },
      { token: 'del', userId: 201, functions: [SITE_INFO_FUNCTION] }
    )
    await startServer(config)
    expect(errorOf(await call(SITE_INFO_FUNCTION, {}, { token: 'susp' }))).toMatchObject({
      errorcode: 'wsaccessusersuspended',
      message: 'Refused web service access for suspended username: gone'
    })
    expect(errorOf(await call(SITE_INFO_FUNCTION, {}, { token: 'del' })).errorcode).toBe(
      'wsaccessuserdeleted'
    )
  })

  it('token user without block/xp:manage: nopermissions', async () => {
    expect(
      errorOf(await award({ userid: 3, points: 5, courseid: 30 }, { token: DEMO_STUDENT_TOKEN }))
    ).toMatchObject({
      exception: 'core\\exception\\required_capability_exception',
      errorcode: 'nopermissions',
      message: 'Sorry, but you do not currently have permissions to do that (Manage XP).'
    })
    expect(server.xp(30, 3)).toBe(0)
  })

  it('managerEverywhere grants block/xp:manage in every course', async () => {
    server.config.tokens.push({
      token: 'boss',
      userId: 3,
      functions: [AWARD_FUNCTION],
      managerEverywhere: true
    })
    expect((await award({ userid: 2, points: 5, courseid: 30 }, { token: 'boss' })).json).toEqual({
      xp: 5
    })
  })

  it('recipient not enrolled: requireloginerror', async () => {
    expect(errorOf(await award({ userid: 6, points: 5, courseid: 30 }))).toMatchObject({
      errorcode: 'requireloginerror',
      message: 'Course or activity not accessible.'
    })
  })

  it('unknown or deleted user, unknown course: invaliduser / invalidcourseid or invalidrecordunknown', async () => {
    for (const userid of [999, 7]) {
      expect(errorOf(await award({ userid, points: 5, courseid: 30 })).errorcode).toBe(
        'invalidrecordunknown'
      )
    }
    expect(errorOf(await award({ userid: 2, points: 5, courseid: 999 })).errorcode).toBe(
      'invalidrecordunknown'
    )
    server.config.debug = true
    expect(errorOf(await award({ userid: 999, points: 5, courseid: 30 }))).toMatchObject({
      errorcode: 'invaliduser',
      message: 'Invalid user'
    })
    expect(errorOf(await award({ userid: 2, points: 5, courseid: 999 }))).toMatchObject({
      errorcode: 'invalidcourseid',
      message: 'You are trying to use an invalid course ID'
    })
  })

  it('course without XP: xpnotenabled (our choice; unconfirmed in XP+)', async () => {
    expect(errorOf(await award({ userid: 2, points: 5, courseid: 31 })).errorcode).toBe(
      'xpnotenabled'
    )
  })

  it('return value mismatch: invalidresponse after the award has run', async () => {
    server.queueFault({ type: 'invalidresponse-after-apply' })
    expect(errorOf(await award({ userid: 2, points: 5, courseid: 30 }))).toMatchObject({
      errorcode: 'invalidresponse',
      message: 'Invalid response value detected'
    })
    expect(server.xp(30, 2)).toBe(5)
    expect(server.requests[0]).toMatchObject({ applied: true, errorcode: 'invalidresponse' })
  })

  it('web services disabled: HTTP 403 with an empty body', async () => {
    server.config.webservicesEnabled = false
    const reply = await award({ userid: 2, points: 5, courseid: 30 })
    expect(reply.status).toBe(403)
    expect(reply.text).toBe('')
    expect(server.xp(30, 2)).toBe(0)
  })

  it('unknown path: 404 HTML; the site root and login page: 200 HTML', async () => {
    const missing = await fetch(`${url}/moodle/webservice/rest/server.php`, { method: 'POST' })
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await missing.text()).toMatch(/Not Found/)
    const login = await fetch(`${url}/login/index.php`)
    expect(login.status).toBe(200)
    expect(await login.text()).toMatch(/<form[^>]*id="login"/)
  })
})

describe('order of checks', () => {
  it('a bad token wins over a bad function, maintenance and bad parameters', async () => {
    server.config.maintenance = true
    expect(errorOf(await call('no_such_function', { x: 1 }, { token: 'bad' })).errorcode).toBe(
      'invalidtoken'
    )
  })

  it('maintenance wins over a bad function name', async () => {
    server.config.maintenance = true
    expect(errorOf(await call('no_such_function')).errorcode).toBe('sitemaintenance')
  })

  it('missing function wins over service access, service access over parameters', async () => {
    server.config.installedFunctions = [SITE_INFO_FUNCTION]
    expect(errorOf(await award({ userid: 'x' })).errorcode).toBe('invalidrecordunknown')
    server.config.installedFunctions = [AWARD_FUNCTION, SITE_INFO_FUNCTION]
    expect(errorOf(await award({ userid: 'x' }, { token: DEMO_NO_AWARD_TOKEN })).errorcode).toBe(
      'accessexception'
    )
    expect(errorOf(await award({ userid: 'x' })).errorcode).toBe('invalidparameter')
  })

  it('an expired token is refused before maintenance is reported', async () => {
    server.config.maintenance = true
    server.config.tokens.push({ token: 'old', userId: 100, functions: [], expired: true })
    expect(errorOf(await call(SITE_INFO_FUNCTION, {}, { token: 'old' })).errorcode).toBe(
      'accessexception'
    )
  })
})

describe('request format', () => {
  it('answers XML unless moodlewsrestformat is exactly json', async () => {
    let total = 0
    for (const format of [null, 'JSON', 'xml', 'json ']) {
      const reply = await call(AWARD_FUNCTION, { userid: 2, points: 1, courseid: 30 }, { format })
      total += 1
      expect(reply.contentType).toBe('application/xml; charset=utf-8')
      expect(reply.text).toBe(
        '<?xml version="1.0" encoding="UTF-8" ?>\n<RESPONSE>\n<SINGLE>\n' +
          `<KEY name="xp"><VALUE>${total}</VALUE>\n</KEY>\n</SINGLE>\n</RESPONSE>\n`
      )
    }
  })

  it('answers XML errors as EXCEPTION elements, with DEBUGINFO only when debugging', async () => {
    const reply = await call(SITE_INFO_FUNCTION, {}, { token: 'bad', format: null })
    expect(reply.status).toBe(200)
    expect(reply.text).toBe(
      '<?xml version="1.0" encoding="UTF-8" ?>\n<EXCEPTION class="core\\exception\\moodle_exception">\n' +
        '<ERRORCODE>invalidtoken</ERRORCODE>\n<MESSAGE>Invalid token - token not found</MESSAGE>\n</EXCEPTION>\n'
    )
    server.config.debug = true
    const debug = await call(null, {}, { format: 'xml' })
    expect(debug.text).toContain('<ERRORCODE>invalidparameter</ERRORCODE>')
    expect(debug.text).toContain('<DEBUGINFO>Missing function name</DEBUGINFO>')
  })

  it('merges query and body, the body winning', async () => {
    const body = new URLSearchParams({
      wstoken: DEMO_TOKEN,
      wsfunction: AWARD_FUNCTION,
      userid: '2',
      points: '7',
      courseid: '30'
    })
    const reply = await post(body, '?userid=3&moodlewsrestformat=json&wstoken=bad')
    expect(reply.json).toEqual({ xp: 7 })
    expect(server.xp(30, 2)).toBe(7)
    expect(server.xp(30, 3)).toBe(0)
    expect(server.requests[0]).toMatchObject({
      tokenPresent: true,
      tokenInQuery: true,
      format: 'json'
    })
  })

  it('ignores a JSON body and the Authorization header', async () => {
    const reply = await post(
      JSON.stringify({ wsfunction: SITE_INFO_FUNCTION, moodlewsrestformat: 'json' }),
      '?moodlewsrestformat=json',
      { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${DEMO_TOKEN}` } }
    )
    expect(errorOf(reply).errorcode).toBe('invalidtoken')
    expect(server.requests[0]).toMatchObject({
      wsfunction: null,
      tokenPresent: false,
      contentType: 'application/json'
    })
  })

  it('strips moodlewssetting* parameters before validation', async () => {
    const reply = await award({
      userid: 2,
      points: 5,
      courseid: 30,
      moodlewssettingfilter: 'true',
      moodlewssettinglang: 'en'
    })
    expect(reply.json).toEqual({ xp: 5 })
    expect(server.requests[0]?.params).toEqual({ userid: '2', points: '5', courseid: '30' })
  })

  it('parses PHP bracket syntax like PHP', () => {
    const parsed = phpToJs(
      parseFormEncoded(
        'users[0][id]=5&users[0][name]=a+b&values[]=x&values[]=y&a.b=1&c[d=2&e[f]g=3&f=1&f[0]=2&g[0]=1&g=2&%68=%7E&[x]=9'
      )
    )
    expect(parsed).toEqual({
      users: [{ id: '5', name: 'a b' }],
      values: ['x', 'y'],
      a_b: '1',
      c_d: '2',
      e: { f: '3' },
      f: ['2'],
      g: '2',
      h: '~'
    })
  })
})

describe('faults', () => {
  const ok = { userid: 2, points: 5, courseid: 30 }

  it('delay: answers normally after the delay', async () => {
    server.queueFault({ type: 'delay', ms: 150 })
    const started = Date.now()
    expect((await award(ok)).json).toEqual({ xp: 5 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    expect(server.requests[0]).toMatchObject({ fault: 'delay', applied: true, status: 200 })
  })

  it('close-before-apply: the connection drops, nothing applied', async () => {
    server.queueFault({ type: 'close-before-apply' })
    await expect(award(ok)).rejects.toThrow()
    expect(server.xp(30, 2)).toBe(0)
    expect(server.requests[0]).toMatchObject({
      fault: 'close-before-apply',
      applied: false,
      status: 0
    })
    // The fault is consumed: the next call works.
    expect((await award(ok)).json).toEqual({ xp: 5 })
  })

  it('close-after-apply: the connection drops after the award', async () => {
    server.queueFault({ type: 'close-after-apply' })
    await expect(award(ok)).rejects.toThrow()
    expect(server.xp(30, 2)).toBe(5)
    expect(server.requests[0]).toMatchObject({
      fault: 'close-after-apply',
      applied: true,
      status: 0
    })
  })

  it('close-after-apply on a failing call applies nothing', async () => {
    server.queueFault({ type: 'close-after-apply' })
    await expect(award(ok, { token: 'bad' })).rejects.toThrow()
    expect(server.requests[0]).toMatchObject({ applied: false, errorcode: 'invalidtoken' })
  })

  it('hang-after-apply: applies, never answers, released by stop()', async () => {
    server.queueFault({ type: 'hang-after-apply' })
    const body = new URLSearchParams({
      wstoken: DEMO_TOKEN,
      wsfunction: AWARD_FUNCTION,
      moodlewsrestformat: 'json',
      userid: '2',
      points: '5',
      courseid: '30'
    })
    await expect(
      fetch(`${url}/webservice/rest/server.php`, {
        method: 'POST',
        body,
        signal: AbortSignal.timeout(200)
      })
    ).rejects.toThrow()
    expect(server.xp(30, 2)).toBe(5)
    expect(server.requests[0]).toMatchObject({
      fault: 'hang-after-apply',
      applied: true,
      status: 0
    })
    const hanging = fetch(`${url}/webservice/rest/server.php`, { method: 'POST', body })
    server.queueFault({ type: 'hang-after-apply' })
    await new Promise(resolve => setTimeout(resolve, 50))
    const started = Date.now()
    await server.stop()
    expect(Date.now() - started).toBeLessThan(1000)
    await hanging.catch(() => undefined)
  })

  it('http-status: the given status, Retry-After and body; nothing applied', async () => {
    server.queueFault({ type: 'http-status', status: 503, retryAfter: '300' })
    const busy = await award(ok)
    expect(busy.status).toBe(503)
    expect(busy.retryAfter).toBe('300')
    expect(busy.contentType).toMatch(/^text\/html/)
    expect(busy.text).toContain('503 Service Unavailable')
    server.queueFault({ type: 'http-status', status: 502 })
    expect((await award(ok)).text).toContain('502 Bad Gateway')
    server.queueFault({
      type: 'http-status',
      status: 429,
      body: '{"message":"slow down"}',
      contentType: 'application/json'
    })
    const limited = await award(ok)
    expect(limited).toMatchObject({ status: 429, text: '{"message":"slow down"}' })
    expect(server.xp(30, 2)).toBe(0)
    expect(server.requests.map(r => r.status)).toEqual([503, 502, 429])
  })

  it('forbidden-empty and html-page: not Moodle JSON, nothing applied', async () => {
    server.queueFault({ type: 'forbidden-empty' })
    expect(await award(ok)).toMatchObject({ status: 403, text: '' })
    server.queueFault({ type: 'html-page' })
    const page = await award(ok)
    expect(page.status).toBe(200)
    expect(page.contentType).toMatch(/^text\/html/)
    expect(page.text).toMatch(/<html/)
    server.queueFault({ type: 'html-page', status: 303 })
    const redirect = await award(ok)
    expect(redirect.status).toBe(303)
    expect(server.xp(30, 2)).toBe(0)
  })

  it('sitemaintenance: the Moodle envelope in the requested format, nothing applied', async () => {
    server.queueFault({ type: 'sitemaintenance' })
    expect(errorOf(await award(ok)).errorcode).toBe('sitemaintenance')
    server.queueFault({ type: 'sitemaintenance' })
    const xml = await call(AWARD_FUNCTION, ok, { format: null })
    expect(xml.text).toContain('<ERRORCODE>sitemaintenance</ERRORCODE>')
    expect(server.xp(30, 2)).toBe(0)
    expect(server.requests.map(r => r.errorcode)).toEqual(['sitemaintenance', 'sitemaintenance'])
  })

  it('consumes faults in order, only by requests for the named function', async () => {
    server.queueFault({ type: 'forbidden-empty' }, { wsfunction: AWARD_FUNCTION })
    server.queueFault({ type: 'http-status', status: 504 }, { wsfunction: AWARD_FUNCTION })
    expect((await call(SITE_INFO_FUNCTION)).status).toBe(200)
    expect(server.pendingFaults()).toHaveLength(2)
    expect((await award(ok)).status).toBe(403)
    expect((await award(ok)).status).toBe(504)
    expect((await award(ok)).json).toEqual({ xp: 5 })
    expect(server.requests.map(r => r.fault)).toEqual([
      null,
      'forbidden-empty',
      'http-status',
      null
    ])
  })

  it('an apply fault on another function just runs that function', async () => {
    server.queueFault({ type: 'invalidresponse-after-apply' })
    const reply = await call(SITE_INFO_FUNCTION)
    expect(errorOf(reply).errorcode).toBe('invalidresponse')
    expect(server.requests[0]).toMatchObject({
      applied: false,
      fault: 'invalidresponse-after-apply'
    })
  })

  it('rejects an http-status fault without a sendable status', () => {
    expect(() => server.queueFault({ type: 'http-status', status: 101 })).toThrow(/200 to 599/)
  })
})

describe('recording', () => {
  it('records each request without the token', async () => {
    await award({ userid: 2, points: 5, courseid: 30 })
    await call(USERS_BY_FIELD_FUNCTION, { field: 'username', 'values[0]': 'bob' }, { token: 'bad' })
    expect(server.requests).toEqual([
      {
        method: 'POST',
        path: '/webservice/rest/server.php',
        wsfunction: AWARD_FUNCTION,
        params: { userid: '2', points: '5', courseid: '30' },
        format: 'json',
        tokenPresent: true,
        tokenInQuery: false,
        contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
        applied: true,
        fault: null,
        status: 200,
        errorcode: null
      },
      expect.objectContaining({
        wsfunction: USERS_BY_FIELD_FUNCTION,
        params: { field: 'username', values: ['bob'] },
        applied: false,
        errorcode: 'invalidtoken'
      })
    ])
    expect(JSON.stringify(server.requests)).not.toContain(DEMO_TOKEN)
    expect(server.requestsFor(AWARD_FUNCTION)).toHaveLength(1)
    expect(server.awardsApplied()).toBe(1)
  })

  it('reset() clears the log and faults but keeps XP', async () => {
    await award({ userid: 2, points: 5, courseid: 30 })
    server.queueFault({ type: 'forbidden-empty' })
    server.reset()
    expect(server.requests).toEqual([])
    expect(server.pendingFaults()).toEqual([])
    expect(server.xp(30, 2)).toBe(5)
    expect((await award({ userid: 2, points: 5, courseid: 30 })).json).toEqual({ xp: 10 })
  })
})

describe('sitewide mode', () => {
  beforeEach(async () => {
    await startServer({ sitewide: true })
  })

  it('maps every course id to the site course, without enrolment checks', async () => {
    expect((await award({ userid: 2, points: 5, courseid: 30 })).json).toEqual({ xp: 5 })
    expect((await award({ userid: 2, points: 5, courseid: 1 })).json).toEqual({ xp: 10 })
    expect((await award({ userid: 2, points: 5, courseid: 999 })).json).toEqual({ xp: 15 })
    expect((await award({ userid: 6, points: 5, courseid: 31 })).json).toEqual({ xp: 5 })
    expect(server.xp(1, 2)).toBe(15)
    expect(server.xp(30, 2)).toBe(15)
  })

  it('checks block/xp:manage in the system context', async () => {
    // A manager of course 30 only is not a manager of the site.
    server.config.tokens.push({ token: 'teacher', userId: 3, functions: [AWARD_FUNCTION] })
    server.config.courses.find(c => c.id === 30)?.managers?.push(3)
    expect(
      errorOf(await award({ userid: 2, points: 5, courseid: 30 }, { token: 'teacher' })).errorcode
    ).toBe('nopermissions')
    expect(
      errorOf(await award({ userid: 2, points: 5, courseid: 1 }, { token: DEMO_STUDENT_TOKEN }))
        .errorcode
    ).toBe('nopermissions')
  })

  it('still rejects unknown users', async () => {
    expect(errorOf(await award({ userid: 999, points: 5, courseid: 1 })).errorcode).toBe(
      'invalidrecordunknown'
    )
  })
})

describe('Level Up XP+ read functions', () => {
  /** Level Up XP's default levels: 10, relative method, base 120, coefficient 1.3. */
  const DEFAULT_XP = [0, 120, 276, 479, 743, 1086, 1532, 2112, 2866, 3846]
  const ERIN_TOKEN = 'erin-token'
  const state = (params: Record<string, string | number>, token?: string) =>
    call(USER_STATE_FUNCTION, params, token === undefined ? {} : { token })

  beforeEach(() => {
    // Erin (user 6) is enrolled nowhere: she cannot open course 30.
    server.config.tokens.push({ token: ERIN_TOKEN, userId: 6, functions: [...XP_READ_FUNCTIONS] })
  })

  it('levels info: Level Up XP’s default levels, or the course’s own', async () => {
    const defaults = (await call(LEVELS_INFO_FUNCTION, { courseid: 31 })).json as {
      count: number
      levels: { level: number; xprequired: number; name: unknown; badgeurl: unknown }[]
    }
    expect(defaults.count).toBe(10)
    expect(defaults.levels.map(l => l.xprequired)).toEqual(DEFAULT_XP)
    expect(defaults.levels[1]).toEqual({
      level: 2,
      xprequired: 120,
      badgeurl: null,
      description: null,
      name: null
    })
    const named = (await call(LEVELS_INFO_FUNCTION, { courseid: 30 })).json as typeof defaults
    expect(named.levels.map(l => l.xprequired)).toEqual(DEFAULT_XP)
    expect(named.levels[2]?.name).toBe('Rising star')
    server.config.courses.push({
      id: 40,
      enrolled: [],
      managers: [],
      levels: [{ xprequired: 0 }, { xprequired: 50, name: 'Two' }]
    })
    expect((await call(LEVELS_INFO_FUNCTION, { courseid: 40 })).json).toEqual({
      count: 2,
      levels: [
        { level: 1, xprequired: 0, badgeurl: null, description: null, name: null },
        { level: 2, xprequired: 50, badgeurl: null, description: null, name: 'Two' }
      ]
    })
  })

  it('user state: level, progress in the level, and the last level', async () => {
    server.setXp(30, 3, 130)
    expect((await state({ courseid: 30, userid: 3 })).json).toEqual({
      id: 3,
      level: { level: 2, xprequired: 120, badgeurl: null, description: null, name: 'Apprentice' },
      ratioinlevel: 10 / 156,
      totalxpinlevel: 156,
      xp: 130,
      xpinlevel: 10
    })
    server.setXp(30, 4, 5000)
    expect((await state({ courseid: 30, userid: 4 })).json).toMatchObject({
      level: { level: 10, xprequired: 3846 },
      ratioinlevel: 1,
      totalxpinlevel: 1154,
      xpinlevel: 1154
    })
    // A student with no points yet is at level 1.
    expect((await state({ courseid: 30, userid: 5 })).json).toMatchObject({
      xp: 0,
      level: { level: 1, xprequired: 0 }
    })
  })

  it('user state: userid 0 is the token’s own user; another user needs block/xp:manage', async () => {
    server.setXp(30, 2, 40)
    expect((await state({ courseid: 30 }, DEMO_STUDENT_TOKEN)).json).toMatchObject({
      id: 2,
      xp: 40
    })
    expect((await state({ courseid: 30, userid: 0 }, DEMO_STUDENT_TOKEN)).json).toMatchObject({
      id: 2
    })
    const other = errorOf(await state({ courseid: 30, userid: 3 }, DEMO_STUDENT_TOKEN))
    expect(other).toMatchObject({ errorcode: 'nopermissions' })
    expect(other.message).toContain('Manage XP')
    expect(server.awardsApplied()).toBe(0)
  })

  it('user state: unknown course, a caller who cannot open the course, a deleted user', async () => {
    expect(errorOf(await state({ courseid: 999, userid: 2 })).errorcode).toBe(
      'invalidrecordunknown'
    )
    expect(errorOf(await state({ courseid: 30 }, ERIN_TOKEN)).errorcode).toBe('requireloginerror')
    // Everyone may open the site course.
    expect((await state({ courseid: 1 }, ERIN_TOKEN)).json).toMatchObject({ id: 6, xp: 0 })
    expect(errorOf(await state({ courseid: 30, userid: 7 })).errorcode).toBe('invalidrecordunknown')
    expect(errorOf(await state({ courseid: 30, userid: 999 })).errorcode).toBe(
      'invalidrecordunknown'
    )
  })

  it('only when the function is in the token’s service', async () => {
    const reply = errorOf(await state({ courseid: 30 }, DEMO_NO_AWARD_TOKEN))
    expect(reply.errorcode).toBe('accessexception')
    expect(
      errorOf(await call(LADDER_FUNCTION, { courseid: 30 }, { token: DEMO_NO_AWARD_TOKEN }))
        .errorcode
    ).toBe('accessexception')
  })

  it('a course can turn the info and ladder pages off for students, not for managers', async () => {
    const course = server.config.courses.find(c => c.id === 30)
    if (course === undefined) throw new Error('course 30 missing')
    course.infosEnabled = false
    course.ladderEnabled = false
    for (const fn of [LEVELS_INFO_FUNCTION, LADDER_FUNCTION]) {
      expect(
        errorOf(await call(fn, { courseid: 30 }, { token: DEMO_STUDENT_TOKEN })).errorcode
      ).toBe('nopermissions')
      expect((await call(fn, { courseid: 30 })).status).toBe(200)
      expect((await call(fn, { courseid: 30 })).json).not.toHaveProperty('errorcode')
    }
  })

  it('ladder: by points, equal points share a rank, names hidden when the ladder is anonymous', async () => {
    server.setXp(30, 2, 300)
    server.setXp(30, 3, 130)
    server.setXp(30, 4, 130)
    const ladder = (await call(LADDER_FUNCTION, { courseid: 30 }, { token: DEMO_STUDENT_TOKEN }))
      .json as {
      total: number
      page: number
      ranking: {
        rank: number
        state: { id: number; xp: number; level: { level: number }; user: { fullname: string } }
      }[]
    }
    expect(ladder.total).toBe(4) // 2..5 enrolled; 7 deleted
    expect(ladder.page).toBe(1)
    expect(ladder.ranking.map(r => [r.rank, r.state.id, r.state.xp, r.state.level.level])).toEqual([
      [1, 2, 300, 3],
      [2, 3, 130, 2],
      [2, 4, 130, 2],
      [4, 5, 0, 1]
    ])
    expect(ladder.ranking[1]?.state.user.fullname).toBe('Bob Brown')

    const course = server.config.courses.find(c => c.id === 30)
    if (course === undefined) throw new Error('course 30 missing')
    course.ladderAnonymous = true
    const anonymous = (await call(LADDER_FUNCTION, { courseid: 30 }, { token: DEMO_STUDENT_TOKEN }))
      .json as typeof ladder
    expect(anonymous.ranking.map(r => [r.state.id, r.state.user.fullname])).toEqual([
      [2, 'Alice Anders'],
      [0, 'Someone else'],
      [0, 'Someone else'],
      [0, 'Someone else']
    ])
    const paged = (await call(LADDER_FUNCTION, { courseid: 30, page: 2, perpage: 3 }))
      .json as typeof ladder
    // Anonymous for managers too: only the caller's own row keeps its name.
    expect(paged.ranking.map(r => [r.rank, r.state.id, r.state.xp])).toEqual([[4, 0, 0]])
  })

  it('never changes XP', async () => {
    server.setXp(30, 2, 10)
    for (const fn of XP_READ_FUNCTIONS) await call(fn, { courseid: 30 })
    expect(server.xp(30, 2)).toBe(10)
    expect(server.awardsApplied()).toBe(0)
  })

  it('sitewide: every course id reads the site course’s XP and levels', async () => {
    await startServer({ sitewide: true })
    server.setXp(1, 3, 500)
    expect((await state({ courseid: 30, userid: 3 })).json).toMatchObject({
      xp: 500,
      level: { level: 4, name: null }
    })
  })
})

describe('core_enrol_get_enrolled_users', () => {
  const enrolled = (
    options: Array<[string, string]>,
    opts: { token?: string; courseid?: number } = {}
  ) => {
    const params: Record<string, string | number> = { courseid: opts.courseid ?? 30 }
    options.forEach(([name, value], i) => {
      params[`options[${i}][name]`] = name
      params[`options[${i}][value]`] = value
    })
    return call(
      ENROLLED_USERS_FUNCTION,
      params,
      opts.token === undefined ? {} : { token: opts.token }
    )
  }
  const ids = (reply: Reply) => (reply.json as { id: number }[]).map(u => u.id)

  it('lists the enrolled users, or those who may earn points, without deleted users', async () => {
    server.config.courses.find(c => c.id === 30)?.enrolled?.push(100)
    expect(ids(await enrolled([]))).toEqual([2, 3, 4, 5, 100])
    expect(ids(await enrolled([['withcapability', 'block/xp:earnxp']]))).toEqual([2, 3, 4, 5])
    expect(ids(await enrolled([['withcapability', 'block/xp:earnxp']], { courseid: 31 }))).toEqual([
      2, 3
    ])
    expect((await enrolled([])).json).toContainEqual(
      expect.objectContaining({ id: 2, username: 'alice', fullname: 'Alice Anders' })
    )
  })

  it('needs moodle/role:review for withcapability, and a course the caller may open', async () => {
    expect(ids(await enrolled([], { token: DEMO_STUDENT_TOKEN }))).toEqual([2, 3, 4, 5])
    expect(
      errorOf(
        await enrolled([['withcapability', 'block/xp:earnxp']], { token: DEMO_STUDENT_TOKEN })
      ).errorcode
    ).toBe('nopermissions')
    server.config.tokens.push({ token: 'erin', userId: 6, functions: [ENROLLED_USERS_FUNCTION] })
    expect(errorOf(await enrolled([], { token: 'erin' })).errorcode).toBe(
      'errorcoursecontextnotvalid'
    )
    expect(errorOf(await enrolled([], { courseid: 999 })).errorcode).toBe('invalidrecordunknown')
    expect(errorOf(await enrolled([['with capability', 'x']])).errorcode).toBe('invalidparameter')
  })
})

describe('lifecycle', () => {
  it('listens on loopback, refuses a second start and a busy port', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.url).toBe(url)
    await expect(server.start()).rejects.toThrow(/already listens/)
    const port = Number(new URL(url).port)
    const other = new MoodleServer()
    await expect(other.start(port)).rejects.toThrow(/Cannot listen on 127\.0\.0\.1:\d+/)
    await other.stop()
  })

  it('does not change the caller config object', async () => {
    const config = defaultMoodleConfig()
    await startServer(config)
    server.config.tokens.length = 0
    expect(config.tokens.length).toBeGreaterThan(0)
  })
})
