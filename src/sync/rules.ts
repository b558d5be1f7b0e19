/**
 * Sync mode's decisions on top of the event planner, pure: `require-approval`, items too fresh
 * to take from event mode, the configuration fingerprint kept with the cursor.
 */
import { createHash } from 'node:crypto'
import type { Plan } from '../events/types.js'
import { canonicalJson } from '../ledger/records.js'
import type { Roster } from '../roster/types.js'
import type { Settings } from '../settings/settings.js'
import type { DiscoveredItem } from './items.js'

export const NOT_APPROVED =
  'no approving review by someone other than its author (require-approval: true)'

/**
 * `require-approval`: a merged pull request earns only if someone other than its author
 * approved it. Entries already skipped keep their reason.
 */
export function withApprovalRule(plan: Plan, item: DiscoveredItem, required: boolean): Plan {
  if (!required || item.kind !== 'pull_request' || item.approvers.length > 0) return plan
  return {
    ...plan,
    entries: plan.entries.map(e => (e.skipReason === null ? { ...e, skipReason: NOT_APPROVED } : e))
  }
}

/**
 * How long after a merge or close sync leaves an item to event mode: an event-mode run may be
 * claiming it in its comments right then, and the two ledgers cannot order claims between them.
 */
export const FRESH_MS = 10 * 60 * 1000

/** Minutes since the item was merged or closed, when it is too fresh to take; else null. */
export function tooFresh(item: DiscoveredItem, readAt: string): number | null {
  const age = Date.parse(readAt) - Date.parse(item.at)
  return age < FRESH_MS ? Math.max(0, Math.floor(age / 60000)) : null
}

export function freshReason(minutes: number): string {
  return `merged or closed ${minutes} min ago: left for the next run, since an event-mode run may be awarding it right now`
}

/**
 * A fingerprint of everything that decides who earns what: the roster (its records, not their
 * layout), the course, the points and the rules. Kept with each repository's cursor: when it
 * changes, the repositories are read again from `since`, so that a student added to the roster
 * or a new rule is applied to past work too.
 */
export function configFingerprint(
  settings: Pick<
    Settings,
    'courseId' | 'points' | 'labelPoints' | 'recipients' | 'issueCloseReasons' | 'ignoreUsers'
  >,
  roster: Roster | null,
  requireApproval: boolean
): string {
  const people = (roster?.records ?? []).map(r => ({
    github: r.github?.toLowerCase() ?? null,
    githubId: r.githubId,
    moodleId: r.moodleId,
    lookup: r.lookup
  }))
  const sorted = (values: Iterable<string>) => [...values].map(v => v.toLowerCase()).sort()
  const config = {
    roster: people.map(p => canonicalJson(p)).sort(),
    course: settings.courseId,
    points: settings.points,
    labelPoints: [...settings.labelPoints].map(([l, p]) => `${l.toLowerCase()}:${p}`).sort(),
    recipients: settings.recipients === 'auto' ? 'auto' : sorted(settings.recipients),
    issueCloseReasons: sorted(settings.issueCloseReasons),
    ignoreUsers: sorted(settings.ignoreUsers),
    requireApproval
  }
  return createHash('sha256').update(canonicalJson(config)).digest('base64url').slice(0, 22)
}
