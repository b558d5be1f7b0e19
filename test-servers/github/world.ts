/**
 * What the GitHub stand-in knows about: accounts (users, bots, organisations), repositories
 * with their git data, and pull requests and issues with the history GitHub keeps (reviews,
 * merges, closes with a reason, labels, assignees). Tests and the command-line server build a
 * world through the methods below; the GraphQL and REST layers read and change it.
 *
 * Comments are not kept here: the server's comment store (which the REST comment endpoints
 * write) is reached through the `comments` accessor, so a comment written through REST is
 * what GraphQL reads.
 */
import { GitStore, WEB_FLOW, type Oid } from './git.js'

export type AccountType = 'User' | 'Bot' | 'Organization'

export interface WorldAccount {
  /** As REST spells it (a bot's login ends in `[bot]`). */
  login: string
  id: number
  type: AccountType
}

/** A comment as the server's comment store holds it (REST field names). */
export interface StoredComment {
  id: number
  node_id: string
  html_url: string
  body: string
  user: { login: string; id: number; type: string }
  created_at: string
  updated_at: string
  author_association: string
}

/** Who sends a request: the server's token entry. */
export interface WorldCaller {
  identity: { login: string; id: number; type: string }
  installation?: boolean
  readOnly?: boolean
  /** When set, only these repositories exist for this caller. */
  repos?: string[]
  /** Without "Actions: read": workflow runs answer 403. */
  noActions?: boolean
  /** "Issues: read-only": opening, editing and pinning issues answer 403. */
  issuesReadOnly?: boolean
}

/** A workflow run as `GET /repos/{owner}/{repo}/actions/runs/{id}` shows it. */
export type RunStatus = 'queued' | 'in_progress' | 'completed'

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING'
export type StateReason = 'COMPLETED' | 'NOT_PLANNED' | 'DUPLICATE' | 'REOPENED'

export interface WorldReview {
  id: number
  author: WorldAccount
  state: ReviewState
  submittedAt: string
}

export interface WorldEvent {
  type: 'ClosedEvent' | 'ReopenedEvent' | 'MergedEvent'
  id: number
  actor: WorldAccount | null
  createdAt: string
  stateReason: StateReason | null
}

export interface WorldItem {
  kind: 'pull_request' | 'issue'
  repository: WorldRepository
  number: number
  id: number
  title: string
  body: string
  /** Pinned to the repository's issue list (issues only; GitHub allows three). */
  pinned: boolean
  /** Null for a deleted account (GitHub shows the ghost). */
  author: WorldAccount | null
  state: 'OPEN' | 'CLOSED' | 'MERGED'
  /** Issues only; null on pull requests and on issues closed before GitHub kept reasons. */
  stateReason: StateReason | null
  createdAt: string
  /** Changes to the item itself; `updatedAt()` of the world adds its comments. */
  updatedAt: string
  closedAt: string | null
  mergedAt: string | null
  mergedBy: WorldAccount | null
  labels: string[]
  assignees: WorldAccount[]
  reviews: WorldReview[]
  timeline: WorldEvent[]
}

export class WorldRepository {
  readonly items: WorldItem[] = []
  readonly refs = new Map<string, Oid>()
  readonly git = new GitStore()
  private initialised = false

  constructor(
    readonly owner: WorldAccount,
    readonly name: string,
    readonly id: number,
    readonly createdAt: string,
    readonly options: { isPrivate: boolean; isArchived: boolean; empty: boolean; branch: string }
  ) {}

  get fullName(): string {
    return `${this.owner.login}/${this.name}`
  }

  /** The first commit (a README on the default branch), made when git data is first used. */
  ensureGit(): void {
    if (this.initialised) return
    this.initialised = true
    if (this.options.empty) return
    const blob = this.git.writeBlob(`# ${this.name}\n`)
    const tree = this.git.writeFiles(new Map([['README.md', blob]]))
    const person = { ...WEB_FLOW, date: this.createdAt }
    const oid = this.git.writeCommit({
      tree,
      parents: [],
      message: 'Initial commit',
      author: person,
      committer: person
    })
    this.refs.set(`refs/heads/${this.options.branch}`, oid)
  }

