/**
 * GitHub's GraphQL endpoint, over the stand-in's world. Queries are parsed and validated
 * against GitHub's published schema (`@octokit/graphql-schema`), so a query GitHub refuses
 * (unknown field, wrong argument type) is refused here too; then GitHub's own limits are
 * checked (`first`/`last` on every connection, 1 to 100, at most 500,000 nodes) and the
 * query's point cost is computed as GitHub documents it. Only the fields sync mode reads are
 * modelled: any other field answers an error naming it, never a silent null.
 *
 * Answers are GitHub's: HTTP 200 with `data` and/or `errors` (each with GitHub's `type`, e.g.
 * NOT_FOUND, STALE_DATA, FORBIDDEN, MAX_NODE_LIMIT_EXCEEDED), and `x-ratelimit-*` headers
 * counting points per token.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import {
  buildSchema,
  execute,
  getNamedType,
  GraphQLError,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  validate,
  valueFromAST,
  type DocumentNode,
  type FieldNode,
  type GraphQLArgument,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode
} from 'graphql'
import { WEB_FLOW, type GitCommit, type GitTreeEntry, type Oid } from './git.js'
import {
  GHOST,
  itemNodeId,
  nodeId,
  type GitHubWorld,
  type StoredComment,
  type WorldAccount,
  type WorldCaller,
  type WorldEvent,
  type WorldItem,
  type WorldRepository
} from './world.js'

/** An HTTP answer of the stand-in. */
export interface Answer {
  status: number
  body: unknown
  headers?: Record<string, string>
}

export const NODE_LIMIT = 500_000
export const POINTS_PER_HOUR = 5000
/** GitHub cuts `Blob.text` at this many bytes and sets `isTruncated`. */
export const BLOB_TEXT_LIMIT = 512_000

let schema: GraphQLSchema | null = null

/** GitHub's schema, built once per process from the SDL that `@octokit/graphql-schema` ships. */
export function githubSchema(): GraphQLSchema {
  if (schema) return schema
  let dir = import.meta.dirname
  const at = (d: string) => join(d, 'node_modules', '@octokit', 'graphql-schema', 'schema.graphql')
  while (!existsSync(at(dir)) && dirname(dir) !== dir) dir = dirname(dir)
  const file = at(dir)
  // The published SDL repeats two fields of EnterpriseOwnerInfo, which strict SDL validation
  // refuses; everything else in it is sound, so it is built without that check.
  schema = buildSchema(readFileSync(file, 'utf8'), { assumeValidSDL: true })
  return schema
}

/** An error as GitHub reports it, with its `type`. */
export class GitHubGraphQLError extends GraphQLError {
  constructor(type: string, message: string) {
    super(message, { extensions: { type } })
  }
}

function notModelled(what: string): never {
  throw new GraphQLError(`The GitHub stand-in does not model ${what}`)
}

// ---------------------------------------------------------------- limits and cost

export interface QueryMeasure {
  nodes: number
  /** GitHub's "requests needed to fulfil each connection", before dividing by 100. */
  requests: number
}

/**
 * Walks the operation as GitHub's node-limit check does: every connection needs `first` or
 * `last` from 1 to 100; a connection inside another is fetched once per parent node, so the
 * counts multiply down the tree.
 */
function measure(
  schema: GraphQLSchema,
  doc: DocumentNode,
  variables: Record<string, unknown>
): { measure: QueryMeasure; errors: GraphQLError[] } {
  const fragments = new Map<string, FragmentDefinitionNode>()
  for (const d of doc.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d)
  const op = doc.definitions.find(d => d.kind === Kind.OPERATION_DEFINITION)
  const errors: GraphQLError[] = []
  const total: QueryMeasure = { nodes: 0, requests: 0 }
  if (!op || op.kind !== Kind.OPERATION_DEFINITION) return { measure: total, errors }
  const root = op.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType()

  const walk = (set: SelectionSetNode, parent: GraphQLNamedType, multiplier: number) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent
        if (type) walk(sel.selectionSet, type, multiplier)
      } else if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const frag = fragments.get(sel.name.value)
        const type = frag && schema.getType(frag.typeCondition.name.value)
        if (frag && type) walk(frag.selectionSet, type, multiplier)
      } else if (sel.kind === Kind.FIELD && (isObjectType(parent) || isInterfaceType(parent))) {
        const def = parent.getFields()[sel.name.value]
        if (!def) continue
        const named = getNamedType(def.type)
        let inner = multiplier
        if (isObjectType(named) && named.name.endsWith('Connection')) {
          const size = pageSize(sel, def.args, variables, errors)
          total.requests += multiplier
          inner = multiplier * size
          total.nodes += inner
        }
        if (sel.selectionSet) walk(sel.selectionSet, named, inner)
      }
    }
  }
  if (root) walk(op.selectionSet, root, 1)
  return { measure: total, errors }
}

