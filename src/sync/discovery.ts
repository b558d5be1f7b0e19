/**
 * Discovery: every pull request merged and every issue closed since `since` in the covered
 * repositories, read through GitHub's GraphQL API in few requests.
 *
 * 1. Scan: one request per 100 repositories. For `owner/prefix*` patterns the owner's
 *    repository list is paged through (it is the only way to resolve a pattern); named
 *    repositories are asked for by name, 100 per query. Each repository comes with the time of
 *    its latest change to a merged pull request and to a closed issue.
 * 2. Fetch: only repositories whose latest change is at or after their window start (`since`,
 *    or the cursor minus an overlap) are read, 25 per query, newest change first, until the
 *    changes are older than the window.
 * 3. Follow-ups: an item with more comments, labels or approvals than the first page holds gets
 *    the rest, 25 items per query.
 */
import type { GraphQLAnswer, GraphQLProblem, SyncGitHub } from './github.js'
import {
  discoveredItem,
  issueFacts,
  pullRequestFacts,
  commentOf,
  personOf,
  type DiscoveredItem,
  type GraphQLActor,
  type GraphQLComment,
  type GraphQLIssue,
  type GraphQLPullRequest,
  type ItemFacts
} from './items.js'
import {
  FETCH_REPOSITORIES,
  FIRST_PAGE,
  FOLLOW_UPS,
  NEXT_PAGE,
  OWNER_SCAN,
  SCAN_NAMED,
  fetchQuery,
  followUpQuery,
  namedScan,
  type FetchRequest,
  type FollowUp,
  type RepositoryRef
} from './queries.js'
import {
  describeSpec,
  inShard,
  matchesSpec,
  type RepositorySpec,
  type Shard
} from './repositories.js'

/** GitHub could not be read as discovery needs: nothing should be awarded from this run. */
export class DiscoveryError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DiscoveryError'
  }
}

export interface DiscoveryOptions {
  repositories: RepositorySpec[]
  /** ISO time: work merged or closed before it is left out. */
  since: string
  /** Where reading each repository starts (see `changedSince` in cursor.ts); default `since`. */
  changedSince?: (repository: string) => string
  shard?: Shard | null
}

export interface Discovery {
  /** GitHub's time at the first answer: store it as these repositories' cursor time. */
  readAt: string
  /** The repositories covered (patterns resolved, this shard only), as GitHub spells them. */
  repositories: string[]
  /** Entries of `repositories` that named nothing readable, with why. */
  unresolved: Array<{ entry: string; reason: string }>
  /** Oldest merge or close first. */
  items: DiscoveredItem[]
  /** GitHub requests this discovery sent. */
  requests: number
}

interface Activity {
  nameWithOwner: string
  merged: { nodes: Array<{ updatedAt: string }> }
  closed: { nodes: Array<{ updatedAt: string }> }
}

/** GitHub writes times without milliseconds, the stand-in and `toISOString` with: compare as times. */
function atOrAfter(time: string | undefined, from: string): boolean {
  return time !== undefined && Date.parse(time) >= Date.parse(from)
}

function refOf(fullName: string): RepositoryRef {
  const [owner = '', name = ''] = fullName.split('/')
  return { owner, name }
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size))
  return out
}

function describe(errors: GraphQLProblem[]): string {
  const e = errors[0]
  return e ? `${e.type ? `${e.type}: ` : ''}${e.message}` : 'no data'
}

/** Errors of type NOT_FOUND on the alias `alias`; any other error fails the whole query. */
function notFound(answer: GraphQLAnswer<unknown>, alias: string): boolean {
  return answer.errors.some(e => e.type === 'NOT_FOUND' && e.path?.[0] === alias)
}

function requireData<T>(
  answer: GraphQLAnswer<T>,
  what: string,
  tolerated: (e: GraphQLProblem) => boolean
): T {
  const fatal = answer.errors.filter(e => !tolerated(e))
  if (fatal.length > 0 || answer.data === null) {
    throw new DiscoveryError(
      `GitHub refused ${what}: ${describe(fatal.length ? fatal : answer.errors)}`
    )
  }
  return answer.data
}

class Run {
  readAt: string | null = null
  readonly unresolved: Discovery['unresolved'] = []

  constructor(private readonly api: SyncGitHub) {}

  async query<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLAnswer<T>> {
    const answer = await this.api.query<T>(query, variables)
    this.readAt ??= answer.date
    return answer
  }

