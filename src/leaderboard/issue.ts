/**
 * The leaderboard issue: one issue of the running repository per course, found by its hidden
 * marker, created (and pinned) when missing, its body rewritten by every run. The logic is over
 * a small interface (`IssueApi`); `issueApi()` implements it over the Octokit client the run
 * already has open.
 *
 * Finding it: the snapshot on the ledger branch remembers the issue's number, so a run makes one
 * GET; without it (first run, or the number is gone), the repository's issues are listed and
 * the one carrying the marker and written by the token's own account is taken, so that a lost
 * number never makes a second issue, and nobody else's issue is ever rewritten.
 */
import { asGitHubError, GitHubError, ownerRepo, type GitHubClient } from '../github/client.js'
import { commentApi } from '../ledger/github.js'
import { redactSecrets } from '../report/redact.js'

/** An issue as the leaderboard needs it. */
export interface RemoteIssue {
  number: number
  /** GraphQL node id (to pin it). */
  nodeId: string
  url: string
  body: string
  /** The account that opened it; null for a deleted account. */
  authorId: number | null
  /** REST lists pull requests among issues. */
  pullRequest: boolean
}

export interface IssueApi {
  /** The issue or pull request with this number; null when there is none (404, 410 deleted). */
  get(number: number): Promise<RemoteIssue | null>
  /** The repository's issues and pull requests, open and closed, oldest first, up to `max`. */
  list(max: number): Promise<RemoteIssue[]>
  /** Opens an issue. Sent once: a retried POST could open two. */
  create(title: string, body: string): Promise<RemoteIssue>
  update(number: number, body: string): Promise<void>
  /** GraphQL `pinIssue`. */
  pin(nodeId: string): Promise<void>
  /** The numeric id of the token's own account; null when GitHub will not say. */
  viewerId(): Promise<number | null>
}

/** Issues looked through for the marker when the number is not known. */
export const LIST_LIMIT = 1000

export interface PublishedIssue {
  number: number
  url: string
  action: 'created' | 'updated'
  /** Why a new issue could not be pinned; null when it was (or was not new). */
  pinProblem: string | null
}

/** The issue could not be found, created or written; the message says why and what to do. */
export class LeaderboardIssueError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'LeaderboardIssueError'
  }
}

function explain(e: GitHubError, repository: string, verb: string): LeaderboardIssueError {
  const what = `The leaderboard issue could not be ${verb} in ${repository} (${e.detail})`
  if (e.status === 403 && !e.rateLimited)
    return new LeaderboardIssueError(
      `${what}: github-token may not write its issues; grant "Issues: Read and write" to the GitHub App or fine-grained token, or add "issues: write" under "permissions:" for GITHUB_TOKEN, or set leaderboard: summary.`
    )
  if (e.status === 410)
    return new LeaderboardIssueError(
      `${what}: the repository has issues turned off; turn them on (Settings > General > Features > Issues), or set leaderboard: summary.`
    )
  if (e.status === 404)
    return new LeaderboardIssueError(
      `${what}: GitHub cannot find the repository for github-token; give the token access to the repository that runs the workflow.`
    )
  return new LeaderboardIssueError(`${what}; the next run tries again.`)
}

/** The issue of this course's marker: at `known` if it is still there, else the token's own. */
async function find(
  api: IssueApi,
  marker: string,
  known: number | null
): Promise<RemoteIssue | null> {
  const ours = (i: RemoteIssue | null) => i !== null && !i.pullRequest && i.body.includes(marker)
  // The number comes from the ledger branch, where only this action (and staff) write: it is the
  // issue the action opened, as long as it still carries the marker.
  if (known !== null) {
    const issue = await api.get(known)
    if (issue && ours(issue)) return issue
  }
  const me = await api.viewerId()
  // Without knowing who the token is, no issue can be told to be the action's own.
  if (me === null) return null
  return (await api.list(LIST_LIMIT)).find(i => ours(i) && i.authorId === me) ?? null
}

/**
 * Writes `body` into the course's issue: rewritten in place when found, else opened and pinned.
 *
 * @throws LeaderboardIssueError
 */
