/**
 * What the ledger says to do, from the records a store holds. Pure: the same rules for every
 * store.
 *
 * A record counts when it is the action's own (`verified` or `own-identity`). Its effect depends
 * only on its content, never on where it sits: a copy of a record repeats what the original
 * says, so pasting records around can block an award but never cause one.
 */
import type { LedgerKey, LedgerRecord, LedgerState } from './records.js'
import { sameEvent } from './records.js'
import type { LedgerEntry, Place } from './store.js'

/** One award as asked for: the key, and the Moodle user who would receive the points. */
export interface Asked {
  key: LedgerKey
  moodleUserId: number
}

export type Decision =
  | { action: 'award'; reason: string }
  | { action: 'already-awarded'; xp: number | null; points: number; reason: string }
  | { action: 'unknown'; reason: string }
  /** Another workflow run claimed this award moments ago and is probably still at it. */
  | { action: 'in-progress'; reason: string }

/** What GitHub says of the workflow run that wrote a pending record; null: not asked, or no answer. */
export type RunState = 'running' | 'finished' | null

export interface DecideOptions {
  force: boolean
  /** `<run id>/<attempt>` of this run. */
  run: string
  now: Date
  /**
   * Whether the run that wrote a pending record is still going, where the store can ask GitHub
   * (its records are written by runs of one repository). Without an answer, the age rule holds.
   */
  runState?: (entry: LedgerEntry) => RunState
  /** How a teacher resolves an unknown outcome; default `checkMoodleAdvice(run)` (event mode). */
  advice?: string
}

/**
 * How long a pending record written by ANOTHER workflow run counts as that run still awarding
 * (a run normally settles within its Moodle timeout and retries, about two minutes by default).
 */
export const IN_PROGRESS_MS = 10 * 60 * 1000

/**
 * Whether a record speaks about this award: the same event, and the same person or the same
 * Moodle user (one award per event and Moodle user, however many GitHub accounts map to it).
 */
export function concerns(record: LedgerRecord, asked: Asked): boolean {
  return (
    sameEvent(record.key, asked.key) &&
    (record.key.recipient === asked.key.recipient || record.moodleUserId === asked.moodleUserId)
  )
}

function runIdOf(run: string): string {
  return run.split('/')[0] ?? ''
}

const RANK: Record<LedgerState, number> = { pending: 0, failed: 1, done: 2 }

/** One claim as its records show it: a settled record of a claim supersedes its pending one. */
interface ClaimView {
  state: LedgerState
  entry: LedgerEntry
}

function claimsOf(entries: LedgerEntry[], asked: Asked) {
  const own = new Map<string, ClaimView>()
  const bots: LedgerEntry[] = []
  for (const e of entries) {
    if (!concerns(e.record, asked)) continue
    if (e.provenance === 'unverified-bot') bots.push(e)
    if (e.provenance !== 'verified' && e.provenance !== 'own-identity') continue
    const seen = own.get(e.record.nonce)
    const better =
      !seen ||
      RANK[e.record.state] > RANK[seen.state] ||
      (RANK[e.record.state] === RANK[seen.state] && e.order < seen.entry.order)
    if (better) own.set(e.record.nonce, { state: e.record.state, entry: e })
  }
  const claims = [...own.values()].sort((a, b) => a.entry.order - b.entry.order)
  return { claims, bots: bots.filter(b => b.record.state !== 'failed') }
}

function where(p: Place): string {
  return p.url ? ` (${p.label}: ${p.url})` : ` (${p.label})`
}

/**
 * How a teacher resolves an unknown outcome. A re-run replays the run's workflow file as it was,
 * so `force` comes from a repository variable the examples compare with the run id.
 */
export function checkMoodleAdvice(run?: string): string {
  const runId = run ? runIdOf(run) : ''
  const which = runId ? `to ${runId}` : "to this run's id"
  return `check the student's XP log in Moodle (Level Up XP > Log); only if the points are missing, set the repository variable MOODLE_XP_FORCE_RUN ${which} and re-run this run (force: true; see "When the outcome is unknown" in the action's docs/ledger.md)`
}

/**
 * Seconds since a pending record of another workflow run was written, while that run may still
 * be awarding it (GitHub says it is running, or, without an answer, the record is recent);
 * null when the record is final.
 */
function inProgressFor(entry: LedgerEntry, opts: DecideOptions): number | null {
  const record = entry.record
  if (record.unknown) return null
  const theirs = runIdOf(record.run)
  // A re-run (same run id, later attempt) starts only after the earlier attempt ended, so its
  // pending record is final.
  if (theirs === '' || theirs === runIdOf(opts.run)) return null
  const state = opts.runState?.(entry) ?? null
  if (state === 'finished') return null
  const at = Date.parse(record.at)
  const age = Number.isNaN(at) ? 0 : opts.now.getTime() - at
  if (state === 'running') return Math.max(0, Math.round(age / 1000))
  if (Number.isNaN(at)) return null
  return Math.abs(age) < IN_PROGRESS_MS ? Math.max(0, Math.round(age / 1000)) : null
}

function alreadyAwarded(c: ClaimView, extra = ''): Decision {
  const r = c.entry.record
  const when = r.at ? ` on ${r.at}` : ''
  return {
    action: 'already-awarded',
    xp: r.xp,
    points: r.points,
    reason: `already awarded${when} by run ${r.run || '?'}${where(c.entry.place)}${extra}`
  }
}

