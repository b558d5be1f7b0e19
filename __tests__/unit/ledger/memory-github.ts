/**
 * An in-memory GitHub for the ledger's unit tests: the `GitHubApi` the comment store takes, one
 * per token, over one shared set of threads. It models what the protocol depends on: comment
 * ids rising in creation order, authors, read-only tokens, locked conversations, a list that lags
 * behind writes (counted in list calls, so tests are deterministic), user look-ups, and faults
 * per method (also ones that happen after the write took effect).
 */
import { GitHubError, type GitHubApi, type GitHubComment } from '../../../src/ledger/github.js'
import type { Author, Identity } from '../../../src/ledger/store.js'

type Method = Exclude<keyof GitHubApi, 'requests'>

export interface Account {
  login: string
  id: number
  type: 'User' | 'Bot'
}

export const ACTIONS_BOT: Account = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' }

export interface TokenOptions {
  /** Writes are refused with 403 (a token without `issues: write` / `pull-requests: write`). */
  readOnly?: boolean
  /** May comment on locked conversations (write access to the repository). */
  pushAccess?: boolean
  /** GraphQL `viewer` refuses to say who the token is (answers null). */
  anonymous?: boolean
}

interface Fault {
  method: Method
  times: number
  status: number | null
  message: string
  /** The call takes effect, then fails (e.g. a 502 after the comment was created). */
  afterEffect: boolean
}

interface Stored {
  id: number
  thread: string
  author: Account
  /** Each version, stamped with the list-call count when it was written; body null: deleted. */
  versions: Array<{ stamp: number; body: string | null }>
}

export interface Call {
  token: string
  method: Method
  args: unknown[]
}

export class MemoryGitHub {
  readonly calls: Call[] = []
  /** A write shows in lists only after this many further list calls. */
  listLag = 0
  private nextId = 1000
  private listCalls = 0
  private readonly stored: Stored[] = []
  private readonly locked = new Set<string>()
  private readonly users = new Map<string, number>()
  private faults: Fault[] = []

  /** The API as one token sees it, writing as `account`. */
  api(token: string, account: Account, options: TokenOptions = {}): GitHubApi {
    this.users.set(account.login.toLowerCase(), account.id)
    let count = 0
    const call = async <T>(method: Method, args: unknown[], run: () => T): Promise<T> => {
      count++
      this.calls.push({ token, method, args })
      await Promise.resolve()
      const fault = this.takeFault(method)
      if (fault && !fault.afterEffect) throw this.error(fault)
      const result = run()
      if (fault) throw this.error(fault)
      return result
    }
    const refuse = (message: string) => {
      throw new GitHubError(`refused (HTTP 403: ${message})`, `HTTP 403: ${message}`, 403, false)
    }
    return {
      listComments: (repository, number) =>
        call('listComments', [repository, number], () => this.list(thread(repository, number))),
      createComment: (repository, number, body) =>
        call('createComment', [repository, number, body], () => {
          if (options.readOnly) refuse('Resource not accessible by integration')
          if (this.locked.has(thread(repository, number)) && !options.pushAccess)
            refuse('Unable to create comment because issue is locked.')
          return this.create(thread(repository, number), account, body)
        }),
      updateComment: (repository, id, body) =>
        call('updateComment', [repository, id, body], () => {
          if (options.readOnly) refuse('Resource not accessible by integration')
          this.write(id, body)
        }),
      deleteComment: (repository, id) =>
        call('deleteComment', [repository, id], () => {
          if (options.readOnly) refuse('Resource not accessible by integration')
          if (this.find(id)) this.write(id, null)
        }),
      viewer: () =>
        call('viewer', [], (): Identity | null =>
          options.anonymous ? null : { login: account.login, id: account.id }
        ),
      userId: login => call('userId', [login], () => this.users.get(login.toLowerCase()) ?? null),
      requests: () => count
    }
  }

  /** A comment written directly (a student, another bot, a forged record). */
  addComment(repository: string, number: number, author: Account, body: string): GitHubComment {
    this.users.set(author.login.toLowerCase(), author.id)
    return this.create(thread(repository, number), author, body)
  }

  addUser(login: string, id: number): void {
    this.users.set(login.toLowerCase(), id)
  }

  lock(repository: string, number: number): void {
    this.locked.add(thread(repository, number))
  }

  /** The next `times` calls of `method` fail with `status` (null: no answer). */
  fault(
    method: Method,
    f: { times?: number; status: number | null; message?: string; afterEffect?: boolean }
  ): void {
    this.faults.push({
      method,
      times: f.times ?? 1,
      status: f.status,
      message: f.message ?? (f.status === null ? 'socket hang up' : 'Server Error'),
      afterEffect: f.afterEffect ?? false
    })
  }

  /** The comments as they are now (no lag). */
  comments(repository: string, number: number): GitHubComment[] {
    const t = thread(repository, number)
    return this.stored.flatMap(s => {
      const body = s.versions.at(-1)?.body ?? null
      return s.thread === t && body !== null ? [this.view(s, body)] : []
    })
  }

  count(method: Method): number {
    return this.calls.filter(c => c.method === method).length
  }

  private list(t: string): GitHubComment[] {
    const n = ++this.listCalls
    return this.stored.flatMap(s => {
      if (s.thread !== t) return []
      const version = s.versions.filter(v => v.stamp + this.listLag < n).at(-1)
      return version && version.body !== null ? [this.view(s, version.body)] : []
    })
  }

  private create(t: string, author: Account, body: string): GitHubComment {
    const s: Stored = {
      id: this.nextId++,
      thread: t,
      author,
      versions: [{ stamp: this.listCalls, body }]
    }
    this.stored.push(s)
    return this.view(s, body)
  }

  private write(id: number, body: string | null): void {
    const s = this.find(id)
    if (!s)
      throw new GitHubError('not found (HTTP 404: Not Found)', 'HTTP 404: Not Found', 404, false)
    s.versions.push({ stamp: this.listCalls, body })
  }

  private find(id: number): Stored | undefined {
    return this.stored.find(s => s.id === id && s.versions.at(-1)?.body !== null)
  }

  private view(s: Stored, body: string): GitHubComment {
    const author: Author = { login: s.author.login, id: s.author.id, type: s.author.type }
    const [repository, number] = s.thread.split('#')
    return {
      id: s.id,
      author,
      body,
      url: `https://github.com/${repository}/issues/${number}#issuecomment-${s.id}`
    }
  }

  private takeFault(method: Method): Fault | null {
    const f = this.faults.find(x => x.method === method && x.times > 0)
    if (!f) return null
    f.times--
    this.faults = this.faults.filter(x => x.times > 0)
    return f
  }

  private error(f: Fault): GitHubError {
    const detail = f.status === null ? `no answer: ${f.message}` : `HTTP ${f.status}: ${f.message}`
    return new GitHubError(`${f.method} failed (${detail})`, detail, f.status, false)
  }
}

function thread(repository: string, number: number): string {
  return `${repository.toLowerCase()}#${number}`
}
