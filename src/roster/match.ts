import type { GitHubPerson } from '../events/types.js'
import { closestName } from './typo.js'
import type { Roster, RosterRecord } from './types.js'

export interface RosterIndex {
  byGithubId: Map<number, RosterRecord>
  /** Lower-cased login -> records, in roster order. */
  byLogin: Map<string, RosterRecord[]>
}

export function buildRosterIndex(roster: Roster): RosterIndex {
  const byGithubId = new Map<number, RosterRecord>()
  const byLogin = new Map<string, RosterRecord[]>()
  for (const r of roster.records) {
    if (r.githubId !== null && !byGithubId.has(r.githubId)) byGithubId.set(r.githubId, r)
    if (r.github !== null) {
      const key = r.github.toLowerCase()
      const list = byLogin.get(key)
      if (list) list.push(r)
      else byLogin.set(key, [r])
    }
  }
  return { byGithubId, byLogin }
}

/**
 * The record for a GitHub user. The numeric id is tried first because logins can be renamed and
 * then taken by someone else; for the same reason a record whose github_id differs from the
 * person's known id never matches by login.
 */
export function findRecord(index: RosterIndex, person: GitHubPerson): RosterRecord | null {
  if (person.id !== null) {
    const byId = index.byGithubId.get(person.id)
    if (byId) return byId
  }
  const candidates = index.byLogin.get(person.login.toLowerCase()) ?? []
  return (
    candidates.find(r => r.githubId === null || person.id === null || r.githubId === person.id) ??
    null
  )
}

/**
 * The record whose login is a likely typo of `login` (a person the roster does not name), for a
 * "did you mean" hint; null when no login is that close.
 */
export function closestRecord(index: RosterIndex, login: string): RosterRecord | null {
  const logins = [...index.byLogin.keys()]
  const closest = closestName(login.toLowerCase(), logins)
  return closest === null ? null : (index.byLogin.get(closest)?.[0] ?? null)
}
