/**
 * Check mode's roster verdicts, pure: does the roster parse, and does every student in it match
 * a Moodle user. `check.ts` loads the roster and asks Moodle; these functions judge.
 */
import type { MoodleUser } from '../moodle/types.js'
import { INLINE_MAPPING_FILE } from '../roster/errors.js'
import type {
  LookupResult,
  MoodleLookupField,
  Roster,
  RosterRecord,
  SourceLocation
} from '../roster/types.js'
import type { Problem } from '../report/run-report.js'
import type { CheckItem, FunctionNeed } from './items.js'

/** What Moodle's PARAM_USERNAME cleaning keeps unchanged (without extendedusernamechars). */
const MOODLE_USERNAME = /^[-.@_a-z0-9]+$/

/** Students listed one by one in the summary and annotated; the rest are counted. */
export const MAX_LISTED = 50

export type RosterState =
  | { kind: 'none' }
  | { kind: 'broken'; message: string; where: SourceLocation | null }
  | { kind: 'loaded'; roster: Roster; sources: string[] }

/** What Moodle answered for the roster (and `user-id`). */
export interface Resolution {
  /** `resolveLookups` over every record naming the student by email, username or idnumber. */
  lookups: Map<RosterRecord, LookupResult>
  /** Users found by id, for records with `moodle_id` and for `user-id`. */
  usersById: Map<number, MoodleUser>
  /** Look-up requests that failed, by field (`id` for the id check): the error message. */
  failed: Map<MoodleLookupField | 'id', string>
}

/** Annotations go on the roster line, except for the inline `mapping` input (not a file). */
export function annotationPlace(where: SourceLocation | null): SourceLocation | undefined {
  return where === null || where.file === INLINE_MAPPING_FILE ? undefined : where
}

/**
 * Whether check mode needs `core_user_get_users_by_field`: `required` when the roster names
 * students by email, username or idnumber (awards look them up), `optional` when only ids are
 * to be verified, null when there is nothing to ask.
 */
export function usersFunctionNeed(
  roster: Roster | null,
  userId: number | null
): FunctionNeed | null {
  const records = roster?.records ?? []
  if (records.some(r => r.lookup !== null)) return 'required'
  if (userId !== null || records.some(r => r.moodleId !== null)) return 'optional'
  return null
}

/** The distinct Moodle ids to verify: the records' `moodle_id`s and `user-id`. */
export function idsToVerify(roster: Roster | null, userId: number | null): number[] {
  const ids = new Set<number>()
  for (const r of roster?.records ?? []) if (r.moodleId !== null) ids.add(r.moodleId)
  if (userId !== null) ids.add(userId)
  return [...ids].sort((a, b) => a - b)
}

function place(source: SourceLocation): string {
  return source.file === INLINE_MAPPING_FILE
    ? 'input mapping'
    : `${source.file} line ${source.line}`
}

function who(r: RosterRecord): string {
  return r.github ?? (r.githubId !== null ? `github_id ${r.githubId}` : 'a record without login')
}

function counted(records: readonly RosterRecord[]): string {
  const by = new Map<string, number>()
  for (const r of records) {
    const key = r.moodleId !== null ? 'moodle_id' : (r.lookup?.field ?? 'nothing')
    by.set(key, (by.get(key) ?? 0) + 1)
  }
  return [...by].map(([key, n]) => `${n} by ${key}`).join(', ')
}

/** The "roster parses" item. */
export function rosterItem(state: RosterState, userId: number | null): CheckItem {
  const name = 'Roster'
  switch (state.kind) {
    case 'none':
      return {
        name,
        // Nothing to verify, and without user-id nobody could earn: never a pass then.
        status: userId !== null ? 'passed' : 'not-verified',
        detail:
          'no roster configured (mapping-file and mapping are empty): ' +
          (userId !== null
            ? `awards go to user-id ${userId}`
            : 'every student would be unmapped and earn nothing; set mapping-file or mapping')
      }
    case 'broken': {
      const where = annotationPlace(state.where)
      return {
        name,
        status: 'failed',
        detail: state.message,
        problems: [{ message: state.message, ...(where ? { where } : {}) }]
      }
    }
    case 'loaded': {
      const { records } = state.roster
      const from = state.sources.join(' and ')
      return {
        name,
        status: 'passed',
        detail:
          records.length === 0
            ? `${from} parses but names no student`
            : `${from} parses: ${records.length} student(s) (${counted(records)})`
      }
    }
  }
}

interface Unresolved {
  record: RosterRecord
  what: string
  fix: string
}