function pageSize(
  field: FieldNode,
  defs: ReadonlyArray<GraphQLArgument>,
  variables: Record<string, unknown>,
  errors: GraphQLError[]
): number {
  const value = (name: string): number | null => {
    const arg = field.arguments?.find(a => a.name.value === name)
    const def = defs.find(d => d.name === name)
    if (!arg || !def) return null
    const v = valueFromAST(arg.value, def.type, variables) as unknown
    return typeof v === 'number' ? v : null
  }
  const name = field.name.value
  const first = value('first')
  const last = value('last')
  const size = first ?? last
  if (size === null) {
    errors.push(
      new GitHubGraphQLError(
        'MISSING_PAGINATION_BOUNDARIES',
        `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`
      )
    )
    return 1
  }
  if (size > 100) {
    const which = first !== null ? 'first' : 'last'
    errors.push(
      new GitHubGraphQLError(
        'EXCESSIVE_PAGINATION',
        `Requesting ${size} records on the \`${name}\` connection exceeds the \`${which}\` limit of 100 records.`
      )
    )
  } else if (size < 1) {
    errors.push(
      new GitHubGraphQLError(
        'INVALID_PAGINATION',
        `\`first\` and \`last\` on the \`${name}\` connection must be within 1-100.`
      )
    )
  }
  return size
}

// ---------------------------------------------------------------- connections

interface PageArgs {
  first?: number | null
  last?: number | null
  after?: string | null
  before?: string | null
}

const CURSOR_PREFIX = 'cursor:v2:'

function cursorOf(index: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${index}`).toString('base64')
}

function indexOf(cursor: string): number {
  const text = Buffer.from(cursor, 'base64').toString('utf8')
  const n = Number(text.slice(CURSOR_PREFIX.length))
  if (!text.startsWith(CURSOR_PREFIX) || !Number.isInteger(n) || n < 0) {
    throw new GitHubGraphQLError(
      'INVALID_CURSOR_ARGUMENTS',
      `\`${cursor}\` does not appear to be a valid cursor.`
    )
  }
  return n
}

/** A Relay connection over a list, as GitHub pages it. */
export function connection<T>(all: T[], args: PageArgs) {
  let start = args.after ? indexOf(args.after) + 1 : 0
  let end = args.before ? indexOf(args.before) : all.length
  end = Math.min(end, all.length)
  if (typeof args.first === 'number') end = Math.min(end, start + args.first)
  if (typeof args.last === 'number') start = Math.max(start, end - args.last)
  const slice = all.slice(start, end)
  return {
    totalCount: all.length,
    nodes: slice,
    edges: slice.map((node, i) => ({ cursor: cursorOf(start + i), node })),
    pageInfo: {
      hasNextPage: end < all.length,
      hasPreviousPage: start > 0,
      startCursor: slice.length ? cursorOf(start) : null,
      endCursor: slice.length ? cursorOf(end - 1) : null
    }
  }
}

/** Arguments beyond paging that a field accepts here; any other one is refused by name. */
function only(args: Record<string, unknown>, field: string, modelled: string[]): void {
  const known = new Set(['first', 'last', 'after', 'before', ...modelled])
  for (const [name, value] of Object.entries(args)) {
    if (!known.has(name) && value !== undefined && value !== null)
      notModelled(`the argument ${name} of ${field}`)
  }
}

// ---------------------------------------------------------------- views

interface Ctx {
  world: GitHubWorld
  caller: WorldCaller
  measure: QueryMeasure
  points: { used: number; resetAt: string }
}

function actor(a: WorldAccount | null) {
  if (!a) return null
  const login = a.type === 'Bot' ? a.login.replace(/\[bot\]$/, '') : a.login
  const path = a.type === 'Bot' ? `/apps/${login}` : `/${login}`
  return {
    __typename: a.type,
    login,
    databaseId: a.id,
    id: nodeId(a.type === 'Bot' ? 'BOT' : a.type === 'User' ? 'U' : 'O', a.id),
    url: `https://github.com${path}`,
    resourcePath: path,
    avatarUrl: `https://avatars.githubusercontent.com/u/${a.id}?v=4`
  }
}

function commentAuthor(c: StoredComment): WorldAccount {
  const type = c.user.type === 'Bot' || c.user.type === 'Organization' ? c.user.type : 'User'
  return { login: c.user.login, id: c.user.id, type }
}

