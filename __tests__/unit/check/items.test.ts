import { describe, expect, it } from '@jest/globals'
import {
  type Availability,
  functionItem,
  type MoodleFailure,
  passedAuthentication,
  PROBE_PARAMS,
  probeAvailability,
  SITE_INFO_FUNCTION,
  siteInfoItem,
  siteItems,
  siteOutcome
} from '../../../src/check/items.js'
import type { SiteInfo } from '../../../src/moodle/types.js'

const AWARD = 'local_xp_award_points'
const USERS = 'core_user_get_users_by_field'

const info: SiteInfo = {
  sitename: 'Demo Moodle',
  siteurl: 'https://moodle.example.edu',
  userid: 100,
  username: 'xpbot',
  fullname: 'XP Bot',
  release: '4.5.3',
  functions: [{ name: AWARD }]
}

const failure = (
  category: MoodleFailure['category'],
  errorcode: string | null,
  message = 'Moodle x: something'
) => ({ ok: false as const, error: { category, errorcode, message } })

describe('siteOutcome', () => {
  it('keeps site info', () => {
    expect(siteOutcome({ ok: true, value: info })).toEqual({ kind: 'info', info })
  })

  it('tells a refused token from a site that does not answer', () => {
    expect(siteOutcome(failure('token', 'invalidtoken')).kind).toBe('token-refused')
    expect(siteOutcome(failure('token', 'accessexception')).kind).toBe('token-refused')
    expect(siteOutcome(failure('network', null)).kind).toBe('unreachable')
    expect(siteOutcome(failure('not-moodle', null)).kind).toBe('unreachable')
    expect(siteOutcome(failure('site', 'sitemaintenance')).kind).toBe('unreachable')
    expect(siteOutcome(failure('unknown-outcome', null)).kind).toBe('unreachable')
  })

  it('reads any other Moodle error as "site info unavailable", keeping the errorcode', () => {
    expect(siteOutcome(failure('permission', 'accessexception'))).toEqual({
      kind: 'no-site-info',
      message: 'Moodle x: something',
      errorcode: 'accessexception'
    })
    expect(siteOutcome(failure('service', 'accessexception')).kind).toBe('no-site-info')
    expect(siteOutcome(failure('service', 'invalidrecordunknown')).kind).toBe('no-site-info')
  })
})

describe('probeAvailability', () => {
  it('reads invalidparameter as present: the function is installed and in the service', () => {
    expect(probeAvailability(failure('request', 'invalidparameter'), false)).toEqual({
      state: 'present',
      probed: true
    })
  })

  it('reads a missing record as not installed', () => {
    expect(probeAvailability(failure('service', 'invalidrecord'), true).state).toBe('not-installed')
    expect(probeAvailability(failure('recipient', 'invalidrecordunknown'), false).state).toBe(
      'not-installed'
    )
  })

  it('reads accessexception as not in the service only when the token is known to pass', () => {
    expect(probeAvailability(failure('permission', 'accessexception'), true).state).toBe(
      'not-in-service'
    )
    // Debugging on: Moodle named the function as not allowed.
    expect(probeAvailability(failure('service', 'accessexception'), false).state).toBe(
      'not-in-service'
    )
    // Bare accessexception with site info refused too: could be the whole token.
    expect(probeAvailability(failure('permission', 'accessexception'), false).state).toBe('refused')
  })

  it('keeps other failures as unknown, with their message', () => {
    expect(probeAvailability(failure('network', null, 'no route'), true)).toEqual({
      state: 'unknown',
      detail: 'no route'
    })
  })

  it('never sends a numeric userid in the award probe', () => {
    expect(PROBE_PARAMS[AWARD]).toEqual({ userid: 'check-mode-probe' })
    expect(Number.isInteger(Number(PROBE_PARAMS[AWARD]?.userid))).toBe(false)
  })

  it('counts answers past the token check as proof the token works', () => {
    const states: Availability[] = [
      { state: 'present', probed: true },
      { state: 'not-installed' },
      { state: 'not-in-service' }
    ]
    for (const a of states) expect(passedAuthentication(a)).toBe(true)
    expect(passedAuthentication({ state: 'refused' })).toBe(false)
    expect(passedAuthentication({ state: 'unknown', detail: '' })).toBe(false)
  })
})