/**
 * What to do for one award given every record a store holds. With `force`, award whatever the
 * ledger says, except what this same workflow run did (any attempt): its `done` stays done,
 * and a claim it made under force whose outcome was not recorded stays unknown, so re-running
 * a forced run never pays twice.
 */
export function decide(entries: LedgerEntry[], asked: Asked, opts: DecideOptions): Decision {
  const { claims, bots } = claimsOf(entries, asked)
  const advice = opts.advice ?? checkMoodleAdvice(opts.run)
  const thisRun = (c: ClaimView) => runIdOf(c.entry.record.run) === runIdOf(opts.run)
  const done = claims.filter(c => c.state === 'done')
  const pending = claims.filter(c => c.state === 'pending')

  if (opts.force) {
    const ownDone = done.find(thisRun)
    if (ownDone)
      return alreadyAwarded(ownDone, '; force: true never pays twice in one workflow run')
    const ownForced = pending.find(c => thisRun(c) && c.entry.record.forced)
    if (ownForced) {
      const r = ownForced.entry.record
      return {
        action: 'unknown',
        reason: `this workflow run already forced this award (attempt ${r.run.split('/')[1] ?? '?'}) and its outcome was not recorded${where(ownForced.entry.place)}; force: true never pays twice in one workflow run: check the student's XP log in Moodle, and only if the points are missing award them by hand (examples/manual-award.yml)`
      }
    }
    const strongest = done[0] ?? pending[0] ?? claims[0]
    const was = strongest
      ? ` (the ledger said ${strongest.state}${where(strongest.entry.place)})`
      : bots[0]
        ? ` (the ledger had a record by ${bots[0].author ?? 'another account'}${where(bots[0].place)})`
        : ''
    return { action: 'award', reason: `force: true${was}` }
  }

  if (done[0]) return alreadyAwarded(done[0])
  if (pending.length > 0) {
    const final = pending.find(c => inProgressFor(c.entry, opts) === null)
    if (final) {
      const r = final.entry.record
      return {
        action: 'unknown',
        reason: `an earlier run (${r.run || '?'}) started this award and never recorded the outcome${where(final.entry.place)}: ${advice}`
      }
    }
    const busy = pending[0]!
    const r = busy.entry.record
    const running = opts.runState?.(busy.entry) === 'running'
    const still = running ? 'GitHub says that run is still going' : 'is probably still awarding it'
    return {
      action: 'in-progress',
      reason: `another run (${r.run}) started this award ${inProgressFor(busy.entry, opts)} s ago and ${still}${where(busy.entry.place)}; if that run failed, ${advice}`
    }
  }
  const bot = bots[0]
  if (bot) {
    return {
      action: 'unknown',
      reason: `the ledger has a ${bot.record.state} record for this award that this workflow cannot verify, written by ${bot.author ?? 'a bot account'}${where(bot.place)} (the action under another token or Moodle token?); ${advice}`
    }
  }
  const was = claims.length > 0 ? ' (the last attempt failed)' : ''
  return { action: 'award', reason: `not awarded yet${was}` }
}

export type Arbitration =
  | { go: true }
  | {
      go: false
      status: 'skipped' | 'already-awarded' | 'unknown'
      reason: string
      xp: number | null
    }

/**
 * After this run's claim is written and visible: go, or give way. Rivals are the live claims
 * (pending or done) for the same award that this run did not see when it decided, or that have
 * become done since: among live claims the one written first (lowest order) wins.
 *
 * @param seen the state of each claim (by nonce) in the read the decision was made on
 * @param ours this run's claim: its nonce, its order in the store, and the run
 * @param advice how a teacher resolves an unknown outcome (default: event mode's)
 */
export function arbitrate(
  after: LedgerEntry[],
  asked: Asked,
  ours: { nonce: string; order: number; run: string },
  seen: Map<string, LedgerState>,
  advice = checkMoodleAdvice(ours.run)
): Arbitration {
  const rivals = after.filter(e => {
    const r = e.record
    if (e.provenance === 'ignored' || r.nonce === ours.nonce || !concerns(r, asked)) return false
    if (r.state === 'failed') return false
    const before = seen.get(r.nonce)
    return before === undefined || (r.state === 'done' && before !== 'done')
  })
  const done = rivals.find(e => e.record.state === 'done' && e.provenance !== 'unverified-bot')
  if (done)
    return {
      go: false,
      status: 'already-awarded',
      xp: done.record.xp,
      reason: `already awarded by run ${done.record.run} a moment ago${where(done.place)}`
    }
  const earlier = rivals
    .filter(e => e.order < ours.order || e.record.state === 'done')
    .sort((a, b) => a.order - b.order)[0]
  if (!earlier) return { go: true }
  if (earlier.provenance === 'unverified-bot')
    return {
      go: false,
      status: 'unknown',
      xp: null,
      reason: `a record for this award that this workflow cannot verify appeared while this run claimed it, written by ${earlier.author ?? 'a bot account'}${where(earlier.place)}; ${advice}`
    }
  return {
    go: false,
    status: 'skipped',
    xp: null,
    reason: `another run (${earlier.record.run || '?'}) is awarding the same points at the same moment${where(earlier.place)}`
  }
}