  /** Activity of every repository the specs name, by lower-cased name. */
  async scan(specs: RepositorySpec[]): Promise<Map<string, Activity>> {
    const found = new Map<string, Activity>()
    const patterns = specs.filter(s => s.kind === 'pattern')
    const owners = [...new Set(patterns.map(s => s.owner.toLowerCase()))]
    const listed = new Set<string>()
    for (const owner of owners) {
      const mine = patterns.filter(s => s.owner.toLowerCase() === owner)
      const list = await this.listOwner(mine[0]!.owner)
      if (list === null) {
        for (const s of mine)
          this.unresolved.push({
            entry: describeSpec(s),
            reason: `GitHub has no account ${s.owner} that github-token can see`
          })
        continue
      }
      listed.add(owner)
      for (const s of mine) {
        const matching = list.filter(a => matchesSpec(s, a.nameWithOwner))
        if (matching.length === 0)
          this.unresolved.push({
            entry: describeSpec(s),
            reason: 'no repository that github-token can read matches it'
          })
        for (const a of matching) found.set(a.nameWithOwner.toLowerCase(), a)
      }
      // A named repository of a listed owner is taken from the list when it is there.
      for (const a of list) {
        if (specs.some(s => s.kind === 'name' && matchesSpec(s, a.nameWithOwner)))
          found.set(a.nameWithOwner.toLowerCase(), a)
      }
    }
    const named = specs.filter(
      (s): s is Extract<RepositorySpec, { kind: 'name' }> =>
        s.kind === 'name' && !found.has(`${s.owner}/${s.name}`.toLowerCase())
    )
    for (const batch of chunks(named, SCAN_NAMED)) {
      const answer = await this.query<Record<string, Activity | null>>(namedScan(batch))
      const data = requireData(answer, 'a repository query', e => e.type === 'NOT_FOUND')
      batch.forEach((s, i) => {
        const a = data[`r${i}`]
        if (a && !notFound(answer, `r${i}`)) found.set(a.nameWithOwner.toLowerCase(), a)
        else
          this.unresolved.push({
            entry: describeSpec(s),
            reason: 'not found, or github-token cannot read it'
          })
      })
    }
    return found
  }

  private async listOwner(owner: string): Promise<Activity[] | null> {
    const all: Activity[] = []
    let after: string | null = null
    for (;;) {
      type Page = {
        repositoryOwner: {
          repositories: {
            pageInfo: { hasNextPage: boolean; endCursor: string | null }
            nodes: Activity[]
          }
        } | null
      }
      const answer: GraphQLAnswer<Page> = await this.query<Page>(OWNER_SCAN, { owner, after })
      const data = requireData(answer, `the repository list of ${owner}`, () => false)
      if (!data.repositoryOwner) return null
      const { pageInfo, nodes } = data.repositoryOwner.repositories
      all.push(...nodes)
      if (!pageInfo.hasNextPage || !pageInfo.endCursor) return all
      after = pageInfo.endCursor
    }
  }

  /** Reads the merged pull requests and closed issues changed in each repository's window. */
  async fetch(requests: FetchRequest[], windows: Map<string, string>): Promise<ItemFacts[]> {
    const facts: ItemFacts[] = []
    let queue = requests
    while (queue.length > 0) {
      const next: FetchRequest[] = []
      for (const batch of chunks(queue, FETCH_REPOSITORIES)) {
        type Repo = {
          nameWithOwner: string
          isArchived: boolean
          pullRequests?: Paged<GraphQLPullRequest>
          issues?: Paged<GraphQLIssue>
        }
        const answer = await this.query<Record<string, Repo | null>>(fetchQuery(batch))
        const data = requireData(
          answer,
          'a pull request and issue query',
          e => e.type === 'NOT_FOUND'
        )
        batch.forEach((req, i) => {
          const repo = data[`r${i}`]
          const name = `${req.repository.owner}/${req.repository.name}`
          if (!repo) {
            this.unresolved.push({ entry: name, reason: 'it disappeared while being read' })
            return
          }
          const window = windows.get(name.toLowerCase())!
          const again: FetchRequest = { repository: req.repository }
          if (repo.pullRequests) {
            const { nodes, pageInfo } = repo.pullRequests
            const recent = nodes.filter(n => atOrAfter(n.updatedAt, window))
            facts.push(...recent.map(n => pullRequestFacts(repo.nameWithOwner, n, repo.isArchived)))
            if (pageInfo.hasNextPage && pageInfo.endCursor && recent.length === nodes.length)
              again.pullRequests = { first: NEXT_PAGE, after: pageInfo.endCursor }
          }
          if (repo.issues) {
            const { nodes, pageInfo } = repo.issues
            facts.push(...nodes.map(n => issueFacts(repo.nameWithOwner, n, repo.isArchived)))
            if (pageInfo.hasNextPage && pageInfo.endCursor)
              again.issues = { first: NEXT_PAGE, after: pageInfo.endCursor, since: window }
          }
          if (again.pullRequests || again.issues) next.push(again)
        })
      }
      queue = next
    }
    return facts
  }

