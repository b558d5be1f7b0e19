/**
 * Check mode's verdicts about the course, pure: may the token's user manage Level Up XP there
 * (read with `local_xp_get_user_state`), are the students enrolled and allowed to earn
 * (`core_enrol_get_enrolled_users`), did the test award work, and which of Level Up XP+'s
 * optional read functions the service has. `check.ts` makes the calls.
 */
import type { XpLevelsInfo, XpUserState } from '../moodle/client.js'
import type { Problem } from '../report/run-report.js'
import {
  type Availability,
  type CallResult,
  type CheckItem,
  ENROLLED_USERS_FUNCTION,
  LADDER_FUNCTION,
  LEVELS_INFO_FUNCTION,
  type MoodleFailure,
  SERVICES,
  USER_STATE_FUNCTION
} from './items.js'
import type { FoundUser } from './roster.js'

/** The capability a student needs to receive points, as Level Up XP checks it. */
export const EARN_CAPABILITY = 'block/xp:earnxp'

/** Whose XP check mode read to verify the course: a user it found, or the token's own user. */
export interface Subject {
  /** For messages, e.g. `alice-gh (roster.yml line 2)`. */
  label: string
  moodleUserId: number
  /** Known to exist in Moodle (found by the roster look-up). */
  known: boolean
}

/**
 * What verifying the course gave: the read of `subject`'s XP (null: the token's own, which
 * proves access but not the permission to manage), or why it was not made.
 */
export type CourseCheck =
  | { kind: 'read'; subject: Subject | null; result: CallResult<XpUserState> }
  | { kind: 'not-made'; reason: string }

const add = (name: string) =>
  `add ${name} to the token's external service (${SERVICES} > Functions)`

function where(courseId: number): string {
  return courseId === 1 ? 'at site level (sitewide XP, course-id 1)' : `in course ${courseId}`
}

function levelText(state: XpUserState): string {
  const name = state.level.name ? ` "${state.level.name}"` : ''
  return `${state.xp} XP, level ${state.level.level}${name}`
}

/** Why the course cannot be verified when `local_xp_get_user_state` is not usable. */
export function courseNotVerifiable(availability: Availability): string {
  const how =
    `${add(USER_STATE_FUNCTION)} to let check mode verify it without awarding ` +
    "(reading a student's XP needs block/xp:manage, as the award does), or run a test award with check-award-user-id"
  switch (availability.state) {
    case 'present':
      return ''
    case 'not-checked':
      return availability.reason
    case 'not-installed':
      return `${USER_STATE_FUNCTION} is not installed (it comes with Level Up XP+), so only a test award (check-award-user-id) can verify it`
    case 'unknown':
      return `${USER_STATE_FUNCTION} could not be checked (${availability.detail}); ${how}`
    default:
      return `${USER_STATE_FUNCTION} is not in the token's service: ${how}`
  }
}

/** The `Course` item: may the token's user manage Level Up XP where `course-id` points. */
export function courseItem(courseId: number, check: CourseCheck): CheckItem {
  const name = 'Course'
  if (check.kind === 'not-made') {
    return {
      name,
      status: 'not-verified',
      detail: `whether the token's user may award ${where(courseId)}: ${check.reason}`
    }
  }
  const { subject, result } = check
  if (result.ok) {
    if (subject === null) {
      return {
        name,
        status: 'not-verified',
        detail:
          `the token's user can open Level Up XP ${where(courseId)}, but whether it may award there ` +
          "(block/xp:manage) needs a student's XP to read: name one in the roster or user-id, or run a test award (check-award-user-id)"
      }
    }
    return {
      name,
      status: 'passed',
      detail:
        `the token's user may manage Level Up XP ${where(courseId)}: it read the points of ${subject.label} ` +
        `(${levelText(result.value)}) with ${USER_STATE_FUNCTION}, which needs block/xp:manage as the award does`
    }
  }
  return courseFailure(courseId, subject, result.error)
}

