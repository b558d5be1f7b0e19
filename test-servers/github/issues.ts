/**
 * The stand-in's REST issue endpoints, over its world, as GitHub documents them
 * (docs.github.com/rest/issues/issues):
 * - `GET /repos/{owner}/{repo}/issues`: issues and pull requests (a pull request carries a
 *   `pull_request` object), `state` open (default), closed or all, `creator`, `sort` created
 *   (default) or updated, `direction` desc (default) or asc, `per_page` (30, at most 100) and
 *   `page` with `Link` headers; the other filters are not modelled and answer 400 naming them;
 * - `GET /repos/{owner}/{repo}/issues/{number}`: an issue, or a pull request as an issue;
 * - `POST /repos/{owner}/{repo}/issues` (201; 422 without a title) and
 *   `PATCH /repos/{owner}/{repo}/issues/{number}` (`title`, `body`, `state`);
 * - 404 for a repository the token cannot see, 403 "Resource not accessible by integration" for
 *   writes with a read-only token or one whose "Issues" permission is read-only.
 */
import type { Answer } from './graphql.js'
import {
  itemNodeId,
  type AccountType,
  type GitHubWorld,
  type WorldAccount,
  type WorldCaller,
  type WorldItem,
  type WorldRepository
} from './world.js'

const LIST_PATH = /^\/repos\/([^/]+)\/([^/]+)\/issues$/
const ONE_PATH = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/
const DOCS = 'https://docs.github.com/rest/issues/issues'
const LIST_FILTERS_MODELLED = new Set(['state', 'creator', 'sort', 'direction', 'per_page', 'page'])

function fail(status: number, message: string, extra: Record<string, unknown> = {}): Answer {
  return { status, body: { message, documentation_url: DOCS, status: String(status), ...extra } }
}

function user(a: WorldAccount | null) {
  if (!a) return null
  return { login: a.login, id: a.id, type: a.type, html_url: `https://github.com/${a.login}` }
}

export class IssueRoutes {
  constructor(
    private readonly world: GitHubWorld,
    private readonly base: () => string
  ) {}

  /** The answer for an issue request, or null when the path is not one. */
  route(
    method: string,
    path: string,
    query: URLSearchParams,
    raw: string,
    caller: WorldCaller
  ): Answer | null {
    const list = LIST_PATH.exec(path)
    const one = ONE_PATH.exec(path)
    if (!list && !one) return null
    const [, owner = '', name = ''] = (list ?? one)!
    const repo = this.world.find(`${owner}/${name}`)
    if (!repo || !this.world.visible(caller, repo)) return fail(404, 'Not Found')
    const write = method !== 'GET'
    if (write && (caller.readOnly || caller.issuesReadOnly))
      return fail(403, 'Resource not accessible by integration')
    let body: Record<string, unknown>
    try {
      body = JSON.parse(raw || '{}') as Record<string, unknown>
    } catch {
      return fail(400, 'Problems parsing JSON')
    }
    if (list && method === 'GET') return this.list(repo, path, query)
    if (list && method === 'POST') return this.create(repo, body, caller)
    const item = one ? repo.items.find(i => i.number === Number(one[3])) : undefined
    if (one && !item) return fail(404, 'Not Found')
    if (one && method === 'GET') return { status: 200, body: this.view(item!) }
    if (one && method === 'PATCH') return this.update(item!, body)
    return fail(404, 'Not Found')
  }

