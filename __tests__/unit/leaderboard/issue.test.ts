import { describe, expect, it } from '@jest/globals'
import { LeaderboardIssueError, publishIssue } from '../../../src/leaderboard/issue.js'
import { MemoryIssues } from './memory-issues.js'

const ME = 900001
const MARKER = '<!-- moodle-xp-leaderboard course=30 -->'
const body = (text: string) => `${MARKER}\n${text}`

const publish = (api: MemoryIssues, known: number | null, text = 'board 2') =>
  publishIssue(api, {
    repository: 'school/xp',
    title: 'XP leaderboard',
    marker: MARKER,
    body: body(text),
    known
  })

describe('the leaderboard issue', () => {
  it('rewrites the issue the snapshot names, in place, with one read and one write', async () => {
    const api = new MemoryIssues(ME)
    api.add({ author: 1, body: 'an ordinary issue' })
    const ours = api.add({ author: ME, body: body('board 1') })
    const published = await publish(api, ours.number)
    expect(published).toEqual({
      number: ours.number,
      url: ours.url,
      action: 'updated',
      pinProblem: null
    })
    expect(ours.body).toBe(body('board 2'))
    expect(api.calls).toEqual(['get', 'update'])
  })

  it('writes nothing when the body is already the same', async () => {
    const api = new MemoryIssues(ME)
    const ours = api.add({ author: ME, body: body('board 2') })
    await publish(api, ours.number)
    expect(api.calls).toEqual(['get'])
  })

  it('without its number, finds its own issue by the marker instead of opening a second one', async () => {
    const api = new MemoryIssues(ME)
    const ours = api.add({ author: ME, body: body('board 1') })
    for (const known of [null, 99]) {
      const published = await publish(api, known)
      expect(published).toMatchObject({ number: ours.number, action: 'updated' })
    }
    expect(api.issues).toHaveLength(1)
    expect(api.calls).not.toContain('create')
  })

  it("never takes someone else's issue or a pull request carrying the marker: opens its own and pins it", async () => {
    const api = new MemoryIssues(ME)
    const student = api.add({ author: 4242, body: body('fake board') })
    api.add({ author: ME, body: body('a pull request'), pullRequest: true })
    const published = await publish(api, null)
    expect(published).toMatchObject({ number: 3, action: 'created', pinProblem: null })
    expect(student.body).toBe(body('fake board'))
    expect(api.pinned).toEqual(new Set(['I_3']))
    expect(api.calls).toEqual(['viewerId', 'list', 'create', 'pin'])
  })

  it('opens a new one when its issue was deleted, without looking when GitHub will not say who the token is', async () => {
    const api = new MemoryIssues(null)
    api.add({ author: ME, body: body('board 1') })
    api.delete(1)
    const published = await publish(api, 1)
    expect(published.action).toBe('created')
    expect(api.calls).toEqual(['get', 'viewerId', 'create', 'pin'])
  })

  it('a new issue that cannot be pinned is still used; the reason says what to do', async () => {
    const api = new MemoryIssues(ME)
    api.fail('pin', 422, 'UNPROCESSABLE: This repository already has 3 pinned issues')
    const published = await publish(api, null)
    expect(published.action).toBe('created')
    expect(published.pinProblem).toBe(
      "The leaderboard issue #1 was created but not pinned (HTTP 422: UNPROCESSABLE: This repository already has 3 pinned issues); pin it by hand (the issue's page > Pin issue) if you like: a repository pins at most 3 issues."
    )
  })

  it.each([
    [
      'create',
      403,
      'Resource not accessible by integration',
      'The leaderboard issue could not be created in school/xp (HTTP 403: Resource not accessible by integration): github-token may not write its issues; grant "Issues: Read and write" to the GitHub App or fine-grained token, or add "issues: write" under "permissions:" for GITHUB_TOKEN, or set leaderboard: summary.'
    ],
    [
      'create',
      410,
      'Issues are disabled for this repo',
      'The leaderboard issue could not be created in school/xp (HTTP 410: Issues are disabled for this repo): the repository has issues turned off; turn them on (Settings > General > Features > Issues), or set leaderboard: summary.'
    ],
    [
      'list',
      502,
      'Bad Gateway',
      'The leaderboard issue could not be read in school/xp (HTTP 502: Bad Gateway); the next run tries again.'
    ]
  ] as const)(
    'a %s answered %d is one error that says what to do',
    async (method, status, message, said) => {
      const api = new MemoryIssues(ME)
      api.fail(method, status, message)
      const attempt = publish(api, null)
      await expect(attempt).rejects.toThrow(LeaderboardIssueError)
      await expect(attempt).rejects.toThrow(said)
    }
  )

  it('an update refused is the same error, naming the update', async () => {
    const api = new MemoryIssues(ME)
    const ours = api.add({ author: ME, body: body('board 1') })
    api.fail('update', 403, 'Resource not accessible by integration')
    await expect(publish(api, ours.number)).rejects.toThrow(
      'The leaderboard issue could not be updated in school/xp (HTTP 403'
    )
  })
})
