/**
 * End to end, bad inputs: the bundle fails the step with exactly one `::error::` line that
 * names the input, and not one request reaches Moodle. The token never shows.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import {
  ALL_FUNCTIONS,
  defaultMoodleConfig,
  MoodleServer
} from '../../../test-servers/moodle/server.js'
import {
  type ActionResult,
  runAction,
  visibleOutput
} from '../../../test-servers/runner/run-action.js'
import {
  closedIssueCompleted,
  mergedPullRequest,
  realExample,
  unmergedPullRequest
} from '../../fixtures/events.js'

/** Distinctive, so that any leak of it into captured output is unmistakable. */
const TOKEN = 'e2e-inputs-Secret-5b9d2f7e1a3c'

let server: MoodleServer

beforeAll(async () => {
  server = new MoodleServer({
    tokens: [
      ...defaultMoodleConfig().tokens,
      { token: TOKEN, userId: 100, functions: [...ALL_FUNCTIONS] }
    ]
  })
  await server.start()
})

afterAll(async () => {
  await server.stop()
})

beforeEach(() => {
  server.reset()
})

function valid(): Record<string, string> {
  return { 'moodle-url': server.url, 'moodle-token': TOKEN, 'course-id': '30', 'user-id': '3' }
}

/** Exit 1, one `::error::` line containing every phrase, no request to Moodle, token hidden. */
function expectRejected(result: ActionResult, ...phrases: string[]): void {
  expect(result.code).toBe(1)
  expect(result.errors).toHaveLength(1)
  const [line] = result.errors
  expect(line).toMatch(/^::error::/)
  for (const phrase of phrases) expect(line).toContain(phrase)
  expect(server.requests).toHaveLength(0)
  expect(visibleOutput(result)).not.toContain(TOKEN)
  expect(result.summary).not.toContain(TOKEN)
  expect(JSON.stringify(result.outputs)).not.toContain(TOKEN)
}

describe('bad inputs stop the step before anything is sent', () => {
  it.each(['0', '-1', '1.5', 'abc', '1000001'])('points: %s', async points => {
    const result = await runAction({ inputs: { ...valid(), points } })
    expectRejected(result, 'Input "points"', 'from 1 to 1000000', JSON.stringify(points))
  })

  it('course-id: abc', async () => {
    const result = await runAction({ inputs: { ...valid(), 'course-id': 'abc' } })
    expectRejected(result, 'Input "course-id"', '"abc"')
  })

  it('user-id: 0', async () => {
    const result = await runAction({ inputs: { ...valid(), 'user-id': '0' } })
    expectRejected(result, 'Input "user-id"', 'whole number from 1')
  })

  it('moodle-token missing', async () => {
    const result = await runAction({ inputs: { ...valid(), 'moodle-token': '' } })
    expectRejected(result, 'Input "moodle-token"', 'is required', 'secrets.MOODLE_TOKEN')
    expect(result.errors[0]).not.toContain('fork')
  })

  it('moodle-token missing on a pull_request from a fork: says GitHub withheld the secret', async () => {
    const payload = unmergedPullRequest()
    const base = payload.pull_request.base.repo.full_name
    payload.pull_request.head.repo = {
      ...payload.pull_request.head.repo,
      full_name: 'student-fork/Hello-World'
    } as typeof payload.pull_request.head.repo
    expect(payload.pull_request.head.repo?.full_name).not.toBe(base)

    const result = await runAction({
      eventName: 'pull_request',
      payload,
      inputs: { ...valid(), 'moodle-token': '' }
    })
    expectRejected(result, 'Input "moodle-token"', 'from a fork', 'pull_request_target')
  })

  it('moodle-token missing on a pull_request from the same repository: the plain message', async () => {
    const result = await runAction({
      eventName: 'pull_request',
      payload: unmergedPullRequest(),
      inputs: { ...valid(), 'moodle-token': '' }
    })
    expectRejected(result, 'Input "moodle-token"', 'is required')
    expect(result.errors[0]).not.toContain('fork')
  })

  it('moodle-token with white space inside: rejected without showing it', async () => {
    const result = await runAction({ inputs: { ...valid(), 'moodle-token': `${TOKEN} x` } })
    expectRejected(result, 'Input "moodle-token"', 'white space')
  })

  it('moodle-url: http to a public host without allow-http', async () => {
    const result = await runAction({
      inputs: { ...valid(), 'moodle-url': 'http://moodle.example.edu' }
    })
    expectRejected(result, 'Input "moodle-url"', 'plain http', 'allow-http')
  })

  it('moodle-url with the token as a password: rejected without showing it', async () => {
    const result = await runAction({
      inputs: { ...valid(), 'moodle-url': `https://xpbot:${TOKEN}@moodle.example.edu` }
    })
    expectRejected(result, 'Input "moodle-url"', 'user name or password')
  })

  it.each([
    ['a merged pull request', 'pull_request_target', () => mergedPullRequest()],
    ['a completed issue', 'issues', () => closedIssueCompleted()]
  ])(
    'github-token empty with the ledger on, on %s: names the input, sets the outputs',
    async (_name, eventName, payload) => {
      const result = await runAction({
        eventName,
        payload: payload(),
        inputs: { ...valid(), 'user-id': '', mapping: 'Codertocat: 3', 'github-token': '' }
      })
      expectRejected(result, 'Input "github-token"', 'ledger: comment', 'ledger: off')
      expect(result.outputs).toEqual({
        xp: '',
        level: '',
        'awarded-points': '0',
        'moodle-user-id': '',
        results: '[]'
      })
    }
  )

  it('mode: audit', async () => {
    const result = await runAction({ inputs: { ...valid(), mode: 'audit' } })
    expectRejected(result, 'Input "mode"', 'award, check', '"audit"')
  })

  it('dry-run: yes', async () => {
    const result = await runAction({ inputs: { ...valid(), 'dry-run': 'yes' } })
    expectRejected(result, 'Input "dry-run"', 'true or false', '"yes"')
  })

  it('recipients: reviewers', async () => {
    const result = await runAction({ inputs: { ...valid(), recipients: 'author, reviewers' } })
    expectRejected(result, 'Input "recipients"', 'author, assignees')
  })

  it.each([
    ['no colon', 'good first issue: 5\nbug 3', 'line 2'],
    ['points not a number', 'bug: many', 'line 1']
  ])('label-points: %s', async (_name, labelPoints, where) => {
    const result = await runAction({ inputs: { ...valid(), 'label-points': labelPoints } })
    expectRejected(result, 'Input "label-points"', where)
  })

  it.each([
    ['push', () => realExample('push')],
    ['workflow_dispatch', () => realExample('workflow_dispatch')]
  ])(
    'event %s without user-id or github-login: names the event and both inputs',
    async (eventName, payload) => {
      const result = await runAction({
        eventName,
        payload: payload(),
        inputs: { ...valid(), 'user-id': '' }
      })
      expectRejected(result, `"${eventName}"`, 'user-id', 'github-login')
    }
  )
})
