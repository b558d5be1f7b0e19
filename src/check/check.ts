/**
 * `mode: check`: verifies the site, the token, its service, the roster and the course, and
 * awards nothing except the test award that `check-award-user-id` asks for. The only other
 * call naming the award function is a probe Moodle rejects before running it (see
 * PROBE_PARAMS). The verdicts are pure (items.ts, roster.ts, course.ts); this file asks Moodle
 * and returns the report, which `main.ts` writes.
 */
import type { MoodleClient, XpLevelsInfo } from '../moodle/client.js'
import { AWARD_FUNCTION, MoodleError } from '../moodle/errors.js'
import type { MoodleUser } from '../moodle/types.js'
import type { RecipientResult } from '../report/status.js'
import type { RunReport } from '../report/run-report.js'
import { RosterError, RosterPathError } from '../roster/errors.js'
import { readRoster } from '../roster/read.js'
import { resolveLookups } from '../roster/lookups.js'
import type { MoodleLookupField, Roster } from '../roster/types.js'
import type { Logger } from '../runner/actions.js'
import type { RunContext } from '../runner/context.js'
import type { Settings } from '../settings/settings.js'
import {
  courseItem,
  type CourseCheck,
  courseNotVerifiable,
  EARN_CAPABILITY,
  type EnrolmentCheck,
  enrolmentItem,
  enrolmentNotVerifiable,
  sitewideItem,
  type Subject,
  type TestAward,
  testAwardItem,
  XP_READ_FUNCTIONS,
  xpReadFunctionItem
} from './course.js'
import {
  type Availability,
  type CallResult,
  type CheckItem,
  ENROLLED_USERS_FUNCTION,
  functionItem,
  LEVELS_INFO_FUNCTION,
  passedAuthentication,
  PROBE_PARAMS,
  probeAvailability,
  SITE_INFO_FUNCTION,
  siteInfoItem,
  siteItems,
  siteOutcome,
  type SiteOutcome,
  USER_STATE_FUNCTION,
  USERS_FUNCTION
} from './items.js'
import { checkReport } from './report.js'
import {
  type FoundUser,
  foundUsers,
  idsToVerify,
  notVerified,
  type Resolution,
  rosterItem,
  type RosterState,
  studentsItem,
  userIdItem,
  usersFunctionNeed
} from './roster.js'

/** Check mode: verifies the set-up and returns the checklist as the run's report. */
export async function runCheck(
  settings: Settings,
  context: RunContext,
  moodle: MoodleClient | null,
  log: Logger
): Promise<RunReport> {
  const testUser = settings.checkAwardUserId
  log.info(
    'mode: check: verifying the Moodle site, the token, its service, the course and the roster. ' +
      (testUser === null
        ? 'Nothing is awarded.'
        : `Nothing is awarded except the test award: 1 point to Moodle user ${testUser} (check-award-user-id).`)
  )
  const rosterState = await rosterStateOf(settings, context.workspace, log)
  if (moodle === null) return checkReport(rosterOnlyItems(settings, rosterState), null)
  const { items, testAward } = await moodleItems(settings, rosterState, moodle, log)
  return checkReport(items, testAward)
}

/**
 * Without a token (a pull request from a fork gets no secrets) only the roster file itself is
 * checked; nothing is looked up in Moodle, which also keeps a stranger's roster from revealing
 * which emails exist there.
 */
function rosterOnlyItems(settings: Settings, rosterState: RosterState): CheckItem[] {
  const reason =
    'moodle-token is empty (GitHub gives workflows on pull requests from forks no secrets), so only the roster file itself was checked'
  const items = [
    notVerified('Moodle site', reason),
    notVerified('Token', reason),
    rosterItem(rosterState, settings.userId)
  ]
  if (rosterState.kind === 'loaded' && rosterState.roster.records.length > 0) {
    items.push(notVerified('Students in Moodle', reason))
  }
  items.push(courseItem(settings.courseId, { kind: 'not-made', reason }))
  return items
}

