/**
 * The GitHub requests sync mode makes: GraphQL queries (discovery, reading the central store),
 * one GraphQL mutation (a commit on the ledger branch), and the Git database REST calls that
 * create the ledger branch on first use, and the look-up of a workflow run. Over the shared
 * Octokit client (`github/client.ts`), loaded lazily.
 *
 * GraphQL answers come back whole, `data` and `errors` together: one repository that cannot be
 * read must not hide the 49 others of the same query.
 */
import {
  asGitHubError,
  GitHubError,
  openClient,
  ownerRepo,
  type ClientOptions,
  type GitHubClient
} from '../github/client.js'

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
  /**
   * Whether a workflow run of `repository` is still going (`GET .../actions/runs/{id}`, which
   * needs `actions: read`): `running` (queued, waiting, in progress), `finished` (completed, or
   * no such run), or null when GitHub would not say (no permission, no answer).
   */
  workflowRun(repository: string, runId: string): Promise<'running' | 'finished' | null>
  /** HTTP requests sent so far, retries included. */
  requests(): number
}

export type SyncConnectOptions = Omit<ClientOptions, 'purpose'>

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
  return syncApi(await openClient({ ...o, purpose: 'sync' }))
}

/** Sync's calls over an open client. */
export function syncApi(client: GitHubClient): SyncGitHub {
  const { octokit } = client

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
        request: { signal: client.signal(), ...(retries === undefined ? {} : { retries }) }
      })
      const body = res.data as { data?: T | null; errors?: unknown }
      const date = res.headers.date ? new Date(res.headers.date) : null
      return {
        data: body.data ?? null,
        errors: problems(body.errors),
        date: date && !Number.isNaN(date.getTime()) ? date.toISOString() : null
      }
    } catch (e) {
      throw asGitHubError(e, what)
    }
  }

  return {
    query: (query, variables) => graphql(query, variables, 'A GitHub GraphQL query'),
    mutate: (query, variables) => graphql(query, variables, 'A GitHub GraphQL mutation', 0),
    async createTree(repository, files) {
      try {
        const res = await octokit.rest.git.createTree({
          ...ownerRepo(repository),
          tree: files.map(f => ({
            path: f.path,
            mode: '100644',
            type: 'blob',
            content: f.content
          })),
          request: { signal: client.signal() }
        })
        return res.data.sha
      } catch (e) {
        throw asGitHubError(e, `Creating a git tree in ${repository}`)
      }
    },
    async createCommit(repository, c) {
      try {
        const res = await octokit.rest.git.createCommit({
          ...ownerRepo(repository),
          ...c,
          request: { signal: client.signal() }
        })
        return res.data.sha
      } catch (e) {
        throw asGitHubError(e, `Creating a git commit in ${repository}`)
      }
    },
    async createRef(repository, ref, sha) {
      try {
        await octokit.rest.git.createRef({
          ...ownerRepo(repository),
          ref,
          sha,
          request: { signal: client.signal() }
        })
        return 'created'
      } catch (e) {
        const err = asGitHubError(e, `Creating ${ref} in ${repository}`)
        if (err.status === 422 && /already exists/i.test(err.detail)) return 'exists'
        throw err
      }
    },
    async readBlob(repository, sha) {
      try {
        const res = await octokit.rest.git.getBlob({
          ...ownerRepo(repository),
          file_sha: sha,
          request: { signal: client.signal() }
        })
        return Buffer.from(res.data.content, 'base64').toString('utf8')
      } catch (e) {
        throw asGitHubError(e, `Reading git blob ${sha} in ${repository}`)
      }
    },
    async workflowRun(repository, runId) {
      if (!/^\d+$/.test(runId)) return null
      try {
        const res = await octokit.rest.actions.getWorkflowRun({
          ...ownerRepo(repository),
          run_id: Number(runId),
          request: { signal: client.signal() }
        })
        return res.data.status === 'completed' ? 'finished' : 'running'
      } catch (e) {
        const err = asGitHubError(e, `Looking up workflow run ${runId} in ${repository}`)
        // Runs are deleted with their logs: a run GitHub no longer knows is not running.
        return err.status === 404 ? 'finished' : null
      }
    },
    requests: client.requests
  }
}
