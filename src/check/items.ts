/**
 * Check mode's verdicts, as pure functions over what the Moodle calls returned. Each builds
 * checklist items; `check.ts` makes the calls and `report.ts` renders the items.
 */
import { AWARD_FUNCTION, moodleErrorCode } from '../moodle/errors.js'
import type { MoodleErrorCategory, MoodleOutcome } from '../moodle/errors.js'
import type { SiteInfo } from '../moodle/types.js'
import type { Problem } from '../report/run-report.js'

export const SITE_INFO_FUNCTION = 'core_webservice_get_site_info'
export const USERS_FUNCTION = 'core_user_get_users_by_field'
export const ENROLLED_USERS_FUNCTION = 'core_enrol_get_enrolled_users'
export const USER_STATE_FUNCTION = 'local_xp_get_user_state'
export const LEVELS_INFO_FUNCTION = 'local_xp_get_levels_info'
export const LADDER_FUNCTION = 'local_xp_get_course_world_ladder'

export const SERVICES = 'Site administration > Server > Web services > External services'

/**
 * `passed`: verified; `failed`: verified wrong (fails the step); `not-verified`: could not be
 * verified, the detail says why (never a pass); `absent`: an optional function the service does
 * not have, with what that costs.
 */
export type CheckStatus = 'passed' | 'failed' | 'not-verified' | 'absent'

export interface CheckItem {
  /** What was checked, e.g. `Moodle site`, `local_xp_award_points`. */
  name: string
  status: CheckStatus
  /** One line: what was found, or for `not-verified` why not. */
  detail: string
  /** For a failed item: what to do. */
  fix?: string
  /** Lines listed under the item (e.g. the students who do not resolve). */
  entries?: string[]
  /** The annotations of a failed item; by default one, from name, detail and fix. */
  problems?: Problem[]
}

/** The parts of a MoodleError the verdicts look at (plain data, for tests). */
export interface MoodleFailure {
  message: string
  category: MoodleErrorCategory
  errorcode: string | null
  /** HTTP status of the reply; null when none came. */
  httpStatus?: number | null
  /** `unknown` when the function may have run (only the test award can change anything). */
  outcome?: MoodleOutcome
  /** A login page came instead of Moodle's reply. */
  loginPage?: boolean
}

export type CallResult<T> = { ok: true; value: T } | { ok: false; error: MoodleFailure }

/**
 * What `core_webservice_get_site_info` told about the site and the token:
 * - `info`: everything answered;
 * - `unreachable`: no Moodle answer at all (network, not Moodle, web services off, maintenance):
 *   nothing else on the site can be checked; `loginPage` when a login page came instead;
 * - `token-refused`: Moodle answered and refused the token;
 * - `no-site-info`: Moodle answered with an error for this function (usually accessexception:
 *   not in the service); the other functions are probed instead.
 */
export type SiteOutcome =
  | { kind: 'info'; info: SiteInfo }
  | { kind: 'unreachable'; message: string; loginPage?: boolean }
  | { kind: 'token-refused'; message: string }
  | { kind: 'no-site-info'; message: string; errorcode: string }

const NO_MOODLE_ANSWER = new Set<MoodleErrorCategory>([
  'site',
  'network',
  'not-moodle',
  'unknown-outcome'
])

export function siteOutcome(result: CallResult<SiteInfo>): SiteOutcome {
  if (result.ok) return { kind: 'info', info: result.value }
  const { message, category, errorcode } = result.error
  if (category === 'token') return { kind: 'token-refused', message }
  if (result.error.loginPage === true) return { kind: 'unreachable', message, loginPage: true }
  if (NO_MOODLE_ANSWER.has(category) || errorcode === null) {
    return { kind: 'unreachable', message: withoutHtmlQuote(message) }
  }
  return { kind: 'no-site-info', message, errorcode }
}

/**
 * The description of a web page that came instead of Moodle's reply, without the start of its
 * HTML (`HTTP 404 (text/html): "<!DOCTYPE ...": there is no ...`): what follows says what it is.
 */
