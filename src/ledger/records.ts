/**
 * The award ledger's records: how they are keyed, encoded in a comment, read back, and what
 * the ledger says to do. Pure: no I/O here.
 */
import type { AwardKind } from '../events/types.js'

/** What one award is: earned once per (course, repository, number, event kind, person). */
export interface LedgerKey {
  course: number
  /** `owner/name`; compared case-insensitively (GitHub names are). */
  repository: string
  number: number
  kind: AwardKind
  /** `gh:<numeric id>`, or `login:<lower-case login>` / `moodle:<id>` when no GitHub id is known. */
  recipient: string
}

export type LedgerState = 'pending' | 'done' | 'failed'

export interface LedgerRecord {
  v: 1
  key: LedgerKey
  state: LedgerState
  points: number
  /** New XP total Moodle returned (done only). */
  xp: number | null
  moodleUserId: number
  /** `<GITHUB_RUN_ID>/<GITHUB_RUN_ATTEMPT>` of the run that wrote it. */
  run: string
  /** ISO time of writing. */
  at: string
  /** On a `pending` record: the run ended without knowing whether Moodle added the points. */
  unknown?: true
}

/** A comment as the ledger needs it (from the REST API's issue comments). */
export interface LedgerComment {
  id: number
  userId: number | null
  userLogin: string | null
  userType: string | null
  /** The author's role in the repository (`author_association`): OWNER, MEMBER, COLLABORATOR... */
  association?: string | null
  body: string
  url?: string
}

const MARKER = 'moodle-xp-ledger'
const RECORD_RE = /<!-- moodle-xp-ledger (\{.*?\}) -->/g

/** Recipient part of a key: numeric GitHub id when known (logins can be renamed, ids cannot). */
export function recipientId(githubId: number | null, login: string | null, moodleUserId: number) {
  if (githubId !== null) return `gh:${githubId}`
  if (login) return `login:${login.toLowerCase()}`
  return `moodle:${moodleUserId}`
}

/** A stable string for a key, for maps and comparisons. */
export function keyId(k: LedgerKey): string {
  return `${k.course}:${k.repository.toLowerCase()}#${k.number}:${k.kind}:${k.recipient}`
}

/**
 * One record as an HTML comment on one line. `<`, `>` and `&` become `\u003c` etc. inside the
 * JSON, so no value can end the HTML comment early or be read as markup.
 */
export function encodeRecord(r: LedgerRecord): string {
  const json = JSON.stringify(r)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
  return `<!-- ${MARKER} ${json} -->`
}

function isInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x)
}

function asRecord(x: unknown): LedgerRecord | null {
  if (typeof x !== 'object' || x === null) return null
  const r = x as Record<string, unknown>
  const k = r['key'] as Record<string, unknown> | undefined
  if (r['v'] !== 1 || typeof k !== 'object' || k === null) return null
  if (!isInt(k['course']) || typeof k['repository'] !== 'string' || !isInt(k['number'])) return null
  if (!['pr-merged', 'issue-closed', 'direct'].includes(k['kind'] as string)) return null
  if (typeof k['recipient'] !== 'string') return null
  if (!['pending', 'done', 'failed'].includes(r['state'] as string)) return null
  if (!isInt(r['points']) || !(r['xp'] === null || isInt(r['xp']))) return null
  if (!isInt(r['moodleUserId'])) return null
  return {
    v: 1,
    key: {
      course: k['course'],
      repository: k['repository'],
      number: k['number'],
      kind: k['kind'] as AwardKind,
      recipient: k['recipient']
    },
    state: r['state'] as LedgerState,
    points: r['points'],
    xp: r['xp'],
    moodleUserId: r['moodleUserId'],
    run: typeof r['run'] === 'string' ? r['run'] : '',
    at: typeof r['at'] === 'string' ? r['at'] : '',
    ...(r['unknown'] === true && r['state'] === 'pending' ? { unknown: true as const } : {})
  }
}

/** Every well-formed record in a comment body; anything else (text, garbage) is ignored. */
export function decodeRecords(body: string): LedgerRecord[] {
  const out: LedgerRecord[] = []
  for (const m of body.matchAll(RECORD_RE)) {
    try {
      const r = asRecord(JSON.parse(m[1] ?? ''))
      if (r) out.push(r)
    } catch {
      // A damaged or hand-edited record blocks nothing: ignore it.
    }
  }
  return out
}

export function hasMarker(body: string): boolean {
  return body.includes(`<!-- ${MARKER} `)
}

/** The record of one key in one comment (the last one if a comment repeats a key). */
export function recordIn(c: LedgerComment, id: string): LedgerRecord | null {
  let found: LedgerRecord | null = null
  for (const r of decodeRecords(c.body)) if (keyId(r.key) === id) found = r
  return found
}

/** What the ledger holds for one key. */
export interface Prior {
  /**
   * Our own record for the key: the last `done` one if there is any (an award, once made,
   * stays made: a later `failed` or `pending` never undoes it), else the last one.
   */
  record: LedgerRecord | null
  /** That comment (for its id and link). */
  comment: LedgerComment | null
  /**
   * A record for the key written by an account that could be the action under another token
   * (another Bot account, or a person with write access: a personal access token writes as
   * its owner), newer than ours: we cannot tell, so it is neither trusted nor ignored.
   */
  foreign: { login: string; state: LedgerState; comment: LedgerComment } | null
}

export function isBotAuthor(c: LedgerComment): boolean {
  return c.userType === 'Bot' || (c.userLogin ?? '').toLowerCase().endsWith('[bot]')
}

/** Roles whose accounts may have written records with a personal access token. */
const WRITE_ROLES = new Set(['OWNER', 'MEMBER', 'COLLABORATOR'])

