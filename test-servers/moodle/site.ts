/**
 * The Moodle site behind the test server: its data, the web service checks in Moodle's order
 * (webservice/lib.php, webservice/rest/locallib.php) and the functions the action uses: the
 * award, site info, the user look-up, Level Up XP+'s read functions (user state, levels,
 * ladder) and the enrolled users of a course.
 * No HTTP here: server.ts turns a request into a `WsCall` and a `CallResult` into a reply.
 */
import {
  MOODLE_ERROR_CODES,
  type MoodleErrorCodeName,
  moodleMessage
} from '../../src/moodle/error-codes.js'
import {
  defaultLevels,
  type MoodleLevelConfig,
  type SerializedState,
  serializeLevels,
  userState
} from './levels.js'
import { InvalidParameter, type ParamDesc, type PhpArray, validateParameters } from './php.js'

export const AWARD_FUNCTION = 'local_xp_award_points'
export const SITE_INFO_FUNCTION = 'core_webservice_get_site_info'
export const USERS_BY_FIELD_FUNCTION = 'core_user_get_users_by_field'
export const USER_STATE_FUNCTION = 'local_xp_get_user_state'
export const LEVELS_INFO_FUNCTION = 'local_xp_get_levels_info'
export const LADDER_FUNCTION = 'local_xp_get_course_world_ladder'
export const ENROLLED_USERS_FUNCTION = 'core_enrol_get_enrolled_users'
/** Level Up XP+'s read functions (registered by local_xp as `read` functions). */
export const XP_READ_FUNCTIONS = [USER_STATE_FUNCTION, LEVELS_INFO_FUNCTION, LADDER_FUNCTION]
/** Every function the site implements: all installed, all in the demo token's service. */
export const ALL_FUNCTIONS = [
  AWARD_FUNCTION,
  SITE_INFO_FUNCTION,
  USERS_BY_FIELD_FUNCTION,
  ...XP_READ_FUNCTIONS,
  ENROLLED_USERS_FUNCTION
]

export interface MoodleUserConfig {
  id: number
  username: string
  email: string
  idnumber?: string
  firstname?: string
  lastname?: string
  suspended?: boolean
  deleted?: boolean
}

export interface MoodleCourseConfig {
  id: number
  fullname?: string
  /** Level Up XP is set up in this course (ignored in sitewide mode, where XP is site-level). */
  xpEnabled?: boolean
  /** User ids enrolled in the course (may receive points). */
  enrolled?: number[]
  /** User ids holding `block/xp:manage` here. Managers of course 1 hold it at system level. */
  managers?: number[]
  /**
   * The course's levels (default: Level Up XP's, see levels.ts). In sitewide mode those of
   * course 1 apply everywhere.
   */
  levels?: MoodleLevelConfig[]
  /** Students may see the ladder (leaderboard) page (default true). */
  ladderEnabled?: boolean
  /** The ladder hides other students' names ("identity mode" off; default false). */
  ladderAnonymous?: boolean
  /** Students may see the levels information page (default true). */
  infosEnabled?: boolean
}

export interface MoodleTokenConfig {
  token: string
  userId: number
  /** The functions of the token's external service. */
  functions: string[]
  /** Past its `validuntil`: the first use answers accessexception and deletes the token. */
  expired?: boolean
  /** Restricted to an IP range that excludes the caller (loopback). */
  ipRestricted?: boolean
  /** The token user holds `webservice/rest:use` (default true). */
  restUse?: boolean
  /** The token user holds `block/xp:manage` in every context. */
  managerEverywhere?: boolean
}

export interface MoodleServerConfig {
  siteName?: string
  release?: string
  version?: string
  /** Level Up XP in sitewide mode: every course id maps to the site course (1). */
  sitewide?: boolean
  /** Moodle debugging on: errors carry `debuginfo`, some error codes are more precise. */
  debug?: boolean
  /** Admin-set maintenance mode: every call answers `sitemaintenance`. */
  maintenance?: boolean
  /** Web services and the REST protocol enabled; false answers HTTP 403 with an empty body. */
  webservicesEnabled?: boolean
  /** Functions known to the site; drop `local_xp_award_points` to simulate XP+ missing. */
  installedFunctions?: string[]
  users?: MoodleUserConfig[]
  /** Course 1 (the site course) is added when missing. */
  courses?: MoodleCourseConfig[]
  tokens?: MoodleTokenConfig[]
}

