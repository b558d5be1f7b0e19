/**
 * `mode: check`: verifies the site, the token, the token's service and the roster, and awards
 * nothing. The only call that names the award function is a probe Moodle rejects before running
 * it (see PROBE_PARAMS). The verdicts are pure (items.ts, roster.ts); this file asks and reports.
 */
import type { MoodleClient } from '../moodle/client.js'
import { AWARD_FUNCTION, MoodleError } from '../moodle/errors.js'
import type { MoodleUser } from '../moodle/types.js'
import { outputsFrom } from '../report/outcome.js'
import { RosterError, RosterPathError } from '../roster/errors.js'
import { readRoster } from '../roster/read.js'
import { resolveLookups } from '../roster/lookups.js'
import type { MoodleLookupField, Roster } from '../roster/types.js'
import { annotateError, log, setOutputs, writeSummary } from '../runner/actions.js'
import type { RunContext } from '../runner/context.js'
import type { Settings } from '../settings/settings.js'
import {
  type Availability,
  type CallResult,
  type CheckItem,
  courseItem,
  functionItem,
  passedAuthentication,
  PROBE_PARAMS,
  probeAvailability,
  SITE_INFO_FUNCTION,
  siteInfoItem,
  siteItems,
  siteOutcome,
  type SiteOutcome,
  USERS_FUNCTION
} from './items.js'
import { checkSummary, logLines, problemsOf, verdict } from './report.js'
import {
  idsToVerify,
  notVerified,
  type Resolution,
  rosterItem,
  type RosterState,
  studentsItem,
  userIdItem,
  usersFunctionNeed
} from './roster.js'

/** Check mode: verifies the set-up, reports a checklist, fails the step on any problem. */
export async function runCheck(
  settings: Settings,
  context: RunContext,
  moodle: MoodleClient | null
): Promise<void> {
  setOutputs(outputsFrom([]))
  log.info(
    'mode: check: verifying the Moodle site, the token, its service and the mapping. Nothing is awarded.'
  )
  const rosterState = await rosterStateOf(settings, context.workspace)
  const items =
    moodle === null
      ? rosterOnlyItems(settings, rosterState)
      : await moodleItems(settings, rosterState, moodle)
  for (const line of logLines(items)) log.info(line)
  await writeSummary(checkSummary(items))
  const problems = problemsOf(items)
  for (const problem of problems) annotateError(problem.message, problem.where)
  log.info(verdict(items))
}

/**
 * Without a token (a pull request from a fork gets no secrets) only the roster file itself is
 * checked; nothing is looked up in Moodle, which also keeps a stranger's roster from revealing
 * which emails exist there.
 */
function rosterOnlyItems(settings: Settings, rosterState: RosterState): CheckItem[] {
  const reason =
    'moodle-token is empty (GitHub gives workflows on pull requests from forks no secrets), so only the mapping file itself was checked'
  const items = [
    notVerified('Moodle site', reason),
    notVerified('Token', reason),
    rosterItem(rosterState, settings.userId)
  ]
  if (rosterState.kind === 'loaded' && rosterState.roster.records.length > 0) {
    items.push(notVerified('Students in Moodle', reason))
  }
  items.push(courseItem(settings.courseId))
  return items
}

async function moodleItems(
  settings: Settings,
  rosterState: RosterState,
  moodle: MoodleClient
): Promise<CheckItem[]> {
  const roster = rosterState.kind === 'loaded' ? rosterState.roster : null
  const usersNeed = usersFunctionNeed(roster, settings.userId)
  const wanted = [AWARD_FUNCTION, ...(usersNeed === null ? [] : [USERS_FUNCTION])]

  let site = siteOutcome(await attempt(() => moodle.getSiteInfo()))
  const availability = new Map<string, Availability>()
  if (site.kind === 'info' || site.kind === 'no-site-info') {
    const listed = site.kind === 'info' ? new Set(site.info.functions.map(f => f.name)) : null
    for (const name of wanted) {
      if (listed?.has(name)) {
        availability.set(name, { state: 'present', probed: false })
        continue
      }
      // Missing from site info, or no site info: the probe tells "not in the service" from
      // "not installed", and runs nothing.
      const result = await attempt(() => moodle.call(name, PROBE_PARAMS[name] ?? {}))
      if (!result.ok && result.error.category === 'token') {
        site = tokenRefusedLater(site, result.error.message)
        break
      }
      availability.set(name, probeAvailability(result, site.kind === 'info'))
    }
  }
  if (site.kind === 'unreachable' || site.kind === 'token-refused') {
    const reason =
      site.kind === 'unreachable' ? 'Moodle did not answer' : 'the token was refused first'
    for (const name of wanted) availability.set(name, { state: 'not-checked', reason })
  }
  const tokenAccepted = [...availability.values()].some(passedAuthentication)

  const items: CheckItem[] = [...siteItems(site, tokenAccepted), siteInfoItem(site)]
  items.push(
    functionItem(
      AWARD_FUNCTION,
      available(availability, AWARD_FUNCTION),
      'required',
      'award points'
    )
  )
  if (usersNeed !== null) {
    const purpose =
      usersNeed === 'required'
        ? 'look students up by email, username or idnumber'
        : 'verify the Moodle user ids'
    items.push(
      functionItem(USERS_FUNCTION, available(availability, USERS_FUNCTION), usersNeed, purpose)
    )
  }
  items.push(rosterItem(rosterState, settings.userId))

  const records = roster?.records ?? []
  const toVerify = records.length > 0 || settings.userId !== null
  if (toVerify) {
    const users = available(availability, USERS_FUNCTION)
    if (users.state === 'present') {
      const resolution = await resolveInMoodle(moodle, roster, settings.userId)
      if (records.length > 0) items.push(studentsItem(records, resolution))
      if (settings.userId !== null) items.push(userIdItem(settings.userId, resolution))
    } else {
      const reason =
        users.state === 'not-checked'
          ? users.reason
          : `${USERS_FUNCTION} is not available (see above)`
      if (records.length > 0) items.push(notVerified('Students in Moodle', reason))
      if (settings.userId !== null) items.push(notVerified('user-id', reason))
    }
  }
  items.push(courseItem(settings.courseId))
  return items
}

function available(map: Map<string, Availability>, name: string): Availability {
  return map.get(name) ?? { state: 'not-checked', reason: 'not needed' }
}

/** A Moodle call as plain data: MoodleError becomes a failure, anything else is a bug. */
async function attempt<T>(call: () => Promise<T>): Promise<CallResult<T>> {
  try {
    return { ok: true, value: await call() }
  } catch (error) {
    if (!(error instanceof MoodleError)) throw error
    return {
      ok: false,
      error: { message: error.message, category: error.category, errorcode: error.errorcode }
    }
  }
}

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

async function rosterStateOf(settings: Settings, workspace: string): Promise<RosterState> {
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