function withoutHtmlQuote(message: string): string {
  return message.replace(/(HTTP \d+ \([^)]*\)): "<.*?"(?=: )/, '$1')
}

const LOGIN_PAGE =
  "moodle-url answers with a login page instead of Moodle's web service, so no Moodle reply came: " +
  'either moodle-url is not the site root, or a single sign-on or proxy in front of Moodle asks for a login'

/**
 * Whether a function can be called with the token:
 * - `present` (listed by site info, or a probe reached Moodle's parameter check);
 * - `not-in-service`: certainly missing from the token's service;
 * - `refused`: accessexception while site info was refused too: not in the service, or a cause
 *   that blocks the whole token (webservice/rest:use, IP restriction); Moodle without debugging
 *   does not say which;
 * - `not-installed`: the site does not know the function;
 * - `unknown`: the probe failed for another reason (`detail` says which);
 * - `not-checked`: the site or the token failed first.
 */
export type Availability =
  | { state: 'present'; probed: boolean }
  | { state: 'not-in-service' }
  | { state: 'refused' }
  | { state: 'not-installed' }
  | { state: 'unknown'; detail: string }
  | { state: 'not-checked'; reason: string }

/**
 * Parameters for a probe. Moodle checks "installed" and "in the token's service" before it
 * validates parameters, and validates them before the function runs: a call that cannot pass
 * validation tells which of those holds and runs nothing. The award function also gets a
 * non-numeric `userid`, so validation fails even if Level Up XP+ (closed source) gave every
 * parameter a default value.
 */
export const PROBE_PARAMS: Record<string, Record<string, string>> = {
  [AWARD_FUNCTION]: { userid: 'check-mode-probe' }
}

/** Reads a probe's answer. `siteInfoWorked`: the token is known to pass Moodle's access checks. */
export function probeAvailability(
  result: CallResult<unknown>,
  siteInfoWorked: boolean
): Availability {
  if (result.ok) return { state: 'present', probed: true }
  const { errorcode, category, message } = result.error
  const probe = errorcode === null ? undefined : moodleErrorCode(errorcode)?.probe
  if (probe === 'parameters-checked') return { state: 'present', probed: true }
  if (probe === 'function-unknown') return { state: 'not-installed' }
  if (probe === 'access-refused' && category !== 'token') {
    return siteInfoWorked || category === 'service'
      ? { state: 'not-in-service' }
      : { state: 'refused' }
  }
  return { state: 'unknown', detail: message }
}

/** Moodle got past the token check for this probe (so the token is valid). */
export function passedAuthentication(availability: Availability): boolean {
  return (
    availability.state === 'present' ||
    availability.state === 'not-in-service' ||
    availability.state === 'not-installed'
  )
}

/** The site and token items. `tokenAccepted`: a probe got past Moodle's token check. */
export function siteItems(site: SiteOutcome, tokenAccepted = false): CheckItem[] {
  switch (site.kind) {
    case 'info': {
      const { info } = site
      const release = info.release ? ` (Moodle ${info.release})` : ''
      const fullname = info.fullname ? ` (${info.fullname})` : ''
      return [
        {
          name: 'Moodle site',
          status: 'passed',
          detail: `answers as a Moodle REST endpoint: ${info.sitename}${release}`
        },
        {
          name: 'Token',
          status: 'passed',
          detail: `valid: belongs to ${info.username}${fullname}, Moodle user id ${info.userid}`
        }
      ]
    }
    case 'unreachable':
      return [
        site.loginPage
          ? {
              name: 'Moodle site',
              status: 'failed',
              detail: LOGIN_PAGE,
              fix: "give the address of the site's front page as moodle-url (e.g. https://moodle.example.edu), and let /webservice/rest/server.php through without a login"
            }
          : { name: 'Moodle site', status: 'failed', detail: site.message },
        {
          name: 'Token',
          status: 'not-verified',
          detail: 'Moodle did not answer, so the token could not be tried'
        }
      ]
    case 'token-refused':
      return [
        {
          name: 'Moodle site',
          status: 'passed',
          detail: 'answers as a Moodle REST endpoint (it replied with a Moodle error)'
        },
        { name: 'Token', status: 'failed', detail: site.message }
      ]
    case 'no-site-info':
      return [
        {
          name: 'Moodle site',
          status: 'passed',
          detail: `answers as a Moodle REST endpoint (its name and release need ${SITE_INFO_FUNCTION})`
        },
        tokenAccepted
          ? {
              name: 'Token',
              status: 'passed',
              detail: `valid (Moodle accepted it); whose it is needs ${SITE_INFO_FUNCTION}`
            }
          : {
              name: 'Token',
              status: 'not-verified',
              detail: `Moodle did not reject it as unknown, but whose it is needs ${SITE_INFO_FUNCTION}`
            }
      ]
  }
}

