/**
 * The GraphQL documents discovery sends. Every connection names `first` or `last` (GitHub
 * refuses a query without), and page sizes keep a query far under GitHub's 500,000-node limit.
 * Repository names are written into the documents as string literals (aliases `r0`, `r1`...):
 * GraphQL has no list-of-queries variable, and the names are checked before they get here.
 */

/** Repositories per page of an owner's repository list (GitHub's maximum). */
export const SCAN_PAGE = 100
/** Named repositories per activity query. */
export const SCAN_NAMED = 100
/** Repositories per query when reading their merged pull requests and closed issues. */
export const FETCH_REPOSITORIES = 25
/** Items per repository in the first page, and in each later page. */
export const FIRST_PAGE = 10
export const NEXT_PAGE = 50
/** Comments read with each item; a longer thread costs follow-up requests. */
export const COMMENTS_PAGE = 30
export const LABELS_PAGE = 25
export const APPROVALS_PAGE = 10
/** GitHub allows at most 10 assignees on an issue or pull request. */
export const ASSIGNEES = 10
/** Items per follow-up query (each reads one more page of one connection of one item). */
export const FOLLOW_UPS = 25

export interface RepositoryRef {
  owner: string
  name: string
}

const WHO = `fragment Who on Actor {
  __typename login
  ... on User { databaseId } ... on Bot { databaseId }
  ... on Organization { databaseId } ... on Mannequin { databaseId }
}`

const ACTIVITY = `fragment Activity on Repository {
  nameWithOwner
  merged: pullRequests(states: MERGED, first: 1, orderBy: {field: UPDATED_AT, direction: DESC}) { nodes { updatedAt } }
  closed: issues(states: CLOSED, first: 1, orderBy: {field: UPDATED_AT, direction: DESC}) { nodes { updatedAt } }
}`

const COMMENT = `fragment Comment on IssueComment { databaseId body url authorAssociation author { ...Who } }`

const PAGE_INFO = 'pageInfo { hasNextPage endCursor }'

const PULL_REQUEST = `fragment PullRequestFacts on PullRequest {
  number title url updatedAt mergedAt locked
  author { ...Who } mergedBy { ...Who }
  assignees(first: ${ASSIGNEES}) { nodes { ...Who } }
  labels(first: ${LABELS_PAGE}) { ${PAGE_INFO} nodes { name } }
  reviews(states: APPROVED, first: ${APPROVALS_PAGE}) { ${PAGE_INFO} nodes { author { ...Who } } }
  comments(first: ${COMMENTS_PAGE}) { ${PAGE_INFO} nodes { ...Comment } }
}`

const ISSUE = `fragment IssueFacts on Issue {
  number title url updatedAt closedAt locked stateReason(enableDuplicate: true)
  author { ...Who }
  assignees(first: ${ASSIGNEES}) { nodes { ...Who } }
  labels(first: ${LABELS_PAGE}) { ${PAGE_INFO} nodes { name } }
  comments(first: ${COMMENTS_PAGE}) { ${PAGE_INFO} nodes { ...Comment } }
  timelineItems(itemTypes: [CLOSED_EVENT], last: 1) { nodes { ... on ClosedEvent { actor { ...Who } } } }
}`

const literal = (text: string) => JSON.stringify(text)

function repository(r: RepositoryRef): string {
  return `repository(owner: ${literal(r.owner)}, name: ${literal(r.name)})`
}

/** One page of an owner's repositories, with each one's latest merge and close. */
export const OWNER_SCAN = `query($owner: String!, $after: String) {
  repositoryOwner(login: $owner) {
    login
    repositories(first: ${SCAN_PAGE}, after: $after, ownerAffiliations: [OWNER], orderBy: {field: NAME, direction: ASC}) {
      ${PAGE_INFO}
      nodes { ...Activity }
    }
  }
}
${ACTIVITY}`

/** Named repositories' latest merge and close (`r0`, `r1`... in the order given). */
export function namedScan(repos: RepositoryRef[]): string {
  const fields = repos.map((r, i) => `  r${i}: ${repository(r)} { ...Activity }`)
  return `query {\n${fields.join('\n')}\n}\n${ACTIVITY}`
}