function commentView(c: StoredComment) {
  return {
    __typename: 'IssueComment',
    id: c.node_id,
    databaseId: c.id,
    body: c.body,
    author: actor(commentAuthor(c)),
    authorAssociation: c.author_association,
    url: c.html_url,
    createdAt: c.created_at,
    updatedAt: c.updated_at
  }
}

const EVENT_TYPES: Record<string, WorldEvent['type']> = {
  CLOSED_EVENT: 'ClosedEvent',
  REOPENED_EVENT: 'ReopenedEvent',
  MERGED_EVENT: 'MergedEvent'
}

function eventView(e: WorldEvent, item: WorldItem) {
  const common = { __typename: e.type, id: nodeId('EV', e.id), actor: actor(e.actor) }
  const createdAt = e.createdAt
  if (e.type === 'ClosedEvent')
    return { ...common, createdAt, stateReason: item.kind === 'issue' ? e.stateReason : null }
  return { ...common, createdAt }
}

type Order = { field: string; direction: 'ASC' | 'DESC' } | null | undefined

function ordered(items: WorldItem[], order: Order, world: GitHubWorld): WorldItem[] {
  const field = order?.field ?? 'CREATED_AT'
  const keyed = items.map(item => ({
    item,
    key:
      field === 'UPDATED_AT'
        ? world.updatedAt(item)
        : field === 'COMMENTS'
          ? world.comments(item.repository.fullName, item.number).length
          : item.createdAt
  }))
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.item.number - b.item.number))
  const sorted = keyed.map(k => k.item)
  return order?.direction === 'DESC' ? sorted.reverse() : sorted
}

class ItemView {
  constructor(
    private readonly item: WorldItem,
    private readonly ctx: Ctx
  ) {}
  get __typename() {
    return this.item.kind === 'pull_request' ? 'PullRequest' : 'Issue'
  }
  get id() {
    return itemNodeId(this.item)
  }
  get databaseId() {
    return this.item.id
  }
  get number() {
    return this.item.number
  }
  get title() {
    return this.item.title
  }
  get url() {
    const kind = this.item.kind === 'pull_request' ? 'pull' : 'issues'
    return `https://github.com/${this.item.repository.fullName}/${kind}/${this.item.number}`
  }
  get state() {
    return this.item.state
  }
  get closed() {
    return this.item.state !== 'OPEN'
  }
  get merged() {
    if (this.item.kind !== 'pull_request') return notModelled('Issue.merged')
    return this.item.state === 'MERGED'
  }
  get createdAt() {
    return this.item.createdAt
  }
  get updatedAt() {
    return this.ctx.world.updatedAt(this.item)
  }
  get closedAt() {
    return this.item.closedAt
  }
  get locked() {
    return this.ctx.world.locked(this.item.repository.fullName, this.item.number)
  }
  get body() {
    return this.item.body
  }
  get isPinned() {
    if (this.item.kind !== 'issue') return notModelled('PullRequest.isPinned')
    return this.item.pinned
  }
  get mergedAt() {
    return this.item.mergedAt
  }
  get mergedBy() {
    return actor(this.item.mergedBy)
  }
  get author() {
    return actor(this.item.author ?? GHOST)
  }
  stateReason(args: { enableDuplicate?: boolean | null }) {
    const reason = this.item.stateReason
    // Without enableDuplicate GitHub reports a duplicate as not planned.
    return reason === 'DUPLICATE' && !args.enableDuplicate ? 'NOT_PLANNED' : reason
  }
  get repository() {
    return new RepositoryView(this.item.repository, this.ctx)
  }
  assignees(args: PageArgs) {
    only(args as Record<string, unknown>, 'assignees', [])
    return connection(this.item.assignees.map(actor), args)
  }
  labels(args: PageArgs & { orderBy?: unknown }) {
    // Labels come in the order they were added, GitHub's default (CREATED_AT ascending).
    only(args as Record<string, unknown>, 'labels', ['orderBy'])
    const labels = this.item.labels.map(name => ({
      __typename: 'Label',
      id: nodeId('LA', `${this.item.repository.id}:${name}`),
      name,
      color: 'ededed'
    }))
    return connection(labels, args)
  }
  reviews(args: PageArgs & { states?: string[] | null; author?: string | null }) {
    only(args as Record<string, unknown>, 'reviews', ['states', 'author'])
    const reviews = this.item.reviews
      .filter(r => !args.states || args.states.includes(r.state))
      .filter(r => !args.author || r.author.login.toLowerCase() === args.author.toLowerCase())
      .map(r => ({
        __typename: 'PullRequestReview',
        id: nodeId('PRR', r.id),
        databaseId: r.id,
        author: actor(r.author),
        state: r.state,
        submittedAt: r.submittedAt,
        createdAt: r.submittedAt
      }))
    return connection(reviews, args)
  }
  comments(args: PageArgs) {
    only(args as Record<string, unknown>, 'comments', [])
    const all = this.ctx.world.comments(this.item.repository.fullName, this.item.number)
    return connection(all.map(commentView), args)
  }
  timelineItems(args: PageArgs & { itemTypes?: string[] | null; since?: string | null }) {
    only(args as Record<string, unknown>, 'timelineItems', ['itemTypes', 'since'])
    const wanted = args.itemTypes?.map(t => EVENT_TYPES[t] ?? notModelled(`timeline item ${t}`))
    const events = this.item.timeline
      .filter(e => !wanted || wanted.includes(e.type))
      .filter(e => !args.since || e.createdAt >= new Date(args.since).toISOString())
      .map(e => eventView(e, this.item))
    return connection(events, args)
  }
}

