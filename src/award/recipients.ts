import type { Plan, PlanEntry } from '../events/types.js'
import type { RecipientResult } from '../report/status.js'
import { INLINE_MAPPING_FILE } from '../roster/errors.js'
import type { LookupResult, RosterRecord } from '../roster/types.js'

/**
 * A person the plan names, on the way to a result: either settled already (skipped, unmapped)
 * or with the Moodle user who would receive the points.
 */
export type Candidate =
  | { entry: PlanEntry; moodleUserId: number; settled: null }
  | { entry: PlanEntry; moodleUserId: number | null; settled: RecipientResult }

/** A result for an entry, with the fields every status shares. */
export function resultFor(
  entry: PlanEntry,
  moodleUserId: number | null,
  status: RecipientResult['status'],
  reason: string,
  xp: number | null = null
): RecipientResult {
  return {
    github: entry.person?.login ?? null,
    githubId: entry.person?.id ?? null,
    moodleUserId,
    points: entry.points,
    xp,
    status,
    reason
  }
}

/** Why a login has no record, with a "did you mean" when a roster login is a typo away. */
function notInRoster(login: string, near: RosterRecord | null): string {
  if (near?.github == null)
    return `${login} is not in the roster; add a record for this GitHub user`
  const where =
    near.source.file === INLINE_MAPPING_FILE
      ? 'input mapping'
      : `${near.source.file} line ${near.source.line}`
  return `${login} is not in the roster; did you mean "${near.github}" (${where})? If that record is this student's, correct its login to ${login}; otherwise add a record for this GitHub user`
}

/** How a person's roster record was resolved to a Moodle user id. */
export type Resolution = LookupResult

/**
 * Decides, for each entry of the plan, who receives its points: the `user-id` input wins, then
 * the roster record (a Moodle id, or the result of a look-up by email/username/idnumber).
 * Pure: the roster matching and the look-up results come in as functions and data.
 */
export function candidatesFor(
  plan: Plan,
  findRecord: (entry: PlanEntry) => RosterRecord | null,
  resolved: Map<RosterRecord, Resolution>,
  hasRoster: boolean,
  nearest: (login: string) => RosterRecord | null = () => null
): Candidate[] {
  return plan.entries.map((planned): Candidate => {
    let entry = planned
    if (entry.skipReason !== null) {
      return {
        entry,
        moodleUserId: null,
        settled: resultFor(entry, null, 'skipped', entry.skipReason)
      }
    }
    if (entry.moodleUserId !== null)
      return { entry, moodleUserId: entry.moodleUserId, settled: null }
    const record = findRecord(entry)
    // A login named by `github-login` alone has no id; the roster's github_id gives the ledger
    // the same stable key as when the event names the person.
    if (record?.githubId != null && entry.person !== null && entry.person.id === null) {
      entry = { ...entry, person: { ...entry.person, id: record.githubId } }
    }
    const login = entry.person?.login ?? '?'
    if (record === null) {
      const reason = hasRoster
        ? notInRoster(login, nearest(login))
        : `no roster: set mapping-file or mapping to tie GitHub users to Moodle users`
      return { entry, moodleUserId: null, settled: resultFor(entry, null, 'unmapped', reason) }
    }
    if (record.moodleId !== null) return { entry, moodleUserId: record.moodleId, settled: null }
    const resolution = record.lookup ? resolved.get(record) : undefined
    if (resolution && 'moodleId' in resolution) {
      return { entry, moodleUserId: resolution.moodleId, settled: null }
    }
    const lookup = record.lookup
    const where = `${record.source.file} line ${record.source.line}`
    const several = resolution && 'ambiguousIds' in resolution ? resolution.ambiguousIds : undefined
    const reason = !lookup
      ? `the roster record has no Moodle user (${where})`
      : several && several.length > 1
        ? `several Moodle users (${several.join(', ')}) have ${lookup.field} ${lookup.value} (${where}); write the student's moodle_id instead`
        : `no Moodle user with ${lookup.field} ${lookup.value} (${where}), or the token's user may not see it; correct the record or the user's profile in Moodle`
    return { entry, moodleUserId: null, settled: resultFor(entry, null, 'unmapped', reason) }
  })
}

/**
 * One award per Moodle user and event: the first candidate of each Moodle user earns; a later
 * one (another GitHub account that maps to the same Moodle user) is skipped. Returns the reason
 * for each of those, by index.
 */
export function secondAccounts(candidates: Candidate[]): Map<number, string> {
  const first = new Map<number, Candidate>()
  const skipped = new Map<number, string>()
  candidates.forEach((c, index) => {
    if (c.settled !== null || c.moodleUserId === null) return
    const earlier = first.get(c.moodleUserId)
    if (!earlier) {
      first.set(c.moodleUserId, c)
      return
    }
    const who = earlier.entry.person ? `GitHub user ${earlier.entry.person.login}` : 'user-id'
    skipped.set(
      index,
      `Moodle user ${c.moodleUserId} already earns for this event as ${who}: one award per person and event`
    )
  })
  return skipped
}