/** What to read of one repository in a fetch query. */
export interface FetchRequest {
  repository: RepositoryRef
  /** Merged pull requests, newest change first; `after` continues a previous page. */
  pullRequests?: { first: number; after: string | null }
  /** Closed issues changed at or after `since`, newest change first. */
  issues?: { first: number; after: string | null; since: string }
}

function page(first: number, after: string | null): string {
  return `first: ${first}${after ? `, after: ${literal(after)}` : ''}`
}

const NEWEST = 'orderBy: {field: UPDATED_AT, direction: DESC}'

/** The merged pull requests and closed issues of several repositories, with their facts. */
export function fetchQuery(requests: FetchRequest[]): string {
  let pulls = false
  let issues = false
  const fields = requests.map((req, i) => {
    const parts = ['nameWithOwner isArchived']
    if (req.pullRequests) {
      pulls = true
      const p = req.pullRequests
      parts.push(
        `pullRequests(states: MERGED, ${page(p.first, p.after)}, ${NEWEST}) { ${PAGE_INFO} nodes { ...PullRequestFacts } }`
      )
    }
    if (req.issues) {
      issues = true
      const q = req.issues
      parts.push(
        `issues(states: CLOSED, ${page(q.first, q.after)}, filterBy: {since: ${literal(q.since)}}, ${NEWEST}) { ${PAGE_INFO} nodes { ...IssueFacts } }`
      )
    }
    return `  r${i}: ${repository(req.repository)} {\n    ${parts.join('\n    ')}\n  }`
  })
  const fragments = [WHO, COMMENT, pulls ? PULL_REQUEST : '', issues ? ISSUE : '']
  return `query {\n${fields.join('\n')}\n}\n${fragments.filter(Boolean).join('\n')}`
}

/** A connection of one item that has more pages than its first one. */
export interface FollowUp {
  repository: RepositoryRef
  kind: 'pull_request' | 'issue'
  number: number
  connection: 'comments' | 'labels' | 'approvals'
  after: string
}

/** The next page (100 entries) of each follow-up's connection, aliases `f0`, `f1`... */
export function followUpQuery(list: FollowUp[]): string {
  let comments = false
  const fields = list.map((f, i) => {
    const item = f.kind === 'pull_request' ? 'pullRequest' : 'issue'
    const args = `first: 100, after: ${literal(f.after)}`
    let selection: string
    if (f.connection === 'comments') {
      comments = true
      selection = `comments(${args}) { ${PAGE_INFO} nodes { ...Comment } }`
    } else if (f.connection === 'labels') {
      selection = `labels(${args}) { ${PAGE_INFO} nodes { name } }`
    } else {
      selection = `reviews(states: APPROVED, ${args}) { ${PAGE_INFO} nodes { author { ...Who } } }`
    }
    return `  f${i}: ${repository(f.repository)} { ${item}(number: ${f.number}) { ${selection} } }`
  })
  const needsWho = comments || list.some(f => f.connection === 'approvals')
  const fragments = [needsWho ? WHO : '', comments ? COMMENT : '']
  return `query {\n${fields.join('\n')}\n}\n${fragments.filter(Boolean).join('\n')}`
}

/** Items per query when their latest comments are read again. */
export const RECENT_ITEMS = 100
/** Comments per item read again: a claim written since discovery is among the latest. */
export const RECENT_COMMENTS = 50

/** An issue or pull request by number. */
export interface ItemRef {
  repository: RepositoryRef
  number: number
}

/** The latest comments of each item, aliases `c0`, `c1`... */
export function recentCommentsQuery(items: ItemRef[]): string {
  const comments = `comments(last: ${RECENT_COMMENTS}) { nodes { ...Comment } }`
  const fields = items.map(
    (it, i) =>
      `  c${i}: ${repository(it.repository)} { issueOrPullRequest(number: ${it.number}) { ... on Issue { ${comments} } ... on PullRequest { ${comments} } } }`
  )
  return `query {\n${fields.join('\n')}\n}\n${WHO}\n${COMMENT}`
}