/**
 * Whether a comment not written by our identity may still hold the action's own records: a
 * Bot (another token or GitHub App) or someone with write access (a personal access token).
 * Everyone else (students, forks) is ignored: anyone can paste a copied record into a comment.
 */
export function mayBeTheAction(c: LedgerComment): boolean {
  return isBotAuthor(c) || WRITE_ROLES.has((c.association ?? '').toUpperCase())
}

/**
 * Effective state of a key. Only comments for which `trusted` holds count; comments that may
 * be the action's under another token are reported as `foreign`; all others are ignored.
 */
export function stateFromComments(
  comments: LedgerComment[],
  trusted: (c: LedgerComment) => boolean,
  key: LedgerKey
): Prior {
  const id = keyId(key)
  const sorted = [...comments].sort((a, b) => a.id - b.id)
  let last: { record: LedgerRecord; comment: LedgerComment } | null = null
  let done: { record: LedgerRecord; comment: LedgerComment } | null = null
  let foreign: Prior['foreign'] = null
  for (const c of sorted) {
    if (!hasMarker(c.body)) continue
    const r = recordIn(c, id)
    if (!r) continue
    if (trusted(c)) {
      last = { record: r, comment: c }
      if (r.state === 'done') done = last
      foreign = null
    } else if (mayBeTheAction(c)) {
      foreign = { login: c.userLogin ?? `user ${c.userId ?? '?'}`, state: r.state, comment: c }
    }
  }
  const ours = done ?? last
  return { record: ours?.record ?? null, comment: ours?.comment ?? null, foreign }
}

export type Decision =
  | { action: 'award'; reason: string }
  | { action: 'already-awarded'; xp: number | null; points: number; reason: string }
  | { action: 'unknown'; reason: string }
  /** Another workflow run claimed this award moments ago and is probably still at it. */
  | { action: 'in-progress'; reason: string }

/**
 * How long a pending record written by ANOTHER workflow run counts as that run still awarding
 * (a run normally settles within its Moodle timeout and retries, about two minutes by default).
 */
export const IN_PROGRESS_MS = 10 * 60 * 1000

/** Seconds since a record of another workflow run was written, or null if it is not recent. */
function inProgressFor(record: LedgerRecord, opts: { run?: string; now?: Date }): number | null {
  if (!opts.run || !opts.now || record.unknown) return null
  const theirs = record.run.split('/')[0] ?? ''
  // A re-run (same run id, later attempt) starts only after the earlier attempt ended, so its
  // pending record is final; so is one without a run or a time.
  if (theirs === '' || theirs === opts.run.split('/')[0]) return null
  const at = Date.parse(record.at)
  if (Number.isNaN(at)) return null
  const age = opts.now.getTime() - at
  return Math.abs(age) < IN_PROGRESS_MS ? Math.max(0, Math.round(age / 1000)) : null
}

/**
 * How a teacher resolves an unknown outcome. A re-run replays the run's workflow file as it was,
 * so `force` comes from a repository variable the examples compare with the run id.
 */
export function checkMoodleAdvice(run?: string): string {
  const runId = run?.split('/')[0]
  const which = runId ? `to ${runId}` : "to this run's id"
  return `check the student's XP log in Moodle (Level Up XP > Log); only if the points are missing, set the repository variable MOODLE_XP_FORCE_RUN ${which} and re-run this run (force: true; README: "When the outcome is unknown")`
}

function where(c: LedgerComment | null): string {
  if (!c) return ''
  return c.url ? ` (ledger comment ${c.url})` : ` (ledger comment ${c.id})`
}

/**
 * What to do for one key given what the ledger holds. `dryRun` does not change the verdict:
 * the caller reports an `award` verdict as `dry-run`. With `run` (`<run id>/<attempt>`) and
 * `now`, a recent pending record of another workflow run is `in-progress`, not `unknown`.
 */
export function decide(
  prior: Prior,
  opts: { force: boolean; dryRun?: boolean; run?: string; now?: Date }
): Decision {
  const { record, comment, foreign } = prior
  const advice = checkMoodleAdvice(opts.run)
  // force awards whatever the ledger says, except what this very run already awarded: a second
  // re-run of a forced run must not pay again.
  const sameRun = !!record?.run && record.run.split('/')[0] === opts.run?.split('/')[0]
  if (opts.force && !(record?.state === 'done' && sameRun)) {
    const was = record ? ` (the ledger said ${record.state}${where(comment)})` : ''
    return { action: 'award', reason: `force: true${was}` }
  }
  if (record?.state === 'done') {
    const when = record.at ? ` on ${record.at}` : ''
    return {
      action: 'already-awarded',
      xp: record.xp,
      points: record.points,
      reason: `already awarded${when} by run ${record.run || '?'}${where(comment)}`
    }
  }
  if (record?.state === 'pending') {
    const age = inProgressFor(record, opts)
    if (age !== null)
      return {
        action: 'in-progress',
        reason: `another run (${record.run}) started this award ${age} s ago and is probably still awarding it${where(comment)}; if that run failed, ${advice}`
      }
    return {
      action: 'unknown',
      reason: `an earlier run (${record.run || '?'}) started this award and never recorded the outcome${where(comment)}: ${advice}`
    }
  }
  if (foreign) {
    return {
      action: 'unknown',
      reason: `the ledger has a ${foreign.state} record for this award written by ${foreign.login}, not by the account this github-token writes as${where(foreign.comment)}; if the workflow changed its token, ${advice}`
    }
  }
  const was = record ? ' (the last attempt failed)' : ''
  return { action: 'award', reason: `not awarded yet${was}` }
}