export type ResolvedMoodleConfig = Required<MoodleServerConfig>
export type { MoodleLevelConfig }

/** The demo site's token for xpbot (user 100): every function the site implements. */
export const DEMO_TOKEN = 'demo-token-3f9a2c7e5b1d48e6a0c4f7b2d9e1a5c8'
/** A token for the student alice (user 2): every function, but no `block/xp:manage`. */
export const DEMO_STUDENT_TOKEN = 'demo-token-student-5e1b7c9d2a4f'
/** A token for xpbot whose service has only site info and the user look-up. */
export const DEMO_NO_AWARD_TOKEN = 'demo-token-no-award-8c3d6f0a1b2e'

/** Level names of the demo course, as a teacher might set them in Level Up XP > Levels. */
const DEMO_LEVEL_NAMES = [
  'Newcomer',
  'Apprentice',
  'Rising star',
  'Contributor',
  'Regular',
  'Expert',
  'Veteran',
  'Master',
  'Grandmaster',
  'Legend'
]

/**
 * The demo site:
 * - users 2 alice, 3 bob, 4 carol, 5 dave (students with emails `<name>@example.edu`;
 *   alice, bob and carol have idnumbers S1001-S1003), 6 erin (not enrolled anywhere),
 *   7 frank (deleted), 100 xpbot (the manager the action runs as);
 * - course 1 (site course; xpbot is a manager there, i.e. holds manage at system level),
 *   course 30 "Software Engineering" (XP enabled; 2-5 and 7 enrolled; the default levels,
 *   named),
 *   course 31 "History of Computing" (XP not enabled; 2 and 3 enrolled);
 * - tokens DEMO_TOKEN (xpbot, all functions), DEMO_STUDENT_TOKEN (alice, all functions),
 *   DEMO_NO_AWARD_TOKEN (xpbot, site info + user lookup only).
 */
export function defaultMoodleConfig(): ResolvedMoodleConfig {
  const student = (id: number, username: string, lastname: string, idnumber?: string) => ({
    id,
    username,
    email: `${username}@example.edu`,
    ...(idnumber === undefined ? {} : { idnumber }),
    firstname: username.charAt(0).toUpperCase() + username.slice(1),
    lastname
  })
  return {
    siteName: 'Demo Moodle',
    release: '4.5.3 (Build: 20250317)',
    version: '2024100703',
    sitewide: false,
    debug: false,
    maintenance: false,
    webservicesEnabled: true,
    installedFunctions: [...ALL_FUNCTIONS],
    users: [
      student(2, 'alice', 'Anders', 'S1001'),
      student(3, 'bob', 'Brown', 'S1002'),
      student(4, 'carol', 'Clark', 'S1003'),
      student(5, 'dave', 'Dunn'),
      student(6, 'erin', 'Evans'),
      { ...student(7, 'frank', 'Fisher'), deleted: true },
      { id: 100, username: 'xpbot', email: 'xpbot@example.edu', firstname: 'XP', lastname: 'Bot' }
    ],
    courses: [
      { id: 1, fullname: 'Demo Moodle', xpEnabled: false, enrolled: [], managers: [100] },
      {
        id: 30,
        fullname: 'Software Engineering',
        xpEnabled: true,
        enrolled: [2, 3, 4, 5, 7],
        managers: [100],
        levels: defaultLevels().map((level, index) => ({
          ...level,
          name: DEMO_LEVEL_NAMES[index] ?? `Level ${index + 1}`
        }))
      },
      { id: 31, fullname: 'History of Computing', xpEnabled: false, enrolled: [2, 3], managers: [] }
    ],
    tokens: [
      { token: DEMO_TOKEN, userId: 100, functions: [...ALL_FUNCTIONS] },
      { token: DEMO_STUDENT_TOKEN, userId: 2, functions: [...ALL_FUNCTIONS] },
      {
        token: DEMO_NO_AWARD_TOKEN,
        userId: 100,
        functions: [SITE_INFO_FUNCTION, USERS_BY_FIELD_FUNCTION]
      }
    ]
  }
}

