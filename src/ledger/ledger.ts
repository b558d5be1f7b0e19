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
  type DecideOptions,
  type RunState
} from './decide.js'
import type { GitHubClient } from '../github/client.js'
import type { StudentLevel } from '../level/level.js'
import {
  commentApi,
  GitHubError,
  openLedgerClient,
  type ConnectOptions,
  type GitHubApi,
  type Logger
} from './github.js'
import {
  keyId,
  newNonce,
  recipientId,
  recordKeyFrom,
  sameEvent,
  signRecord,
  type LedgerKey,
  type LedgerRecord,
  type LedgerState,
  type RecordKey,
  type SignedRecord
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

export type { Decision, LedgerKey, LedgerRecipient, Logger, RunState }
export { keyId, LedgerError }

export type ClaimResult = { go: true } | Extract<Arbitration, { go: false }>

export interface Outcome {
  recipient: LedgerRecipient
  /** `unknown`: Moodle may have added the points; the record stays `pending`. */
  state: 'done' | 'failed' | 'unknown'
  xp: number | null
  reason?: string
  /** The student's level after a done award, for the comment (not recorded). */
  level?: StudentLevel
}

export interface LedgerOptions {
  store: LedgerStore
  /**
   * Records kept elsewhere that count too (read only). They are read with the store, and once
   * more after this run's claim is written: a live claim there that was not seen when deciding
   * makes this run give way (the two stores cannot order claims between them).
   */
  sources?: LedgerSource[]
  /** Wait before reading the sources again after the claim (their reads may lag behind writes). */
  sourceRecheckDelayMs?: number
  /**
   * Asks GitHub whether the workflow runs that wrote the store's pending records are still
   * going (by run id); without it, a pending record counts as in progress for 10 minutes.
   */
  runStates?: (runIds: string[]) => Promise<Map<string, RunState>>
  /** How a teacher resolves an unknown outcome, in reasons; default: event mode's (force). */
  unknownAdvice?: string
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

function runIdOf(run: string): string {
  return run.split('/')[0] ?? ''
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
  /** What GitHub said of the runs behind the store's pending records, by run id. */
  private runs = new Map<string, RunState>()
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
        const elsewhere = await this.recheckSources(claim)
        await this.giveWay(claim, [...written.after.entries, ...elsewhere], seen, out)
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

  /**
   * This run's claim with the outcomes in: each award's settled record, signed (what `settle`
   * writes), by key id. A comment can show them before the store records them.
   */
  settled(outcomes: Outcome[]): Map<string, SignedRecord> {
    const out = new Map<string, SignedRecord>()
    const claim = this.own
    if (!claim) return out
    for (const { recipient, state, xp, level } of outcomes) {
      const entry = claim.entries.find(e => keyId(e.recipient.key) === keyId(recipient.key))
      if (!entry) continue
      if (level && state === 'done') entry.level = level
      const { mac: _old, unknown: _was, ...claimed } = entry.record
      const settled: LedgerRecord = {
        ...claimed,
        state: state === 'unknown' ? 'pending' : state,
        xp: state === 'done' ? xp : null,
        // Says the outcome is unknown, so no other run mistakes it for an award in progress.
        ...(state === 'unknown' ? { unknown: true as const } : {})
      }
      entry.record = signRecord(settled, this.o.recordKey)
      out.set(keyId(recipient.key), entry.record)
    }
    return out
  }

  /** Records the outcomes. Never throws: a failed update is a warning (the award stands). */
  async settle(outcomes: Outcome[]): Promise<void> {
    const claim = this.own
    if (this.o.dryRun || !claim || outcomes.length === 0) return
    this.settled(outcomes)
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
    this.entries = [...this.basis.entries, ...(await this.readSources(keys))]
    this.runs = await this.askRuns(this.basis.entries, keys)
  }

  private async readSources(keys: LedgerKey[]): Promise<LedgerEntry[]> {
    const reads = await Promise.all((this.o.sources ?? []).map(s => s.read(keys)))
    return reads.flatMap(r => r.entries)
  }

  /** The state of the other runs whose pending records in the store concern these awards. */
  private async askRuns(entries: LedgerEntry[], keys: LedgerKey[]) {
    const ours = runIdOf(this.run)
    const ids = new Set<string>()
    for (const { record: r } of entries) {
      const id = runIdOf(r.run)
      if (r.state === 'pending' && !r.unknown && id !== '' && id !== ours)
        if (keys.some(k => sameEvent(k, r.key))) ids.add(id)
    }
    if (!this.o.runStates || ids.size === 0) return new Map<string, RunState>()
    return this.o.runStates([...ids])
  }

  private decideAll(recipients: LedgerRecipient[]): Map<string, Decision> {
    const fromStore = new Set(this.basis?.entries ?? [])
    const opts: DecideOptions = {
      force: this.o.force,
      run: this.run,
      now: this.now(),
      runState: e => (fromStore.has(e) ? (this.runs.get(runIdOf(e.record.run)) ?? null) : null),
      ...(this.o.unknownAdvice ? { advice: this.o.unknownAdvice } : {})
    }
    return new Map(recipients.map(r => [keyId(r.key), decide(this.entries, asked(r), opts)]))
  }

  /**
   * The sources' records again, after the claim is written, ordered before every claim of the
   * store: a live claim there that this run did not see when it decided wins. When they cannot
   * be read, the claim is withdrawn and nothing may be sent.
   */
  private async recheckSources(claim: Claim): Promise<LedgerEntry[]> {
    if (!this.o.sources?.length) return []
    if (this.o.sourceRecheckDelayMs) await this.sleep(this.o.sourceRecheckDelayMs)
    try {
      const fresh = await this.readSources(claim.entries.map(e => e.recipient.key))
      return fresh.map(e => ({ ...e, order: Number.NEGATIVE_INFINITY }))
    } catch (e) {
      claim.entries = []
      await this.o.store.update(claim).catch(() => {})
      if (e instanceof LedgerError) throw e
      throw new LedgerError(
        `The award ledger could not be read again after this run claimed its awards (${(e as Error).message}). Nothing was sent to Moodle; re-run the workflow.`
      )
    }
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
    after: LedgerEntry[],
    seen: Map<string, LedgerState>,
    out: Map<string, ClaimResult>
  ): Promise<void> {
    const orders = new Map<string, number>()
    for (const e of after)
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
      const verdict = arbitrate(after, asked(recipient), ours, seen, this.o.unknownAdvice)
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
  /** Read-only ledgers kept elsewhere that count too, over the same GitHub client. */
  sources?: (client: GitHubClient, recordKey: RecordKey) => LedgerSource[]
}

/** The ledger of event mode: comments on the pull request or issue, through Octokit. */
export async function openCommentLedger(
  o: CommentLedgerOptions
): Promise<{ ledger: Ledger; github: GitHubApi }> {
  const client = await openLedgerClient({
    token: o.token,
    apiUrl: o.apiUrl,
    logger: o.logger,
    ...o.client
  })
  const github = commentApi(client)
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
    sources: o.sources?.(client, recordKey) ?? [],
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
