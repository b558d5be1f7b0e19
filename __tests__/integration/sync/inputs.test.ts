/**
 * Sync mode's inputs on the bundle: a bad one fails the step with one `::error::` line that
 * names it and the fix, before any request to Moodle or GitHub.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { start, type GitHubFake } from '../../../test-servers/github/server.js'
import { DEMO_TOKEN, MoodleServer } from '../../../test-servers/moodle/server.js'
import { runAction } from '../../../test-servers/runner/run-action.js'

let moodle: MoodleServer
let github: GitHubFake
let apiUrl: string

beforeAll(async () => {
  moodle = new MoodleServer()
  await moodle.start()
  ;({ fake: github, apiUrl } = await start())
})

afterAll(async () => {
  await moodle.stop()
  await github.stop()
})

const valid = () => ({
  mode: 'sync',
  'moodle-url': moodle.url,
  'moodle-token': DEMO_TOKEN,
  'course-id': '30',
  'github-token': 'ghs_default',
  repositories: 'classroom/hw1-*',
  since: '2026-09-01',
  mapping: 'alice: 2'
})

describe('sync mode: bad inputs stop the step before anything is sent', () => {
  it.each([
    ['since', { since: '' }, 'is required in sync mode'],
    ['since', { since: '1 September' }, 'is not a date; write YYYY-MM-DD'],
    ['since', { since: '2026-02-30' }, 'is not a date'],
    ['user-id', { 'user-id': '3' }, 'is not used in sync mode'],
    ['github-login', { 'github-login': 'alice' }, 'is not used in sync mode'],
    ['ledger', { ledger: 'off' }, 'cannot be off in sync mode'],
    [
      'force',
      { force: 'true' },
      'in sync mode resolve an unknown award by editing its record on the ledger branch'
    ],
    ['ledger-branch', { 'ledger-branch': 'bad branch' }, 'is not a branch name git accepts'],
    ['ledger-branch', { 'ledger-branch': 'a..b' }, 'is not a branch name git accepts'],
    ['concurrency', { concurrency: '17' }, 'must be a whole number from 1 to 16'],
    ['max-awards', { 'max-awards': '0' }, 'must be a whole number from 1'],
    ['require-approval', { 'require-approval': 'yes' }, 'must be true or false'],
    ['shard', { shard: '5/4' }, 'is not i/n'],
    ['leaderboard', { leaderboard: 'top' }, 'must be one of off, summary, issue'],
    ['repositories', { repositories: 'not a repository' }, 'is not a repository'],
    ['mapping-file', { mapping: '' }, 'or input "mapping" is required in sync mode'],
    ['github-token', { 'github-token': '' }, 'sync mode reads the course repositories']
  ])('%s: %j', async (input, change, phrase) => {
    github.resetLog()
    const r = await runAction({ apiUrl, inputs: { ...valid(), ...change } })
    expect(r.code).toBe(1)
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toContain(`Input "${input}" `)
    expect(r.errors[0]).toContain(phrase)
    expect(moodle.requests).toHaveLength(0)
    expect(github.count()).toBe(0)
  })

  it.each([
    ['repositories', { repositories: 'classroom/hw1-*' }],
    ['since', { since: '2026-09-01' }],
    ['shard', { shard: '1/2' }]
  ])('%s outside sync mode is refused: it would do nothing there', async (input, change) => {
    const r = await runAction({
      apiUrl,
      inputs: { 'moodle-url': moodle.url, 'moodle-token': DEMO_TOKEN, 'course-id': '30', ...change }
    })
    expect(r.code).toBe(1)
    expect(r.errors).toEqual([
      expect.stringContaining(`Input "${input}" is used only with mode: sync`)
    ])
  })

  it('leaderboard outside sync mode is refused: only sync reads the course after its awards', async () => {
    const r = await runAction({
      apiUrl,
      inputs: {
        'moodle-url': moodle.url,
        'moodle-token': DEMO_TOKEN,
        'course-id': '30',
        'user-id': '2',
        leaderboard: 'summary'
      }
    })
    expect(r.code).toBe(1)
    expect(r.errors).toEqual([
      expect.stringContaining('Input "leaderboard" is shown only by sync mode')
    ])
    expect(moodle.requests).toHaveLength(0)
  })

  it('a repositories entry that github-token cannot read fails the step, naming the input and the entry', async () => {
    const r = await runAction({
      apiUrl,
      inputs: { ...valid(), repositories: 'octo/missing' }
    })
    expect(r.code).toBe(1)
    expect(r.errors).toContain(
      '::error::Input "repositories" names octo/missing: not found, or github-token cannot read it; correct the entry or give github-token access to it.'
    )
    expect(moodle.requests).toHaveLength(0)
  })
})
