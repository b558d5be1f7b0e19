/**
 * A stand-in for the parts of GitHub's API the ledger uses (issue comments, `GET /user`,
 * `GET /users/{username}`, the GraphQL `viewer` query), on loopback. Behaves like GitHub where
 * the ledger depends on it, as GitHub documents it:
 * - comments: pagination with `Link` headers, ascending ids in creation order, `user` objects
 *   with `login`/`id`/`type`, and `author_association` as GitHub shows it: a member of an
 *   organisation whose membership is private shows as `CONTRIBUTOR` or `NONE`, so it says
 *   nothing reliable about write access;
 * - tokens: 401 "Bad credentials" for unknown ones, 403 "Resource not accessible by
 *   integration" for writes with a read-only token, 404 for repositories a token cannot see;
 * - locked conversations: creating a comment answers 403 "Unable to create comment because
 *   issue is locked." unless the token's account has write access to the repository (an
 *   installation token, such as the default one, never has that standing);
 * - list lag (`listLagMs`): the list of comments shows each comment as it was that long ago
 *   (new comments missing, edits and deletions not yet applied), while a direct GET of one
 *   comment is fresh; a list that shows a comment shows every earlier one;
 * - faults per method and path, rate-limit answers with `x-ratelimit-*` headers, and error
 *   bodies that echo the request's token (as a misbehaving proxy or server might).
 *
 * What sync mode reads and writes (GraphQL, git data, issues) is served from `world` by
 * routes.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { primaryLimit, secondaryLimit } from './limits.js'
import { WorldRoutes } from './routes.js'
import { GitHubWorld } from './world.js'

export interface FakeIdentity {
  login: string
  id: number
  type: 'User' | 'Bot'
  /**
   * The author's role in the repository as comments report it; default CONTRIBUTOR (NONE for
   * bots). A teacher in an organisation with private membership shows as CONTRIBUTOR or NONE.
   */
  association?: 'OWNER' | 'MEMBER' | 'COLLABORATOR' | 'CONTRIBUTOR' | 'NONE'
}

export interface FakeToken {
  token: string
  identity: FakeIdentity
  /** An installation token (GITHUB_TOKEN, GitHub App): `GET /user` answers 403. */
  installation?: boolean
  /** Writes answer 403 "Resource not accessible by integration". */
  readOnly?: boolean
  /** When set, only these repositories exist for this token (others answer 404). */
  repos?: string[]
  /** Without "Actions: read": workflow runs answer 403. */
  noActions?: boolean
  /** The account has write access to the repositories: it may comment on locked conversations. */
  pushAccess?: boolean
  /** "Issues: read-only": opening, editing and pinning issues answer 403. */
  issuesReadOnly?: boolean
}

export interface FakeComment {
  id: number
  node_id: string
  url: string
  html_url: string
  issue_url: string
  body: string
  user: FakeIdentity
  created_at: string
  updated_at: string
  author_association: string
}

export interface Fault {
  status: number
  /** How many matching requests get this answer. */
  times: number
  method?: string
  /** Only requests whose path contains this. */
  path?: string
  /** Only requests whose body contains this (e.g. a GraphQL mutation's name). */
  body?: string
  /** Answer as a primary rate limit (403/429 with `x-ratelimit-remaining: 0`; 200 = GraphQL's). */
  rateLimit?: boolean
  /** Answer as a secondary rate limit (403/429 with `retry-after`, default 1 s). */
  secondary?: boolean
  retryAfter?: number
  /** Process the request normally, then answer with the fault (a write that happened anyway). */
  afterEffect?: boolean
  /** The error message (default `Server Error`). */
  message?: string
  /** Append the request's token to the message, as a misbehaving server or proxy might. */
  echoToken?: boolean
  /** Runs when the fault is answered: what someone else did meanwhile (e.g. wrote a comment). */
  meanwhile?: () => void
}

/** One comment's past: when each version was written (`body` null: deleted). */
interface History {
  comment: FakeComment
  versions: Array<{ at: number; body: string | null }>
}

export interface LoggedRequest {
  method: string
  path: string
  query: Record<string, string>
  token: string | null
  status: number
}

