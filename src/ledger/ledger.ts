/**
 * The award ledger: records of each award, kept in a store, so that an (event, Moodle user)
 * earns once however often and however concurrently the workflow runs.
 *
 * The protocol, the same over every store (`store.ts` says what a store guarantees):
 * 1. consult: read every record for the awards at hand; decide per award (`decide.ts`).
 * 2. claim: write one claim holding a `pending` record per award to make, signed, with a fresh
 *    nonce. The store answers with a read that shows the claim (and every earlier one); per
 *    award, the earliest live claim wins and the others give way and withdraw theirs. A
 *    compare-and-swap store that changed meanwhile answers `conflict`: read again, decide again.
 * 3. The caller sends the awards that may go to Moodle.
 * 4. settle: rewrite the claim with each outcome (`done`, `failed`, or `pending` marked
 *    unknown), retried, since it is idempotent. A claim left `pending` blocks later runs: at
 *    most once, by design.
 */
import type { AwardKind, Subject } from '../events/types.js'
import { CommentStore } from './comment-store.js'
import {
  arbitrate,
  decide,
  type Arbitration,
  type Asked,
  type Decision,
  type DecideOptions
} from './decide.js'
import { connect, GitHubError, type ConnectOptions, type GitHubApi, type Logger } from './github.js'
import {
  keyId,
  newNonce,
  recipientId,
  recordKeyFrom,
  signRecord,
  type LedgerKey,
  type LedgerRecord,
  type LedgerState,
  type RecordKey
} from './records.js'
import {
  LedgerError,
  type Claim,
  type LedgerEntry,
  type LedgerRead,
  type LedgerRecipient,
  type LedgerSource,
  type LedgerStore
} from './store.js'

export type { Decision, LedgerKey, LedgerRecipient, Logger }
export { keyId, LedgerError }

export type ClaimResult = { go: true } | Extract<Arbitration, { go: false }>

export interface Outcome {
  recipient: LedgerRecipient
  /** `unknown`: Moodle may have added the points; the record stays `pending`. */
  state: 'done' | 'failed' | 'unknown'
  xp: number | null
  reason?: string
}

export interface LedgerOptions {
  store: LedgerStore
  /** Records kept elsewhere that count too (read only). */
  sources?: LedgerSource[]
  recordKey: RecordKey
  /** `GITHUB_RUN_ID` */
  runId: string
  /** `GITHUB_RUN_ATTEMPT` (1 for the first attempt) */
  runAttempt: number
  force: boolean
  dryRun: boolean
  logger: Logger
  /** Clock for the records' `at` (tests). */
  now?: () => Date
  /** Waits before retrying the final update (default 2 s, 8 s). */
  updateDelaysMs?: number[]
  sleep?: (ms: number) => Promise<void>
}

/** Reads-and-claims before giving up when a compare-and-swap store keeps changing. */
const CLAIM_ATTEMPTS = 5
const UPDATE_DELAYS_MS = [2000, 8000]