  /** Reads the remaining pages of long comment threads, label lists and approval lists. */
  async complete(facts: ItemFacts[]): Promise<void> {
    for (;;) {
      const open: Array<{ facts: ItemFacts; followUp: FollowUp }> = []
      for (const f of facts) {
        for (const [connection, after] of Object.entries(f.more)) {
          open.push({
            facts: f,
            followUp: {
              repository: refOf(f.repository),
              kind: f.kind,
              number: f.number,
              connection: connection as FollowUp['connection'],
              after: after
            }
          })
        }
      }
      if (open.length === 0) return
      for (const batch of chunks(open, FOLLOW_UPS)) {
        const answer = await this.query<
          Record<string, Record<string, Record<string, Paged<unknown>>> | null>
        >(followUpQuery(batch.map(b => b.followUp)))
        const data = requireData(answer, 'a follow-up query', () => false)
        batch.forEach(({ facts: f, followUp }, i) => {
          const item = data[`f${i}`]?.[f.kind === 'pull_request' ? 'pullRequest' : 'issue']
          const field = followUp.connection === 'approvals' ? 'reviews' : followUp.connection
          const page = item?.[field]
          if (!page)
            throw new DiscoveryError(
              `GitHub did not answer the rest of ${f.repository}#${f.number}`
            )
          delete f.more[followUp.connection]
          if (followUp.connection === 'comments')
            f.comments.push(...(page.nodes as GraphQLComment[]).map(commentOf))
          else if (followUp.connection === 'labels')
            f.labels.push(...(page.nodes as Array<{ name: string }>).map(l => l.name))
          else
            f.reviewers.push(
              ...(page.nodes as Array<{ author: GraphQLActor | null }>).map(r => personOf(r.author))
            )
          if (page.pageInfo.hasNextPage && page.pageInfo.endCursor)
            f.more[followUp.connection] = page.pageInfo.endCursor
        })
      }
    }
  }
}

interface Paged<T> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null }
  nodes: T[]
}

/**
 * Finds the merged pull requests and closed issues since `since` that changed in each
 * repository's window.
 *
 * @throws DiscoveryError when GitHub refuses a query (other than a repository it cannot find).
 * @throws GitHubError when a request fails (after retries and rate-limit waits).
 */
export async function discover(api: SyncGitHub, o: DiscoveryOptions): Promise<Discovery> {
  const before = api.requests()
  const startedAt = new Date().toISOString()
  const run = new Run(api)
  const activity = await run.scan(o.repositories)
  const names = inShard(
    [...activity.values()].map(a => a.nameWithOwner),
    o.shard ?? null
  )
  const since = new Date(o.since).toISOString()
  const windows = new Map<string, string>()
  const requests: FetchRequest[] = []
  for (const name of names) {
    const window = o.changedSince ? o.changedSince(name) : since
    windows.set(name.toLowerCase(), window)
    const a = activity.get(name.toLowerCase())!
    const merged = a.merged.nodes[0]?.updatedAt
    const closed = a.closed.nodes[0]?.updatedAt
    const req: FetchRequest = { repository: refOf(name) }
    if (atOrAfter(merged, window)) req.pullRequests = { first: FIRST_PAGE, after: null }
    if (atOrAfter(closed, window)) req.issues = { first: FIRST_PAGE, after: null, since: window }
    if (req.pullRequests || req.issues) requests.push(req)
  }
  const facts = (await run.fetch(requests, windows)).filter(f => atOrAfter(f.at, since))
  await run.complete(facts)
  const items = facts.map(discoveredItem)
  items.sort(
    (a, b) =>
      Date.parse(a.at) - Date.parse(b.at) ||
      a.repository.localeCompare(b.repository) ||
      a.number - b.number
  )
  return {
    readAt: run.readAt ?? startedAt,
    repositories: names,
    unresolved: run.unresolved,
    items,
    requests: api.requests() - before
  }
}
