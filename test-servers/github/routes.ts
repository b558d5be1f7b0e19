/**
 * The stand-in's routes over its world: `POST /graphql`, the issue endpoints (issues.ts), and
 * the Git database REST endpoints (`/repos/{owner}/{repo}/git/...`): blobs, trees, commits and
 * refs, with GitHub's answers (201 on creation, 404 for what the token cannot see, 403 for
 * read-only tokens, 409 on an empty repository, 422 for a ref that exists or an update that is
 * not a fast forward).
 */
import { GraphQLEndpoint, type Answer } from './graphql.js'
import type { GitCommit, GitTreeEntry, Oid } from './git.js'
import { IssueRoutes } from './issues.js'
import type { GitHubWorld, WorldCaller, WorldRepository } from './world.js'

const RUN_PATH = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)$/
const GIT_PATH = /^\/repos\/([^/]+)\/([^/]+)\/git\/(blobs|trees|commits|refs|ref)(?:\/(.+))?$/

function fail(status: number, message: string): Answer {
  return { status, body: { message, documentation_url: 'https://docs.github.com/rest/git' } }
}

export class WorldRoutes {
  readonly graphql: GraphQLEndpoint
  private readonly issues: IssueRoutes
  private base = 'https://api.github.com'

  constructor(private readonly world: GitHubWorld) {
    this.graphql = new GraphQLEndpoint(world)
    this.issues = new IssueRoutes(world, () => this.base)
  }

  /** The API root URL used in `url` fields of answers. */
  setBase(base: string): void {
    this.base = base
  }

  /**
   * `GET /repos/{owner}/{repo}/actions/runs/{id}`: the run's status (`queued`, `in_progress`,
   * `completed`); 404 for a run GitHub does not know, 403 without "Actions: read".
   */
  workflowRun(fullName: string, id: string, caller: WorldCaller): Answer {
    const repo = this.world.find(fullName)
    if (!repo || !this.world.visible(caller, repo)) return fail(404, 'Not Found')
    if (caller.noActions) return fail(403, 'Resource not accessible by integration')
    const status = this.world.runs.get(`${fullName.toLowerCase()}#${id}`)
    if (!status) return fail(404, 'Not Found')
    return {
      status: 200,
      body: {
        id: Number(id),
        status,
        conclusion: status === 'completed' ? 'success' : null,
        html_url: `https://github.com/${repo.fullName}/actions/runs/${id}`
      }
    }
  }

  /** The answer for a request this module serves, or null to let the server go on. */
  async route(
    method: string,
    path: string,
    raw: string,
    caller: WorldCaller,
    query: URLSearchParams = new URLSearchParams()
  ): Promise<Answer | null> {
    if (path === '/graphql') {
      if (method !== 'POST') return fail(404, 'Not Found')
      return this.graphql.handle(caller, raw)
    }
    const issue = this.issues.route(method, path, query, raw, caller)
    if (issue) return issue
    const run = RUN_PATH.exec(path)
    if (run && method === 'GET') return this.workflowRun(`${run[1]}/${run[2]}`, run[3]!, caller)
    const m = GIT_PATH.exec(path)
    if (!m) return null
    const [, owner = '', name = '', kind = '', rest] = m
    const repo = this.world.find(`${owner}/${name}`)
    if (!repo || !this.world.visible(caller, repo)) return fail(404, 'Not Found')
    const write = method !== 'GET'
    if (write && caller.readOnly) return fail(403, 'Resource not accessible by integration')
    let body: Record<string, unknown>
    try {
      body = JSON.parse(raw || '{}') as Record<string, unknown>
    } catch {
      return fail(400, 'Problems parsing JSON')
    }
    if (repo.empty && kind !== 'ref' && kind !== 'refs')
      return fail(409, 'Git Repository is empty.')
    const git = new GitRoutes(repo, this.base, caller)
    if (kind === 'blobs' && method === 'POST') return git.createBlob(body)
    if (kind === 'blobs' && method === 'GET' && rest) return git.getBlob(rest)
    if (kind === 'trees' && method === 'POST') return git.createTree(body)
    if (kind === 'commits' && method === 'POST') return git.createCommit(body, this.world.now())
    if (kind === 'commits' && method === 'GET' && rest) return git.getCommit(rest)
    if (kind === 'ref' && method === 'GET' && rest) return git.getRef(`refs/${rest}`)
    if (kind === 'refs' && method === 'POST' && !rest) return git.createRef(body)
    if (kind === 'refs' && method === 'PATCH' && rest) return git.updateRef(`refs/${rest}`, body)
    return fail(404, 'Not Found')
  }
}

class GitRoutes {
  private readonly url: string

  constructor(
    private readonly repo: WorldRepository,
    base: string,
    private readonly caller: WorldCaller
  ) {
    this.url = `${base}/repos/${repo.fullName}/git`
  }

  createBlob(body: Record<string, unknown>): Answer {
    if (typeof body.content !== 'string')
      return fail(422, 'Invalid request.\n\n"content" wasn\'t supplied.')
    const content = Buffer.from(body.content, body.encoding === 'base64' ? 'base64' : 'utf8')
    const sha = this.repo.git.writeBlob(content)
    return { status: 201, body: { sha, url: `${this.url}/blobs/${sha}` } }
  }

  getBlob(sha: string): Answer {
    const blob = this.repo.git.blob(sha)
    if (!blob) return fail(404, 'Not Found')
    const base64 = blob.content.toString('base64').replace(/.{60}/g, '$&\n')
    return {
      status: 200,
      body: {
        sha,
        node_id: `B_${sha}`,
        size: blob.content.length,
        url: `${this.url}/blobs/${sha}`,
        content: base64,
        encoding: 'base64'
      }
    }
  }