  /** True while the repository has no commit at all (GitHub's "empty repository"). */
  get empty(): boolean {
    this.ensureGit()
    return this.refs.size === 0
  }

  ref(qualified: string): Oid | null {
    this.ensureGit()
    return this.refs.get(qualified) ?? null
  }
}

type When = string | Date | undefined

export interface ItemInput {
  author: string | null
  title?: string
  body?: string
  at?: When
  labels?: string[]
  assignees?: string[]
}

/** GitHub's global node id (`PR_...`, `I_...`): what GraphQL's `id` and REST's `node_id` say. */
export function nodeId(kind: string, id: number | string): string {
  return `${kind}_${Buffer.from(`${kind}:${id}`).toString('base64url')}`
}

export function itemNodeId(item: WorldItem): string {
  return nodeId(item.kind === 'pull_request' ? 'PR' : 'I', item.id)
}

/** GitHub's placeholder for deleted accounts, as REST payloads name it. */
export const GHOST: WorldAccount = { login: 'ghost', id: 10137, type: 'User' }

export class GitHubWorld {
  private readonly accounts = new Map<string, WorldAccount>()
  private readonly repositories = new Map<string, WorldRepository>()
  private nextId = 100000
  /** The clock for changes made without an explicit time, and for the answers' `date`. */
  now: () => Date = () => new Date()
  /**
   * Runs when a `createCommitOnBranch` arrives, before GitHub compares the head: what another
   * writer did meanwhile (a test's way to make a commit lose the race).
   */
  beforeCommitOnBranch: ((repository: WorldRepository, branch: string) => void) | null = null
  /** Workflow runs by `owner/name#run id` (lower-cased); others are not found. */
  readonly runs = new Map<string, RunStatus>()

  constructor(
    /** The server's comments on a pull request or issue, oldest first. */
    readonly comments: (repository: string, number: number) => StoredComment[] = () => [],
    /** Whether the server has the conversation of a pull request or issue locked. */
    readonly locked: (repository: string, number: number) => boolean = () => false
  ) {}

  private id(): number {
    return this.nextId++
  }

  private time(at: When): string {
    if (at === undefined) return this.now().toISOString()
    return (typeof at === 'string' ? new Date(at) : at).toISOString()
  }

  addAccount(login: string, type: AccountType, id?: number): WorldAccount {
    const known = this.accounts.get(login.toLowerCase())
    if (known) return known
    const account = { login, id: id ?? this.id(), type }
    this.accounts.set(login.toLowerCase(), account)
    return account
  }

  user(login: string, id?: number): WorldAccount {
    return this.addAccount(login, 'User', id)
  }

  /** A bot account; `login` as REST spells it, e.g. `dependabot[bot]`. */
  bot(login: string, id?: number): WorldAccount {
    return this.addAccount(login.endsWith('[bot]') ? login : `${login}[bot]`, 'Bot', id)
  }

  organization(login: string, id?: number): WorldAccount {
    return this.addAccount(login, 'Organization', id)
  }

  account(login: string): WorldAccount | null {
    return this.accounts.get(login.toLowerCase()) ?? null
  }

  private need(login: string): WorldAccount {
    return this.account(login) ?? this.user(login)
  }

  /** Creates a repository (its owner too, as a user, when unknown). */
  repository(
    fullName: string,
    o: { private?: boolean; archived?: boolean; empty?: boolean; branch?: string; at?: When } = {}
  ): WorldRepository {
    const [ownerLogin = '', name = ''] = fullName.split('/')
    const existing = this.repositories.get(fullName.toLowerCase())
    if (existing) return existing
    const repo = new WorldRepository(this.need(ownerLogin), name, this.id(), this.time(o.at), {
      isPrivate: o.private ?? true,
      isArchived: o.archived ?? false,
      empty: o.empty ?? false,
      branch: o.branch ?? 'main'
    })
    this.repositories.set(fullName.toLowerCase(), repo)
    return repo
  }

  find(fullName: string): WorldRepository | null {
    return this.repositories.get(fullName.toLowerCase()) ?? null
  }

  /** Repositories owned by `login`, in creation order. */
  ownedBy(login: string): WorldRepository[] {
    const lower = login.toLowerCase()
    return [...this.repositories.values()].filter(r => r.owner.login.toLowerCase() === lower)
  }