/** The functions check mode asks about: the award's, and those that let it verify more. */
function wantedFunctions(settings: Settings, roster: Roster | null): string[] {
  const usersNeed = usersFunctionNeed(roster, settings.userId)
  return [
    AWARD_FUNCTION,
    ...(usersNeed === null ? [] : [USERS_FUNCTION]),
    ...(settings.courseId === 1 ? [] : [ENROLLED_USERS_FUNCTION]),
    ...XP_READ_FUNCTIONS.map(fn => fn.name)
  ]
}

async function moodleItems(
  settings: Settings,
  rosterState: RosterState,
  moodle: MoodleClient,
  log: Logger
): Promise<{ items: CheckItem[]; testAward: RecipientResult | null }> {
  const roster = rosterState.kind === 'loaded' ? rosterState.roster : null
  const usersNeed = usersFunctionNeed(roster, settings.userId)
  const { site, availability } = await siteAndFunctions(moodle, wantedFunctions(settings, roster))
  const tokenAccepted = [...availability.values()].some(passedAuthentication)
  const available = (name: string): Availability =>
    availability.get(name) ?? { state: 'not-checked', reason: 'not needed' }

  const items: CheckItem[] = [...siteItems(site, tokenAccepted), siteInfoItem(site)]
  items.push(functionItem(AWARD_FUNCTION, available(AWARD_FUNCTION), 'required', 'award points'))
  if (usersNeed !== null) {
    const purpose =
      usersNeed === 'required'
        ? 'look students up by email, username or idnumber'
        : 'verify the Moodle user ids'
    items.push(functionItem(USERS_FUNCTION, available(USERS_FUNCTION), usersNeed, purpose))
  }
  items.push(rosterItem(rosterState, settings.userId))

  const records = roster?.records ?? []
  let found: FoundUser[] = []
  if (records.length > 0 || settings.userId !== null) {
    const users = available(USERS_FUNCTION)
    if (users.state === 'present') {
      const resolution = await resolveInMoodle(moodle, roster, settings.userId)
      if (records.length > 0) items.push(studentsItem(records, resolution))
      if (settings.userId !== null) items.push(userIdItem(settings.userId, resolution))
      found = foundUsers(records, resolution, settings.userId)
    } else {
      const reason =
        users.state === 'not-checked'
          ? users.reason
          : `${USERS_FUNCTION} is not available (see above)`
      if (records.length > 0) items.push(notVerified('Students in Moodle', reason))
      if (settings.userId !== null) items.push(notVerified('user-id', reason))
    }
  }

  const tokenUser = site.kind === 'info' ? site.info.userid : null
  items.push(
    courseItem(
      settings.courseId,
      await verifyCourse(moodle, settings, available(USER_STATE_FUNCTION), found, tokenUser)
    )
  )
  if (settings.courseId === 1) items.push(sitewideItem())
  else if (found.length > 0) {
    items.push(
      enrolmentItem(
        settings.courseId,
        found,
        await listEarners(moodle, settings.courseId, available(ENROLLED_USERS_FUNCTION))
      )
    )
  }

  const award = await testAward(moodle, settings, available(AWARD_FUNCTION), log)
  items.push(testAwardItem(settings.courseId, award))

  for (const fn of XP_READ_FUNCTIONS) {
    const state = available(fn.name)
    const levels =
      fn.name === LEVELS_INFO_FUNCTION && state.state === 'present'
        ? await attempt<XpLevelsInfo>(() => moodle.getLevelsInfo(settings.courseId))
        : undefined
    items.push(xpReadFunctionItem(fn, state, levels))
  }
  return { items, testAward: testAwardResult(award) }
}

/**
 * Site info, then whether each wanted function can be called. A function missing from site
 * info (or every function, without site info) is probed: the probe tells "not in the service"
 * from "not installed", and runs nothing.
 */