function blobView(repo: WorldRepository, oid: Oid): View {
  const blob = repo.git.blob(oid)!
  const truncated = blob.content.length > BLOB_TEXT_LIMIT
  const binary = blob.content.includes(0)
  return {
    __typename: 'Blob',
    oid,
    abbreviatedOid: oid.slice(0, 7),
    id: nodeId('B', oid),
    byteSize: blob.content.length,
    isBinary: binary,
    isTruncated: truncated,
    text: binary ? null : blob.content.subarray(0, BLOB_TEXT_LIMIT).toString('utf8')
  }
}

/** A view: what a GraphQL object resolves from (values, or methods taking the arguments). */
type View = Record<string, unknown>

function treeEntryView(repo: WorldRepository, e: GitTreeEntry, path: string): View {
  return {
    __typename: 'TreeEntry',
    name: e.name,
    path,
    oid: e.oid,
    mode: parseInt(e.type === 'tree' ? '040000' : e.mode, 8),
    type: e.type,
    object: objectView(repo, e.oid)
  }
}

function treeView(repo: WorldRepository, oid: Oid): View {
  return {
    __typename: 'Tree',
    oid,
    abbreviatedOid: oid.slice(0, 7),
    id: nodeId('T', oid),
    entries: repo.git.tree(oid)!.entries.map(e => treeEntryView(repo, e, e.name))
  }
}

function commitView(repo: WorldRepository, oid: Oid): View {
  const c: GitCommit = repo.git.commit(oid)!
  const [headline = '', ...rest] = c.message.split('\n')
  return {
    __typename: 'Commit',
    oid,
    abbreviatedOid: oid.slice(0, 7),
    id: nodeId('C', oid),
    message: c.message,
    messageHeadline: headline,
    messageBody: rest.join('\n').trim(),
    committedDate: c.committer.date,
    authoredDate: c.author.date,
    url: `https://github.com/${repo.fullName}/commit/${oid}`,
    tree: () => treeView(repo, c.tree),
    parents: (args: PageArgs) =>
      connection(
        c.parents.map(p => commitView(repo, p)),
        args
      ),
    file: ({ path }: { path: string }) => {
      const e = repo.git.entry(c.tree, path)
      return e && path !== '' ? treeEntryView(repo, e, path) : null
    }
  }
}

function objectView(repo: WorldRepository, oid: Oid): View | null {
  const o = repo.git.get(oid)
  if (!o) return null
  if (o.type === 'blob') return blobView(repo, oid)
  if (o.type === 'tree') return treeView(repo, oid)
  return commitView(repo, oid)
}

function refView(repo: WorldRepository, qualified: string, ctx: Ctx) {
  const oid = repo.ref(qualified)
  if (!oid) return null
  const [, prefix = '', name = ''] = /^(refs\/[^/]+\/)(.*)$/.exec(qualified) ?? []
  return {
    __typename: 'Ref',
    id: nodeId('REF', `${repo.id}:${qualified}`),
    name,
    prefix,
    target: commitView(repo, oid),
    repository: new RepositoryView(repo, ctx)
  }
}

/** `rev` or `rev:path` as git (and GitHub's `object(expression:)`) reads them. */
function resolveExpression(repo: WorldRepository, expression: string): Oid | null {
  const colon = expression.indexOf(':')
  const rev = colon < 0 ? expression : expression.slice(0, colon)
  const path = colon < 0 ? null : expression.slice(colon + 1)
  const commit =
    /^[0-9a-f]{40}$/.test(rev) && repo.git.commit(rev)
      ? rev
      : rev === 'HEAD'
        ? repo.ref(`refs/heads/${repo.options.branch}`)
        : rev.startsWith('refs/')
          ? repo.ref(rev)
          : (repo.ref(`refs/heads/${rev}`) ?? repo.ref(`refs/tags/${rev}`))
  if (!commit) return null
  if (path === null) return commit
  const tree = repo.git.commit(commit)!.tree
  return path === '' ? tree : (repo.git.entry(tree, path)?.oid ?? null)
}