/** The repository and owner of `@octokit/webhooks-examples`' payloads. */
export const EXAMPLE_REPOSITORY = 'Codertocat/Hello-World'
export const EXAMPLE_OWNER = { login: 'Codertocat', id: 21031067 }

export const GITHUB_ACTIONS: FakeIdentity = {
  login: 'github-actions[bot]',
  id: 41898282,
  type: 'Bot'
}

export class GitHubFake {
  readonly requests: LoggedRequest[] = []
  private server: Server | null = null
  private base = ''
  private nextId = 1000
  private readonly threads = new Map<string, FakeComment[]>()
  private readonly histories = new Map<string, History[]>()
  private readonly tokens = new Map<string, FakeToken>()
  private readonly users = new Map<string, FakeIdentity>()
  private readonly locked = new Set<string>()
  private faults: Fault[] = []
  /** Milliseconds each answer waits (0 by default); a function for jitter. */
  latency: number | (() => number) = 0
  /** Organisations, repositories, pull requests, issues and git data (GraphQL, git REST). */
  readonly world = new GitHubWorld(
    (repo, number) => this.comments(repo, number),
    (repo, number) => this.locked.has(`${repo.toLowerCase()}#${number}`)
  )
  private readonly routes = new WorldRoutes(this.world)
  /** Milliseconds by which the list of comments lags behind writes (0 by default). */
  listLagMs = 0

  constructor(tokens: FakeToken[] = []) {
    for (const t of tokens) this.addToken(t)
    // The repository of GitHub's example webhook payloads (the tests' events), as on GitHub.
    this.world.user(EXAMPLE_OWNER.login, EXAMPLE_OWNER.id)
    this.world.repository(EXAMPLE_REPOSITORY, { private: false, at: '2018-05-30T20:18:04Z' })
  }

  addToken(t: FakeToken): void {
    this.tokens.set(t.token, t)
    this.addUser(t.identity)
  }

  /** An account that `GET /users/{username}` knows (token owners and comment authors are known). */
  addUser(user: FakeIdentity): void {
    this.users.set(user.login.toLowerCase(), user)
  }