async function siteAndFunctions(
  moodle: MoodleClient,
  wanted: string[]
): Promise<{ site: SiteOutcome; availability: Map<string, Availability> }> {
  let site = siteOutcome(await attempt(() => moodle.getSiteInfo()))
  const availability = new Map<string, Availability>()
  if (site.kind === 'info' || site.kind === 'no-site-info') {
    const listed = site.kind === 'info' ? new Set(site.info.functions.map(f => f.name)) : null
    for (const name of wanted) {
      if (listed?.has(name)) {
        availability.set(name, { state: 'present', probed: false })
        continue
      }
      const result = await attempt(() => moodle.call(name, PROBE_PARAMS[name] ?? {}))
      if (!result.ok && result.error.category === 'token') {
        site = tokenRefusedLater(site, result.error.message)
        break
      }
      availability.set(name, probeAvailability(result, site.kind === 'info'))
    }
    // A bare accessexception leaves open whether the whole token is refused: once another probe
    // got past Moodle's token checks it can only mean "not in the service"; when every function
    // was refused so, the token as a whole most likely is, which one line says.
    const states = [...availability.values()]
    if (states.some(passedAuthentication)) {
      for (const [name, state] of availability) {
        if (state.state === 'refused') availability.set(name, { state: 'not-in-service' })
      }
    } else if (site.kind === 'no-site-info' && states.every(a => a.state === 'refused')) {
      site = { kind: 'token-refused', message: TOKEN_REFUSED_EVERYWHERE }
    }
  }
  if (site.kind === 'unreachable' || site.kind === 'token-refused') {
    const reason =
      site.kind === 'unreachable' ? 'Moodle did not answer' : 'the token was refused first'
    for (const name of wanted) availability.set(name, { state: 'not-checked', reason })
  }
  return { site, availability }
}

/**
 * Reads one user's XP in the course with `local_xp_get_user_state`. Reading another user's
 * needs block/xp:manage, as the award does; the student read is the first one found (or
 * user-id, or the test account), else the token's own user, which proves only access.
 */
async function verifyCourse(
  moodle: MoodleClient,
  settings: Settings,
  availability: Availability,
  found: readonly FoundUser[],
  tokenUser: number | null
): Promise<CourseCheck> {
  if (availability.state !== 'present') {
    return { kind: 'not-made', reason: courseNotVerifiable(availability) }
  }
  const student = found.find(p => p.moodleUserId !== tokenUser)
  const subject: Subject | null = student
    ? { label: student.label, moodleUserId: student.moodleUserId, known: true }
    : settings.checkAwardUserId !== null && settings.checkAwardUserId !== tokenUser
      ? {
          label: `the test account (Moodle user ${settings.checkAwardUserId})`,
          moodleUserId: settings.checkAwardUserId,
          known: false
        }
      : null
  const result = await attempt(() =>
    moodle.getUserState(settings.courseId, subject?.moodleUserId ?? 0)
  )
  return { kind: 'read', subject, result }
}

/** The course's users who may earn points (block/xp:earnxp), in one request. */
async function listEarners(
  moodle: MoodleClient,
  courseId: number,
  availability: Availability
): Promise<EnrolmentCheck> {
  if (availability.state !== 'present') {
    return { kind: 'not-made', reason: enrolmentNotVerifiable(availability) }
  }
  const result = await attempt(() => moodle.getEnrolledUsers(courseId, EARN_CAPABILITY))
  return {
    kind: 'listed',
    result: result.ok ? { ok: true, value: new Set(result.value.map(u => u.id)) } : result
  }
}

/**
 * The test award of `check-award-user-id`: 1 real point, sent only when the award function is
 * in the service (so a broken set-up is reported, not tried). Never retried: the client does
 * not repeat an award whose outcome is unknown.
 */
async function testAward(
  moodle: MoodleClient,
  settings: Settings,
  availability: Availability,
  log: Logger
): Promise<TestAward> {
  const userId = settings.checkAwardUserId
  if (userId === null) return { kind: 'not-set' }
  if (availability.state !== 'present') {
    const reason =
      availability.state === 'not-checked'
        ? availability.reason
        : `${AWARD_FUNCTION} is not available (see above)`
    return { kind: 'not-sent', userId, reason }
  }
  log.info(
    `Test award (check-award-user-id): sending 1 point to Moodle user ${userId} in course ${settings.courseId}. This is a real award.`
  )
  const result = await attempt(() =>
    moodle.awardPoints({ userId, points: 1, courseId: settings.courseId })
  )
  return { kind: 'sent', userId, result }
}