  /** Sets what GitHub says of a workflow run of `repository`. */
  workflowRun(repository: string, runId: string, status: RunStatus): void {
    this.runs.set(`${repository.toLowerCase()}#${runId}`, status)
  }

  visible(caller: WorldCaller, repo: WorldRepository): boolean {
    return !caller.repos || caller.repos.some(r => r.toLowerCase() === repo.fullName.toLowerCase())
  }

  item(fullName: string, number: number): WorldItem | null {
    return this.find(fullName)?.items.find(i => i.number === number) ?? null
  }

  /** The pull request or issue with this global node id. */
  itemByNodeId(id: string): WorldItem | null {
    for (const repo of this.repositories.values())
      for (const item of repo.items) if (itemNodeId(item) === id) return item
    return null
  }

  private open(kind: WorldItem['kind'], repository: string, input: ItemInput): WorldItem {
    const repo = this.repository(repository)
    const at = this.time(input.at)
    const item: WorldItem = {
      kind,
      repository: repo,
      number: repo.items.length + 1,
      id: this.id(),
      title: input.title ?? (kind === 'pull_request' ? 'Solution' : 'Task'),
      body: input.body ?? '',
      pinned: false,
      author: input.author === null ? null : this.need(input.author),
      state: 'OPEN',
      stateReason: null,
      createdAt: at,
      updatedAt: at,
      closedAt: null,
      mergedAt: null,
      mergedBy: null,
      labels: [...(input.labels ?? [])],
      assignees: (input.assignees ?? []).map(l => this.need(l)),
      reviews: [],
      timeline: []
    }
    repo.items.push(item)
    return item
  }

  openPullRequest(repository: string, input: ItemInput): WorldItem {
    return this.open('pull_request', repository, input)
  }

  openIssue(repository: string, input: ItemInput): WorldItem {
    return this.open('issue', repository, input)
  }

  private event(item: WorldItem, type: WorldEvent['type'], by: string | null, at: string) {
    const actor = by === null ? null : this.need(by)
    item.timeline.push({ type, id: this.id(), actor, createdAt: at, stateReason: item.stateReason })
    item.updatedAt = at
    return actor
  }

  review(pr: WorldItem, input: { author: string; state?: ReviewState; at?: When }): WorldReview {
    const review: WorldReview = {
      id: this.id(),
      author: this.need(input.author),
      state: input.state ?? 'APPROVED',
      submittedAt: this.time(input.at)
    }
    pr.reviews.push(review)
    pr.updatedAt = review.submittedAt
    return review
  }

  merge(pr: WorldItem, input: { by: string | null; at?: When }): WorldItem {
    if (pr.kind !== 'pull_request' || pr.state !== 'OPEN') throw new Error('not an open PR')
    const at = this.time(input.at)
    pr.state = 'MERGED'
    pr.mergedAt = at
    pr.closedAt = at
    pr.mergedBy = this.event(pr, 'MergedEvent', input.by, at)
    this.event(pr, 'ClosedEvent', input.by, at)
    return pr
  }

  /** Closes an issue (with a reason, COMPLETED by default) or a pull request without merging. */
  close(item: WorldItem, input: { by: string | null; at?: When; reason?: StateReason }) {
    if (item.state !== 'OPEN') throw new Error('not open')
    const at = this.time(input.at)
    item.state = 'CLOSED'
    item.closedAt = at
    if (item.kind === 'issue') item.stateReason = input.reason ?? 'COMPLETED'
    this.event(item, 'ClosedEvent', input.by, at)
    return item
  }

  reopen(item: WorldItem, input: { by: string; at?: When }): WorldItem {
    if (item.state !== 'CLOSED') throw new Error('not closed')
    item.state = 'OPEN'
    item.closedAt = null
    if (item.kind === 'issue') item.stateReason = 'REOPENED'
    this.event(item, 'ReopenedEvent', input.by, this.time(input.at))
    return item
  }

  /** Last change to the item or its comments, as GitHub's `updatedAt` reports it. */
  updatedAt(item: WorldItem): string {
    let latest = item.updatedAt
    for (const c of this.comments(item.repository.fullName, item.number)) {
      if (c.updated_at > latest) latest = c.updated_at
    }
    return latest
  }
}