/** Defaults overridden key by key by `config` (deep-copied, so the caller's object stays as is). */
export function resolveConfig(config: MoodleServerConfig = {}): ResolvedMoodleConfig {
  const given = Object.fromEntries(
    Object.entries(structuredClone(config)).filter(([, v]) => v !== undefined)
  ) as MoodleServerConfig
  const resolved: ResolvedMoodleConfig = { ...defaultMoodleConfig(), ...given }
  if (!resolved.courses.some(c => c.id === 1)) {
    resolved.courses.unshift({ id: 1, fullname: resolved.siteName, enrolled: [], managers: [] })
  }
  return resolved
}

// ---------------------------------------------------------------------------------------------
// Errors

/** A Moodle exception as the REST server serialises it. */
export class WsException extends Error {
  constructor(
    readonly exception: string,
    readonly errorcode: string,
    message: string,
    readonly debuginfo?: string
  ) {
    super(message)
  }
}

/**
 * A known Moodle error, its class and message from the action's own table of error codes (so
 * the server and the client cannot disagree on a code); `a` fills Moodle's `{$a}`.
 */
export function moodleException(
  errorcode: MoodleErrorCodeName,
  debuginfo?: string,
  a?: string
): WsException {
  return new WsException(
    MOODLE_ERROR_CODES[errorcode].exception,
    errorcode,
    moodleMessage(errorcode, a),
    debuginfo
  )
}

const accessException = (debuginfo: string) => moodleException('accessexception', debuginfo)

export const invalidParameter = (debuginfo: string) =>
  moodleException('invalidparameter', debuginfo)

export const siteMaintenance = () => moodleException('sitemaintenance')

export const invalidResponse = (debuginfo: string) => moodleException('invalidresponse', debuginfo)

/** required_capability_exception, as `require_capability` raises it. */
const noPermission = (what: string, capability: string) =>
  moodleException('nopermissions', capability, what)

/** `moodle_exception('nopermissions', '', '', $page)`: a page the course turned off. */
const pageOff = (page: string) =>
  new WsException(
    'core\\exception\\moodle_exception',
    'nopermissions',
    moodleMessage('nopermissions', page)
  )

const requireLogin = (debuginfo: string) => moodleException('requireloginerror', debuginfo)

/** dml_missing_record_exception: the table is named only when debugging is on. */
function missingRecord(
  debug: boolean,
  table: string,
  column: string,
  value: number | string
): WsException {
  const shown = typeof value === 'number' ? String(value) : `'${value}'`
  const sql = `SELECT * FROM {${table}} WHERE ${column} = ?\n[array (\n  0 => ${shown},\n)]`
  return debug
    ? moodleException('invalidrecord', sql, table)
    : moodleException('invalidrecordunknown')
}

/** `invaliduser`/`invalidcourseid` with debugging on, the generic missing record otherwise. */
function lookupFailed(debug: boolean, what: 'user' | 'course', id: number): WsException {
  if (!debug) return missingRecord(false, what, 'id', id)
  return what === 'user'
    ? moodleException('invaliduser', `User id ${id} not found`)
    : moodleException('invalidcourseid', `Course id ${id} not found`)
}

// ---------------------------------------------------------------------------------------------
// The call

export interface WsCall {
  token: string | null
  wsfunction: string | null
  /** Function parameters (reserved and moodlewssetting* parameters already removed). */
  params: PhpArray
  remoteAddress: string
  siteUrl: string
}

export type CallResult =
  { ok: true; value: unknown; applied: boolean } | { ok: false; error: WsException; applied: false }

interface Caller {
  token: MoodleTokenConfig
  user: MoodleUserConfig
}

type Implementation = (caller: Caller, params: Record<string, unknown>, call: WsCall) => unknown

const XP_PLUS_VERSION = '2024121800'

function fullname(user: MoodleUserConfig): string {
  return `${user.firstname ?? user.username} ${user.lastname ?? ''}`.trim()
}

/** The fields `user_get_user_details` returns for every user the caller may see. */
function userDetails(u: MoodleUserConfig) {
  return {
    id: u.id,
    username: u.username,
    firstname: u.firstname ?? u.username,
    lastname: u.lastname ?? '',
    fullname: fullname(u),
    email: u.email
  }
}

/** The site state: configuration (mutable at runtime) and the XP store. */
export class MoodleSite {
  private readonly xpStore = new Map<string, number>()

  constructor(public config: ResolvedMoodleConfig) {}

  /** The course that holds XP for `courseId`: the site course in sitewide mode. */
  xpCourse(courseId: number): number {
    return this.config.sitewide ? 1 : courseId
  }