/** The key of one award. */
export function ledgerKey(
  o: { subject: Pick<Subject, 'repository' | 'number'>; courseId: number; kind: AwardKind },
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

function asked(r: LedgerRecipient): Asked {
  return { key: r.key, moodleUserId: r.moodleUserId }
}

const RANK: Record<LedgerState, number> = { pending: 0, failed: 1, done: 2 }

/** The settled state of each claim in a read, by nonce. */
function claimStates(entries: LedgerEntry[]): Map<string, LedgerState> {
  const out = new Map<string, LedgerState>()
  for (const e of entries) {
    const before = out.get(e.record.nonce)
    if (!before || RANK[e.record.state] > RANK[before]) out.set(e.record.nonce, e.record.state)
  }
  return out
}

function transient(e: unknown): boolean {
  return e instanceof GitHubError && (e.status === null || e.status >= 500)
}

export class Ledger {
  private readonly run: string
  private readonly now: () => Date
  private readonly sleep: (ms: number) => Promise<void>
  /** The store's read that the decisions rest on. */
  private basis: LedgerRead | null = null
  /** Every entry the decisions rest on: the store's and the sources'. */
  private entries: LedgerEntry[] = []
  /** This run's claim, once written: what settle rewrites. */
  private own: Claim | null = null

  constructor(private readonly o: LedgerOptions) {
    this.run = `${o.runId}/${o.runAttempt}`
    this.now = o.now ?? (() => new Date())
    this.sleep = o.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)))
  }

  /** Reads the ledger and says, per key id, what to do. */
  async consult(recipients: LedgerRecipient[]): Promise<Map<string, Decision>> {
    if (recipients.length === 0) return new Map()
    await this.read(recipients)
    return this.decideAll(recipients)
  }

  /**
   * Claims the awards (those consult said to award); per key id: go, or give way. Throws
   * `LedgerError` when the claim cannot be written and shown: then nothing may be sent.
   */
  async claim(recipients: LedgerRecipient[]): Promise<Map<string, ClaimResult>> {
    const out = new Map<string, ClaimResult>()
    if (recipients.length === 0) return out
    if (this.o.dryRun) {
      for (const r of recipients) out.set(keyId(r.key), { go: true })
      return out
    }
    let todo = recipients
    if (!this.basis) todo = this.keepAwarding(todo, await this.consult(todo), out)
    for (let attempt = 1; todo.length > 0; attempt++) {
      const claim = this.newClaim(todo)
      const seen = claimStates(this.entries)
      const written = await this.o.store.claim(claim, this.basis!)
      if (written.written) {
        await this.giveWay(claim, written.after, seen, out)
        return out
      }
      if (attempt >= CLAIM_ATTEMPTS)
        throw new LedgerError(
          `The award ledger changed under this run ${attempt} times while it claimed the awards. Nothing was sent to Moodle; re-run the workflow.`
        )
      await this.read(todo)
      todo = this.keepAwarding(todo, this.decideAll(todo), out)
    }
    return out
  }

  /** Records the outcomes. Never throws: a failed update is a warning (the award stands). */
  async settle(outcomes: Outcome[]): Promise<void> {
    const claim = this.own
    if (this.o.dryRun || !claim || outcomes.length === 0) return
    for (const { recipient, state, xp } of outcomes) {
      const entry = claim.entries.find(e => keyId(e.recipient.key) === keyId(recipient.key))
      if (!entry) continue
      const { mac: _old, unknown: _was, ...claimed } = entry.record
      const settled: LedgerRecord = {
        ...claimed,
        state: state === 'unknown' ? 'pending' : state,
        xp: state === 'done' ? xp : null,
        // Says the outcome is unknown, so no other run mistakes it for an award in progress.
        ...(state === 'unknown' ? { unknown: true as const } : {})
      }
      entry.record = signRecord(settled, this.o.recordKey)
    }
    const delays = this.o.updateDelaysMs ?? UPDATE_DELAYS_MS
    for (let i = 0; ; i++) {
      try {
        await this.o.store.update(claim)
        return
      } catch (e) {
        const delay = delays[i]
        if (delay !== undefined && transient(e)) {
          await this.sleep(delay)
          continue
        }
        this.warnNotSettled(outcomes, (e as Error).message)
        return
      }
    }
  }

  private warnNotSettled(outcomes: Outcome[], why: string): void {
    const later =
      'later runs report it as in progress for 10 minutes after the claim and as unknown after that (a re-run of this run: unknown at once)'
    const states = new Set(outcomes.map(o => o.state))
    if (states.has('done'))
      this.o.logger.warning(
        `The award stands, but the ledger could not record it (${why}): ${later}, and none pays it again without force: true. The points were added: do not force this award.`
      )
    if (states.has('failed'))
      this.o.logger.warning(
        `Moodle refused the award and added nothing, but the ledger could not record that (${why}): ${later}; a run with force: true can award it safely.`
      )
    if (states.has('unknown'))
      this.o.logger.warning(
        `The ledger could not record that the outcome is unknown (${why}): ${later}.`
      )
  }

  private async read(recipients: LedgerRecipient[]): Promise<void> {
    const keys = recipients.map(r => r.key)
    this.basis = await this.o.store.read(keys)
    const extra = await Promise.all((this.o.sources ?? []).map(s => s.read(keys)))
    this.entries = [...this.basis.entries, ...extra.flatMap(r => r.entries)]
  }

  private decideAll(recipients: LedgerRecipient[]): Map<string, Decision> {
    const opts: DecideOptions = { force: this.o.force, run: this.run, now: this.now() }
    return new Map(recipients.map(r => [keyId(r.key), decide(this.entries, asked(r), opts)]))
  }

  /** The recipients still to award; the others get their result in `out`. */
  private keepAwarding(
    recipients: LedgerRecipient[],
    decisions: Map<string, Decision>,
    out: Map<string, ClaimResult>
  ): LedgerRecipient[] {
    return recipients.filter(r => {
      const d = decisions.get(keyId(r.key))
      if (!d || d.action === 'award') return true
      const status = d.action === 'in-progress' ? 'skipped' : d.action
      const xp = d.action === 'already-awarded' ? d.xp : null
      out.set(keyId(r.key), { go: false, status, reason: d.reason, xp })
      return false
    })
  }

  private newClaim(recipients: LedgerRecipient[]): Claim {
    const nonce = newNonce()
    const at = this.now().toISOString()
    return {
      nonce,
      entries: recipients.map(recipient => ({
        recipient,
        record: signRecord(
          {
            v: 1,
            key: recipient.key,
            state: 'pending',
            points: recipient.points,
            xp: null,
            moodleUserId: recipient.moodleUserId,
            run: this.run,
            at,
            nonce,
            ...(this.o.force ? { forced: true as const } : {})
          },
          this.o.recordKey
        )
      }))
    }
  }

  /** Per award: go if this run's claim is the earliest live one, else withdraw it. */
  private async giveWay(
    claim: Claim,
    after: LedgerRead,
    seen: Map<string, LedgerState>,
    out: Map<string, ClaimResult>
  ): Promise<void> {
    const orders = new Map<string, number>()
    for (const e of after.entries)
      if (e.record.nonce === claim.nonce && e.provenance === 'verified') {
        const id = keyId(e.record.key)
        orders.set(id, Math.min(orders.get(id) ?? e.order, e.order))
      }
    if (claim.entries.some(e => !orders.has(keyId(e.recipient.key)))) {
      // Not what a store may answer; nothing can be decided on it.
      claim.entries = []
      await this.o.store.update(claim).catch(() => {})
      throw new LedgerError(
        "The award ledger did not show this run's claim after writing it. Nothing was sent to Moodle; re-run the workflow."
      )
    }
    const going = claim.entries.filter(({ recipient }) => {
      const id = keyId(recipient.key)
      const ours = { nonce: claim.nonce, order: orders.get(id)!, run: this.run }
      const verdict = arbitrate(after.entries, asked(recipient), ours, seen)
      out.set(id, verdict)
      return verdict.go
    })
    const gaveWay = claim.entries.length - going.length
    claim.entries = going
    if (going.length > 0) this.own = claim
    if (gaveWay === 0) return
    try {
      await this.o.store.update(claim)
    } catch (e) {
      this.o.logger.warning(
        `This run gave way to another run, but could not withdraw its own claim (${(e as Error).message}); if the other run does not complete the award, later runs report it as unknown.`
      )
    }
  }
}

