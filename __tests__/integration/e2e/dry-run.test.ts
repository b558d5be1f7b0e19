/**
 * `dry-run: true` in award mode, end to end: the whole pipeline runs (event, roster, look-ups,
 * ledger read) and nothing changes, in Moodle or on GitHub.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mergedPullRequest } from '../../fixtures/events.js'
import { type GitHubFake, start as startGitHub } from '../../../test-servers/github/server.js'
import {
  AWARD_FUNCTION,
  DEMO_TOKEN,
  MoodleServer,
  USERS_BY_FIELD_FUNCTION
} from '../../../test-servers/moodle/server.js'
import { type ActionResult, runAction } from '../../../test-servers/runner/run-action.js'

const ROSTER = '.github/moodle-users.yml'

let moodle: MoodleServer
let github: GitHubFake
let apiUrl: string

beforeAll(async () => {
  moodle = new MoodleServer()
  await moodle.start()
  ;({ fake: github, apiUrl } = await startGitHub())
})

afterAll(async () => {
  await moodle.stop()
  await github.stop()
})

afterEach(() => {
  moodle.reset()
  github.resetLog()
})

function dryRun(roster: string, inputs: Record<string, string> = {}): Promise<ActionResult> {
  return runAction({
    inputs: {
      'moodle-url': moodle.url,
      'moodle-token': DEMO_TOKEN,
      'course-id': '30',
      points: '25',
      'mapping-file': ROSTER,
      'dry-run': 'true',
      ledger: 'comment',
      'github-token': 'ghs_default',
      'timeout-seconds': '5',
      ...inputs
    },
    eventName: 'pull_request_target',
    payload: mergedPullRequest(),
    files: { [ROSTER]: roster },
    apiUrl
  })
}

function expectNothingChanged(): void {
  expect(moodle.requestsFor(AWARD_FUNCTION)).toHaveLength(0)
  expect(moodle.awardsApplied()).toBe(0)
  expect(moodle.xp(30, 3)).toBe(0)
  // POST /graphql: reads of sync mode's ledger branch; no branch was created or written.
  expect(github.requests.filter(r => r.method === 'POST' && r.path !== '/graphql')).toEqual([])
  expect(github.world.find('Codertocat/Hello-World')!.refs.size).toBe(1)
  expect(github.count('PATCH')).toBe(0)
  expect(github.count('DELETE')).toBe(0)
  expect(github.comments('Codertocat/Hello-World', 2)).toEqual([])
}

describe('dry-run: true on a merged pull request', () => {
  it('reports dry-run for the author, sends no award and writes nothing on GitHub', async () => {
    const result = await dryRun('users:\n  - github: Codertocat\n    moodle_id: 3\n')
    expect(result.errors).toEqual([])
    expect(result.code).toBe(0)
    expect(result.results).toEqual([
      {
        github: 'Codertocat',
        githubId: 21031067,
        moodleUserId: 3,
        points: 25,
        xp: null,
        status: 'dry-run',
        reason: expect.stringContaining('would award 25 points'),
        level: null
      }
    ])
    expect(result.outputs['awarded-points']).toBe('0')
    expect(result.outputs.xp).toBe('')
    expect(result.outputs['moodle-user-id']).toBe('3')
    expectNothingChanged()
    // The ledger was read (the pipeline ran up to the award).
    expect(github.count('GET')).toBeGreaterThan(0)
    expect(result.summary).toContain('dry run')
    expect(result.summary).toContain('Dry run: nothing was awarded and nothing was written.')
  })

  it('looks the student up in Moodle and still changes nothing', async () => {
    const result = await dryRun('users:\n  - github: Codertocat\n    email: bob@example.edu\n')
    expect(result.errors).toEqual([])
    expect(result.code).toBe(0)
    expect(result.results[0]).toMatchObject({ status: 'dry-run', moodleUserId: 3 })
    const lookups = moodle.requestsFor(USERS_BY_FIELD_FUNCTION)
    expect(lookups).toHaveLength(1)
    expect(lookups[0]?.params).toMatchObject({ field: 'email' })
    expectNothingChanged()
  })

  it('with ledger: off, touches GitHub not at all', async () => {
    const result = await dryRun('users:\n  - github: Codertocat\n    moodle_id: 3\n', {
      ledger: 'off'
    })
    expect(result.code).toBe(0)
    expect(result.results[0]?.status).toBe('dry-run')
    expectNothingChanged()
    expect(github.count()).toBe(0)
  })
})