  xp(courseId: number, userId: number): number {
    return this.xpStore.get(`${this.xpCourse(courseId)}:${userId}`) ?? 0
  }

  setXp(courseId: number, userId: number, xp: number): void {
    this.xpStore.set(`${this.xpCourse(courseId)}:${userId}`, xp)
  }

  /** Runs one web service call through Moodle's checks; nothing changes unless it succeeds. */
  call(call: WsCall): CallResult {
    try {
      const caller = this.authenticate(call)
      const desc = this.loadFunction(call.wsfunction, caller)
      const spec = FUNCTIONS.get(desc)
      if (spec === undefined) return { ok: true, value: null, applied: false }
      let params: Record<string, unknown>
      try {
        params = validateParameters(spec.params, call.params) as Record<string, unknown>
      } catch (err) {
        if (err instanceof InvalidParameter) throw invalidParameter(err.debuginfo)
        throw err
      }
      const value = spec.run.call(this, caller, params, call)
      return { ok: true, value, applied: desc === AWARD_FUNCTION }
    } catch (err) {
      if (err instanceof WsException) return { ok: false, error: err, applied: false }
      throw err
    }
  }

  /** webservice_server::authenticate_user and authenticate_by_token, in their order. */
  private authenticate(call: WsCall): Caller {
    const { config } = this
    const token = config.tokens.find(t => call.token !== null && t.token === call.token)
    if (token === undefined) {
      throw moodleException('invalidtoken')
    }
    if (token.expired) {
      config.tokens = config.tokens.filter(t => t !== token)
      throw accessException('Invalid token - token expired - check validuntil time for the token')
    }
    if (token.ipRestricted) {
      throw accessException(
        `Invalid service - IP:${call.remoteAddress} is not supported - check this allowed user`
      )
    }
    const user = config.users.find(u => u.id === token.userId)
    if (user === undefined) throw missingRecord(config.debug, 'user', 'id', token.userId)
    if (config.maintenance) throw siteMaintenance()
    for (const state of ['deleted', 'suspended'] as const) {
      if (user[state]) {
        throw moodleException(`wsaccessuser${state}`, undefined, user.username)
      }
    }
    if (token.restUse === false) {
      throw accessException(
        'You are not allowed to use the rest protocol (missing capability: webservice/rest:use)'
      )
    }
    return { token, user }
  }

  /** webservice_server::load_function_info: installed, then in the token's service. */
  private loadFunction(name: string | null, caller: Caller): string {
    if (name === null) throw invalidParameter('Missing function name')
    if (!this.config.installedFunctions.includes(name)) {
      throw missingRecord(this.config.debug, 'external_functions', 'name', name)
    }
    if (!caller.token.functions.includes(name)) {
      throw accessException(
        `Access to the function ${name}() is not allowed. There could be multiple reasons for ` +
          'this: 1. The service linked to the user token does not contain the function. ' +
          '2. The service is user-restricted and the user is not listed. 3. The service is ' +
          'IP-restricted and the user IP is not listed. 4. The service is time-restricted and ' +
          'the time has expired. 5. The token is time-restricted and the time has expired. ' +
          '6. The service requires a specific capability which the user does not have. ' +
          '7. The function is called with username/password (no user token is sent) and none ' +
          'of the services has the function to allow the user. These settings can be found in ' +
          'Administration > Site administration > Server > Web services > External services ' +
          'and Manage tokens.'
      )
    }
    return name
  }

  canManage(caller: Caller, courseId: number): boolean {
    if (caller.token.managerEverywhere) return true
    const holds = (id: number) =>
      this.config.courses.find(c => c.id === id)?.managers?.includes(caller.user.id) ?? false
    return holds(1) || (!this.config.sitewide && holds(courseId))
  }