export interface CommentLedgerOptions {
  token: string
  /** REST API root; defaults to `GITHUB_API_URL`. */
  apiUrl?: string
  subject: Subject
  /** The Moodle token: the records' MAC key is derived from it. */
  moodleToken: string
  runId: string
  runAttempt: number
  /** The `comment` input: friendly visible text, or only the hidden records. */
  comment: boolean
  dryRun: boolean
  force: boolean
  logger: Logger
  /** Client tuning (tests: fast retries, limiter groups without spacing). */
  client?: Pick<ConnectOptions, 'retries' | 'retryBaseMs' | 'timeoutMs' | 'throttle'>
  /** Waits between re-reads and retries (tests: short ones). */
  delays?: { visibilityMs?: number[]; viewerMs?: number[]; updateMs?: number[] }
  /** Clock for the records' `at` (tests). */
  now?: () => Date
}

/** The ledger of event mode: comments on the pull request or issue, through Octokit. */
export async function openCommentLedger(
  o: CommentLedgerOptions
): Promise<{ ledger: Ledger; github: GitHubApi }> {
  const github = await connect({ token: o.token, apiUrl: o.apiUrl, logger: o.logger, ...o.client })
  const recordKey = recordKeyFrom(o.moodleToken)
  const store = new CommentStore({
    api: github,
    subjects: [o.subject],
    recordKey,
    comment: o.comment,
    logger: o.logger,
    visibilityDelaysMs: o.delays?.visibilityMs,
    viewerDelaysMs: o.delays?.viewerMs
  })
  const ledger = new Ledger({
    store,
    recordKey,
    runId: o.runId,
    runAttempt: o.runAttempt,
    force: o.force,
    dryRun: o.dryRun,
    logger: o.logger,
    now: o.now,
    updateDelaysMs: o.delays?.updateMs
  })
  return { ledger, github }
}
