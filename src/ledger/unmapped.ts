/**
 * Telling students who earned but are not in the roster, so that they do not wait for points
 * that will not come: one comment on the pull request or issue, once per (event, person).
 *
 * Each person's line comes with a hidden marker that names the award's key and is signed with
 * the ledger's record key: a later run (a re-run, a duplicate delivery) that finds a marker of
 * its own for a person does not tell them again; a marker someone else pasted verifies with no
 * key but this workflow's and is ignored. A marker is not a ledger record: it never counts as
 * an award, so a student is paid as soon as a run finds them in the roster.
 */
import type { AwardKind, Subject } from '../events/types.js'
import type { RecipientResult } from '../report/status.js'
import type { GitHubApi } from './github.js'
import { keyId, ledgerKey } from './ledger.js'
import { commentJson, hiddenJson, macOf, verifies, type RecordKey } from './records.js'
import { unmappedBody } from './text.js'

/** A student to tell: the login the event names and the key of the award they missed. */
export interface UnmappedPerson {
  login: string
  /** `keyId` of the award's ledger key (course, repository, number, kind, person). */
  key: string
}

const OPEN = '<!-- moodle-xp-unmapped '
const CLOSE = ' -->'
/** Sets a marker's MAC apart from a record's: no text signed as one verifies as the other. */
const NOTICE = 'unmapped'

/**
 * The `unmapped` people of an event's results, each once, keyed as their award would be. People
 * without a GitHub login (a bare `user-id` award) are never unmapped.
 */
export function unmappedPeople(
  results: RecipientResult[],
  event: { subject: Pick<Subject, 'repository' | 'number'>; courseId: number; kind: AwardKind }
): UnmappedPerson[] {
  const people = new Map<string, UnmappedPerson>()
  for (const r of results) {
    if (r.status !== 'unmapped' || r.github === null) continue
    const key = keyId(ledgerKey(event, { id: r.githubId, login: r.github }, 0))
    if (!people.has(key)) people.set(key, { login: r.github, key })
  }
  return [...people.values()]
}

/** The hidden marker that says this person was told. */
export function toldMarker(key: string, recordKey: RecordKey): string {
  const fields = { notice: NOTICE, key }
  return `${OPEN}${commentJson({ ...fields, mac: macOf(fields, recordKey) })}${CLOSE}`
}

/** The keys of the people these comments told, by markers that verify with `recordKey`. */
export function toldKeys(bodies: string[], recordKey: RecordKey): Set<string> {
  const told = new Set<string>()
  for (const body of bodies)
    for (const raw of hiddenJson(body, OPEN)) {
      const marker = raw as Record<string, unknown> | null
      if (typeof marker !== 'object' || marker === null || Array.isArray(marker)) continue
      if (marker['notice'] !== NOTICE || typeof marker['key'] !== 'string') continue
      if (Object.keys(marker).length === 3 && verifies(marker, recordKey)) told.add(marker['key'])
    }
  return told
}

/**
 * Writes one comment on the pull request or issue for the people its comments have not told
 * yet; returns those it told (none: nothing written). Throws `GitHubError` when GitHub refuses.
 */
export async function tellUnmapped(
  api: Pick<GitHubApi, 'listComments' | 'createComment'>,
  subject: Subject,
  people: UnmappedPerson[],
  recordKey: RecordKey
): Promise<UnmappedPerson[]> {
  if (people.length === 0) return []
  const comments = await api.listComments(subject.repository, subject.number)
  const told = toldKeys(
    comments.map(c => c.body),
    recordKey
  )
  const untold = people.filter(p => !told.has(p.key))
  if (untold.length === 0) return []
  const body = unmappedBody({
    subject,
    logins: untold.map(p => p.login),
    hidden: untold.map(p => toldMarker(p.key, recordKey))
  })
  await api.createComment(subject.repository, subject.number, body)
  return untold
}