function courseFailure(courseId: number, subject: Subject | null, error: MoodleFailure): CheckItem {
  const name = 'Course'
  const code = error.errorcode ?? ''
  if (code === 'nopermissions') {
    return {
      name,
      status: 'failed',
      detail: `the token's user may not manage Level Up XP ${where(courseId)} (nopermissions), so every award would be refused`,
      fix:
        courseId === 1
          ? "give the token's user a system role with block/xp:manage (e.g. Manager)"
          : `give the token's user a role with block/xp:manage in course ${courseId} (e.g. Teacher), or a system role with it`
    }
  }
  if (code === 'requireloginerror' || code === 'errorcoursecontextnotvalid') {
    return {
      name,
      status: 'failed',
      detail: `the token's user cannot open course ${courseId} (${code}): it is not enrolled there, or the course is hidden from it`,
      fix: `enrol the token's user in course ${courseId} as a teacher, or give it a system role that sees every course (e.g. Manager)`
    }
  }
  if (code === 'invalidcourseid' || code === 'invalidrecord' || code === 'invalidrecordunknown') {
    const which =
      subject === null || subject.known
        ? `course ${courseId} does not exist`
        : `course ${courseId}, or Moodle user ${subject.moodleUserId}, does not exist`
    return {
      name,
      status: 'failed',
      detail: `${which} (${code})`,
      fix: "check course-id: the id= in the course's address, e.g. 30 for https://moodle.example.edu/course/view.php?id=30"
    }
  }
  return {
    name,
    status: 'not-verified',
    detail: `reading XP ${where(courseId)} with ${USER_STATE_FUNCTION} failed: ${error.message}`
  }
}

/** Sitewide XP: what course-id 1 needs that no web service shows. */
export function sitewideItem(): CheckItem {
  return {
    name: 'Sitewide XP',
    status: 'not-verified',
    detail:
      'course-id 1 sends awards to the site course: they count only when Level Up XP is in sitewide mode ' +
      '(Site administration > Plugins > Blocks > Level Up XP), and students need block/xp:earnxp at system level; no web service shows either'
  }
}

/** What listing the course's students who may earn gave, or why it was not made. */
export type EnrolmentCheck =
  { kind: 'listed'; result: CallResult<Set<number>> } | { kind: 'not-made'; reason: string }

/** Why enrolment cannot be verified when `core_enrol_get_enrolled_users` is not usable. */
export function enrolmentNotVerifiable(availability: Availability): string {
  const how = `${add(ENROLLED_USERS_FUNCTION)} to let check mode verify that every student is enrolled and may earn points`
  switch (availability.state) {
    case 'not-checked':
      return availability.reason
    case 'unknown':
      return `${ENROLLED_USERS_FUNCTION} could not be checked (${availability.detail}); ${how}`
    default:
      return `${ENROLLED_USERS_FUNCTION} is not in the token's service: ${how}`
  }
}

/** The `Students in course N` item: everyone found is enrolled with block/xp:earnxp. */
export function enrolmentItem(
  courseId: number,
  people: readonly FoundUser[],
  check: EnrolmentCheck
): CheckItem {
  const name = `Students in course ${courseId}`
  if (check.kind === 'not-made') return { name, status: 'not-verified', detail: check.reason }
  if (!check.result.ok) {
    const { errorcode, message } = check.result.error
    const advice =
      errorcode === 'nopermissions'
        ? `; give the token's user moodle/course:viewparticipants and moodle/role:review in course ${courseId} to let check mode verify enrolment`
        : ''
    return {
      name,
      status: 'not-verified',
      detail: `listing who may earn points failed: ${message}${advice}`
    }
  }
  const earners = check.result.value
  const missing = people.filter(p => !earners.has(p.moodleUserId))
  if (missing.length === 0) {
    return {
      name,
      status: 'passed',
      detail: `the ${people.length} student(s) found in Moodle are all enrolled and may earn points (${EARN_CAPABILITY}), as ${ENROLLED_USERS_FUNCTION} lists them`
    }
  }
  const fix = `enrol them in course ${courseId} with the Student role (which holds ${EARN_CAPABILITY})`
  const what = (p: FoundUser) =>
    `${p.label}: Moodle user ${p.moodleUserId} is not enrolled in course ${courseId}, or may not earn points there`
  const problems: Problem[] = missing.map(p => ({
    message: `${what(p)}; ${fix}`,
    ...(p.where ? { where: p.where } : {})
  }))
  return {
    name,
    status: 'failed',
    detail: `${missing.length} of ${people.length} may not earn points in course ${courseId}, so their awards would be refused`,
    fix,
    entries: missing.map(what),
    problems
  }
}