class RepositoryView {
  readonly __typename = 'Repository'
  constructor(
    private readonly repo: WorldRepository,
    private readonly ctx: Ctx
  ) {}
  get id() {
    return nodeId('R', this.repo.id)
  }
  get databaseId() {
    return this.repo.id
  }
  get name() {
    return this.repo.name
  }
  get nameWithOwner() {
    return this.repo.fullName
  }
  get owner() {
    return ownerView(this.repo.owner, this.ctx)
  }
  get url() {
    return `https://github.com/${this.repo.fullName}`
  }
  get isPrivate() {
    return this.repo.options.isPrivate
  }
  get isArchived() {
    return this.repo.options.isArchived
  }
  get isFork() {
    return false
  }
  get isEmpty() {
    return this.repo.empty
  }
  get createdAt() {
    return this.repo.createdAt
  }
  get defaultBranchRef() {
    return refView(this.repo, `refs/heads/${this.repo.options.branch}`, this.ctx)
  }
  private items(kind: WorldItem['kind'], states: string[] | null | undefined, labels?: string[]) {
    return this.repo.items.filter(
      i =>
        i.kind === kind &&
        (!states || states.includes(i.state)) &&
        (!labels || labels.some(l => i.labels.includes(l)))
    )
  }
  pullRequests(args: PageArgs & { states?: string[]; orderBy?: Order; labels?: string[] }) {
    only(args as Record<string, unknown>, 'pullRequests', ['states', 'orderBy', 'labels'])
    const list = ordered(
      this.items('pull_request', args.states, args.labels ?? undefined),
      args.orderBy,
      this.ctx.world
    )
    return connection(
      list.map(i => new ItemView(i, this.ctx)),
      args
    )
  }
  issues(
    args: PageArgs & {
      states?: string[]
      orderBy?: Order
      labels?: string[]
      filterBy?: { since?: string | null; states?: string[] | null; viewerSubscribed?: boolean }
    }
  ) {
    only(args as Record<string, unknown>, 'issues', ['states', 'orderBy', 'labels', 'filterBy'])
    const { since, states, viewerSubscribed, ...rest } = args.filterBy ?? {}
    for (const [name, value] of Object.entries(rest))
      if (value !== undefined && value !== null) notModelled(`filterBy.${name} of issues`)
    if (viewerSubscribed) notModelled('filterBy.viewerSubscribed of issues')
    const from = since ? new Date(since).toISOString() : null
    const list = this.items('issue', args.states, args.labels ?? undefined)
      .filter(i => !states || states.includes(i.state))
      .filter(i => !from || this.ctx.world.updatedAt(i) >= from)
    return connection(
      ordered(list, args.orderBy, this.ctx.world).map(i => new ItemView(i, this.ctx)),
      args
    )
  }
  private one(kind: WorldItem['kind'], number: number) {
    const item = this.repo.items.find(i => i.number === number && i.kind === kind)
    if (!item) {
      const what = kind === 'pull_request' ? 'PullRequest' : 'Issue'
      throw new GitHubGraphQLError(
        'NOT_FOUND',
        `Could not resolve to a${what === 'Issue' ? 'n' : ''} ${what} with the number of ${number}.`
      )
    }
    return new ItemView(item, this.ctx)
  }
  pullRequest({ number }: { number: number }) {
    return this.one('pull_request', number)
  }
  issue({ number }: { number: number }) {
    return this.one('issue', number)
  }
  issueOrPullRequest({ number }: { number: number }) {
    const item = this.repo.items.find(i => i.number === number)
    return item ? new ItemView(item, this.ctx) : null
  }
  ref({ qualifiedName }: { qualifiedName: string }) {
    const q = qualifiedName.startsWith('refs/') ? qualifiedName : `refs/heads/${qualifiedName}`
    return refView(this.repo, q, this.ctx)
  }
  object({ expression, oid }: { expression?: string | null; oid?: string | null }) {
    const found = oid ?? (expression ? resolveExpression(this.repo, expression) : null)
    return found ? objectView(this.repo, found) : null
  }
}

