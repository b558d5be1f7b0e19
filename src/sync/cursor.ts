/**
 * The sync cursor: for each repository, when it was last read and with which `since`, so that
 * the next run asks GitHub only for what changed after that. Pure; the central store keeps it.
 */

/** GitHub serves reads from replicas: a change may show a little after it was made. */
export const CURSOR_OVERLAP_MS = 10 * 60 * 1000

export interface CursorEntry {
  /** GitHub's time when the repository was read (the answer's `date`), ISO. */
  at: string
  /** The `since` input of that run, ISO: the entry holds only for runs with this or a later one. */
  since: string
}

/** Lower-cased `owner/name` -> entry. */
export type SyncCursor = Record<string, CursorEntry>

function iso(t: string): number {
  const ms = Date.parse(t)
  if (Number.isNaN(ms)) throw new Error(`not an ISO time: ${t}`)
  return ms
}

/**
 * Where reading `repository` starts: changes from this time on are looked at. That is `since`
 * for a repository never read, and for one last read with a later `since` than this run's (a
 * teacher moved `since` back to catch up: what lies between was never looked at). Otherwise it
 * is the last read minus the overlap, never before `since`.
 */
export function changedSince(
  cursor: SyncCursor,
  repository: string,
  since: string,
  overlapMs = CURSOR_OVERLAP_MS
): string {
  const entry = cursor[repository.toLowerCase()]
  const from = iso(since)
  if (!entry || iso(entry.since) > from) return new Date(from).toISOString()
  return new Date(Math.max(from, iso(entry.at) - overlapMs)).toISOString()
}

/** The cursor after a run that read `repositories` at `at` with `since`; others unchanged. */
export function advanceCursor(
  cursor: SyncCursor,
  repositories: string[],
  at: string,
  since: string
): SyncCursor {
  const next: SyncCursor = { ...cursor }
  const entry = { at: new Date(iso(at)).toISOString(), since: new Date(iso(since)).toISOString() }
  for (const name of repositories) next[name.toLowerCase()] = { ...entry }
  return next
}
