/**
 * A merged pull request or closed issue as discovery hands it on: the webhook event it stands
 * for (a payload shaped like GitHub's `pull_request` / `issues` "closed" payload, which the
 * event planner reads unchanged), plus what a webhook does not carry: approvals and the
 * ledger records already written in the item's comments. Pure: reads GraphQL answers.
 */
/** A comment as the ledger reads it (the fields of the REST API's issue comments). */
export interface ItemComment {
  id: number
  userId: number | null
  /** As REST spells it: a bot's login ends in `[bot]`. */
  userLogin: string | null
  userType: string | null
  association: string | null
  body: string
  url: string
}

/** What marks a comment that holds ledger records. */
export const LEDGER_MARKER = '<!-- moodle-xp-ledger '

/** A webhook-shaped person: `{login, id, type}`. */
export interface PayloadPerson {
  login: string
  id: number | null
  type: string
}

export interface ClosedPullRequestPayload {
  action: 'closed'
  number: number
  pull_request: {
    number: number
    title: string
    html_url: string
    state: 'closed'
    merged: true
    merged_at: string
    closed_at: string
    updated_at: string
    user: PayloadPerson
    merged_by: PayloadPerson
    assignees: PayloadPerson[]
    labels: Array<{ name: string }>
  }
  repository: { full_name: string }
  /** Who merged it: the sender of GitHub's "closed" event. */
  sender: PayloadPerson
}

export interface ClosedIssuePayload {
  action: 'closed'
  issue: {
    number: number
    title: string
    html_url: string
    state: 'closed'
    /** REST's spelling: `completed`, `not_planned`, `duplicate`; null on old issues. */
    state_reason: string | null
    closed_at: string
    updated_at: string
    user: PayloadPerson
    assignees: PayloadPerson[]
    labels: Array<{ name: string }>
  }
  repository: { full_name: string }
  /** Who closed it: the actor of its last ClosedEvent. */
  sender: PayloadPerson
}

export type DiscoveredItem =
  | (ItemBase & {
      kind: 'pull_request'
      event: { name: 'pull_request'; payload: ClosedPullRequestPayload }
    })
  | (ItemBase & { kind: 'issue'; event: { name: 'issues'; payload: ClosedIssuePayload } })

interface ItemBase {
  /** `owner/name` as GitHub spells it. */
  repository: string
  number: number
  /** When it was merged (pull request) or closed (issue), ISO. */
  at: string
  updatedAt: string
  /**
   * Pull requests: the accounts other than the author with an approving review (dismissed
   * approvals do not count); empty for issues.
   */
  approvers: PayloadPerson[]
  /** The item's comments that hold ledger records, oldest first. */
  ledgerComments: ItemComment[]
  /**
   * False when GitHub takes no new comment there from an installation token: the conversation
   * is locked, or the repository archived.
   */
  canComment: boolean
}

/** GitHub's placeholder for a deleted account, as REST payloads name it. */
export const GHOST: PayloadPerson = { login: 'ghost', id: 10137, type: 'User' }

export interface GraphQLActor {
  __typename: string
  login: string
  databaseId?: number | null
}

/** An actor in REST's form: GraphQL names bots without the `[bot]` that REST adds. */
export function personOf(a: GraphQLActor | null | undefined): PayloadPerson {
  if (!a) return { ...GHOST }
  const login = a.__typename === 'Bot' && !a.login.endsWith('[bot]') ? `${a.login}[bot]` : a.login
  return { login, id: typeof a.databaseId === 'number' ? a.databaseId : null, type: a.__typename }
}

export interface GraphQLComment {
  databaseId: number | null
  body: string
  url: string
  authorAssociation: string
  author: GraphQLActor | null
}

export function commentOf(c: GraphQLComment): ItemComment {
  const who = c.author ? personOf(c.author) : null
  return {
    id: c.databaseId ?? 0,
    userId: who?.id ?? null,
    userLogin: who?.login ?? null,
    userType: who?.type ?? null,
    association: c.authorAssociation,
    body: c.body,
    url: c.url
  }
}

interface Page<T> {
  pageInfo?: { hasNextPage: boolean; endCursor: string | null }
  nodes: T[]
}

export interface GraphQLPullRequest {
  number: number
  title: string
  url: string
  updatedAt: string
  mergedAt: string
  locked: boolean
  author: GraphQLActor | null
  mergedBy: GraphQLActor | null
  assignees: Page<GraphQLActor>
  labels: Page<{ name: string }>
  reviews: Page<{ author: GraphQLActor | null }>
  comments: Page<GraphQLComment>
}

export interface GraphQLIssue {
  number: number
  title: string
  url: string
  updatedAt: string
  closedAt: string
  locked: boolean
  stateReason: string | null
  author: GraphQLActor | null
  assignees: Page<GraphQLActor>
  labels: Page<{ name: string }>
  comments: Page<GraphQLComment>
  timelineItems: { nodes: Array<{ actor?: GraphQLActor | null }> }
}