function repositoriesOf(owner: WorldAccount, ctx: Ctx, args: Record<string, unknown>) {
  only(args, 'repositories', [
    'orderBy',
    'ownerAffiliations',
    'affiliations',
    'isArchived',
    'isFork',
    'privacy'
  ])
  const order = args.orderBy as Order
  const field = order?.field ?? 'CREATED_AT'
  if (!['NAME', 'CREATED_AT', 'UPDATED_AT', 'PUSHED_AT'].includes(field))
    notModelled(`repositories ordered by ${field}`)
  let repos = ctx.world.ownedBy(owner.login).filter(r => ctx.world.visible(ctx.caller, r))
  if (typeof args.isArchived === 'boolean')
    repos = repos.filter(r => r.options.isArchived === args.isArchived)
  if (args.isFork === true) repos = []
  if (args.privacy) repos = repos.filter(r => r.options.isPrivate === (args.privacy === 'PRIVATE'))
  const key = (r: WorldRepository) => (field === 'NAME' ? r.name.toLowerCase() : r.createdAt)
  repos = [...repos].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id - b.id))
  if (order?.direction === 'DESC') repos.reverse()
  return connection(
    repos.map(r => new RepositoryView(r, ctx)),
    args as PageArgs
  )
}

function ownerView(a: WorldAccount, ctx: Ctx) {
  return {
    ...actor(a),
    __typename: a.type === 'Organization' ? 'Organization' : 'User',
    repositories: (args: Record<string, unknown>) => repositoriesOf(a, ctx, args),
    repository: ({ name }: { name: string }) => {
      const repo = ctx.world.find(`${a.login}/${name}`)
      return repo && ctx.world.visible(ctx.caller, repo) ? new RepositoryView(repo, ctx) : null
    }
  }
}

function findRepository(ctx: Ctx, owner: string, name: string): WorldRepository {
  const repo = ctx.world.find(`${owner}/${name}`)
  if (!repo || !ctx.world.visible(ctx.caller, repo)) {
    throw new GitHubGraphQLError(
      'NOT_FOUND',
      `Could not resolve to a Repository with the name '${owner}/${name}'.`
    )
  }
  return repo
}

/** GitHub pins at most this many issues per repository. */
export const PINNED_ISSUES_LIMIT = 3

/**
 * `pinIssue`: needs write access to the repository's issues (a read-only token or one with
 * "Issues: read-only" is refused); pinning a pinned issue changes nothing. GitHub pins at most
 * three issues per repository; it documents the limit, not the error's wording, which is ours.
 */
function pinIssue(input: { issueId: string; clientMutationId?: string | null }, ctx: Ctx) {
  const item = ctx.world.itemByNodeId(input.issueId)
  if (!item || !ctx.world.visible(ctx.caller, item.repository))
    throw new GitHubGraphQLError(
      'NOT_FOUND',
      `Could not resolve to a node with the global id of '${input.issueId}'`
    )
  if (item.kind !== 'issue')
    throw new GitHubGraphQLError(
      'NOT_FOUND',
      `Could not resolve to Issue node with the global id of '${input.issueId}'`
    )
  if (ctx.caller.readOnly || ctx.caller.issuesReadOnly)
    throw new GitHubGraphQLError('FORBIDDEN', 'Resource not accessible by integration')
  const pinned = item.repository.items.filter(i => i.pinned && i !== item)
  if (!item.pinned && pinned.length >= PINNED_ISSUES_LIMIT)
    throw new GitHubGraphQLError(
      'UNPROCESSABLE',
      `This repository already has ${PINNED_ISSUES_LIMIT} pinned issues.`
    )
  item.pinned = true
  return { clientMutationId: input.clientMutationId ?? null, issue: new ItemView(item, ctx) }
}

interface CommitInput {
  branch: {
    repositoryNameWithOwner?: string | null
    branchName?: string | null
    id?: string | null
  }
  expectedHeadOid: string
  message: { headline: string; body?: string | null }
  fileChanges?: {
    additions?: Array<{ path: string; contents: string }> | null
    deletions?: Array<{ path: string }> | null
  } | null
  clientMutationId?: string | null
}