  /** Entries may be nested paths; with `base_tree` they replace or (sha null) delete files. */
  createTree(body: Record<string, unknown>): Answer {
    const git = this.repo.git
    const entries = Array.isArray(body.tree) ? (body.tree as Record<string, unknown>[]) : null
    if (!entries) return fail(422, 'Invalid request.\n\n"tree" wasn\'t supplied.')
    let files = new Map<string, Oid>()
    if (typeof body.base_tree === 'string') {
      if (!git.tree(body.base_tree)) return fail(422, 'base_tree is not a valid tree oid')
      files = git.files(body.base_tree)
    }
    for (const e of entries) {
      const path = typeof e.path === 'string' ? e.path : ''
      if (!path || e.type === 'tree' || e.type === 'commit')
        return fail(422, 'GitRPC::BadObjectState')
      if (typeof e.content === 'string') files.set(path, git.writeBlob(e.content))
      else if (e.sha === null) {
        if (!files.delete(path)) return fail(422, 'GitRPC::BadObjectState')
      } else if (typeof e.sha === 'string' && git.blob(e.sha)) files.set(path, e.sha)
      else return fail(422, 'GitRPC::BadObjectState')
    }
    const sha = git.writeFiles(files)
    return { status: 201, body: this.treeBody(sha) }
  }

  private treeBody(sha: Oid) {
    const entry = (e: GitTreeEntry) => ({
      path: e.name,
      mode: e.type === 'tree' ? '040000' : e.mode,
      type: e.type,
      sha: e.oid,
      ...(e.type === 'blob' ? { size: this.repo.git.blob(e.oid)!.content.length } : {}),
      url: `${this.url}/${e.type}s/${e.oid}`
    })
    const tree = this.repo.git.tree(sha)!
    return { sha, url: `${this.url}/trees/${sha}`, tree: tree.entries.map(entry), truncated: false }
  }

  createCommit(body: Record<string, unknown>, now: Date): Answer {
    const git = this.repo.git
    if (typeof body.message !== 'string')
      return fail(422, 'Invalid request.\n\n"message" wasn\'t supplied.')
    if (typeof body.tree !== 'string' || !git.tree(body.tree))
      return fail(422, 'Tree SHA does not exist')
    const parents = Array.isArray(body.parents) ? (body.parents as unknown[]) : []
    if (parents.some(p => typeof p !== 'string' || !git.commit(p)))
      return fail(422, 'Parent SHA does not exist or is not a commit object')
    const date = now.toISOString()
    const who = this.caller.identity
    const person = {
      name: who.login,
      email: `${who.id}+${who.login}@users.noreply.github.com`,
      date
    }
    const sha = git.writeCommit({
      tree: body.tree,
      parents: parents as string[],
      message: body.message,
      author: person,
      committer: person
    })
    return { status: 201, body: this.commitBody(git.commit(sha)!) }
  }

  getCommit(sha: string): Answer {
    const c = this.repo.git.commit(sha)
    return c ? { status: 200, body: this.commitBody(c) } : fail(404, 'Not Found')
  }

  private commitBody(c: GitCommit) {
    return {
      sha: c.oid,
      node_id: `C_${c.oid}`,
      url: `${this.url}/commits/${c.oid}`,
      html_url: `https://github.com/${this.repo.fullName}/commit/${c.oid}`,
      author: c.author,
      committer: c.committer,
      message: c.message,
      tree: { sha: c.tree, url: `${this.url}/trees/${c.tree}` },
      parents: c.parents.map(p => ({ sha: p, url: `${this.url}/commits/${p}` })),
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null }
    }
  }

  private refBody(ref: string, sha: Oid) {
    return {
      ref,
      node_id: `REF_${Buffer.from(ref).toString('base64url')}`,
      url: `${this.url}/${ref}`,
      object: { sha, type: 'commit', url: `${this.url}/commits/${sha}` }
    }
  }

  getRef(ref: string): Answer {
    const sha = this.repo.ref(ref)
    return sha ? { status: 200, body: this.refBody(ref, sha) } : fail(404, 'Not Found')
  }

  createRef(body: Record<string, unknown>): Answer {
    const ref = typeof body.ref === 'string' ? body.ref : ''
    if (!/^refs\/[^/]+\/.+/.test(ref)) return fail(422, 'Reference name is not fully qualified')
    if (typeof body.sha !== 'string' || !this.repo.git.commit(body.sha))
      return fail(422, 'Object does not exist')
    if (this.repo.ref(ref)) return fail(422, 'Reference already exists')
    this.repo.refs.set(ref, body.sha)
    return { status: 201, body: this.refBody(ref, body.sha) }
  }

  /** Moves a ref; without `force` only to a descendant of where it is (a fast forward). */
  updateRef(ref: string, body: Record<string, unknown>): Answer {
    const current = this.repo.ref(ref)
    if (!current) return fail(422, 'Reference does not exist')
    if (typeof body.sha !== 'string' || !this.repo.git.commit(body.sha))
      return fail(422, 'Object does not exist')
    if (body.force !== true && !this.repo.git.isAncestor(current, body.sha))
      return fail(422, 'Update is not a fast forward')
    this.repo.refs.set(ref, body.sha)
    return { status: 200, body: this.refBody(ref, body.sha) }
  }
}