  private view(item: WorldItem) {
    const repo = item.repository
    const api = `${this.base()}/repos/${repo.fullName}`
    const kind = item.kind === 'pull_request' ? 'pull' : 'issues'
    return {
      id: item.id,
      node_id: itemNodeId(item),
      url: `${api}/issues/${item.number}`,
      repository_url: api,
      html_url: `https://github.com/${repo.fullName}/${kind}/${item.number}`,
      number: item.number,
      state: item.state === 'OPEN' ? 'open' : 'closed',
      state_reason: item.stateReason?.toLowerCase() ?? null,
      title: item.title,
      body: item.body === '' ? null : item.body,
      user: user(item.author),
      labels: item.labels.map(label => ({ name: label })),
      assignees: item.assignees.map(user),
      locked: this.world.locked(repo.fullName, item.number),
      comments: this.world.comments(repo.fullName, item.number).length,
      created_at: item.createdAt,
      updated_at: this.world.updatedAt(item),
      closed_at: item.closedAt,
      ...(item.kind === 'pull_request'
        ? {
            pull_request: {
              url: `${api}/pulls/${item.number}`,
              html_url: `https://github.com/${repo.fullName}/pull/${item.number}`,
              merged_at: item.mergedAt
            }
          }
        : {})
    }
  }

  private list(repo: WorldRepository, path: string, query: URLSearchParams): Answer {
    for (const key of query.keys())
      if (!LIST_FILTERS_MODELLED.has(key))
        return fail(400, `The GitHub stand-in does not model the parameter ${key}`)
    const state = query.get('state') ?? 'open'
    const sort = query.get('sort') ?? 'created'
    const direction = query.get('direction') ?? 'desc'
    const creator = query.get('creator')?.toLowerCase()
    if (!['open', 'closed', 'all'].includes(state) || !['created', 'updated'].includes(sort))
      return fail(422, 'Validation Failed')
    const perPage = Math.min(Math.max(Number(query.get('per_page') ?? 30), 1), 100)
    const page = Math.max(Number(query.get('page') ?? 1), 1)
    const key = (i: WorldItem) => (sort === 'updated' ? this.world.updatedAt(i) : i.createdAt)
    const items = repo.items
      .filter(i => state === 'all' || (state === 'open') === (i.state === 'OPEN'))
      .filter(i => !creator || i.author?.login.toLowerCase() === creator)
      .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.number - b.number))
    if (direction === 'desc') items.reverse()
    const last = Math.max(Math.ceil(items.length / perPage), 1)
    const params = new URLSearchParams(query)
    const link = (p: number, rel: string) => {
      params.set('page', String(p))
      return `<${this.base()}${path}?${params}>; rel="${rel}"`
    }
    const links: string[] = []
    if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'))
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'))
    return {
      status: 200,
      body: items.slice((page - 1) * perPage, page * perPage).map(i => this.view(i)),
      ...(links.length > 0 ? { headers: { link: links.join(', ') } } : {})
    }
  }

  private create(
    repo: WorldRepository,
    body: Record<string, unknown>,
    caller: WorldCaller
  ): Answer {
    const title = typeof body.title === 'number' ? String(body.title) : body.title
    if (typeof title !== 'string' || title === '')
      return fail(422, 'Validation Failed', {
        errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }]
      })
    const who = caller.identity
    const type: AccountType = who.type === 'Bot' ? 'Bot' : 'User'
    const author = this.world.addAccount(who.login, type, who.id)
    const item = this.world.openIssue(repo.fullName, {
      author: author.login,
      title,
      body: typeof body.body === 'string' ? body.body : ''
    })
    return { status: 201, body: this.view(item) }
  }

  private update(item: WorldItem, body: Record<string, unknown>): Answer {
    const modelled = new Set(['title', 'body', 'state'])
    const other = Object.keys(body).find(k => !modelled.has(k))
    if (other) return fail(400, `The GitHub stand-in does not model the field ${other}`)
    if (body.state !== undefined && body.state !== 'open' && body.state !== 'closed')
      return fail(422, 'Validation Failed')
    if (typeof body.title === 'string') item.title = body.title
    if (typeof body.body === 'string') item.body = body.body
    if (body.state === 'closed' && item.state === 'OPEN')
      this.world.close(item, { by: null, reason: 'COMPLETED' })
    if (body.state === 'open' && item.state === 'CLOSED')
      this.world.reopen(item, { by: item.author?.login ?? 'ghost' })
    item.updatedAt = this.world.now().toISOString()
    return { status: 200, body: this.view(item) }
  }
}
