/**
 * The few GitHub API calls the ledger makes, as an interface (`GitHubApi`: the comment store
 * takes it as a parameter, tests pass an in-memory one), and its implementation over the
 * Octokit client of `@actions/github` with the retry and throttling plugins (as first-party
 * actions use it).
 *
 * Octokit is imported lazily, inside `connect()`: runs with `ledger: off` never load it.
 */
import { redactSecrets } from '../report/redact.js'
import type { Author, Identity } from './store.js'

export type { Identity }

export interface Logger {
  info(msg: string): void
  warning(msg: string): void
}

/** A comment on an issue or pull request, as the ledger needs it. */
export interface GitHubComment {
  id: number
  author: Author | null
  body: string
  url: string | null
}

/** A GitHub answer other than success. `status` is null when no answer came back. */
export class GitHubError extends Error {
  constructor(
    message: string,
    /** The answer alone, e.g. `HTTP 403: Resource not accessible by integration`. */
    readonly detail: string,
    readonly status: number | null,
    /** Refused because of a (primary or secondary) rate limit, not for lack of permission. */
    readonly rateLimited: boolean
  ) {
    super(message)
    this.name = 'GitHubError'
  }
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

export interface ConnectOptions {
  token: string
  /** REST API root; defaults to `GITHUB_API_URL`, then `https://api.github.com`. */
  apiUrl?: string
  logger: Logger
  /** Retries after a 5xx or a network error (not for 4xx). Default 2. */
  retries?: number
  /** Milliseconds per retry-delay unit (delays are 1, 4, 9... units). Default 1000; tests use 1. */
  retryBaseMs?: number
  /** Limit for one API call, pages included. Default 30 s. */
  timeoutMs?: number
  /** Extra options for the throttling plugin (tests pass limiter groups without spacing). */
  throttle?: Record<string, unknown>
}

/**
 * A limiter group that runs each request at once. The throttling plugin spaces writes 1 s apart
 * (3 s for requests that notify, such as a new comment), following GitHub's advice for clients
 * that make *many* writes. A ledger run makes two or three (create, update, at most a delete),
 * far below GitHub's secondary limits (80 content-creating requests a minute, 500 an hour), so
 * the spacing would only add 1 to 4 s to every run. Rate-limit answers (403/429 with
 * retry-after) are still waited out by the plugin.
 */
const IMMEDIATE = {
  key: () => ({
    schedule: (_options: unknown, task: (...args: unknown[]) => unknown, ...args: unknown[]) =>
      Promise.resolve().then(() => task(...args))
  })
}

function split(repository: string): { owner: string; repo: string } {
  const [owner = '', repo = ''] = repository.split('/')
  return { owner, repo }
}

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

function asGitHubError(e: unknown, what: string): GitHubError {
  if (e instanceof GitHubError) return e
  const err = e as {
    status?: number
    message?: string
    response?: { headers?: Record<string, string | undefined> }
  }
  const status = typeof err.status === 'number' && err.status >= 100 ? err.status : null
  const headers = err.response?.headers ?? {}
  const message = (err.message ?? String(e)).split('\n')[0] ?? ''
  const rateLimited =
    (status === 403 || status === 429) &&
    (headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(message))
  // Octokit reports a request that got no answer (network error, timeout) as status 500.
  const answered = status !== null && !(status === 500 && !err.response)
  const detail = answered ? `HTTP ${status}: ${message}` : `no answer: ${message}`
  return new GitHubError(
    `${what} failed (${detail})`,
    detail,
    answered ? status : null,
    rateLimited
  )
}

/** Loads Octokit and returns the API. */
export async function connect(o: ConnectOptions): Promise<GitHubApi> {
  // One after the other: Jest's ESM loader fails on parallel imports that share modules.
  const { getOctokit } = await import('@actions/github')
  const { defaults } = await import('@actions/github/lib/utils')
  const { retry } = await import('@octokit/plugin-retry')
  const { throttling } = await import('@octokit/plugin-throttling')
  let count = 0
  // Count at the fetch level so retries are counted too; keep @actions/github's proxy-aware
  // fetch and agent (passing `request` replaces its defaults, so both are passed on).
  const baseFetch = (defaults.request?.fetch ?? fetch) as typeof fetch
  const countingFetch: typeof fetch = (input, init) => {
    count++
    return baseFetch(input, init)
  }
  const limitWarning = (retryAfter: number, retryCount: number, kind: string): boolean => {
    const again = retryCount < 1
    o.logger.warning(
      `GitHub ${kind} rate limit reached for the ledger; ${again ? `retrying once in ${retryAfter} s` : 'giving up'}.`
    )
    return again
  }
  const octokit = getOctokit(
    o.token,
    {
      baseUrl: (o.apiUrl || process.env['GITHUB_API_URL'] || 'https://api.github.com').replace(
        /\/+$/,
        ''
      ),
      userAgent: 'moodle-xp-action',
      request: { ...defaults.request, fetch: countingFetch },
      retry: {
        retries: o.retries ?? 2,
        retryAfterBaseValue: o.retryBaseMs ?? 1000,
        // 4xx answers are final (403 without rate limit = no permission; never retried).
        doNotRetry: [400, 401, 403, 404, 410, 422, 451]
      },
      throttle: {
        // Typed as the plugin's Bottleneck groups, of which only `key().schedule` is used.
        ...({ write: IMMEDIATE, notifications: IMMEDIATE } as Record<string, unknown>),
        onRateLimit: (after: number, _opts: unknown, _o: unknown, n: number) =>
          limitWarning(after, n, 'primary'),
        onSecondaryRateLimit: (after: number, _opts: unknown, _o: unknown, n: number) =>
          limitWarning(after, n, 'secondary'),
        ...o.throttle
      },
      log: {
        debug: () => {},
        info: () => {},
        warn: (m: string) => o.logger.warning(`GitHub client: ${m}`),
        error: () => {}
      }
    },
    retry,
    throttling
  )
  const timeoutMs = o.timeoutMs ?? 30000
  const req = () => ({ signal: AbortSignal.timeout(timeoutMs) })

  return {
    async listComments(repository, number) {
      try {
        const all = await octokit.paginate(octokit.rest.issues.listComments, {
          ...split(repository),
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
          ...split(repository),
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
          ...split(repository),
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
          ...split(repository),
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
    requests: () => count
  }
}
