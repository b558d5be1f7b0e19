/**
 * The ledger store of event mode: one comment per run on the pull request or issue, holding the
 * run's records (hidden) under a friendly text for the students. Over a `GitHubApi`, given as a
 * parameter.
 *
 * GitHub's list of comments may lag behind writes for a moment. This store assumes what GitHub's
 * ordering gives: comment ids rise in creation order, and a list that shows a comment shows every
 * comment created before it. So a claim is written, then the list is read again until it shows
 * the claim; that read shows every earlier claim too, and the lowest comment id wins.
 */
import type { Subject } from '../events/types.js'
import { GitHubError, type GitHubApi, type GitHubComment, type Logger } from './github.js'
import {
  decodeRecords,
  hasMarker,
  sameEvent,
  type LedgerKey,
  type RecordKey,
  type SignedRecord
} from './records.js'
import {
  LedgerError,
  provenanceOf,
  sameAccount,
  type Claim,
  type ClaimEntry,
  type ClaimWrite,
  type Identity,
  type LedgerEntry,
  type LedgerRead,
  type LedgerStore
} from './store.js'
import { commentBody, type TextEntry, type TextState } from './text.js'

/** The identity behind the default `GITHUB_TOKEN`, for when GitHub will not say (401/403). */
export const GITHUB_ACTIONS_BOT: Identity = { login: 'github-actions[bot]', id: 41898282 }

export interface CommentStoreOptions {
  api: GitHubApi
  /** The pull requests and issues whose awards this store records (event mode: one). */
  subjects: Subject[]
  recordKey: RecordKey
  /** The `comment` input: friendly visible text, or only the hidden records. */
  comment: boolean
  logger: Logger
  /** Waits before each re-read while a new comment is not listed yet (default: about 8 s in all). */
  visibilityDelaysMs?: number[]
  /** Waits before asking GitHub again who the token writes as (default 1 s, 3 s: three tries). */
  viewerDelaysMs?: number[]
  sleep?: (ms: number) => Promise<void>
}

const VISIBILITY_DELAYS_MS = [250, 500, 1000, 2000, 4000]
const VIEWER_DELAYS_MS = [1000, 3000]

function subjectId(repository: string, number: number): string {
  return `${repository.toLowerCase()}#${number}`
}

function describe(s: Subject): string {
  return `${s.kind === 'pull_request' ? 'pull request' : 'issue'} #${s.number} in ${s.repository}`
}

function permissionLines(subject: Subject): string {
  const [mine, other, otherWhat] =
    subject.kind === 'pull_request'
      ? ['pull-requests: write', 'issues: write', 'issues']
      : ['issues: write', 'pull-requests: write', 'pull requests']
  return `add \`${mine}\` under \`permissions:\` in the workflow (and \`${other}\` if it also handles ${otherWhat})`
}

/** GitHub answered, and the answer says the write did not happen. */
function clearRefusal(e: GitHubError): boolean {
  return e.status !== null && e.status >= 400 && e.status < 500
}

function textState(r: SignedRecord): TextState {
  if (r.state === 'pending') return r.unknown ? 'unknown' : 'pending'
  return r.state
}

/**
 * The records in these comments (each comment decoded once) with their provenance: the MAC
 * first; a record that does not verify is this workflow's own only when its comment was written
 * by the account the token writes as. `viewer(needed)` gives that account; it is asked with
 * `needed` only when some record of these awards does not verify.
 */
export async function commentEntries(
  comments: GitHubComment[],
  keys: LedgerKey[],
  recordKey: RecordKey,
  viewer: (needed: boolean) => Promise<Identity | null>
): Promise<LedgerEntry[]> {
  const raw = comments.flatMap(c =>
    hasMarker(c.body) ? decodeRecords(c.body, recordKey).map(d => ({ ...d, comment: c })) : []
  )
  const unverified = raw.some(d => !d.verified && keys.some(k => sameEvent(k, d.record.key)))
  const who = await viewer(unverified)
  return raw.map(d => ({
    record: d.record,
    provenance: provenanceOf(d.verified, d.comment.author, who),
    place: { url: d.comment.url, label: `ledger comment ${d.comment.id}` },
    order: d.comment.id,
    author: d.comment.author?.login ?? null
  }))
}

/**
 * The account the token writes as: GraphQL `viewer`, asked with retries. GitHub refusing to
 * say (401/403) means the default token, whose GraphQL identity is github-actions[bot].
 *
 * @param where for the message, e.g. ` on pull request #2 in owner/repo`
 */
