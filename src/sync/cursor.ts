/**
 * The sync cursor: for each repository, when it was last read, with which `since` and which
 * configuration, so that the next run asks GitHub only for what changed after that. Pure; the
 * central store keeps it.
 */

/** GitHub serves reads from replicas: a change may show a little after it was made. */
export const CURSOR_OVERLAP_MS = 10 * 60 * 1000

export interface CursorEntry {
  /**
   * GitHub's time when the repository was read (the answer's `date`), ISO; earlier when an
   * item was left open (unmapped, failed, in progress...): the time of its last change, so the
   * next run reads it again.
   */
  at: string
  /** The `since` input of that run, ISO: the entry holds only for runs with this or a later one. */
  since: string
  /**
   * The fingerprint of the configuration that decided who earns what (roster, points, rules);
   * a run with another one reads the repository again from `since`.
   */
  config?: string
}

/** Lower-cased `owner/name` -> entry. */
export type SyncCursor = Record<string, CursorEntry>

function iso(t: string): number {
  const ms = Date.parse(t)
  if (Number.isNaN(ms)) throw new Error(`not an ISO time: ${t}`)
  return ms
}

export interface WindowOptions {
  since: string
  /** This run's configuration fingerprint; an entry made with another one does not hold. */
  config?: string
  overlapMs?: number
}

/**
 * Where reading `repository` starts: changes from this time on are looked at. That is `since`
 * for a repository never read, for one last read with a later `since` than this run's (a
 * teacher moved `since` back to catch up: what lies between was never looked at), and for one
 * read under another configuration (a student added to the roster, other points: what earned
 * nothing then may earn now). Otherwise it is the last read minus the overlap, never before
 * `since`.
 */
export function changedSince(cursor: SyncCursor, repository: string, o: WindowOptions): string {
  const entry = cursor[repository.toLowerCase()]
  const from = iso(o.since)
  const stale = o.config !== undefined && entry?.config !== o.config
  if (!entry || stale || iso(entry.since) > from) return new Date(from).toISOString()
  const overlap = o.overlapMs ?? CURSOR_OVERLAP_MS
  return new Date(Math.max(from, iso(entry.at) - overlap)).toISOString()
}

export interface AdvanceOptions {
  /** GitHub's time of the read. */
  at: string
  since: string
  config?: string
  /**
   * Repositories (lower-cased) with an item left open, and that item's last change: their
   * cursor stops there, so the next run reads the item again.
   */
  held?: Map<string, string>
}

/** The cursor after a run that read `repositories`; the others unchanged. */
export function advanceCursor(
  cursor: SyncCursor,
  repositories: string[],
  o: AdvanceOptions
): SyncCursor {
  const next: SyncCursor = { ...cursor }
  const since = new Date(iso(o.since)).toISOString()
  for (const name of repositories) {
    const key = name.toLowerCase()
    const held = o.held?.get(key)
    const at = held === undefined ? iso(o.at) : Math.min(iso(o.at), iso(held))
    next[key] = {
      at: new Date(at).toISOString(),
      since,
      ...(o.config === undefined ? {} : { config: o.config })
    }
  }
  return next
}