function unresolvedOf(records: readonly RosterRecord[], resolution: Resolution): Unresolved[] {
  const out: Unresolved[] = []
  for (const record of records) {
    if (record.moodleId !== null) {
      if (resolution.failed.has('id') || resolution.usersById.has(record.moodleId)) continue
      out.push({
        record,
        what: `moodle_id ${record.moodleId} matches no Moodle user`,
        fix: "use the id= of the student's Moodle profile URL (deleted users, and users the token's user may not see, count as missing)"
      })
      continue
    }
    if (record.lookup === null) continue // the parser refuses such records; nothing to say
    const { field, value } = record.lookup
    if (resolution.failed.has(field)) {
      // One value Moodle's cleaning would change fails the whole request (invalidparameter):
      // point at the likely culprits.
      if (field === 'username' && !MOODLE_USERNAME.test(value.trim().toLowerCase())) {
        out.push({
          record,
          what: `username "${value}" has characters Moodle refuses in a look-up, so the look-up by username failed`,
          fix: 'write the Moodle username exactly (a-z, 0-9, - . _ @ unless the site allows extended characters), or name the student by email or moodle_id'
        })
      }
      continue
    }
    const result = resolution.lookups.get(record)
    if (result === undefined || 'moodleId' in result) continue
    if (result.ambiguousIds && result.ambiguousIds.length > 1) {
      out.push({
        record,
        what: `${field} "${value}" is shared by Moodle users ${result.ambiguousIds.join(', ')}`,
        fix: 'name the student by moodle_id or username instead'
      })
    } else {
      out.push({
        record,
        what: `${field} "${value}" matches no Moodle user`,
        fix: `correct the ${field} in the roster or in Moodle (the token's user must also be allowed to see the student)`
      })
    }
  }
  return out
}

/** The "every student resolves to a Moodle user" item. */
export function studentsItem(records: readonly RosterRecord[], resolution: Resolution): CheckItem {
  const name = 'Students in Moodle'
  const unresolved = unresolvedOf(records, resolution)
  const failedLookups = [...resolution.failed].map(
    ([field, message]) =>
      `looking students up by ${field} failed (${records.filter(r => (field === 'id' ? r.moodleId !== null : r.lookup?.field === field)).length} student(s) not verified): ${message}`
  )
  if (unresolved.length === 0 && failedLookups.length === 0) {
    return {
      name,
      status: 'passed',
      detail:
        records.length === 0
          ? 'no student to look up'
          : `all ${records.length} student(s) match a Moodle user`
    }
  }
  const listed = unresolved.slice(0, MAX_LISTED)
  const rest = unresolved.length - listed.length
  const more = rest > 0 ? [`... and ${rest} more`] : []
  const problems: Problem[] = listed.map(u => {
    const where = annotationPlace(u.record.source)
    return {
      message: `Roster: ${who(u.record)} (${place(u.record.source)}): ${u.what}; ${u.fix}`,
      ...(where ? { where } : {})
    }
  })
  if (rest > 0) {
    problems.push({
      message: `Roster: ${rest} more student(s) match no Moodle user (see the job summary and the lines above); fix them the same way`
    })
  }
  problems.push(...failedLookups.map(message => ({ message: `Roster: ${message}` })))
  const parts: string[] = []
  if (unresolved.length > 0) {
    parts.push(`${unresolved.length} of ${records.length} student(s) match no Moodle user`)
  }
  parts.push(...failedLookups)
  return {
    name,
    status: 'failed',
    detail: parts.join('; '),
    entries: [
      ...listed.map(u => `${who(u.record)} (${place(u.record.source)}): ${u.what}`),
      ...more
    ],
    problems
  }
}

/** The `user-id` input, verified like a roster `moodle_id`. */
export function userIdItem(userId: number, resolution: Resolution): CheckItem {
  const name = 'user-id'
  const failure = resolution.failed.get('id')
  if (failure !== undefined) {
    return { name, status: 'failed', detail: `user-id ${userId} could not be verified: ${failure}` }
  }
  const user = resolution.usersById.get(userId)
  if (user === undefined) {
    return {
      name,
      status: 'failed',
      detail: `user-id ${userId} matches no Moodle user`,
      fix: "use the id= of the student's Moodle profile URL (deleted users, and users the token's user may not see, count as missing)"
    }
  }
  const fullname = user.fullname ? ` (${user.fullname})` : ''
  return {
    name,
    status: 'passed',
    detail: `user-id ${userId} is Moodle user ${user.username ?? '(username hidden)'}${fullname}`
  }
}

/** An item that could not be verified, and why. */
export function notVerified(name: string, reason: string): CheckItem {
  return { name, status: 'not-verified', detail: reason }
}

/** Someone the roster or `user-id` names who was found in Moodle. */
export interface FoundUser {
  /** Who, for messages: `alice-gh (roster.yml line 2)`, `user-id 5`. */
  label: string
  moodleUserId: number
  /** The roster line naming them, for annotations (none for `user-id` and the inline input). */
  where: SourceLocation | null
}

/** Everyone the roster and `user-id` name who matched exactly one Moodle user. */
export function foundUsers(
  records: readonly RosterRecord[],
  resolution: Resolution,
  userId: number | null
): FoundUser[] {
  const found: FoundUser[] = []
  for (const record of records) {
    const result = record.lookup ? resolution.lookups.get(record) : undefined
    const id =
      record.moodleId !== null
        ? resolution.usersById.has(record.moodleId)
          ? record.moodleId
          : null
        : result !== undefined && 'moodleId' in result
          ? result.moodleId
          : null
    if (id === null) continue
    found.push({
      label: `${who(record)} (${place(record.source)})`,
      moodleUserId: id,
      where: annotationPlace(record.source) ?? null
    })
  }
  if (userId !== null && resolution.usersById.has(userId)) {
    found.push({ label: `user-id ${userId}`, moodleUserId: userId, where: null })
  }
  return found
}
