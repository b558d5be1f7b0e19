/**
 * The one Octokit set-up both modes use: `@actions/github`'s client (its proxy-aware fetch)
 * with the retry and throttling plugins, as first-party actions use it, a request counter, and
 * one classification of GitHub's failures (`GitHubError`). Octokit is imported lazily, inside
 * `openClient()`: runs that never talk to GitHub never load it.
 */
import type { getOctokit } from '@actions/github'

export interface Logger {
  info(msg: string): void
  warning(msg: string): void
}

export type Octokit = ReturnType<typeof getOctokit>

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

export interface ClientOptions {
  token: string
  /** REST API root; defaults to `GITHUB_API_URL`, then `https://api.github.com`. */
  apiUrl?: string
  logger: Logger
  /** What the requests are for, in rate-limit warnings (e.g. `the ledger`, `sync`). */
  purpose: string
  /** Retries after a 5xx or a network error, for requests that are safe to repeat. Default 2. */
  retries?: number
  /** Milliseconds per retry-delay unit (delays are 1, 4, 9... units). Default 1000. */
  retryBaseMs?: number
  /** Limit for one API call, pages included. Default 30 s. */
  timeoutMs?: number
  /** Extra options for the throttling plugin (tests shorten the waits). */
  throttle?: Record<string, unknown>
  /** How often one request may wait out a rate limit before it fails. Default 2. */
  limitRetries?: number
}

export interface GitHubClient {
  octokit: Octokit
  /** A fresh abort signal for one call (the `timeoutMs` limit). */
  signal: () => AbortSignal
  /** HTTP requests sent so far, retries included. */
  requests: () => number
}

/**
 * A limiter group that runs each request at once. The throttling plugin spaces writes 1 s apart
 * (3 s for requests that notify, such as a new comment) and every GraphQL request too (it
 * cannot tell a query from a mutation), following GitHub's advice for clients that make *many*
 * writes. The action sends its requests one after the other and paces the only writes it makes
 * in numbers (sync's notifications) itself, so the plugin's spacing would only add seconds to
 * every run. Rate-limit answers (403/429 with retry-after) are still waited out by the plugin.
 */
const IMMEDIATE = {
  key: () => ({
    schedule: (_options: unknown, task: (...args: unknown[]) => unknown, ...args: unknown[]) =>
      Promise.resolve().then(() => task(...args))
  })
}

interface RawError {
  status?: number
  message?: string
  response?: { headers?: Record<string, string | undefined> }
}

/** Any failure of an Octokit call as a `GitHubError`, with what was being done. */
export function asGitHubError(e: unknown, what: string): GitHubError {
  if (e instanceof GitHubError) return e
  const err = e as RawError
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

/** Loads Octokit and returns a client. */
export async function openClient(o: ClientOptions): Promise<GitHubClient> {
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
  const limitRetries = o.limitRetries ?? 2
  const onLimit = (kind: string) => (after: number, _opts: unknown, _o: unknown, n: number) => {
    const again = n < limitRetries
    o.logger.warning(
      `GitHub ${kind} rate limit reached for ${o.purpose}; ${again ? `waiting ${after} s as GitHub asks` : 'giving up'}.`
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
        doNotRetry: [400, 401, 403, 404, 409, 410, 422, 451]
      },
      throttle: {
        // Typed as the plugin's Bottleneck groups, of which only `key().schedule` is used.
        ...({ write: IMMEDIATE, notifications: IMMEDIATE } as Record<string, unknown>),
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
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
  return { octokit, signal: () => AbortSignal.timeout(timeoutMs), requests: () => count }
}

/** `owner/name` as Octokit's parameters. */
export function ownerRepo(repository: string): { owner: string; repo: string } {
  const [owner = '', repo = ''] = repository.split('/')
  return { owner, repo }
}