/** An item being read, with the connections that still have pages to read. */
export interface ItemFacts {
  kind: 'pull_request' | 'issue'
  repository: string
  number: number
  title: string
  url: string
  updatedAt: string
  at: string
  author: PayloadPerson
  sender: PayloadPerson
  assignees: PayloadPerson[]
  labels: string[]
  stateReason: string | null
  reviewers: PayloadPerson[]
  comments: ItemComment[]
  /** The conversation is locked, or the repository archived. */
  closedToComments: boolean
  /** Connection -> end cursor of the last page read, for connections with more pages. */
  more: Partial<Record<'comments' | 'labels' | 'approvals', string>>
}

function more<T>(p: Page<T>): string | undefined {
  return p.pageInfo?.hasNextPage && p.pageInfo.endCursor ? p.pageInfo.endCursor : undefined
}

function pending(entries: Array<[keyof ItemFacts['more'], string | undefined]>): ItemFacts['more'] {
  const out: ItemFacts['more'] = {}
  for (const [k, v] of entries) if (v !== undefined) out[k] = v
  return out
}

export function pullRequestFacts(
  repository: string,
  pr: GraphQLPullRequest,
  archived = false
): ItemFacts {
  return {
    kind: 'pull_request',
    repository,
    number: pr.number,
    title: pr.title,
    url: pr.url,
    updatedAt: pr.updatedAt,
    at: pr.mergedAt,
    author: personOf(pr.author),
    sender: personOf(pr.mergedBy),
    assignees: pr.assignees.nodes.map(personOf),
    labels: pr.labels.nodes.map(l => l.name),
    stateReason: null,
    reviewers: pr.reviews.nodes.map(r => personOf(r.author)),
    comments: pr.comments.nodes.map(commentOf),
    closedToComments: pr.locked || archived,
    more: pending([
      ['comments', more(pr.comments)],
      ['labels', more(pr.labels)],
      ['approvals', more(pr.reviews)]
    ])
  }
}

export function issueFacts(repository: string, issue: GraphQLIssue, archived = false): ItemFacts {
  const closing = issue.timelineItems.nodes.at(-1)
  return {
    kind: 'issue',
    repository,
    number: issue.number,
    title: issue.title,
    url: issue.url,
    updatedAt: issue.updatedAt,
    at: issue.closedAt,
    author: personOf(issue.author),
    sender: personOf(closing?.actor),
    assignees: issue.assignees.nodes.map(personOf),
    labels: issue.labels.nodes.map(l => l.name),
    stateReason: issue.stateReason ? issue.stateReason.toLowerCase() : null,
    reviewers: [],
    comments: issue.comments.nodes.map(commentOf),
    closedToComments: issue.locked || archived,
    more: pending([
      ['comments', more(issue.comments)],
      ['labels', more(issue.labels)]
    ])
  }
}

/** Same account: by id when both have one, else by login. */
function same(a: PayloadPerson, b: PayloadPerson): boolean {
  if (a.id !== null && b.id !== null) return a.id === b.id
  return a.login.toLowerCase() === b.login.toLowerCase()
}

/** The finished item: the webhook-shaped event, approvals and ledger comments. */
export function discoveredItem(f: ItemFacts): DiscoveredItem {
  const labels = f.labels.map(name => ({ name }))
  const approvers: PayloadPerson[] = []
  for (const r of f.reviewers) {
    if (!same(r, f.author) && !approvers.some(a => same(a, r))) approvers.push(r)
  }
  const base: ItemBase = {
    repository: f.repository,
    number: f.number,
    at: f.at,
    updatedAt: f.updatedAt,
    approvers,
    ledgerComments: f.comments.filter(c => c.body.includes(LEDGER_MARKER)),
    canComment: !f.closedToComments
  }
  const repository = { full_name: f.repository }
  if (f.kind === 'pull_request') {
    const payload: ClosedPullRequestPayload = {
      action: 'closed',
      number: f.number,
      pull_request: {
        number: f.number,
        title: f.title,
        html_url: f.url,
        state: 'closed',
        merged: true,
        merged_at: f.at,
        closed_at: f.at,
        updated_at: f.updatedAt,
        user: f.author,
        merged_by: f.sender,
        assignees: f.assignees,
        labels
      },
      repository,
      sender: f.sender
    }
    return { ...base, kind: 'pull_request', event: { name: 'pull_request', payload } }
  }
  const payload: ClosedIssuePayload = {
    action: 'closed',
    issue: {
      number: f.number,
      title: f.title,
      html_url: f.url,
      state: 'closed',
      state_reason: f.stateReason,
      closed_at: f.at,
      updated_at: f.updatedAt,
      user: f.author,
      assignees: f.assignees,
      labels
    },
    repository,
    sender: f.sender
  }
  return { ...base, kind: 'issue', event: { name: 'issues', payload } }
}

/** The item's title and web address, as its payload carries them. */
export function itemText(item: DiscoveredItem): { title: string; url: string } {
  const p =
    item.event.name === 'pull_request' ? item.event.payload.pull_request : item.event.payload.issue
  return { title: p.title, url: p.html_url }
}