export async function publishIssue(
  api: IssueApi,
  o: { repository: string; title: string; marker: string; body: string; known: number | null }
): Promise<PublishedIssue> {
  let found: RemoteIssue | null
  try {
    found = await find(api, o.marker, o.known)
  } catch (e) {
    if (e instanceof GitHubError) throw explain(e, o.repository, 'read')
    throw e
  }
  if (found) {
    try {
      if (found.body !== o.body) await api.update(found.number, o.body)
    } catch (e) {
      if (e instanceof GitHubError) throw explain(e, o.repository, 'updated')
      throw e
    }
    return { number: found.number, url: found.url, action: 'updated', pinProblem: null }
  }
  let created: RemoteIssue
  try {
    created = await api.create(o.title, o.body)
  } catch (e) {
    if (e instanceof GitHubError) throw explain(e, o.repository, 'created')
    throw e
  }
  let pinProblem: string | null = null
  try {
    await api.pin(created.nodeId)
  } catch (e) {
    if (!(e instanceof GitHubError)) throw e
    pinProblem = `The leaderboard issue #${created.number} was created but not pinned (${e.detail}); pin it by hand (the issue's page > Pin issue) if you like: a repository pins at most 3 issues.`
  }
  return { number: created.number, url: created.url, action: 'created', pinProblem }
}

interface RawIssue {
  number: number
  node_id: string
  html_url: string
  body?: string | null
  user?: { id?: number } | null
  pull_request?: unknown
}

function toIssue(raw: RawIssue): RemoteIssue {
  return {
    number: raw.number,
    nodeId: raw.node_id,
    url: raw.html_url,
    body: raw.body ?? '',
    authorId: raw.user?.id ?? null,
    pullRequest: raw.pull_request !== undefined && raw.pull_request !== null
  }
}

/** GraphQL answers errors with HTTP 200: one carries GitHub's error type and message. */
function graphqlProblem(e: unknown): GitHubError | null {
  const errors = (e as { errors?: Array<{ type?: string; message?: string }> }).errors
  const first = Array.isArray(errors) ? errors[0] : undefined
  if (!first) return null
  const detail = `${first.type ?? 'GraphQL error'}: ${first.message ?? ''}`.trim()
  const status = first.type === 'FORBIDDEN' ? 403 : first.type === 'NOT_FOUND' ? 404 : 422
  return new GitHubError(`Pinning the leaderboard issue failed (${detail})`, detail, status, false)
}

/** The issue calls over an open client, in the running repository. */
export function issueApi(client: GitHubClient, repository: string): IssueApi {
  const { octokit } = client
  const where = ownerRepo(repository)
  const req = () => ({ signal: client.signal() })
  return {
    async get(number) {
      try {
        const res = await octokit.rest.issues.get({
          ...where,
          issue_number: number,
          request: req()
        })
        return toIssue(res.data)
      } catch (e) {
        const err = asGitHubError(e, `Reading issue #${number} of ${repository}`)
        if (err.status === 404 || err.status === 410) return null
        throw err
      }
    },
    async list(max) {
      const all: RemoteIssue[] = []
      try {
        for (let page = 1; all.length < max; page++) {
          const res = await octokit.rest.issues.listForRepo({
            ...where,
            state: 'all',
            sort: 'created',
            direction: 'asc',
            per_page: 100,
            page,
            request: req()
          })
          all.push(...(res.data as RawIssue[]).map(toIssue))
          if (res.data.length < 100) break
        }
      } catch (e) {
        throw asGitHubError(e, `Listing the issues of ${repository}`)
      }
      return all
    },
    async create(title, body) {
      try {
        const res = await octokit.rest.issues.create({
          ...where,
          title,
          body: redactSecrets(body),
          request: { ...req(), retries: 0 }
        })
        return toIssue(res.data)
      } catch (e) {
        throw asGitHubError(e, `Opening an issue in ${repository}`)
      }
    },
    async update(number, body) {
      try {
        await octokit.rest.issues.update({
          ...where,
          issue_number: number,
          body: redactSecrets(body),
          request: req()
        })
      } catch (e) {
        throw asGitHubError(e, `Updating issue #${number} of ${repository}`)
      }
    },
    async pin(nodeId) {
      try {
        await octokit.graphql(
          'mutation($id: ID!) { pinIssue(input: {issueId: $id}) { issue { id } } }',
          {
            id: nodeId,
            request: req()
          }
        )
      } catch (e) {
        throw graphqlProblem(e) ?? asGitHubError(e, 'Pinning the leaderboard issue')
      }
    },
    async viewerId() {
      return (await commentApi(client).viewer())?.id ?? null
    }
  }
}