function createCommitOnBranch(input: CommitInput, ctx: Ctx) {
  const { repositoryNameWithOwner: full, branchName } = input.branch
  if (input.branch.id || !full || !branchName)
    notModelled('CommittableBranch without repositoryNameWithOwner and branchName')
  const [owner = '', name = ''] = full.split('/')
  const repo = findRepository(ctx, owner, name)
  if (ctx.caller.readOnly)
    throw new GitHubGraphQLError('FORBIDDEN', 'Resource not accessible by integration')
  const qualified = branchName.startsWith('refs/heads/') ? branchName : `refs/heads/${branchName}`
  ctx.world.beforeCommitOnBranch?.(repo, qualified)
  const head = repo.ref(qualified)
  if (!head) {
    throw new GitHubGraphQLError(
      'NOT_FOUND',
      `A ref named "${qualified}" does not exist in "${repo.fullName}".`
    )
  }
  if (input.expectedHeadOid !== head) {
    throw new GitHubGraphQLError(
      'STALE_DATA',
      `Expected branch to point to "${input.expectedHeadOid}" but it did not. Pull and try again.`
    )
  }
  const git = repo.git
  const files = git.files(git.commit(head)!.tree)
  for (const d of input.fileChanges?.deletions ?? []) {
    if (!files.delete(d.path)) {
      throw new GitHubGraphQLError(
        'UNPROCESSABLE',
        `A path was requested for deletion which does not exist as of commit oid \`${head}\``
      )
    }
  }
  for (const a of input.fileChanges?.additions ?? []) {
    files.set(a.path, git.writeBlob(Buffer.from(a.contents, 'base64')))
  }
  const date = ctx.world.now().toISOString()
  const who = ctx.caller.identity
  const message = input.message.body
    ? `${input.message.headline}\n\n${input.message.body}`
    : input.message.headline
  const oid = git.writeCommit({
    tree: git.writeFiles(files),
    parents: [head],
    message,
    author: { name: who.login, email: `${who.id}+${who.login}@users.noreply.github.com`, date },
    committer: { ...WEB_FLOW, date }
  })
  repo.refs.set(qualified, oid)
  return {
    clientMutationId: input.clientMutationId ?? null,
    commit: commitView(repo, oid),
    ref: refView(repo, qualified, ctx)
  }
}

const root = {
  viewer(_args: unknown, ctx: Ctx) {
    // The token's own account, as GitHub names it for any token (installation tokens too).
    const who = ctx.caller.identity
    const known = ctx.world.account(who.login)
    return {
      ...ownerView(known ?? { login: who.login, id: who.id, type: 'User' }, ctx),
      __typename: 'User',
      login: who.login,
      databaseId: who.id
    }
  },
  repository(args: { owner: string; name: string; followRenames?: boolean }, ctx: Ctx) {
    return new RepositoryView(findRepository(ctx, args.owner, args.name), ctx)
  },
  repositoryOwner({ login }: { login: string }, ctx: Ctx) {
    const a = ctx.world.account(login)
    return a && a.type !== 'Bot' ? ownerView(a, ctx) : null
  },
  organization({ login }: { login: string }, ctx: Ctx) {
    const a = ctx.world.account(login)
    if (a?.type !== 'Organization') {
      throw new GitHubGraphQLError(
        'NOT_FOUND',
        `Could not resolve to an Organization with the login of '${login}'.`
      )
    }
    return ownerView(a, ctx)
  },
  user({ login }: { login: string }, ctx: Ctx) {
    const a = ctx.world.account(login)
    if (a?.type !== 'User')
      throw new GitHubGraphQLError(
        'NOT_FOUND',
        `Could not resolve to a User with the login of '${login}'.`
      )
    return ownerView(a, ctx)
  },
  rateLimit(_args: unknown, ctx: Ctx) {
    const cost = pointCost(ctx.measure)
    return {
      limit: POINTS_PER_HOUR,
      cost,
      used: ctx.points.used,
      remaining: Math.max(0, POINTS_PER_HOUR - ctx.points.used),
      resetAt: ctx.points.resetAt,
      nodeCount: ctx.measure.nodes
    }
  },
  createCommitOnBranch({ input }: { input: CommitInput }, ctx: Ctx) {
    return createCommitOnBranch(input, ctx)
  },
  pinIssue({ input }: { input: { issueId: string; clientMutationId?: string | null } }, ctx: Ctx) {
    return pinIssue(input, ctx)
  }
}

/** Reads own properties and methods of the views; a field with no model is an error. */
const fieldResolver: GraphQLFieldResolver<unknown, Ctx> = (source, args, ctx, info) => {
  const obj = source as Record<string, unknown>
  const value = obj[info.fieldName]
  if (value === undefined && !(info.fieldName in obj))
    notModelled(`${info.parentType.name}.${info.fieldName}`)
  return typeof value === 'function' ? value.call(obj, args, ctx, info) : value
}

/**
 * What GitHub checks before it runs a query: the schema (unknown fields, wrong arguments...),
 * then its limits (`first`/`last` on every connection, 1 to 100, at most 500,000 nodes).
 */
