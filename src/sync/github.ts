/**
 * The GitHub requests sync mode makes: GraphQL queries (discovery, reading the central store),
 * one GraphQL mutation (a commit on the ledger branch), and the Git database REST calls that
 * create the ledger branch on first use. Over the Octokit client of `@actions/github` with the
 * retry and throttling plugins, loaded lazily inside `connect()`.
 *
 * GraphQL answers come back whole, `data` and `errors` together: one repository that cannot be
 * read must not hide the 49 others of the same query.
 */
import { GitHubError, type Logger } from '../ledger/github.js'

export { GitHubError }

/** One entry of a GraphQL answer's `errors`. */
export interface GraphQLProblem {
  /** GitHub's error type: NOT_FOUND, FORBIDDEN, STALE_DATA, RATE_LIMITED... when it gives one. */
  type?: string
  message: string
  path?: Array<string | number>
}

export interface GraphQLAnswer<T> {
  data: T | null
  errors: GraphQLProblem[]
  /** GitHub's clock when it answered (the `date` header), ISO; null when absent. */
  date: string | null
}

export interface SyncGitHub {
  /** A GraphQL query; HTTP failures throw GitHubError, GraphQL errors come back in `errors`. */
  query<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLAnswer<T>>
  /**
   * A GraphQL mutation, sent once: a retry after a lost answer could apply it twice, so a
   * request without a complete answer throws GitHubError with `status` null.
   */
  mutate<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLAnswer<T>>
  /** POST git/trees without a base tree: a tree of exactly these text files. Returns its sha. */
  createTree(repository: string, files: Array<{ path: string; content: string }>): Promise<string>
  /** POST git/commits. Returns the new commit's sha. */
  createCommit(
    repository: string,
    c: { message: string; tree: string; parents: string[] }
  ): Promise<string>
  /** POST git/refs; `exists` when the ref was there already (GitHub's 422). */
  createRef(repository: string, ref: string, sha: string): Promise<'created' | 'exists'>
  /** GET git/blobs/{sha}, decoded as UTF-8 (for files GraphQL answers truncated). */
  readBlob(repository: string, sha: string): Promise<string>
  /** HTTP requests sent so far, retries included. */
  requests(): number
}

export interface SyncConnectOptions {
  token: string
  /** REST API root; defaults to `GITHUB_API_URL`, then `https://api.github.com`. */
  apiUrl?: string
  logger: Logger
  /** Retries after a 5xx or a network error, for requests that are safe to repeat. Default 2. */
  retries?: number
  /** Milliseconds per retry-delay unit. Default 1000; tests use 1. */
  retryBaseMs?: number
  /** Limit for one request. Default 30 s (GitHub itself stops a query after 10 s). */
  timeoutMs?: number
  /** Extra options for the throttling plugin (tests shorten the waits). */
  throttle?: Record<string, unknown>
  /** How often one request may wait out a rate limit before it fails. Default 2. */
  limitRetries?: number
}

/**
 * Runs each request at once. The throttling plugin spaces every write, and every GraphQL
 * request (it cannot tell a query from a mutation), 1 s apart; sync sends its queries one
 * after the other and makes two or three commits a run, far below GitHub's secondary limits,
 * so the spacing would only slow a 1,000-repository run down by its request count in seconds.
 * Rate-limit answers are still waited out.
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

interface RawError {
  status?: number
  message?: string
  response?: { headers?: Record<string, string | undefined> }
}

function failure(e: unknown, what: string): GitHubError {
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

function problems(raw: unknown): GraphQLProblem[] {
  if (!Array.isArray(raw)) return []
  return raw.map((e: { type?: unknown; message?: unknown; path?: unknown }) => ({
    ...(typeof e.type === 'string' ? { type: e.type } : {}),
    message: typeof e.message === 'string' ? e.message : 'GraphQL error',
    ...(Array.isArray(e.path) ? { path: e.path as Array<string | number> } : {})
  }))
}

/** Loads Octokit and returns the API. */
export async function connect(o: SyncConnectOptions): Promise<SyncGitHub> {
  // One after the other: Jest's ESM loader fails on parallel imports that share modules.
  const { getOctokit } = await import('@actions/github')
  const { defaults } = await import('@actions/github/lib/utils')
  const { retry } = await import('@octokit/plugin-retry')
  const { throttling } = await import('@octokit/plugin-throttling')
  let count = 0
  const baseFetch = (defaults.request?.fetch ?? fetch) as typeof fetch
  const countingFetch: typeof fetch = (input, init) => {
    count++
    return baseFetch(input, init)
  }
  const limitRetries = o.limitRetries ?? 2
  const onLimit = (kind: string) => (after: number, _opts: unknown, _o: unknown, n: number) => {
    const again = n < limitRetries
    o.logger.warning(
      `GitHub ${kind} rate limit reached during sync; ${again ? `waiting ${after} s as GitHub asks` : 'giving up'}.`
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
        doNotRetry: [400, 401, 403, 404, 409, 410, 422, 451]
      },
      throttle: {
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
  const signal = () => AbortSignal.timeout(timeoutMs)

  async function graphql<T>(
    query: string,
    variables: Record<string, unknown> | undefined,
    what: string,
    retries?: number
  ): Promise<GraphQLAnswer<T>> {
    try {
      const res = await octokit.request('POST /graphql', {
        query,
        variables: variables ?? {},
        request: { signal: signal(), ...(retries === undefined ? {} : { retries }) }
      })
      const body = res.data as { data?: T | null; errors?: unknown }
      const date = res.headers.date ? new Date(res.headers.date) : null
      return {
        data: body.data ?? null,
        errors: problems(body.errors),
        date: date && !Number.isNaN(date.getTime()) ? date.toISOString() : null
      }
    } catch (e) {
      throw failure(e, what)
    }
  }

  return {
    query: (query, variables) => graphql(query, variables, 'A GitHub GraphQL query'),
    mutate: (query, variables) => graphql(query, variables, 'A GitHub GraphQL mutation', 0),
    async createTree(repository, files) {
      try {
        const res = await octokit.rest.git.createTree({
          ...split(repository),
          tree: files.map(f => ({
            path: f.path,
            mode: '100644',
            type: 'blob',
            content: f.content
          })),
          request: { signal: signal() }
        })
        return res.data.sha
      } catch (e) {
        throw failure(e, `Creating a git tree in ${repository}`)
      }
    },
    async createCommit(repository, c) {
      try {
        const res = await octokit.rest.git.createCommit({
          ...split(repository),
          ...c,
          request: { signal: signal() }
        })
        return res.data.sha
      } catch (e) {
        throw failure(e, `Creating a git commit in ${repository}`)
      }
    },
    async createRef(repository, ref, sha) {
      try {
        await octokit.rest.git.createRef({
          ...split(repository),
          ref,
          sha,
          request: { signal: signal() }
        })
        return 'created'
      } catch (e) {
        const err = failure(e, `Creating ${ref} in ${repository}`)
        if (err.status === 422 && /already exists/i.test(err.detail)) return 'exists'
        throw err
      }
    },
    async readBlob(repository, sha) {
      try {
        const res = await octokit.rest.git.getBlob({
          ...split(repository),
          file_sha: sha,
          request: { signal: signal() }
        })
        return Buffer.from(res.data.content, 'base64').toString('utf8')
      } catch (e) {
        throw failure(e, `Reading git blob ${sha} in ${repository}`)
      }
    },
    requests: () => count
  }
}
