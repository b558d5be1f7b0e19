import type { MoodleUser } from '../moodle/types.js'
import type { LookupResult, MoodleLookupField, RosterRecord } from './types.js'

/** Fetches users by one field (`core_user_get_users_by_field`); unknown values are just absent. */
export type FetchUsers = (field: MoodleLookupField, values: string[]) => Promise<MoodleUser[]>

/** How a value is compared: Moodle usernames are lower-case and emails case-insensitive. */
function matchKey(field: MoodleLookupField, value: string): string {
  return field === 'idnumber' ? value : value.toLowerCase()
}

/**
 * The values to ask Moodle for, per field, each once. Usernames are sent lower-cased (Moodle
 * rejects any other). Emails are sent as written and also lower-cased when that differs,
 * because a database with case-sensitive comparison only finds the stored spelling.
 */
export function planLookups(records: readonly RosterRecord[]): Map<MoodleLookupField, string[]> {
  const plan = new Map<MoodleLookupField, Set<string>>()
  for (const r of records) {
    if (!r.lookup) continue
    const { field, value } = r.lookup
    let values = plan.get(field)
    if (!values) plan.set(field, (values = new Set()))
    if (field === 'username') values.add(value.toLowerCase())
    else {
      values.add(value)
      if (field === 'email') values.add(value.toLowerCase())
    }
  }
  return new Map([...plan].map(([field, values]) => [field, [...values]]))
}

function fieldOf(user: MoodleUser, field: MoodleLookupField): string | undefined {
  return field === 'email' ? user.email : field === 'username' ? user.username : user.idnumber
}

/**
 * Resolves every record to a Moodle user id, calling `fetchUsers` once per field used (never
 * per student). Records with `moodle_id` resolve to it without a call. A value that several
 * Moodle users share (emails need not be unique) resolves to none of them.
 */
export async function resolveLookups(
  records: readonly RosterRecord[],
  fetchUsers: FetchUsers
): Promise<Map<RosterRecord, LookupResult>> {
  const plan = planLookups(records)
  const found = new Map<MoodleLookupField, Map<string, Set<number>>>()
  for (const [field, values] of plan) {
    const users = await fetchUsers(field, values)
    const byValue = new Map<string, Set<number>>()
    const unlabeled: number[] = []
    for (const u of users) {
      const v = fieldOf(u, field)
      if (v === undefined || v === '') {
        unlabeled.push(u.id)
        continue
      }
      const key = matchKey(field, v)
      const ids = byValue.get(key)
      if (ids) ids.add(u.id)
      else byValue.set(key, new Set([u.id]))
    }
    // Moodle omits fields the token may not see (e.g. email): with a single value asked,
    // a user returned without the field can still only be that value's user.
    const asked = new Set(values.map(v => matchKey(field, v)))
    const [onlyValue] = asked
    if (
      asked.size === 1 &&
      onlyValue !== undefined &&
      !byValue.has(onlyValue) &&
      unlabeled.length > 0
    ) {
      byValue.set(onlyValue, new Set(unlabeled))
    }
    found.set(field, byValue)
  }

  const result = new Map<RosterRecord, LookupResult>()
  for (const r of records) {
    if (r.moodleId !== null) {
      result.set(r, { moodleId: r.moodleId })
      continue
    }
    if (!r.lookup) {
      result.set(r, { notFound: true })
      continue
    }
    const ids = [
      ...(found.get(r.lookup.field)?.get(matchKey(r.lookup.field, r.lookup.value)) ?? [])
    ]
    const [only] = ids
    if (ids.length === 1 && only !== undefined) result.set(r, { moodleId: only })
    else if (ids.length > 1)
      result.set(r, { notFound: true, ambiguousIds: ids.sort((a, b) => a - b) })
    else result.set(r, { notFound: true })
  }
  return result
}