  /**
   * local_xp_award_points. Its code is not public; this order of checks is our choice:
   * points >= 1, course exists, caller holds block/xp:manage, XP enabled in the course
   * (errorcode `xpnotenabled`, invented), recipient exists, recipient enrolled.
   */
  award(caller: Caller, params: Record<string, unknown>): { xp: number } {
    const userid = params.userid as number
    const points = params.points as number
    const courseid = this.xpCourse(params.courseid as number)
    const { config } = this
    if (points < 1) {
      throw invalidParameter(
        `points => Invalid parameter value detected: points must be at least 1, got ${points}`
      )
    }
    const course = config.courses.find(c => c.id === courseid)
    if (course === undefined) throw lookupFailed(config.debug, 'course', courseid)
    if (!this.canManage(caller, courseid)) throw noPermission('Manage XP', 'block/xp:manage')
    if (!config.sitewide && !course.xpEnabled) {
      // Not in the action's table of error codes on purpose: an unknown code.
      throw new WsException(
        'core\\exception\\moodle_exception',
        'xpnotenabled',
        'Level Up XP is not enabled in this course.',
        `Course id ${courseid} has no Level Up XP block`
      )
    }
    const recipient = config.users.find(u => u.id === userid && !u.deleted)
    if (recipient === undefined) throw lookupFailed(config.debug, 'user', userid)
    if (!config.sitewide && !(course.enrolled ?? []).includes(userid)) {
      throw requireLogin('Not enrolled')
    }
    const xp = this.xp(courseid, userid) + points
    this.setXp(courseid, userid, xp)
    return { xp }
  }

  /**
   * `validate_context` on a course: `require_login`, passed by XP managers (course or site),
   * by users enrolled in the course, and by everyone on the site course.
   */
  private canOpen(caller: Caller, courseId: number): boolean {
    const course = this.config.courses.find(c => c.id === courseId)
    return (
      courseId === 1 ||
      this.canManage(caller, courseId) ||
      (course?.enrolled ?? []).includes(caller.user.id)
    )
  }

  /**
   * The XP "world" of a course as local_xp's read functions open it: the course (the site
   * course in sitewide mode) must exist and the caller must be able to open it; then
   * `require_access` (block/xp:view, held by whoever may open the course, or manage).
   */
  private openWorld(caller: Caller, courseId: number): MoodleCourseConfig {
    const id = this.xpCourse(courseId)
    const course = this.config.courses.find(c => c.id === id)
    if (course === undefined) throw lookupFailed(this.config.debug, 'course', id)
    if (!this.canOpen(caller, id)) throw requireLogin('Not enrolled')
    return course
  }

  private levelsOf(course: MoodleCourseConfig): MoodleLevelConfig[] {
    return course.levels ?? defaultLevels()
  }

  private stateOf(course: MoodleCourseConfig, userId: number): SerializedState {
    return userState(userId, this.xp(course.id, userId), this.levelsOf(course))
  }

  /**
   * local_xp_get_user_state (local_xp\external::get_user_state): `userid` 0 is the caller;
   * another user needs block/xp:manage. The user's record must exist (deleted users have none).
   */
  userStateFn(caller: Caller, params: Record<string, unknown>): unknown {
    const course = this.openWorld(caller, params.courseid as number)
    const userId = (params.userid as number | undefined) || caller.user.id
    if (userId !== caller.user.id && !this.canManage(caller, course.id)) {
      throw noPermission('Manage XP', 'block/xp:manage')
    }
    if (!this.config.users.some(u => u.id === userId && !u.deleted)) {
      throw moodleException(
        'invalidrecordunknown',
        `SELECT u.id, x.userid, x.xp FROM {user} u ... WHERE u.id = ? [array (0 => ${userId})]`
      )
    }
    return this.stateOf(course, userId)
  }

  /** local_xp_get_levels_info: managers, or anyone who may open the course while its info page is on. */
  levelsInfoFn(caller: Caller, params: Record<string, unknown>): unknown {
    const course = this.openWorld(caller, params.courseid as number)
    if (!this.canManage(caller, course.id) && course.infosEnabled === false) {
      throw pageOff('view_infos_page')
    }
    const levels = serializeLevels(this.levelsOf(course))
    return { count: levels.length, levels }
  }

