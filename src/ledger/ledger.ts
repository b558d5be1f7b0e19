/**
 * The award ledger: a comment on the pull request or issue that records each award, so that an
 * (event, person) earns once however often the workflow runs.
 *
 * Protocol per run: read all comments (consult) -> write ONE new comment with a `pending`
 * record per recipient, read again and give way to an earlier concurrent claim (claim) -> call
 * Moodle (the caller) -> update the comment to `done` / `failed` (settle).
 * Only comments written by the account the token acts as count.
 */
import type { AwardKind, Subject } from '../events/types.js'
import {
  connect,
  GitHubError,
  type ConnectOptions,
  type GitHubApi,
  type Identity,
  type Logger
} from './github.js'
import {
  decide,
  keyId,
  recipientId,
  recordIn,
  stateFromComments,
  type Decision,
  type LedgerComment,
  type LedgerKey,
  type LedgerRecord
} from './records.js'
import { commentBody, type TextEntry, type TextState } from './text.js'

export type { Decision, LedgerKey, Logger }
export { keyId }

/** The identity behind the default `GITHUB_TOKEN` (GitHub does not tell an installation token). */
export const GITHUB_ACTIONS_BOT: Identity = { login: 'github-actions[bot]', id: 41898282 }

export interface LedgerOptions {
  token: string
  /** REST API root; defaults to `GITHUB_API_URL`. */
  apiUrl?: string
  subject: Subject
  courseId: number
  /** `GITHUB_RUN_ID` */
  runId: string
  /** `GITHUB_RUN_ATTEMPT` (1 for the first attempt) */
  runAttempt: number
  /** The `comment` input: friendly visible text, or only the hidden record. */
  comment: boolean
  dryRun: boolean
  force: boolean
  logger: Logger
  /** Client tuning (tests: fast retries, limiter groups without spacing). */
  client?: Pick<ConnectOptions, 'retries' | 'retryBaseMs' | 'timeoutMs' | 'throttle'>
  /** Clock for the records' `at` (tests). */
  now?: () => Date
}

export interface LedgerRecipient {
  key: LedgerKey
  login: string | null
  points: number
  moodleUserId: number
}

export type ClaimResult = { go: true } | { go: false; status: 'skipped'; reason: string }

export interface Outcome {
  recipient: LedgerRecipient
  /** `unknown`: Moodle may have added the points; the record stays `pending`. */
  state: 'done' | 'failed' | 'unknown'
  xp: number | null
  reason?: string
}

export interface Ledger {
  /** Reads every comment once and says, per key id, what to do. */
  consult(recipients: LedgerRecipient[]): Promise<Map<string, Decision>>
  /** Writes the pending records; per key id: go ahead, or give way to a concurrent run. */
  claim(recipients: LedgerRecipient[]): Promise<Map<string, ClaimResult>>
  /** Records the outcomes. Never throws: a failed update is a warning (the award stands). */
  settle(outcomes: Outcome[]): Promise<void>
  /** HTTP requests sent to GitHub so far (retries included). */
  requestCount(): number
}

/** The ledger could not be read or written: nothing may be sent to Moodle. */
export class LedgerError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'LedgerError'
  }
}

/** The key of one award. */
export function ledgerKey(
  o: { subject: Subject; courseId: number; kind: AwardKind },
  person: { id: number | null; login: string | null },
  moodleUserId: number
): LedgerKey {
  return {
    course: o.courseId,
    repository: o.subject.repository,
    number: o.subject.number,
    kind: o.kind,
    recipient: recipientId(person.id, person.login, moodleUserId)
  }
}

function isPermissionError(e: GitHubError): boolean {
  return (e.status === 403 && !e.rateLimited) || e.status === 404
}

function permissionLines(subject: Subject): string {
  const [mine, other, otherWhat] =
    subject.kind === 'pull_request'
      ? ['pull-requests: write', 'issues: write', 'issues']
      : ['issues: write', 'pull-requests: write', 'pull requests']
  return `add \`${mine}\` under \`permissions:\` in the workflow (and \`${other}\` if it also handles ${otherWhat})`
}

interface Own {
  comment: LedgerComment
  recipients: LedgerRecipient[]
  records: Map<string, LedgerRecord>
  text: Map<string, TextState>
  xp: Map<string, number | null>
}

