/**
 * An in-memory repository's issues for the leaderboard's unit tests: the `IssueApi` the issue
 * logic takes, with authors, pull requests among the issues (as REST lists them), deletion, and
 * a failure per method.
 */
import { GitHubError } from '../../../src/github/client.js'
import type { IssueApi, RemoteIssue } from '../../../src/leaderboard/issue.js'

type Method = keyof IssueApi

export class MemoryIssues implements IssueApi {
  readonly issues: RemoteIssue[] = []
  readonly calls: Method[] = []
  pinned = new Set<string>()
  private readonly failures = new Map<Method, GitHubError>()

  constructor(
    /** The token's own account; null: GitHub will not say. */
    private readonly me: number | null = 900001
  ) {}

  /** An issue (or pull request) opened by someone. */
  add(o: { author: number | null; body: string; pullRequest?: boolean }): RemoteIssue {
    const number = this.issues.length + 1
    const issue = {
      number,
      nodeId: `I_${number}`,
      url: `https://github.com/school/xp/issues/${number}`,
      body: o.body,
      authorId: o.author,
      pullRequest: o.pullRequest ?? false
    }
    this.issues.push(issue)
    return issue
  }

  delete(number: number): void {
    const i = this.issues.findIndex(x => x.number === number)
    if (i >= 0) this.issues.splice(i, 1)
  }

  /** The next calls of `method` fail with this status and message. */
  fail(method: Method, status: number, message: string): void {
    this.failures.set(
      method,
      new GitHubError(`${method} failed`, `HTTP ${status}: ${message}`, status, false)
    )
  }

  private enter(method: Method): void {
    this.calls.push(method)
    const failure = this.failures.get(method)
    if (failure) throw failure
  }

  async get(number: number) {
    this.enter('get')
    return this.issues.find(i => i.number === number) ?? null
  }

  async list(max: number) {
    this.enter('list')
    return this.issues.slice(0, max)
  }

  async create(_title: string, body: string) {
    this.enter('create')
    return this.add({ author: this.me, body })
  }

  async update(number: number, body: string) {
    this.enter('update')
    const issue = this.issues.find(i => i.number === number)
    if (!issue) throw new GitHubError('update failed', 'HTTP 404: Not Found', 404, false)
    issue.body = body
  }

  async pin(nodeId: string) {
    this.enter('pin')
    this.pinned.add(nodeId)
  }

  async viewerId() {
    this.enter('viewerId')
    return this.me
  }
}