  /**
   * local_xp_get_course_world_ladder: the course's ranking as its ladder page shows it. Managers
   * always; others while the ladder is on. Everyone enrolled who can earn, and everyone with
   * points, by points then id; equal points share a rank. With the ladder anonymous, others
   * appear as id 0, "Someone else". Without `page`, the page holding the caller.
   */
  ladderFn(caller: Caller, params: Record<string, unknown>): unknown {
    const course = this.openWorld(caller, params.courseid as number)
    const manager = this.canManage(caller, course.id)
    if (!manager && course.ladderEnabled === false) throw pageOff('view_ladder_page')
    const perpage = Math.max(1, (params.perpage as number | undefined) ?? 50)
    const earners = new Set(
      (course.enrolled ?? []).filter(id => !(course.managers ?? []).includes(id))
    )
    for (const key of this.xpStore.keys()) {
      const [courseId, userId] = key.split(':').map(Number)
      if (courseId === course.id && userId !== undefined) earners.add(userId)
    }
    const users = this.config.users
      .filter(u => earners.has(u.id) && !u.deleted)
      .map(user => ({ user, xp: this.xp(course.id, user.id) }))
      .sort((a, b) => b.xp - a.xp || a.user.id - b.user.id)
    const position = Math.max(
      0,
      users.findIndex(entry => entry.user.id === caller.user.id)
    )
    const page = (params.page as number | undefined) || Math.ceil((position + 1) / perpage)
    const anonymous = course.ladderAnonymous === true
    const ranking = users.slice((page - 1) * perpage, page * perpage).map(({ user, xp }) => {
      const hidden = anonymous && user.id !== caller.user.id
      const state = this.stateOf(course, user.id)
      return {
        rank: 1 + users.filter(other => other.xp > xp).length,
        state: {
          ...state,
          id: hidden ? 0 : state.id,
          user: {
            id: hidden ? 0 : user.id,
            fullname: hidden ? 'Someone else' : fullname(user),
            profileimageurl: ''
          }
        }
      }
    })
    return {
      columns: ['rank', 'fullname', 'level', 'xp', 'progress'],
      page,
      total: users.length,
      ranking,
      identitymode: anonymous ? 0 : 1,
      rankmode: 1,
      neighbours: 0
    }
  }

  /**
   * core_enrol_get_enrolled_users: the users enrolled in a course, or with `withcapability`
   * only those holding it there (`block/xp:earnxp`: the students; `block/xp:manage`: the
   * enrolled managers). Needs moodle/course:viewparticipants (whoever may open the course) and,
   * for `withcapability`, moodle/role:review (the XP managers here).
   */
  enrolledUsersFn(caller: Caller, params: Record<string, unknown>): unknown {
    const courseId = params.courseid as number
    const options = (params.options as { name: string; value: string }[] | undefined) ?? []
    const course = this.config.courses.find(c => c.id === courseId)
    if (course === undefined) throw missingRecord(this.config.debug, 'course', 'id', courseId)
    if (!this.canOpen(caller, courseId)) {
      throw new WsException(
        MOODLE_ERROR_CODES.errorcoursecontextnotvalid.exception,
        'errorcoursecontextnotvalid',
        `You cannot execute functions in the course context (course id:${courseId}). The context error message was: Course or activity not accessible.`
      )
    }
    const capability = options.find(o => o.name === 'withcapability')?.value ?? ''
    if (capability !== '' && !this.canManage(caller, courseId)) {
      throw noPermission('Review permissions for others', 'moodle/role:review')
    }
    const managers = course.managers ?? []
    const holds: Record<string, (id: number) => boolean> = {
      '': () => true,
      'block/xp:earnxp': id => !managers.includes(id),
      'block/xp:manage': id => managers.includes(id)
    }
    const holder = holds[capability]
    if (holder === undefined) {
      throw new WsException(
        'coding_exception',
        'codingerror',
        `Coding error detected, it must be fixed by a programmer: Capability "${capability}" was not found! This has to be fixed in code.`
      )
    }
    return this.config.users
      .filter(u => (course.enrolled ?? []).includes(u.id) && !u.deleted && holder(u.id))
      .sort((a, b) => a.id - b.id)
      .map(userDetails)
  }

  siteInfo(caller: Caller, _params: Record<string, unknown>, call: WsCall): unknown {
    const { config } = this
    const { user } = caller
    return {
      sitename: config.siteName,
      username: user.username,
      firstname: user.firstname ?? user.username,
      lastname: user.lastname ?? '',
      fullname: fullname(user),
      lang: 'en',
      userid: user.id,
      siteurl: call.siteUrl,
      userpictureurl: `${call.siteUrl}/theme/image.php/boost/core/1/u/f1`,
      functions: caller.token.functions
        .filter(name => config.installedFunctions.includes(name))
        .map(name => ({
          name,
          version: name === AWARD_FUNCTION ? XP_PLUS_VERSION : config.version
        })),
      downloadfiles: 0,
      uploadfiles: 0,
      release: config.release,
      version: config.version,
      mobilecssurl: '',
      usercanmanageownfiles: true,
      userissiteadmin: false,
      theme: 'boost',
      siteid: 1
    }
  }

