import type { Plan } from '../events/types.js'
import type { MoodleClient } from '../moodle/client.js'
import { resolveLookups } from '../roster/lookups.js'
import { buildRosterIndex, closestRecord, findRecord } from '../roster/match.js'
import type { LookupResult, Roster, RosterRecord } from '../roster/types.js'
import { type Candidate, candidatesFor } from './recipients.js'

/**
 * Finds the Moodle user of every eligible person in the plan. Records that name the student by
 * email, username or idnumber are looked up in Moodle for the recipients only, one request per
 * field (never one per student).
 */
export async function resolveCandidates(
  plan: Plan,
  roster: Roster | null,
  moodle: Pick<MoodleClient, 'getUsersByField'>
): Promise<Candidate[]> {
  if (roster === null) return candidatesFor(plan, () => null, new Map(), false)
  const index = buildRosterIndex(roster)
  const recordOf = (entry: Plan['entries'][number]): RosterRecord | null =>
    entry.person === null ? null : findRecord(index, entry.person)
  const toLookUp = plan.entries
    .filter(entry => entry.skipReason === null && entry.moodleUserId === null)
    .map(recordOf)
    .filter((record): record is RosterRecord => record !== null && record.lookup !== null)
  const resolved =
    toLookUp.length === 0
      ? new Map<RosterRecord, LookupResult>()
      : await resolveLookups(toLookUp, (field, values) => moodle.getUsersByField(field, values))
  return candidatesFor(plan, recordOf, resolved, true, login => closestRecord(index, login))
}