export async function openLedger(o: LedgerOptions): Promise<Ledger> {
  const api: GitHubApi = await connect({
    token: o.token,
    apiUrl: o.apiUrl,
    logger: o.logger,
    ...o.client
  })
  const now = o.now ?? (() => new Date())
  const run = `${o.runId}/${o.runAttempt}`
  const what = o.subject.kind === 'pull_request' ? 'pull request' : 'issue'
  const where = `${what} #${o.subject.number} in ${o.subject.repository}`

  let snapshotIds: Set<number> | null = null
  let identity: Identity | null = null
  let noPermission: string | null = null
  let own: Own | null = null

  const trusted = (c: LedgerComment): boolean => {
    if (!identity) return false
    if (identity.id !== null && c.userId !== null) return c.userId === identity.id
    return (c.userLogin ?? '').toLowerCase() === identity.login.toLowerCase()
  }

  const fail = (e: GitHubError, verb: string): LedgerError => {
    const hint =
      e.status === 401
        ? ': GitHub refused the github-token; check the github-token input'
        : e.rateLimited
          ? ': GitHub rate limit'
          : ''
    return new LedgerError(
      `The award ledger on ${where} could not be ${verb} (${e.detail})${hint}. Nothing was sent to Moodle; re-run the workflow once GitHub answers again, or set ledger: off.`
    )
  }

  const permissionProblem = (e: GitHubError): void => {
    if (noPermission) return
    noPermission = e.message
    const next = o.dryRun
      ? 'dry-run: nothing is awarded.'
      : o.runAttempt === 1 || o.force
        ? `${o.force ? 'force: true' : 'This first run attempt'} awards without a ledger; re-runs of it will not award again.`
        : `This is run attempt ${o.runAttempt}: nothing is awarded, since an earlier attempt may have done it.`
    o.logger.warning(
      `The github-token may not use the award ledger on ${where} (${e.message}): ${permissionLines(o.subject)}. ${next}`
    )
  }

  const withoutLedger = (recipients: LedgerRecipient[]): Map<string, ClaimResult> => {
    const out = new Map<string, ClaimResult>()
    for (const r of recipients) {
      if (o.runAttempt === 1 || o.force) out.set(keyId(r.key), { go: true })
      else
        out.set(keyId(r.key), {
          go: false,
          status: 'skipped',
          reason: `re-run without permission to write the ledger: attempt 1 may already have awarded these points; ${permissionLines(o.subject)}, or check the student's XP log in Moodle and re-run with force: true if the points are missing`
        })
    }
    return out
  }

  const list = async (): Promise<LedgerComment[]> =>
    api.listComments(o.subject.repository, o.subject.number)

  const body = (x: Own): string => {
    const entries: TextEntry[] = x.recipients.map(r => ({
      login: r.login,
      moodleUserId: r.moodleUserId,
      points: r.points,
      xp: x.xp.get(keyId(r.key)) ?? null,
      state: x.text.get(keyId(r.key)) ?? 'pending'
    }))
    return commentBody({
      comment: o.comment,
      subject: o.subject,
      entries,
      records: x.recipients.flatMap(r => x.records.get(keyId(r.key)) ?? [])
    })
  }

  const record = (r: LedgerRecipient, state: LedgerRecord['state'], xp: number | null) =>
    ({
      v: 1,
      key: r.key,
      state,
      points: r.points,
      xp,
      moodleUserId: r.moodleUserId,
      run,
      at: now().toISOString()
    }) satisfies LedgerRecord

  const consult = async (recipients: LedgerRecipient[]): Promise<Map<string, Decision>> => {
    const out = new Map<string, Decision>()
    let comments: LedgerComment[]
    try {
      comments = await list()
    } catch (e) {
      if (!(e instanceof GitHubError)) throw e
      if (!isPermissionError(e)) throw fail(e, 'read')
      permissionProblem(e)
      snapshotIds = new Set()
      for (const r of recipients)
        out.set(keyId(r.key), { action: 'award', reason: 'the ledger could not be read' })
      return out
    }
    snapshotIds = new Set(comments.map(c => c.id))
    const ids = new Set(recipients.map(r => keyId(r.key)))
    const mentioned = comments.some(c => [...ids].some(id => recordIn(c, id) !== null))
    // Who we are matters only when some record names one of our keys (first runs skip this).
    if (mentioned && !identity) {
      try {
        identity = (await api.whoAmI()) ?? GITHUB_ACTIONS_BOT
      } catch (e) {
        if (!(e instanceof GitHubError)) throw e
        throw fail(e, 'read')
      }
    }
    for (const r of recipients) {
      const prior = stateFromComments(comments, trusted, r.key)
      out.set(keyId(r.key), decide(prior, { force: o.force, dryRun: o.dryRun, run, now: now() }))
    }
    return out
  }

  // A create that failed without a clear "no": look for the comment before saying it is not there.
  const findOwnAfterFailedCreate = async (keys: string[]): Promise<LedgerComment | null> => {
    try {
      const comments = await list()
      for (const c of comments.reverse()) {
        if (snapshotIds?.has(c.id)) continue
        if (identity && !trusted(c)) continue
        if (keys.every(k => recordIn(c, k)?.run === run && recordIn(c, k)?.state === 'pending'))
          return c
      }
    } catch {
      // Fall through: treated as not written.
    }
    return null
  }

  const claim = async (recipients: LedgerRecipient[]): Promise<Map<string, ClaimResult>> => {
    const out = new Map<string, ClaimResult>()
    if (recipients.length === 0) return out
    if (o.dryRun) {
      for (const r of recipients) out.set(keyId(r.key), { go: true })
      return out
    }
    if (!snapshotIds) await consult(recipients)
    if (noPermission) return withoutLedger(recipients)

    const draft: Own = {
      comment: { id: 0, userId: null, userLogin: null, userType: null, body: '' },
      recipients,
      records: new Map(recipients.map(r => [keyId(r.key), record(r, 'pending', null)])),
      text: new Map(),
      xp: new Map()
    }
    let created: LedgerComment | null
    try {
      created = await api.createComment(o.subject.repository, o.subject.number, body(draft))
    } catch (e) {
      if (!(e instanceof GitHubError)) throw e
      if (isPermissionError(e)) {
        permissionProblem(e)
        return withoutLedger(recipients)
      }
      created = await findOwnAfterFailedCreate(recipients.map(r => keyId(r.key)))
      if (!created) throw fail(e, 'written')
    }
    // The author of our own comment is who we write as: authoritative.
    if (created.userLogin) identity = { login: created.userLogin, id: created.userId }
    draft.comment = created
    own = draft
    o.logger.info(`Award ledger: ${created.url ?? `comment ${created.id}`}`)

    let again: LedgerComment[]
    try {
      again = await list()
    } catch (e) {
      if (!(e instanceof GitHubError)) throw e
      // Without the second read a concurrent run cannot be ruled out: withdraw the claim.
      await api.deleteComment(o.subject.repository, created.id).catch(() => {})
      own = null
      throw fail(e, 'read again after writing')
    }
    const seen = snapshotIds ?? new Set<number>()
    const yielded: LedgerRecipient[] = []
    for (const r of recipients) {
      const id = keyId(r.key)
      // An earlier claim by a run that started at the same moment (not in our first read).
      const rival = again.find(c => {
        if (c.id >= created.id || seen.has(c.id) || !trusted(c)) return false
        const rec = recordIn(c, id)
        return rec !== null && (rec.state === 'pending' || rec.state === 'done')
      })
      if (rival) {
        const rec = recordIn(rival, id)
        yielded.push(r)
        out.set(id, {
          go: false,
          status: 'skipped',
          reason: `another run (${rec?.run || '?'}) is awarding the same points at the same moment (ledger comment ${rival.url ?? rival.id})`
        })
      } else out.set(id, { go: true })
    }
    if (yielded.length > 0) {
      const left = recipients.filter(r => !yielded.includes(r))
      try {
        if (left.length === 0) {
          await api.deleteComment(o.subject.repository, created.id)
          own = null
        } else {
          for (const r of yielded) draft.records.delete(keyId(r.key))
          draft.recipients = left
          await api.updateComment(o.subject.repository, created.id, body(draft))
        }
      } catch (e) {
        o.logger.warning(
          `Could not withdraw this run's pending ledger record after giving way to a concurrent run (${(e as Error).message}); a later run will report those awards as unknown.`
        )
        if (left.length === 0) own = null
      }
    }
    return out
  }

  const settle = async (outcomes: Outcome[]): Promise<void> => {
    const x = own
    if (o.dryRun || !x || outcomes.length === 0) return
    for (const { recipient: r, state, xp } of outcomes) {
      const id = keyId(r.key)
      if (!x.records.has(id)) continue
      const settled = record(
        r,
        state === 'unknown' ? 'pending' : state,
        state === 'done' ? xp : null
      )
      // Keep the claim's time, and say the outcome is unknown, so no other run mistakes this
      // record for an award still in progress.
      const claimed = x.records.get(id)
      x.records.set(
        id,
        state === 'unknown' ? { ...settled, at: claimed?.at ?? settled.at, unknown: true } : settled
      )
      x.text.set(id, state)
      x.xp.set(id, xp)
    }
    try {
      await api.updateComment(o.subject.repository, x.comment.id, body(x))
    } catch (e) {
      o.logger.warning(
        `The award stands, but the ledger comment could not be updated (${(e as Error).message}): a later run will report this award as unknown instead of awarding it again.`
      )
    }
  }

  return { consult, claim, settle, requestCount: () => api.requests() }
}