describe('siteItems', () => {
  it('names the site, release and token user', () => {
    const [site, token] = siteItems({ kind: 'info', info })
    expect(site).toMatchObject({ status: 'passed' })
    expect(site?.detail).toContain('Demo Moodle (Moodle 4.5.3)')
    expect(token).toEqual({
      name: 'Token',
      status: 'passed',
      detail: 'valid: belongs to xpbot (XP Bot), Moodle user id 100'
    })
  })

  it('passes the site and fails the token when Moodle refused the token', () => {
    const [site, token] = siteItems({ kind: 'token-refused', message: 'the token is unknown' })
    expect(site?.status).toBe('passed')
    expect(token).toMatchObject({ status: 'failed', detail: 'the token is unknown' })
  })

  it('fails the site and does not judge the token when Moodle did not answer', () => {
    const [site, token] = siteItems({ kind: 'unreachable', message: 'refused the connection' })
    expect(site).toMatchObject({ status: 'failed', detail: 'refused the connection' })
    expect(token?.status).toBe('not-verified')
  })

  it('says a login page came instead of quoting its HTML', () => {
    const message =
      "Moodle core_webservice_get_site_info: HTTP 200 (a login page): this looks like Moodle's login page: moodle-url must be the Moodle site root"
    const outcome = siteOutcome({
      ok: false,
      error: { category: 'not-moodle', errorcode: null, message, httpStatus: 200, loginPage: true }
    })
    expect(outcome).toMatchObject({ kind: 'unreachable', loginPage: true })
    const [site] = siteItems(outcome)
    expect(site?.detail).toMatch(
      /^moodle-url answers with a login page instead of Moodle's web service/
    )
    expect(site?.detail).not.toContain('<')
    expect(site?.fix).toContain('/webservice/rest/server.php')
  })

  it('leaves the HTML of another web page out, keeping what the reply was', () => {
    const message =
      'Moodle core_webservice_get_site_info: HTTP 404 (text/html): "<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN"> <html><head> <title>404 Not…": there is no Moodle web service at this address'
    expect(
      siteOutcome({
        ok: false,
        error: { category: 'not-moodle', errorcode: null, message, httpStatus: 404 }
      })
    ).toEqual({
      kind: 'unreachable',
      message:
        'Moodle core_webservice_get_site_info: HTTP 404 (text/html): there is no Moodle web service at this address'
    })
  })

  it('does not take any other web page, or the classifier’s own words, for a login page', () => {
    const other =
      'Moodle x: HTTP 200 (text/html): "<html><head><title>Welcome</title>": this is a web page (often the login page)'
    expect(
      siteOutcome({
        ok: false,
        error: { category: 'not-moodle', errorcode: null, message: other, httpStatus: 200 }
      })
    ).toEqual({
      kind: 'unreachable',
      message: 'Moodle x: HTTP 200 (text/html): this is a web page (often the login page)'
    })
  })

  it('passes the token without site info only when a probe got past the token check', () => {
    const site = { kind: 'no-site-info', message: 'x', errorcode: 'accessexception' } as const
    expect(siteItems(site, true)[1]?.status).toBe('passed')
    expect(siteItems(site, false)[1]?.status).toBe('not-verified')
  })
})

describe('siteInfoItem', () => {
  it('gives the advice to add the function when Moodle refused it', () => {
    const item = siteInfoItem({ kind: 'no-site-info', message: 'x', errorcode: 'accessexception' })
    expect(item.status).toBe('failed')
    expect(item.fix).toContain(`add ${SITE_INFO_FUNCTION} to the token's external service`)
  })

  it('is not checked when the site or token failed first', () => {
    expect(siteInfoItem({ kind: 'unreachable', message: 'x' }).status).toBe('not-verified')
    expect(siteInfoItem({ kind: 'token-refused', message: 'x' }).status).toBe('not-verified')
  })
})

describe('functionItem', () => {
  it('passes a present function', () => {
    const item = functionItem(
      AWARD,
      { state: 'present', probed: false },
      'required',
      'award points'
    )
    expect(item.status).toBe('passed')
    expect(item.detail).not.toContain('probe')
  })

  it('fails a function missing from the service with the fix to add it', () => {
    const item = functionItem(AWARD, { state: 'not-in-service' }, 'required', 'award points')
    expect(item.status).toBe('failed')
    expect(item.detail).toContain("is not in the token's external service")
    expect(item.fix).toContain(`add ${AWARD} to the token's external service`)
  })

  it('says Level Up XP+ is needed when the award function is not installed', () => {
    const item = functionItem(AWARD, { state: 'not-installed' }, 'required', 'award points')
    expect(item.status).toBe('failed')
    expect(item.detail).toContain('Level Up XP+ add-on (local_xp)')
    expect(item.fix).toContain('install Level Up XP+ (local_xp)')
  })

  it('names the other causes when the access refusal is ambiguous', () => {
    const item = functionItem(AWARD, { state: 'refused' }, 'required', 'award points')
    expect(item.status).toBe('failed')
    expect(item.fix).toContain('webservice/rest:use')
  })

  it('does not fail for an optional function, but says what could not be checked', () => {
    const item = functionItem(USERS, { state: 'not-in-service' }, 'optional', 'verify the ids')
    expect(item.status).toBe('not-verified')
    expect(item.detail).toContain('awards do not need it')
    expect(item.fix).toBeUndefined()
  })

  it('passes the reason through when not checked', () => {
    expect(
      functionItem(
        AWARD,
        { state: 'not-checked', reason: 'Moodle did not answer' },
        'required',
        'x'
      )
    ).toEqual({ name: AWARD, status: 'not-verified', detail: 'Moodle did not answer' })
  })
})
