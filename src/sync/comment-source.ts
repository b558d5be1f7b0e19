/**
 * Event mode's ledger, as sync mode reads it: the records in the comments of the discovered
 * pull requests and issues, with the trust rules of the comment store (its `commentEntries`).
 * Read only. The first read is what discovery saw; later reads (after this run's claim, or
 * after a conflict) ask GitHub again for each item's latest comments, 100 items a query, and
 * lay them over what discovery saw.
 */
import { askIdentity, commentEntries } from '../ledger/comment-store.js'
import type { GitHubApi, GitHubComment } from '../ledger/github.js'
import type { LedgerKey, RecordKey } from '../ledger/records.js'
import { LedgerError, type Identity, type LedgerRead, type LedgerSource } from '../ledger/store.js'
import { GitHubError, type SyncGitHub } from './github.js'
import {
  commentOf,
  LEDGER_MARKER,
  type DiscoveredItem,
  type GraphQLComment,
  type ItemComment
} from './items.js'
import { RECENT_COMMENTS, RECENT_ITEMS, recentCommentsQuery, type ItemRef } from './queries.js'

export interface CommentSourceOptions {
  items: DiscoveredItem[]
  api: SyncGitHub
  /** For the account the token writes as (asked only for records that do not verify). */
  identity: Pick<GitHubApi, 'viewer'>
  recordKey: RecordKey
}

function itemId(repository: string, number: number): string {
  return `${repository.toLowerCase()}#${number}`
}

function asComment(c: ItemComment): GitHubComment {
  return {
    id: c.id,
    author: c.userLogin === null ? null : { login: c.userLogin, id: c.userId, type: c.userType },
    body: c.body,
    url: c.url
  }
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size))
  return out
}

type Recent = Record<
  string,
  { issueOrPullRequest: { comments: { nodes: GraphQLComment[] } } | null } | null
>

export class ItemCommentSource implements LedgerSource {
  /** The ledger comments of each item as last read, by `owner/name#number`. */
  private readonly comments = new Map<string, ItemComment[]>()
  private readonly items = new Map<string, DiscoveredItem>()
  private fresh = false
  private viewer: Identity | null = null
  /** GitHub requests of the later reads. */
  requests = 0

  constructor(private readonly o: CommentSourceOptions) {
    for (const item of o.items) {
      const id = itemId(item.repository, item.number)
      this.items.set(id, item)
      this.comments.set(id, item.ledgerComments)
    }
  }

  async read(keys: LedgerKey[]): Promise<LedgerRead> {
    const ids = [...new Set(keys.map(k => itemId(k.repository, k.number)))]
    if (this.fresh) await this.reread(ids)
    this.fresh = true
    const comments = ids.flatMap(id => this.comments.get(id) ?? []).map(asComment)
    const entries = await commentEntries(comments, keys, this.o.recordKey, async needed => {
      if (needed) this.viewer ??= await askIdentity(this.o.identity, ' in the comments')
      return this.viewer
    })
    return { entries, version: null }
  }

  /**
   * The latest comments of these items, laid over what was read before: a comment newer than
   * the oldest one read now and missing from it was deleted; older ones are kept as they were.
   */
  private async reread(ids: string[]): Promise<void> {
    const refs: Array<{ id: string; ref: ItemRef }> = []
    for (const id of ids) {
      const item = this.items.get(id)
      if (!item) continue
      const [owner = '', name = ''] = item.repository.split('/')
      refs.push({ id, ref: { repository: { owner, name }, number: item.number } })
    }
    for (const batch of chunks(refs, RECENT_ITEMS)) {
      let data: Recent | null
      try {
        const answer = await this.o.api.query<Recent>(recentCommentsQuery(batch.map(b => b.ref)))
        this.requests++
        data = answer.errors.length === 0 ? answer.data : null
        if (!data) throw new Error(answer.errors[0]?.message ?? 'no data')
      } catch (e) {
        const detail = e instanceof GitHubError ? e.detail : (e as Error).message
        throw new LedgerError(
          `The comments of the pull requests and issues to award could not be read again (${detail}): event mode's records there cannot be ruled out. Nothing was sent to Moodle; run the workflow again.`
        )
      }
      batch.forEach(({ id }, i) => {
        const nodes = data[`c${i}`]?.issueOrPullRequest?.comments.nodes ?? []
        const latest = nodes.map(commentOf)
        const oldest = latest.length === RECENT_COMMENTS ? (latest[0]?.id ?? 0) : 0
        const kept = (this.comments.get(id) ?? []).filter(c => c.id < oldest)
        const marked = latest.filter(c => c.body.includes(LEDGER_MARKER))
        this.comments.set(id, [...kept, ...marked])
      })
    }
  }
}