/** The outcome of the test award, or why it was not sent. */
export type TestAward =
  | { kind: 'not-set' }
  | { kind: 'not-sent'; userId: number; reason: string }
  | { kind: 'sent'; userId: number; result: CallResult<{ xp: number }> }

/** The `Test award` item. */
export function testAwardItem(courseId: number, award: TestAward): CheckItem {
  const name = 'Test award'
  switch (award.kind) {
    case 'not-set':
      return {
        name,
        status: 'not-verified',
        detail:
          `only a real award proves that Level Up XP+ is activated and accepts awards ${where(courseId)}; ` +
          'set check-award-user-id to a test account enrolled as a student to award it 1 point'
      }
    case 'not-sent':
      return {
        name,
        status: 'not-verified',
        detail: `not sent to Moodle user ${award.userId}: ${award.reason}`
      }
    case 'sent':
      if (!award.result.ok) {
        const { outcome, message } = award.result.error
        const what =
          outcome === 'unknown'
            ? `whether the award of 1 point to Moodle user ${award.userId} was made is unknown`
            : `the award of 1 point to Moodle user ${award.userId} failed`
        return { name, status: 'failed', detail: `${what}: ${message}` }
      }
      return {
        name,
        status: 'passed',
        detail:
          `awarded 1 point to Moodle user ${award.userId} ${where(courseId)}; Moodle answered their new total, ${award.result.value.xp} XP. ` +
          'This was a real award (check-award-user-id is set): every check run with it awards 1 more point'
      }
  }
}

/** Level Up XP+'s optional read functions, what each gives, and what is lost without it. */
export const XP_READ_FUNCTIONS = [
  {
    name: USER_STATE_FUNCTION,
    gives: "check mode reads a student's XP with it to verify the course",
    without: 'check mode cannot verify the course and the permission to award without awarding'
  },
  {
    name: LEVELS_INFO_FUNCTION,
    gives:
      "the course's levels and their names, for each student's level in the comments and the outputs",
    without: "the students' comments cannot show their level, nor the outputs"
  },
  {
    name: LADDER_FUNCTION,
    gives: "the course's leaderboard, as Level Up XP shows it (its anonymity settings apply)",
    without: 'there is no leaderboard'
  }
] as const

/** One item per optional XP+ read function: present, or absent with what the teacher loses. */
export function xpReadFunctionItem(
  fn: (typeof XP_READ_FUNCTIONS)[number],
  availability: Availability,
  levels?: CallResult<XpLevelsInfo>
): CheckItem {
  const { name } = fn
  switch (availability.state) {
    case 'present': {
      if (levels && !levels.ok) {
        return {
          name,
          status: 'not-verified',
          detail: `in the token's external service, but reading the levels failed: ${levels.error.message}`
        }
      }
      const read = levels?.ok ? `; ${levelsText(levels.value)}` : ''
      return {
        name,
        status: 'passed',
        detail: `in the token's external service (optional): ${fn.gives}${read}`
      }
    }
    case 'not-in-service':
      return {
        name,
        status: 'absent',
        detail: `not in the token's external service (optional): without it ${fn.without}; ${add(name)} to use it`
      }
    case 'not-installed':
      return {
        name,
        status: 'absent',
        detail: `not installed on the site (optional; it comes with Level Up XP+): without it ${fn.without}`
      }
    case 'refused':
      return {
        name,
        status: 'not-verified',
        detail:
          "Moodle refused access to it (accessexception): not in the token's external service, or the token as a whole is refused"
      }
    case 'unknown':
      return {
        name,
        status: 'not-verified',
        detail: `could not be checked: ${availability.detail}`
      }
    case 'not-checked':
      return { name, status: 'not-verified', detail: availability.reason }
  }
}

function levelsText(info: XpLevelsInfo): string {
  const second = info.levels.find(l => l.level === 2)
  const from = second ? `, level 2 from ${second.xprequired} XP` : ''
  return `this course has ${info.count} levels${from}`
}