/** The test award as a `results` entry, so the outputs say what was awarded. */
function testAwardResult(award: TestAward): RecipientResult | null {
  if (award.kind !== 'sent') return null
  const base = { github: null, githubId: null, moodleUserId: award.userId, points: 1 }
  if (award.result.ok) {
    return {
      ...base,
      xp: award.result.value.xp,
      status: 'awarded',
      reason: 'test award of check mode (check-award-user-id)'
    }
  }
  const { outcome, message } = award.result.error
  return {
    ...base,
    xp: null,
    status: outcome === 'unknown' ? 'unknown' : 'failed',
    reason: message
  }
}

/** A Moodle call as plain data: MoodleError becomes a failure, anything else is a bug. */
async function attempt<T>(call: () => Promise<T>): Promise<CallResult<T>> {
  try {
    return { ok: true, value: await call() }
  } catch (error) {
    if (!(error instanceof MoodleError)) throw error
    return {
      ok: false,
      error: {
        message: error.message,
        category: error.category,
        errorcode: error.errorcode,
        httpStatus: error.httpStatus,
        outcome: error.outcome,
        loginPage: error.loginPage
      }
    }
  }
}

const TOKEN_REFUSED_EVERYWHERE =
  'Moodle refused every function tried with the same bare accessexception (without debugging it does not say why), so the token as a whole is refused: ' +
  "give the token's user webservice/rest:use (system context), check the IP restriction of the token and of its service, and that the token has not expired; " +
  "if all that holds, add core_webservice_get_site_info and local_xp_award_points to the token's external service"

/**
 * A probe found the token refused after site info answered accessexception: typically an expired
 * token, which Moodle answers with accessexception once and then deletes.
 */
function tokenRefusedLater(site: SiteOutcome, message: string): SiteOutcome {
  if (site.kind !== 'no-site-info') return { kind: 'token-refused', message }
  return {
    kind: 'token-refused',
    message:
      `the token has most likely expired: ${SITE_INFO_FUNCTION} answered ${site.errorcode}, then Moodle no ` +
      `longer knew the token (Moodle deletes an expired token when it is first used). ${message}`
  }
}

async function rosterStateOf(
  settings: Settings,
  workspace: string,
  log: Logger
): Promise<RosterState> {
  try {
    const roster = await readRoster(settings, workspace, log)
    if (roster === null) return { kind: 'none' }
    const sources = [
      ...(settings.mappingFile === null ? [] : [settings.mappingFile]),
      ...(settings.mapping === null ? [] : ['input mapping'])
    ]
    return { kind: 'loaded', roster, sources }
  } catch (error) {
    if (error instanceof RosterError) {
      return {
        kind: 'broken',
        message: error.message,
        where: { file: error.file, line: error.line }
      }
    }
    if (error instanceof RosterPathError)
      return { kind: 'broken', message: error.message, where: null }
    throw error
  }
}

/**
 * Looks the whole roster up: one request per field used (never one per student), and one
 * request for every numeric id (`moodle_id`s and `user-id`). A failed request is recorded
 * against its field, so the other fields are still verified.
 */
async function resolveInMoodle(
  moodle: MoodleClient,
  roster: Roster | null,
  userId: number | null
): Promise<Resolution> {
  const failed = new Map<MoodleLookupField | 'id', string>()
  const lookups = await resolveLookups(roster?.records ?? [], async (field, values) => {
    const result = await attempt(() => moodle.getUsersByField(field, values))
    if (result.ok) return result.value
    failed.set(field, result.error.message)
    return []
  })
  const usersById = new Map<number, MoodleUser>()
  const ids = idsToVerify(roster, userId)
  if (ids.length > 0) {
    const result = await attempt(() => moodle.getUsersByField('id', ids.map(String)))
    if (result.ok) for (const user of result.value) usersById.set(user.id, user)
    else failed.set('id', result.error.message)
  }
  return { lookups, usersById, failed }
}
