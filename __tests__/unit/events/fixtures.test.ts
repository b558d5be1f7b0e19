import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import {
  closedIssueCompleted,
  closedIssueNotPlanned,
  closedIssueWithReason,
  issueWithoutStateReason,
  mergedPullRequest,
  realExample,
  unmergedPullRequest,
  writeEventFile
} from '../../fixtures/events.js'

/** Dotted paths where `a` and `b` differ (leaves, or the first level where the shape differs). */
function diffPaths(a: unknown, b: unknown, path = ''): string[] {
  const bothObjects = typeof a === 'object' && a !== null && typeof b === 'object' && b !== null
  if (!bothObjects || Array.isArray(a) !== Array.isArray(b)) {
    return Object.is(a, b) ? [] : [path]
  }
  const left = a as Record<string, unknown>
  const right = b as Record<string, unknown>
  const keys = new Set([...Object.keys(left), ...Object.keys(right)])
  return [...keys].flatMap(key => {
    const sub = path === '' ? key : `${path}.${key}`
    if (!(key in left) || !(key in right)) return [sub]
    return diffPaths(left[key], right[key], sub)
  })
}

/** Asserts that `paths` all lie under `allowed`, and that each of `allowed` changed. */
function expectChangesExactlyUnder(paths: string[], allowed: string[]): void {
  const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`)
  expect(paths.filter(p => !allowed.some(prefix => under(p, prefix)))).toEqual([])
  expect(allowed.filter(prefix => !paths.some(p => under(p, prefix)))).toEqual([])
}

const prBase = () => realExample('pull_request', 'closed')
const issueBase = () => realExample('issues', 'reopened')

describe('event fixtures differ from their real base example only in the documented fields', () => {
  it('the bases are what the fixtures say they are', () => {
    const pr = prBase() as { pull_request: { merged: boolean; user: { login: string } } }
    expect(pr.pull_request.merged).toBe(false)
    expect(pr.pull_request.user.login).toBe('Codertocat')
    const issue = issueBase() as { action: string; issue: Record<string, unknown> }
    expect(issue.action).toBe('reopened')
    expect('state_reason' in issue.issue).toBe(false)
    // Still no real `issues` `closed` example, which is why the issue fixtures are derived.
    expect(() => realExample('issues', 'closed')).toThrow('has no issues closed')
  })

  it.each([
    ['unmergedPullRequest', unmergedPullRequest, prBase, []],
    [
      'mergedPullRequest',
      mergedPullRequest,
      prBase,
      ['pull_request.merged', 'pull_request.merged_at', 'pull_request.merged_by']
    ],
    [
      'closedIssueCompleted',
      closedIssueCompleted,
      issueBase,
      ['action', 'issue.state', 'issue.closed_at', 'issue.state_reason']
    ],
    [
      'closedIssueNotPlanned',
      closedIssueNotPlanned,
      issueBase,
      ['action', 'issue.state', 'issue.closed_at', 'issue.state_reason']
    ],
    [
      'issueWithoutStateReason',
      issueWithoutStateReason,
      issueBase,
      ['action', 'issue.state', 'issue.closed_at']
    ]
  ])('%s', (_name, build, base, changed) => {
    expect(diffPaths(base(), build()).sort()).toEqual([...changed].sort())
  })

  it('sets the documented values', () => {
    const merged = mergedPullRequest()
    expect(merged.pull_request.merged).toBe(true)
    expect(merged.pull_request.merged_at).toBe(merged.pull_request.closed_at)
    expect(merged.pull_request.merged_by).toEqual(merged.sender)
    const issue = closedIssueNotPlanned()
    expect([issue.action, issue.issue.state, issue.issue.state_reason]).toEqual([
      'closed',
      'closed',
      'not_planned'
    ])
    expect(issue.issue.closed_at).toBe(issue.issue.updated_at)
    expect(closedIssueWithReason(null).issue.state_reason).toBeNull()
  })

  it('overrides change only the fields they name', () => {
    const payload = mergedPullRequest({
      author: { login: 'dependabot[bot]', id: 49699333, type: 'Bot' },
      labels: ['Big-Feature'],
      title: 'New title'
    })
    expectChangesExactlyUnder(diffPaths(prBase(), payload), [
      'pull_request.labels',
      'pull_request.merged',
      'pull_request.merged_at',
      'pull_request.merged_by',
      'pull_request.title',
      'pull_request.user'
    ])
    expect(payload.pull_request.user).toMatchObject({
      login: 'dependabot[bot]',
      id: 49699333,
      type: 'Bot',
      html_url: 'https://github.com/dependabot[bot]'
    })
    expect(payload.pull_request.labels.map(l => l.name)).toEqual(['Big-Feature'])

    const issue = closedIssueCompleted({
      assignees: [
        { login: 'alice', id: 1 },
        { login: 'bob', id: 2 }
      ],
      sender: { login: 'teacher', id: 3 }
    })
    expectChangesExactlyUnder(diffPaths(issueBase(), issue), [
      'action',
      'issue.assignee',
      'issue.assignees',
      'issue.closed_at',
      'issue.state',
      'issue.state_reason',
      'sender'
    ])
    expect(issue.issue.assignee?.login).toBe('alice')
    expect(issue.sender.login).toBe('teacher')
  })

  it('builds a fresh copy each time', () => {
    const a = mergedPullRequest()
    a.pull_request.title = 'changed'
    expect(mergedPullRequest().pull_request.title).toBe('Update the README with new information.')
  })

  it('writeEventFile writes the JSON and returns its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'events-'))
    try {
      const path = writeEventFile(join(dir, 'nested'), mergedPullRequest())
      expect(path).toBe(join(dir, 'nested', 'event.json'))
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(mergedPullRequest())
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
