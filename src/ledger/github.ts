/**
 * The few GitHub API calls the ledger makes, as an interface (`GitHubApi`: the comment store
 * takes it as a parameter, tests pass an in-memory one), and its implementation over the
 * shared Octokit client (`github/client.ts`), loaded lazily: runs with `ledger: off` never
 * load it.
 */
import {
  asGitHubError,
  GitHubError,
  openClient,
  ownerRepo,
  type ClientOptions,
  type GitHubClient,
  type Logger
} from '../github/client.js'
import { redactSecrets } from '../report/redact.js'
import type { Author, Identity } from './store.js'

export { GitHubError }
export type { Identity, Logger }

/** A comment on an issue or pull request, as the ledger needs it. */
export interface GitHubComment {
  id: number
  author: Author | null
  body: string
  url: string | null
}

export interface GitHubApi {
  /** Every comment of an issue or pull request, all pages, ascending ids. */
  listComments(repository: string, number: number): Promise<GitHubComment[]>
  /** Creates a comment. Never retried blindly: a retried POST could write it twice. */
  createComment(repository: string, number: number, body: string): Promise<GitHubComment>
  updateComment(repository: string, id: number, body: string): Promise<void>
  /** Deletes a comment; one that is already gone counts as deleted. */
  deleteComment(repository: string, id: number): Promise<void>
  /**
   * The account the token acts as (GraphQL `viewer`, which answers for personal tokens and
   * installation tokens alike), asked once. Null when GitHub refuses to say (401/403).
   */
  viewer(): Promise<Identity | null>
  /** The numeric id of a GitHub account (`GET /users/{login}`); null when GitHub knows no such login. */
  userId(login: string): Promise<number | null>
  /** HTTP requests sent so far, retries included. */
  requests(): number
}

export type ConnectOptions = Omit<ClientOptions, 'purpose'> & { purpose?: string }

interface RawComment {
  id: number
  body?: string | null
  html_url?: string
  user?: { login?: string; id?: number; type?: string } | null
}

function toComment(c: RawComment): GitHubComment {
  return {
    id: c.id,
    author: c.user
      ? { login: c.user.login ?? null, id: c.user.id ?? null, type: c.user.type ?? null }
      : null,
    body: c.body ?? '',
    url: c.html_url ?? null
  }
}

/** Loads Octokit and returns a client tuned for the ledger. */
export function openLedgerClient(o: ConnectOptions): Promise<GitHubClient> {
  // A rate limit is waited out once: a ledger run makes a handful of requests.
  return openClient({ purpose: 'the ledger', limitRetries: 1, ...o })
}

/** Loads Octokit and returns the API. */
export async function connect(o: ConnectOptions): Promise<GitHubApi> {
  return commentApi(await openLedgerClient(o))
}

/** The ledger's calls over an open client. */
export function commentApi(client: GitHubClient): GitHubApi {
  const { octokit } = client
  const req = () => ({ signal: client.signal() })
  return {
    async listComments(repository, number) {
      try {
        const all = await octokit.paginate(octokit.rest.issues.listComments, {
          ...ownerRepo(repository),
          issue_number: number,
          per_page: 100,
          request: req()
        })
        return (all as RawComment[]).map(toComment).sort((a, b) => a.id - b.id)
      } catch (e) {
        throw asGitHubError(e, `Reading the comments of #${number} in ${repository}`)
      }
    },
    async createComment(repository, number, body) {
      try {
        const res = await octokit.rest.issues.createComment({
          ...ownerRepo(repository),
          issue_number: number,
          // Comments are written text too: no copy of a secret reaches them.
          body: redactSecrets(body),
          request: { ...req(), retries: 0 }
        })
        return toComment(res.data)
      } catch (e) {
        throw asGitHubError(e, `Writing a comment on #${number} in ${repository}`)
      }
    },
    async updateComment(repository, id, body) {
      try {
        await octokit.rest.issues.updateComment({
          ...ownerRepo(repository),
          comment_id: id,
          body: redactSecrets(body),
          request: req()
        })
      } catch (e) {
        throw asGitHubError(e, `Updating comment ${id} in ${repository}`)
      }
    },
    async deleteComment(repository, id) {
      try {
        await octokit.rest.issues.deleteComment({
          ...ownerRepo(repository),
          comment_id: id,
          request: req()
        })
      } catch (e) {
        const err = asGitHubError(e, `Deleting comment ${id} in ${repository}`)
        if (err.status !== 404) throw err
      }
    },
    async viewer() {
      try {
        const res = await octokit.graphql<{ viewer: { login: string; databaseId: number | null } }>(
          'query { viewer { login databaseId } }',
          // The caller retries with its own backoff and says what happened.
          { request: { ...req(), retries: 0 } }
        )
        return { login: res.viewer.login, id: res.viewer.databaseId ?? null }
      } catch (e) {
        const err = e as { status?: number; errors?: unknown }
        // Refused (401/403, or a GraphQL-level error): GitHub will not say who we are.
        if (err.status === 401 || err.status === 403 || err.errors !== undefined) return null
        throw asGitHubError(e, 'Asking GitHub which account the github-token writes as')
      }
    },
    async userId(login) {
      try {
        const res = await octokit.rest.users.getByUsername({ username: login, request: req() })
        return (res.data as { id: number }).id
      } catch (e) {
        const err = asGitHubError(e, `Looking up the GitHub account ${login}`)
        if (err.status === 404) return null
        throw err
      }
    },
    requests: client.requests
  }
}