export function checkQuery(
  doc: DocumentNode,
  variables: Record<string, unknown> = {}
): { errors: readonly GraphQLError[]; measure: QueryMeasure } {
  const schema = githubSchema()
  const invalid = validate(schema, doc)
  if (invalid.length > 0) return { errors: invalid, measure: { nodes: 0, requests: 0 } }
  const { measure: m, errors } = measure(schema, doc, variables)
  if (errors.length > 0 || m.nodes <= NODE_LIMIT) return { errors, measure: m }
  const nodes = m.nodes.toLocaleString('en-US')
  const limit = NODE_LIMIT.toLocaleString('en-US')
  const message = `This query requests up to ${nodes} possible nodes which exceeds the maximum limit of ${limit}.`
  return { errors: [new GitHubGraphQLError('MAX_NODE_LIMIT_EXCEEDED', message)], measure: m }
}

/** GitHub's primary-limit cost: requests / 100, rounded, at least 1. */
export function pointCost(m: QueryMeasure): number {
  return Math.max(1, Math.round(m.requests / 100))
}

export interface GraphQLRequestLog {
  operation: 'query' | 'mutation' | 'invalid'
  cost: number
  nodes: number
  /** `type` of each error in the answer. */
  errors: string[]
}

function formatError(e: GraphQLError): Record<string, unknown> {
  const type = e.extensions?.['type']
  return {
    ...(typeof type === 'string' ? { type } : {}),
    ...(e.path ? { path: e.path } : {}),
    ...(e.locations ? { locations: e.locations } : {}),
    message: e.message
  }
}

/** The `/graphql` endpoint: one instance per server, with per-token point accounting. */
export class GraphQLEndpoint {
  readonly log: GraphQLRequestLog[] = []
  private readonly points = new Map<string, { used: number; resetAt: string }>()

  constructor(private readonly world: GitHubWorld) {}

  async handle(caller: WorldCaller, raw: string): Promise<Answer> {
    let body: { query?: unknown; variables?: unknown; operationName?: unknown }
    try {
      body = JSON.parse(raw || '{}') as typeof body
    } catch {
      return { status: 400, body: { message: 'Problems parsing JSON' } }
    }
    const refuse = (errors: GraphQLError[], m: QueryMeasure = { nodes: 0, requests: 0 }) => {
      this.log.push({
        operation: 'invalid',
        cost: 0,
        nodes: m.nodes,
        errors: errors.map(e => String(e.extensions?.['type'] ?? 'INVALID'))
      })
      return { status: 200, body: { errors: errors.map(formatError) } }
    }
    if (typeof body.query !== 'string')
      return refuse([new GraphQLError('A query attribute must be specified and must be a string.')])
    const variables = (body.variables ?? {}) as Record<string, unknown>
    let doc: DocumentNode
    try {
      doc = parse(body.query)
    } catch (e) {
      return refuse([e as GraphQLError])
    }
    const { errors, measure: m } = checkQuery(doc, variables)
    if (errors.length > 0) return refuse([...errors], m)
    const points = this.spend(caller, pointCost(m))
    const ctx: Ctx = { world: this.world, caller, measure: m, points }
    const op = doc.definitions.find(d => d.kind === Kind.OPERATION_DEFINITION)
    const result = await execute({
      schema: githubSchema(),
      document: doc,
      rootValue: root,
      contextValue: ctx,
      variableValues: variables,
      operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
      fieldResolver
    })
    const errs = result.errors ?? []
    this.log.push({
      operation:
        op && op.kind === Kind.OPERATION_DEFINITION && op.operation === 'mutation'
          ? 'mutation'
          : 'query',
      cost: pointCost(m),
      nodes: m.nodes,
      errors: errs.map(e => String(e.extensions?.['type'] ?? 'ERROR'))
    })
    return {
      status: 200,
      body: {
        ...(result.data !== undefined ? { data: result.data } : {}),
        ...(errs.length ? { errors: errs.map(formatError) } : {})
      },
      headers: {
        'x-ratelimit-limit': String(POINTS_PER_HOUR),
        'x-ratelimit-remaining': String(Math.max(0, POINTS_PER_HOUR - points.used)),
        'x-ratelimit-used': String(points.used),
        'x-ratelimit-reset': String(Math.floor(Date.parse(points.resetAt) / 1000)),
        'x-ratelimit-resource': 'graphql'
      }
    }
  }

  private spend(caller: WorldCaller, cost: number) {
    const key = `${caller.identity.id}`
    const now = Date.now()
    let p = this.points.get(key)
    if (!p || Date.parse(p.resetAt) <= now) {
      p = { used: 0, resetAt: new Date(now + 3600_000).toISOString() }
      this.points.set(key, p)
    }
    p.used += cost
    return p
  }
}