/** The item for `core_webservice_get_site_info` itself. */
export function siteInfoItem(site: SiteOutcome): CheckItem {
  if (site.kind === 'info') {
    return {
      name: SITE_INFO_FUNCTION,
      status: 'passed',
      detail: "in the token's external service"
    }
  }
  if (site.kind === 'no-site-info') {
    return {
      name: SITE_INFO_FUNCTION,
      status: 'failed',
      detail: `Moodle refused it (${site.errorcode}), so check mode cannot tell the site name and whose the token is; the other functions were probed instead`,
      fix:
        `add ${SITE_INFO_FUNCTION} to the token's external service (${SERVICES} > Functions); ` +
        "if it is there, give the token's user webservice/rest:use and check the token's IP restriction"
    }
  }
  return {
    name: SITE_INFO_FUNCTION,
    status: 'not-verified',
    detail: site.kind === 'unreachable' ? 'Moodle did not answer' : 'the token was refused'
  }
}

/** Why a function is needed, for the item's detail. */
export type FunctionNeed = 'required' | 'optional'

/**
 * The item for one function the action uses. `optional`: awards do not need it, check mode uses
 * it to verify ids, so its absence is reported as not checked rather than failed.
 */
export function functionItem(
  name: string,
  availability: Availability,
  need: FunctionNeed,
  purpose: string
): CheckItem {
  const add = `add ${name} to the token's external service (${SERVICES} > Functions)`
  switch (availability.state) {
    case 'present':
      return {
        name,
        status: 'passed',
        detail:
          `in the token's external service (${purpose})` +
          (availability.probed ? '; found by a call that Moodle rejects before running it' : '')
      }
    case 'not-in-service':
    case 'refused':
    case 'not-installed': {
      const detail =
        availability.state === 'not-in-service'
          ? "is not in the token's external service"
          : availability.state === 'refused'
            ? "Moodle refused access to it (accessexception): not in the token's external service, or the token as a whole is refused"
            : name === AWARD_FUNCTION
              ? 'is not installed on the site: it comes with the Level Up XP+ add-on (local_xp)'
              : 'is not installed on the site (or misspelt)'
      if (need === 'optional') {
        return {
          name,
          status: 'not-verified',
          detail: `${detail}; awards do not need it, but without it check mode cannot ${purpose}`
        }
      }
      const fix =
        availability.state === 'not-installed'
          ? name === AWARD_FUNCTION
            ? `install Level Up XP+ (local_xp) with API support, then ${add}`
            : 'check that the Moodle version provides it'
          : availability.state === 'refused'
            ? `${add}; if it is there, give the token's user webservice/rest:use and check the token's IP restriction`
            : add
      return { name, status: 'failed', detail: `${detail} (needed to ${purpose})`, fix }
    }
    case 'unknown':
      return {
        name,
        status: need === 'optional' ? 'not-verified' : 'failed',
        detail: `could not be checked: ${availability.detail}`
      }
    case 'not-checked':
      return { name, status: 'not-verified', detail: availability.reason }
  }
}