  /** Locks the conversation of an issue or pull request. */
  lock(repo: string, number: number): void {
    this.locked.add(`${repo.toLowerCase()}#${number}`)
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(e => this.send(res, 500, { message: String(e) }))
    })
    await new Promise<void>(resolve => this.server!.listen(port, '127.0.0.1', resolve))
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    this.routes.setBase(this.base)
    return this.base
  }

  async stop(): Promise<void> {
    const s = this.server
    this.server = null
    if (!s) return
    s.closeAllConnections()
    await new Promise<void>(resolve => s.close(() => resolve()))
  }

  /** Queue a fault for the next `times` matching requests. */
  fault(f: Fault): void {
    this.faults.push({ ...f })
  }

  /** Drops the faults not used up yet. */
  clearFaults(): void {
    this.faults = []
  }

  /** Seed a comment (e.g. by a student, or a forged record). */
  addComment(repo: string, number: number, c: { user: FakeIdentity; body: string }): FakeComment {
    if (!this.users.has(c.user.login.toLowerCase())) this.addUser(c.user)
    return this.insert(repo, number, c.user, c.body)
  }

  /** Changes a comment's body, as its author (or a maintainer) editing it would. */
  editComment(id: number, body: string): void {
    const found = this.find(id)
    if (!found) throw new Error(`no comment ${id}`)
    this.edit(found.list[found.index]!, body)
  }

  comments(repo: string, number: number): FakeComment[] {
    return [...(this.threads.get(`${repo.toLowerCase()}#${number}`) ?? [])]
  }

  /** Requests made, optionally by method (`GET`, `POST`, `PATCH`, `DELETE`). */
  count(method?: string): number {
    return this.requests.filter(r => !method || r.method === method).length
  }

  resetLog(): void {
    this.requests.length = 0
  }

  private insert(repo: string, number: number, user: FakeIdentity, body: string): FakeComment {
    const id = this.nextId++
    const [owner, name] = repo.split('/')
    const at = new Date().toISOString()
    const c: FakeComment = {
      id,
      node_id: `IC_${id}`,
      url: `${this.base}/repos/${owner}/${name}/issues/comments/${id}`,
      html_url: `https://github.com/${owner}/${name}/issues/${number}#issuecomment-${id}`,
      issue_url: `${this.base}/repos/${owner}/${name}/issues/${number}`,
      body,
      user: { login: user.login, id: user.id, type: user.type },
      created_at: at,
      updated_at: at,
      author_association: user.association ?? (user.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR')
    }
    const k = `${repo.toLowerCase()}#${number}`
    const list = this.threads.get(k) ?? []
    list.push(c)
    this.threads.set(k, list)
    const history = this.histories.get(k) ?? []
    history.push({ comment: c, versions: [{ at: Date.now(), body }] })
    this.histories.set(k, history)
    return c
  }

  private edit(c: FakeComment, body: string): void {
    c.body = body
    c.updated_at = new Date().toISOString()
    this.historyOf(c.id)?.versions.push({ at: Date.now(), body })
  }

  private remove(list: FakeComment[], index: number): void {
    const [c] = list.splice(index, 1)
    if (c) this.historyOf(c.id)?.versions.push({ at: Date.now(), body: null })
  }

  private historyOf(id: number): History | undefined {
    for (const list of this.histories.values()) {
      const found = list.find(h => h.comment.id === id)
      if (found) return found
    }
    return undefined
  }

  /** The comments of a thread as the list shows them: as they were `listLagMs` ago. */
  private listed(repo: string, number: number): FakeComment[] {
    if (this.listLagMs <= 0) return this.comments(repo, number)
    const then = Date.now() - this.listLagMs
    const out: FakeComment[] = []
    for (const h of this.histories.get(`${repo.toLowerCase()}#${number}`) ?? []) {
      const version = h.versions.filter(v => v.at <= then).at(-1)
      if (version && version.body !== null) out.push({ ...h.comment, body: version.body })
    }
    return out
  }

  private find(id: number): { list: FakeComment[]; index: number } | null {
    for (const list of this.threads.values()) {
      const index = list.findIndex(c => c.id === id)
      if (index >= 0) return { list, index }
    }
    return null
  }

  private send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {}
  ): void {
    const text = body === undefined ? '' : JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      // GitHub's clock, which sync mode reads: the world's, so tests can move it.
      date: this.world.now().toUTCString(),
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      ...headers
    })
    res.end(text)
  }

  private takeFault(method: string, path: string, body: string): Fault | null {
    const f = this.faults.find(
      x =>
        x.times > 0 &&
        (!x.method || x.method === method) &&
        (!x.path || path.includes(x.path)) &&
        (!x.body || body.includes(x.body))
    )
    if (!f) return null
    f.times--
    this.faults = this.faults.filter(x => x.times > 0)
    return f
  }

  private sendFault(res: ServerResponse, f: Fault, token: string | null): void {
    f.meanwhile?.()
    const limit = f.secondary
      ? secondaryLimit(f.status, f.retryAfter)
      : f.rateLimit
        ? primaryLimit(f.status)
        : null
    if (limit) this.send(res, limit.status, limit.body, limit.headers)
    else {
      const message = f.message ?? 'Server Error'
      this.send(res, f.status, { message: f.echoToken ? `${message} (token ${token})` : message })
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base)
    const method = req.method ?? 'GET'
    const path = url.pathname
    const chunks: Buffer[] = []
    for await (const ch of req) chunks.push(ch as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    const auth = req.headers.authorization ?? ''
    const m = /^(?:token|bearer)\s+(.+)$/i.exec(auth)
    const token = m?.[1] ?? null
    const entry: LoggedRequest = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      token,
      status: 0
    }
    this.requests.push(entry)
    const delay = typeof this.latency === 'function' ? this.latency() : this.latency
    if (delay > 0) await new Promise(r => setTimeout(r, delay))
    const reply = (status: number, body?: unknown, headers?: Record<string, string>) => {
      entry.status = status
      this.send(res, status, body, headers)
    }

    const fault = this.takeFault(method, path, raw)
    if (fault && !fault.afterEffect) {
      entry.status = fault.status
      return this.sendFault(res, fault, token)
    }
    const finish = (status: number, body?: unknown, headers?: Record<string, string>) => {
      if (fault) {
        entry.status = fault.status
        return this.sendFault(res, fault, token)
      }
      reply(status, body, headers)
    }

    const t = token ? this.tokens.get(token) : undefined
    if (!t) return reply(401, { message: 'Bad credentials', status: '401' })
    const json = (): Record<string, unknown> => {
      try {
        return JSON.parse(raw || '{}') as Record<string, unknown>
      } catch {
        return {}
      }
    }
    const forbidden = () =>
      reply(403, { message: 'Resource not accessible by integration', status: '403' })

    if (method === 'GET' && path === '/user') {
      if (t.installation) return forbidden()
      return finish(200, { ...t.identity })
    }
    const routed = await this.routes.route(method, path, raw, t, url.searchParams)
    if (routed) return finish(routed.status, routed.body, routed.headers)

    const userPath = /^\/users\/([^/]+)$/.exec(path)
    if (method === 'GET' && userPath) {
      const user = this.users.get(decodeURIComponent(userPath[1]!).toLowerCase())
      if (!user)
        return reply(404, {
          message: 'Not Found',
          documentation_url: 'https://docs.github.com/rest/users/users#get-a-user',
          status: '404'
        })
      return finish(200, { login: user.login, id: user.id, type: user.type })
    }

    const thread = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path)
    const single = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(path)
    const repo = thread ? `${thread[1]}/${thread[2]}` : single ? `${single[1]}/${single[2]}` : ''
    if (!thread && !single) return reply(404, { message: 'Not Found' })
    if (t.repos && !t.repos.some(r => r.toLowerCase() === repo.toLowerCase()))
      return reply(404, { message: 'Not Found' })
    const write = method !== 'GET'
    if (write && t.readOnly) return forbidden()

    if (thread) {
      const number = Number(thread[3])
      if (method === 'GET') {
        const perPage = Math.min(Math.max(Number(url.searchParams.get('per_page') ?? 30), 1), 100)
        const page = Math.max(Number(url.searchParams.get('page') ?? 1), 1)
        const all = this.listed(repo, number)
        const last = Math.max(Math.ceil(all.length / perPage), 1)
        const link = (p: number, rel: string) =>
          `<${this.base}${path}?per_page=${perPage}&page=${p}>; rel="${rel}"`
        const links: string[] = []
        if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'))
        if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'))
        const headers: Record<string, string> = links.length ? { link: links.join(', ') } : {}
        return finish(200, all.slice((page - 1) * perPage, page * perPage), headers)
      }
      if (method === 'POST') {
        const body = json()['body']
        if (typeof body !== 'string' || body === '')
          return reply(422, { message: 'Validation Failed' })
        if (this.locked.has(`${repo.toLowerCase()}#${number}`) && !t.pushAccess)
          return reply(403, {
            message: 'Unable to create comment because issue is locked.',
            documentation_url: 'https://docs.github.com/articles/locking-conversations/',
            status: '403'
          })
        return finish(201, this.insert(repo, number, t.identity, body))
      }
      return reply(404, { message: 'Not Found' })
    }

    const id = Number(single![3])
    const found = this.find(id)
    if (!found) return reply(404, { message: 'Not Found' })
    if (method === 'GET') return finish(200, found.list[found.index])
    if (method === 'PATCH') {
      const body = json()['body']
      if (typeof body !== 'string' || body === '')
        return reply(422, { message: 'Validation Failed' })
      const c = found.list[found.index]!
      this.edit(c, body)
      return finish(200, c)
    }
    if (method === 'DELETE') {
      this.remove(found.list, found.index)
      return finish(204)
    }
    return reply(404, { message: 'Not Found' })
  }
}

/** Start a fake with the default `GITHUB_TOKEN` identity under the token `ghs_default`. */
export async function start(
  tokens?: FakeToken[],
  port = 0
): Promise<{ fake: GitHubFake; apiUrl: string }> {
  const fake = new GitHubFake(
    tokens ?? [{ token: 'ghs_default', identity: GITHUB_ACTIONS, installation: true }]
  )
  const apiUrl = await fake.start(port)
  return { fake, apiUrl }
}
