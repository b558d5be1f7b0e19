/**
 * Moodle's error codes, one table: what each means, whether the function may have changed
 * anything before raising it, and what the teacher should do. The client (errors.ts), check mode
 * and the project's Moodle-compatible test server all read it.
 *
 * Moodle's order of checks (webservice/lib.php, webservice/rest/locallib.php): authenticate the
 * token -> find the function and check it is in the token's service -> validate the parameters
 * -> run the function -> validate its return value. Everything before "run the function" has no
 * effect. Inside Level Up XP+'s `local_xp_award_points`: get the course's XP world -> check the
 * token user manages XP there -> check the recipient can earn -> refuse points <= 0 -> add the
 * points. A code is `not-applied` only when it is known to come before the points are added.
 */
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
export function mayChange(wsfunction: string): boolean {
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

/**
 * One line, no control characters, at most `max` characters. Server text (HTML pages,
 * debuginfo) is often indented, so runs of white space collapse too.
 */
export function oneLine(text: string, max = 300): string {
  return plainLine(text.replace(/\s+/g, ' '), max)
}

/**
 * What an unknown outcome means for the function: `possible` when the reply suggests the function
 * may have run (a proxy timeout, a server error), `unlikely` when the reply suggests the request
 * never reached it (a login page, a firewall) but cannot prove it. Read-only functions change
 * nothing either way.
 */
export function unknownOutcomeStatement(
  wsfunction: string,
  likelihood: 'possible' | 'unlikely' = 'possible'
): string {
  if (!mayChange(wsfunction)) {
    return 'this call changes nothing in Moodle, so running the workflow again is safe'
  }
  const unproven = "but a reply that is not Moodle's own cannot prove it"
  if (wsfunction === AWARD_FUNCTION) {
    return likelihood === 'possible'
      ? 'the points may have been added'
      : `the points were most likely not added, ${unproven}`
  }
  return likelihood === 'possible'
    ? `${wsfunction} may have run`
    : `${wsfunction} most likely did not run, ${unproven}`
}

/** What a teacher should do when nobody knows whether the function ran ('' for reads). */
export function unknownOutcomeAdvice(wsfunction: string): string {
  if (!mayChange(wsfunction)) return ''
  if (wsfunction === AWARD_FUNCTION) {
    return (
      "check the student's XP log in Moodle (Level Up XP > Log) before awarding again; " +
      'this is never retried automatically'
    )
  }
  return 'check in Moodle before calling it again'
}

/** A Moodle exception as the client reads it, with the call it answered. */
export interface MoodleException {
  errorcode: string
  /** Moodle's message, one line. */
  message: string
  /** Present only when the site has debugging on; one line. */
  debuginfo: string | null
  wsfunction: string
}

/** An explanation that refines the table's row for the details Moodle gave. */
export interface Explanation {
  text: string
  category?: MoodleErrorCategory
  outcome?: MoodleOutcome
}

/**
 * What a probe learns from the code: a call that names a function with parameters Moodle must
 * refuse (check mode). `parameters-checked`: Moodle got as far as validating the parameters,
 * so the function is installed and in the token's service; `function-unknown`: not installed;
 * `access-refused`: not in the token's service, or the whole token is refused.
 */
export type ProbeVerdict = 'parameters-checked' | 'function-unknown' | 'access-refused'

export interface MoodleErrorCode {
  /** Moodle's English message (lang/en); `{$a}` stands for the detail it names. */
  moodleMessage: string
  /** The exception class Moodle 4.5 reports (older sites differ: match on the errorcode). */
  exception: string
  category: MoodleErrorCategory
  /**
   * `not-applied`: raised before the function changes anything, so nothing was added.
   * `unknown`: may come after the change.
   */
  outcome: MoodleOutcome
  /** Safe to retry, and the cause may go away by itself. */
  retryable: boolean
  /** What it means and the fix, one line; a function when it depends on Moodle's details. */
  explain: string | ((e: MoodleException) => string | Explanation)
  probe?: ProbeVerdict
}

const SERVICES = 'Site administration > Server > Web services > External services'
const TOKENS = 'Site administration > Server > Web services > Manage tokens'

const CLASS = {
  moodle: 'core\\exception\\moodle_exception',
  access: 'webservice_access_exception',
  missingRecord: 'dml_missing_record_exception',
  invalidParameter: 'core\\exception\\invalid_parameter_exception',
  capability: 'core\\exception\\required_capability_exception',
  requireLogin: 'core\\exception\\require_login_exception',
  invalidResponse: 'core\\exception\\invalid_response_exception'
}

/** Message and debuginfo as one text, for pattern tests. */
function said(e: MoodleException): string {
  return [e.message, e.debuginfo].filter(Boolean).join(' ')
}

/**
 * Tables the award reads before adding any points (the function's record, the recipient, the
 * course and its context): `invalidrecord` naming one of them means nothing was added.
 */
const TABLES_READ_BEFORE_AWARD = new Set(['external_functions', 'user', 'course', 'context'])

function explainMissingRecord(e: MoodleException): Explanation {
  const code = e.errorcode
  const text = said(e)
  const award = e.wsfunction === AWARD_FUNCTION
  const table = /database table (\w+)/i.exec(text)?.[1]?.toLowerCase()
  if (mayChange(e.wsfunction) && table && !TABLES_READ_BEFORE_AWARD.has(table)) {
    return unknownCodeExplanation(e)
  }
  if (/external_functions/i.test(text)) {
    return {
      text:
        `Moodle does not know the function ${e.wsfunction} (${code}): ` +
        (award
          ? 'install the Level Up XP+ add-on (local_xp) with API support'
          : 'check that the plugin providing it is installed and the name is spelt right')
    }
  }
  // Without debugging Moodle names no table: a missing function, user and course all look
  // alike, so say both rather than blame the add-on for an unknown user id.
  if (award && !/\b(user|course)\b/i.test(text)) {
    return {
      text:
        `Moodle found no record (${code}), without saying which: either ${e.wsfunction} is not ` +
        'installed (install the Level Up XP+ add-on, local_xp, with API support), or the user id ' +
        'or the course id does not exist in Moodle; turn on debugging in Moodle to see which'
    }
  }
  return {
    category: 'recipient',
    text: `a record was not found (${code}: ${text || 'no details'}): check the user id and the course id exist in Moodle`
  }
}

/** `accessexception` covers several causes; debuginfo (debugging on) tells them apart. */
function explainAccess(e: MoodleException): Explanation {
  const text = said(e)
  const notAllowed = /Access to the function (\w+)\(\) is not allowed/i.exec(text)
  if (/token (has )?expired|expired token/i.test(text)) {
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
  const ip = /IP:\s*(\S+) is not supported/i.exec(text)
  if (ip) {
    return {
      text:
        `the token or its service is restricted to IP addresses that exclude the runner (${ip[1]}) ` +
        '(accessexception): clear "IP restriction" or use a self-hosted runner with a fixed address'
    }
  }
  if (/not available|disabled/i.test(text)) {
    return {
      category: 'service',
      text: `the token's external service is disabled or missing (accessexception): enable it under ${SERVICES}`
    }
  }
  if (/Refused web service access/i.test(text)) {
    return {
      category: 'token',
      text: `Moodle refused the token's user (accessexception: ${oneLine(text, 160)}): make that account active`
    }
  }
  if (e.debuginfo !== null) {
    return {
      text:
        `access denied (accessexception: ${oneLine(e.debuginfo, 160)}): ` +
        "give the token's user webservice/rest:use (system context) and check the token's IP restriction"
    }
  }
  // Without debugging Moodle sends the same bare message for every cause: list them all.
  return {
    text:
      "access denied (accessexception): check that the function is in the token's external service " +
      `(${SERVICES} > Functions), that the token's user has webservice/rest:use, that the token's IP ` +
      'restriction allows the runner, and that the token has not expired (debugging shows which)'
  }
}

/** `Moodle raised "code" (message debuginfo)` */
function raised(e: Pick<MoodleException, 'errorcode' | 'message' | 'debuginfo'>): string {
  const text = said({ ...e, wsfunction: '' })
  const code = e.errorcode === '' ? 'an error without errorcode' : `"${e.errorcode}"`
  // Without its final period, the quoted text reads as part of the sentence around it.
  return `Moodle raised ${code}${text ? ` (${oneLine(text, 200).replace(/\.$/, '')})` : ''}`
}

/** An error not known to come before the function's change: it may have come after it. */
function unknownCodeExplanation(e: MoodleException): Explanation {
  const what =
    e.wsfunction === AWARD_FUNCTION ? 'the points are added' : 'the function changes anything'
  return {
    outcome: 'unknown',
    category: 'unknown-outcome',
    text: `${raised(e)}, an error code not known to come before ${what}; ${unknownOutcomeStatement(e.wsfunction)}`
  }
}

/** The token's user account cannot use web services (wsaccessuser*): how to make it able. */
function tokenUser(state: string, fix: string): MoodleErrorCode {
  return {
    moodleMessage: `Refused web service access for ${state} username: {$a}`,
    exception: CLASS.moodle,
    category: 'token',
    outcome: 'not-applied',
    retryable: false,
    explain: e => `the token's user account ${fix} (${e.errorcode})`
  }
}

/**
 * Every errorcode the action knows, keyed by errorcode. A code missing here is handled
 * generically: quoted with its message, and for a function that may change something (the award)
 * its outcome is unknown. See CONTRIBUTING.md, "Add a Moodle error code".
 */
export const MOODLE_ERROR_CODES = {
  invalidtoken: {
    moodleMessage: 'Invalid token - token not found',
    exception: CLASS.moodle,
    category: 'token',
    outcome: 'not-applied',
    retryable: false,
    explain:
      'the token is not valid (invalidtoken): create or copy the token again ' +
      `(${TOKENS}) and store it in the secret passed as moodle-token`
  },
  accessexception: {
    moodleMessage: 'Access control exception',
    exception: CLASS.access,
    category: 'permission',
    outcome: 'not-applied',
    retryable: false,
    explain: explainAccess,
    probe: 'access-refused'
  },
  invalidrecord: {
    moodleMessage: "Can't find data record in database table {$a}.",
    exception: CLASS.missingRecord,
    category: 'service',
    outcome: 'not-applied',
    retryable: false,
    explain: explainMissingRecord,
    probe: 'function-unknown'
  },
  invalidrecordunknown: {
    moodleMessage: "Can't find data record in database.",
    exception: CLASS.missingRecord,
    category: 'service',
    outcome: 'not-applied',
    retryable: false,
    explain: explainMissingRecord,
    probe: 'function-unknown'
  },
  invalidparameter: {
    moodleMessage: 'Invalid parameter value detected',
    exception: CLASS.invalidParameter,
    category: 'request',
    outcome: 'not-applied',
    retryable: false,
    explain: e =>
      `Moodle rejected the parameters (invalidparameter${e.debuginfo ? `: ${e.debuginfo}` : ''}): ` +
      'check the course id and the Moodle user ids' +
      (e.debuginfo ? '' : ' (turn on debugging in Moodle to see which parameter)'),
    probe: 'parameters-checked'
  },
  sitemaintenance: {
    moodleMessage: 'The site is undergoing maintenance and is currently not available',
    exception: CLASS.moodle,
    category: 'site',
    outcome: 'not-applied',
    retryable: true,
    explain:
      'the site is in maintenance mode (sitemaintenance): nothing was changed; run the workflow again once the site is back'
  },
  wsaccessusersuspended: tokenUser(
    'suspended',
    'is suspended: unsuspend it, or create the token for an active account'
  ),
  wsaccessuserdeleted: tokenUser(
    'deleted',
    'was deleted: create a new token for an active account'
  ),
  wsaccessuserunconfirmed: tokenUser(
    'unconfirmed',
    'is not confirmed: confirm the account in Moodle'
  ),
  wsaccessusernologin: tokenUser(
    'nologin authentication',
    'uses the "No login" authentication method: change it (e.g. to Manual accounts)'
  ),
  wsaccessuserexpired: tokenUser(
    'password expired',
    "has an expired password: reset the account's password"
  ),
  nopermissions: {
    moodleMessage: 'Sorry, but you do not currently have permissions to do that ({$a}).',
    exception: CLASS.capability,
    category: 'permission',
    outcome: 'not-applied',
    retryable: false,
    explain: e =>
      `the token's user lacks a permission (nopermissions: ${e.message}): ` +
      (e.wsfunction === AWARD_FUNCTION
        ? 'give it a role with block/xp:manage in the course (in the system context when XP is sitewide)'
        : 'give it a role with the capability the message names')
  },
  requireloginerror: {
    moodleMessage: 'Course or activity not accessible.',
    exception: CLASS.requireLogin,
    category: 'recipient',
    outcome: 'not-applied',
    retryable: false,
    explain:
      'the course is not accessible (requireloginerror): check that the course exists and is visible, ' +
      "that the token's user is enrolled in it or has a site-wide role, and that the student is enrolled"
  },
  invaliduser: {
    moodleMessage: 'Invalid user',
    exception: CLASS.moodle,
    category: 'recipient',
    outcome: 'not-applied',
    retryable: false,
    explain: 'Moodle has no such user (invaliduser): check the Moodle user id in the roster'
  },
  invalidcourseid: {
    moodleMessage: 'You are trying to use an invalid course ID',
    exception: CLASS.moodle,
    category: 'request',
    outcome: 'not-applied',
    retryable: false,
    explain: 'Moodle has no such course (invalidcourseid): check course-id (1 means sitewide)'
  },
  errorcoursecontextnotvalid: {
    moodleMessage:
      'You cannot execute functions in the course context (course id:{$a->courseid}). The context error message was: {$a->message}',
    exception: CLASS.moodle,
    category: 'permission',
    outcome: 'not-applied',
    retryable: false,
    explain:
      "the token's user cannot open the course (errorcoursecontextnotvalid): enrol it in the course " +
      'as a teacher, or give it a system role that sees every course (e.g. Manager)'
  },
  cannotearnpoints: {
    moodleMessage: 'Cannot earn points.',
    exception: CLASS.moodle,
    category: 'recipient',
    outcome: 'not-applied',
    retryable: false,
    explain:
      'the student cannot earn points in this course (cannotearnpoints): check that the Moodle user ' +
      'is a real account (not a guest) with a role that has block/xp:earnxp there, such as Student ' +
      '(administrators earn only when Level Up XP allows it)'
  },
  invaliddata: {
    moodleMessage: 'Data submitted is invalid',
    exception: CLASS.moodle,
    category: 'request',
    outcome: 'not-applied',
    retryable: false,
    explain:
      'Moodle refused the number of points (invaliddata): points and label-points must be whole numbers of at least 1'
  },
  invalidresponse: {
    moodleMessage: 'Invalid response value detected',
    exception: CLASS.invalidResponse,
    category: 'unknown-outcome',
    outcome: 'unknown',
    retryable: false,
    explain: e =>
      'Moodle ran the function but its reply did not match its description (invalidresponse); ' +
      unknownOutcomeStatement(e.wsfunction)
  }
} satisfies Record<string, MoodleErrorCode>

export type MoodleErrorCodeName = keyof typeof MOODLE_ERROR_CODES

/** The table's row for a code; the `wsaccessuser*` family shares one for codes newer than it. */
export function moodleErrorCode(errorcode: string): MoodleErrorCode | undefined {
  if (Object.hasOwn(MOODLE_ERROR_CODES, errorcode)) {
    return MOODLE_ERROR_CODES[errorcode as MoodleErrorCodeName]
  }
  if (errorcode.startsWith('wsaccessuser')) {
    return tokenUser('this', 'cannot use web services: make it an active account that may log in')
  }
  return undefined
}

/** Moodle's message for a code, `{$a}` filled in: what the test server sends. */
export function moodleMessage(errorcode: MoodleErrorCodeName, a = ''): string {
  return MOODLE_ERROR_CODES[errorcode].moodleMessage.replace('{$a}', a)
}

/** What a code means for this call: the table's row refined by Moodle's details. Pure. */
export function explainMoodleException(e: MoodleException): {
  text: string
  category: MoodleErrorCategory
  outcome: MoodleOutcome
  retryable: boolean
} {
  const row = moodleErrorCode(e.errorcode)
  if (row === undefined) {
    if (mayChange(e.wsfunction)) {
      const unknown = unknownCodeExplanation(e)
      return {
        text: unknown.text,
        category: 'unknown-outcome',
        outcome: 'unknown',
        retryable: false
      }
    }
    return {
      text: `${raised(e)}; look the error code up in Moodle's documentation`,
      category: 'request',
      outcome: 'not-applied',
      retryable: false
    }
  }
  const explained = typeof row.explain === 'string' ? { text: row.explain } : row.explain(e)
  const refined = typeof explained === 'string' ? { text: explained } : explained
  return {
    text: refined.text,
    category: refined.category ?? row.category,
    outcome: refined.outcome ?? row.outcome,
    retryable: refined.outcome === 'unknown' ? false : row.retryable
  }
}