  /** core_user_get_users_by_field, including its check that cleaning leaves values unchanged. */
  usersByField(_caller: Caller, params: Record<string, unknown>): unknown {
    const field = params.field as string
    const values = params.values as string[]
    const clean: Record<string, (v: string) => string | number> = {
      id: v => (/^\s*-?\d+\s*$/.test(v) ? Number(v) : 0),
      idnumber: v => v,
      username: v =>
        v
          .trim()
          .toLowerCase()
          .replace(/ /g, '')
          .replace(/[^-.@_a-z0-9]/g, ''),
      email: v => v.trim()
    }
    const cleaner = Object.hasOwn(clean, field) ? clean[field] : undefined
    if (cleaner === undefined) {
      throw invalidParameter(
        `The search field '${field}' is not supported, look at the web service documentation`
      )
    }
    const wanted = values.map(value => {
      const cleaned = cleaner(value)
      // PHP's loose `!=`: '5' equals 5, ' 5' equals 5, 'abc' does not equal 0.
      const same = typeof cleaned === 'number' ? /^\s*-?\d+\s*$/.test(value) : cleaned === value
      if (!same) {
        throw invalidParameter(
          `The field '${field}' value is invalid: ${value}(cleaned value: ${cleaned})`
        )
      }
      return cleaned
    })
    return this.config.users
      .filter(u => !u.deleted && wanted.includes(u[field as keyof MoodleUserConfig] as never))
      .sort((a, b) => a.id - b.id)
      .map(u => ({
        ...userDetails(u),
        ...(u.idnumber ? { idnumber: u.idnumber } : {}),
        auth: 'manual',
        suspended: u.suspended ?? false,
        confirmed: true,
        lang: 'en',
        theme: '',
        timezone: '99',
        mailformat: 1
      }))
  }
}

const int = { kind: 'value', type: 'int' } as const
const optionalInt = { kind: 'value', type: 'int', optional: true } as const

/** The implemented functions; other installed ones accept anything and return null. */
const FUNCTIONS = new Map<string, { params: ParamDesc; run: Implementation }>([
  [
    AWARD_FUNCTION,
    {
      params: { kind: 'single', keys: { userid: int, points: int, courseid: int } },
      run: MoodleSite.prototype.award as Implementation
    }
  ],
  [
    SITE_INFO_FUNCTION,
    {
      params: {
        kind: 'single',
        keys: {
          serviceshortnames: {
            kind: 'multiple',
            content: { kind: 'value', type: 'raw' },
            optional: true
          }
        }
      },
      run: MoodleSite.prototype.siteInfo as Implementation
    }
  ],
  [
    USERS_BY_FIELD_FUNCTION,
    {
      params: {
        kind: 'single',
        keys: {
          field: { kind: 'value', type: 'alpha' },
          values: { kind: 'multiple', content: { kind: 'value', type: 'raw' } }
        }
      },
      run: MoodleSite.prototype.usersByField as Implementation
    }
  ],
  [
    USER_STATE_FUNCTION,
    {
      params: { kind: 'single', keys: { courseid: int, userid: optionalInt } },
      run: MoodleSite.prototype.userStateFn as Implementation
    }
  ],
  [
    LEVELS_INFO_FUNCTION,
    {
      params: { kind: 'single', keys: { courseid: int } },
      run: MoodleSite.prototype.levelsInfoFn as Implementation
    }
  ],
  [
    LADDER_FUNCTION,
    {
      params: {
        kind: 'single',
        keys: { courseid: int, groupid: optionalInt, page: optionalInt, perpage: optionalInt }
      },
      run: MoodleSite.prototype.ladderFn as Implementation
    }
  ],
  [
    ENROLLED_USERS_FUNCTION,
    {
      params: {
        kind: 'single',
        keys: {
          courseid: int,
          options: {
            kind: 'multiple',
            optional: true,
            content: {
              kind: 'single',
              keys: {
                name: { kind: 'value', type: 'alphanumext' },
                value: { kind: 'value', type: 'raw' }
              }
            }
          }
        }
      },
      run: MoodleSite.prototype.enrolledUsersFn as Implementation
    }
  ]
])