export async function askIdentity(
  api: Pick<GitHubApi, 'viewer'>,
  where: string,
  delays: number[] = VIEWER_DELAYS_MS,
  sleep: (ms: number) => Promise<void> = ms => new Promise(resolve => setTimeout(resolve, ms))
): Promise<Identity> {
  for (let i = 0; ; i++) {
    try {
      return (await api.viewer()) ?? GITHUB_ACTIONS_BOT
    } catch (e) {
      if (!(e instanceof GitHubError)) throw e
      const delay = delays[i]
      if (delay === undefined) {
        throw new LedgerError(
          `GitHub would not say which account the github-token writes as (${e.detail}; asked ${i + 1} times), and the award ledger${where} needs it to tell this workflow's records from others'. Nothing was sent to Moodle; re-run the workflow once GitHub answers again.`
        )
      }
      await sleep(delay)
    }
  }
}

export class CommentStore implements LedgerStore {
  private readonly api: GitHubApi
  private readonly subjects: Map<string, Subject>
  private readonly sleep: (ms: number) => Promise<void>
  /** The account the token writes as, once known. */
  private viewer: Identity | null = null
  /** This run's comment per subject and claim nonce. */
  private readonly written = new Map<string, number>()

  constructor(private readonly o: CommentStoreOptions) {
    this.api = o.api
    this.subjects = new Map(o.subjects.map(s => [subjectId(s.repository, s.number), s]))
    this.sleep = o.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)))
  }

  async read(keys: LedgerKey[]): Promise<LedgerRead> {
    const entries: LedgerEntry[] = []
    for (const subject of this.subjectsOf(keys)) {
      const comments = await this.list(subject, 'read')
      entries.push(...(await this.entriesOf(comments, keys)))
    }
    return { entries, version: null }
  }

  async claim(claim: Claim, _basis: LedgerRead): Promise<ClaimWrite> {
    const keys = claim.entries.map(e => e.recipient.key)
    const entries: LedgerEntry[] = []
    const wrote: Subject[] = []
    try {
      for (const subject of this.subjectsOf(keys)) {
        const mine = this.entriesFor(subject, claim)
        const comments = await this.write(subject, claim.nonce, mine)
        wrote.push(subject)
        entries.push(...(await this.entriesOf(comments, keys)))
      }
    } catch (e) {
      // A claim is all or nothing: take back what was written for the other subjects.
      for (const subject of wrote) await this.remove(subject, claim.nonce).catch(() => {})
      throw e
    }
    return { written: true, after: { entries, version: null } }
  }

  async update(claim: Claim): Promise<void> {
    for (const subject of this.subjects.values()) {
      const id = this.written.get(this.slot(subject, claim.nonce))
      if (id === undefined) continue
      const mine = this.entriesFor(subject, claim)
      if (mine.length === 0) await this.remove(subject, claim.nonce)
      else await this.api.updateComment(subject.repository, id, this.body(subject, mine))
    }
  }

  /** Creates the claim's comment and reads the list until it shows; returns that list. */
  private async write(subject: Subject, nonce: string, mine: ClaimEntry[]) {
    let created: GitHubComment
    let listed: GitHubComment[] | null = null
    try {
      created = await this.api.createComment(
        subject.repository,
        subject.number,
        this.body(subject, mine)
      )
    } catch (e) {
      if (!(e instanceof GitHubError)) throw e
      if (clearRefusal(e)) throw this.failure(e, subject, 'written')
      ;({ created, listed } = await this.adopt(subject, nonce, e))
    }
    // The author of our own comment is who we write as: authoritative.
    if (created.author?.login) this.viewer = { login: created.author.login, id: created.author.id }
    this.written.set(this.slot(subject, nonce), created.id)
    this.o.logger.info(`Award ledger: ${created.url ?? `comment ${created.id}`}`)
    return listed ?? (await this.untilListed(subject, nonce, created.id))
  }

  /**
   * After a create that failed without a clear "no" (5xx, no answer): the comment may exist.
   * Only a comment by the token's own account that carries this claim's nonce is ours.
   */
  private async adopt(subject: Subject, nonce: string, cause: GitHubError) {
    const who = await this.identity(subject)
    for (const delay of [0, ...(this.o.visibilityDelaysMs ?? VISIBILITY_DELAYS_MS)]) {
      if (delay > 0) await this.sleep(delay)
      const listed = await this.api
        .listComments(subject.repository, subject.number)
        .catch(() => null)
      const created = listed?.find(
        c =>
          sameAccount(c.author, who) &&
          decodeRecords(c.body, this.o.recordKey).some(d => d.record.nonce === nonce)
      )
      if (listed && created) return { created, listed }
    }
    throw new LedgerError(
      `The award ledger comment on ${describe(subject)} could not be written (${cause.detail}), and no comment of this run appeared afterwards. Nothing was sent to Moodle. If GitHub wrote it after all, a ledger comment by ${who.login} holding this run's pending records shows up later: delete it before re-running the workflow, or later runs report these awards as unknown.`
    )
  }

  /** Reads the list until it shows comment `id`; withdraws the claim and fails if it never does. */
  private async untilListed(subject: Subject, nonce: string, id: number) {
    const delays = this.o.visibilityDelaysMs ?? VISIBILITY_DELAYS_MS
    for (let i = 0; ; i++) {
      let listed: GitHubComment[]
      try {
        listed = await this.api.listComments(subject.repository, subject.number)
      } catch (e) {
        if (!(e instanceof GitHubError)) throw e
        // Without this read a concurrent run cannot be ruled out: withdraw the claim.
        await this.remove(subject, nonce).catch(() => {})
        throw this.failure(e, subject, 'read again after writing')
      }
      if (listed.some(c => c.id === id)) return listed
      const delay = delays[i]
      if (delay === undefined) {
        await this.remove(subject, nonce).catch(() => {})
        throw new LedgerError(
          `The award ledger comment on ${describe(subject)} was written, but GitHub's list of comments still did not show it after ${i + 1} reads, so a concurrent run's claim cannot be ruled out; the comment was withdrawn. Nothing was sent to Moodle; re-run the workflow.`
        )
      }
      await this.sleep(delay)
    }
  }

  private async remove(subject: Subject, nonce: string): Promise<void> {
    const slot = this.slot(subject, nonce)
    const id = this.written.get(slot)
    if (id === undefined) return
    await this.api.deleteComment(subject.repository, id)
    this.written.delete(slot)
  }

  /** The records of every comment, each comment decoded once, with their provenance. */
  private entriesOf(comments: GitHubComment[], keys: LedgerKey[]): Promise<LedgerEntry[]> {
    return commentEntries(comments, keys, this.o.recordKey, async needed =>
      needed ? this.identity(this.subjectsOf(keys)[0]) : this.viewer
    )
  }

  /** The account the token writes as, asked once (see `askIdentity`). */
  private async identity(subject: Subject | undefined): Promise<Identity> {
    this.viewer ??= await askIdentity(
      this.api,
      subject ? ` on ${describe(subject)}` : '',
      this.o.viewerDelaysMs ?? VIEWER_DELAYS_MS,
      this.sleep
    )
    return this.viewer
  }

  private async list(subject: Subject, verb: string): Promise<GitHubComment[]> {
    try {
      return await this.api.listComments(subject.repository, subject.number)
    } catch (e) {
      if (!(e instanceof GitHubError)) throw e
      throw this.failure(e, subject, verb)
    }
  }

  private failure(e: GitHubError, subject: Subject, verb: string): LedgerError {
    const where = describe(subject)
    if (e.status === 403 && /locked/i.test(e.detail))
      return new LedgerError(
        `The ${where} is locked, so the github-token may not write the award ledger comment on it (${e.detail}). Nothing was sent to Moodle: unlock the conversation (Unlock conversation, in its sidebar), re-run the workflow, and lock it again afterwards.`
      )
    if ((e.status === 403 && !e.rateLimited) || e.status === 404)
      return new LedgerError(
        `The award ledger on ${where} could not be ${verb} (${e.detail}): the github-token lacks the permission; ${permissionLines(subject)}, then re-run the workflow. Nothing was sent to Moodle.`
      )
    const hint =
      e.status === 401
        ? ': GitHub refused the github-token; check the github-token input'
        : e.rateLimited
          ? ': GitHub rate limit'
          : ''
    return new LedgerError(
      `The award ledger on ${where} could not be ${verb} (${e.detail})${hint}. Nothing was sent to Moodle; re-run the workflow once GitHub answers again.`
    )
  }

  private subjectsOf(keys: LedgerKey[]): Subject[] {
    const out = new Map<string, Subject>()
    for (const k of keys) {
      const id = subjectId(k.repository, k.number)
      const subject = this.subjects.get(id)
      if (!subject) throw new Error(`no pull request or issue ${id} in this comment store`)
      out.set(id, subject)
    }
    return [...out.values()]
  }

  private entriesFor(subject: Subject, claim: Claim): ClaimEntry[] {
    const id = subjectId(subject.repository, subject.number)
    return claim.entries.filter(
      e => subjectId(e.recipient.key.repository, e.recipient.key.number) === id
    )
  }

  private slot(subject: Subject, nonce: string): string {
    return `${subjectId(subject.repository, subject.number)} ${nonce}`
  }

  private body(subject: Subject, mine: ClaimEntry[]): string {
    const entries: TextEntry[] = mine.map(({ recipient: r, record, level }) => ({
      login: r.login,
      moodleUserId: r.moodleUserId,
      points: r.points,
      xp: record.xp,
      state: textState(record),
      ...(level ? { level } : {})
    }))
    return commentBody({
      comment: this.o.comment,
      subject,
      entries,
      records: mine.map(e => e.record)
    })
  }
}
