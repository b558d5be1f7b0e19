/**
 * End to end, on the bundle: who earns for each kind of event, against the
 * Moodle-compatible server and, where the ledger is the default, the GitHub fake.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import {
  closedIssueCompleted,
  closedIssueNotPlanned,
  issueWithoutStateReason,
  mergedPullRequest,
  realExample,
  type ThreadOverrides,
  unmergedPullRequest
} from '../../fixtures/events.js'
import { start as startGitHub, type GitHubFake } from '../../../test-servers/github/server.js'
import {
  AWARD_FUNCTION,
  DEMO_TOKEN,
  MoodleServer,
  USERS_BY_FIELD_FUNCTION
} from '../../../test-servers/moodle/server.js'
import {
  type ActionRun,
  runAction,
  visibleOutput
} from '../../../test-servers/runner/run-action.js'
import {
  classSite,
  CODERTOCAT,
  COURSE,
  DEPENDABOT,
  foreignCommands,
  HUBOT,
  MONALISA,
  MOODLE_ID,
  OCTOCAT,
  rosterFixture,
  STRANGER
} from './students.js'

const REPO = 'Codertocat/Hello-World'
const GITHUB_TOKEN = 'ghs_default'
const ROSTER = '.github/moodle-users.yml'

let moodle: MoodleServer
let github: GitHubFake
let apiUrl: string
/** Each ledger test gets its own pull request / issue number: the fake keeps its comments. */
let nextNumber = 100

beforeAll(async () => {
  moodle = new MoodleServer(classSite())
  await moodle.start()
  ;({ fake: github, apiUrl } = await startGitHub())
})

afterAll(async () => {
  await moodle.stop()
  await github.stop()
})

beforeEach(() => {
  moodle.reset()
  github.resetLog()
})

/** A run with the teacher's usual inputs and the roster fixture checked out. */
function run(
  eventName: string,
  payload: unknown,
  inputs: Record<string, string> = {},
  extra: Partial<ActionRun> = {}
) {
  return runAction({
    eventName,
    payload,
    apiUrl,
    files: { [ROSTER]: rosterFixture('moodle-users.yml') },
    inputs: {
      'moodle-url': moodle.url,
      'moodle-token': DEMO_TOKEN,
      'course-id': String(COURSE),
      'mapping-file': ROSTER,
      'github-token': GITHUB_TOKEN,
      ...inputs
    },
    ...extra
  })
}

/** Numbers a pull request payload freshly, so its ledger thread is new. */
function numbered<T extends { pull_request?: { number: number }; issue?: { number: number } }>(
  payload: T
): T & { number: number } {
  const number = nextNumber++
  if (payload.pull_request) payload.pull_request.number = number
  if (payload.issue) payload.issue.number = number
  return Object.assign(payload, { number })
}

const xpOf = (login: string) => moodle.xp(COURSE, MOODLE_ID[login] ?? 0)
const awardRequests = () => moodle.requestsFor(AWARD_FUNCTION)
const awardedUsers = () => awardRequests().map(r => Number(r.params.userid))

describe('pull requests', () => {
  it('merged: the author earns; outputs, ledger comment and summary row say so', async () => {
    const before = xpOf('Codertocat')
    const payload = numbered(mergedPullRequest())
    const r = await run('pull_request_target', payload)

    expect(r.code).toBe(0)
    expect(r.errors).toEqual([])
    const xp = before + 10
    expect(xpOf('Codertocat')).toBe(xp)
    expect(awardRequests().map(q => q.params)).toEqual([
      { userid: '3', points: '10', courseid: String(COURSE) }
    ])
    expect(r.results).toEqual([
      {
        github: 'Codertocat',
        githubId: 21031067,
        moodleUserId: 3,
        points: 10,
        xp,
        status: 'awarded',
        reason: expect.any(String),
        // The student's level after the award (levels.test.ts tests it).
        level: expect.objectContaining({ number: expect.any(Number) })
      }
    ])
    expect(r.outputs).toMatchObject({
      xp: String(xp),
      'awarded-points': '10',
      'moodle-user-id': '3'
    })
    expect(r.summary).toMatch(
      new RegExp(`^\\| Codertocat \\| 3 \\| 10 \\| ${xp} \\| .*awarded`, 'm')
    )
    // The default ledger recorded the award on the pull request.
    expect(github.comments(REPO, payload.number)).toHaveLength(1)
  })

  it('closed without merging: skipped, exit 0, no award request', async () => {
    const r = await run('pull_request_target', numbered(unmergedPullRequest()))

    expect(r.code).toBe(0)
    expect(r.errors).toEqual([])
    expect(r.results).toEqual([
      expect.objectContaining({
        github: 'Codertocat',
        status: 'skipped',
        reason: 'closed without merging'
      })
    ])
    expect(r.outputs).toMatchObject({ xp: '', 'awarded-points': '0' })
    expect(awardRequests()).toEqual([])
    expect(github.count('POST')).toBe(0)
  })

  it.each<{
    name: string
    payload: () => unknown
    inputs: Record<string, string>
    github: string
    reason: string
  }>([
    {
      name: 'a bot author (dependabot[bot], type Bot)',
      payload: () => mergedPullRequest({ author: DEPENDABOT, sender: OCTOCAT }),
      inputs: {},
      github: 'dependabot[bot]',
      reason: 'bot account'
    },
    {
      name: 'a user in ignore-users (logins compared case-insensitively)',
      payload: () => mergedPullRequest(),
      inputs: { 'ignore-users': 'teacher-one\nCODERTOCAT, assistant' },
      github: 'Codertocat',
      reason: 'listed in ignore-users'
    }
  ])('$name is skipped', async ({ payload, inputs, github: login, reason }) => {
    const r = await run('pull_request_target', payload(), { ledger: 'off', ...inputs })

    expect(r.code).toBe(0)
    expect(r.results).toEqual([
      expect.objectContaining({ github: login, status: 'skipped', reason })
    ])
    expect(awardRequests()).toEqual([])
  })

  it('label-points: the highest matching label wins, labels compared case-insensitively', async () => {
    const before = xpOf('Codertocat')
    const r = await run(
      'pull_request_target',
      mergedPullRequest({ labels: ['bug', 'Big-Feature', 'docs'] }),
      { ledger: 'off', points: '7', 'label-points': 'BUG: 20\nbig-feature: 50\nunused: 900' }
    )

    expect(r.code).toBe(0)
    expect(r.results).toEqual([expect.objectContaining({ points: 50, status: 'awarded' })])
    expect(r.outputs['awarded-points']).toBe('50')
    expect(awardRequests().map(q => q.params.points)).toEqual(['50'])
    expect(xpOf('Codertocat')).toBe(before + 50)
  })
})

describe('issues', () => {
  it('completed with an assignee: the assignee earns, the author does not', async () => {
    const before = xpOf('hubot')
    const payload = numbered(closedIssueCompleted({ assignees: [HUBOT], sender: OCTOCAT }))
    const r = await run('issues', payload)

    expect(r.code).toBe(0)
    expect(r.errors).toEqual([])
    expect(r.results).toEqual([
      expect.objectContaining({
        github: 'hubot',
        moodleUserId: 4,
        status: 'awarded',
        xp: before + 10
      })
    ])
    expect(awardedUsers()).toEqual([4])
    expect(github.comments(REPO, payload.number)).toHaveLength(1)
  })

  it('two assignees: two awards, awarded-points is the sum, xp is the first, results in order', async () => {
    moodle.setXp(COURSE, 5, 500)
    moodle.setXp(COURSE, 2, 200)
    const payload = numbered(closedIssueCompleted({ assignees: [MONALISA, OCTOCAT] }))
    const r = await run('issues', payload, { 'label-points': 'bug: 15' })

    expect(r.code).toBe(0)
    expect(r.results.map(x => [x.github, x.moodleUserId, x.points, x.xp, x.status])).toEqual([
      ['monalisa', 5, 15, 515, 'awarded'],
      ['octocat', 2, 15, 215, 'awarded']
    ])
    expect(r.outputs).toMatchObject({ xp: '515', 'awarded-points': '30', 'moodle-user-id': '5' })
    expect(awardedUsers().sort()).toEqual([2, 5])
    // Both are resolved by email, in one look-up.
    expect(moodle.requestsFor(USERS_BY_FIELD_FUNCTION)).toHaveLength(1)
  })

  it('completed without assignees, closed by someone else: the author earns', async () => {
    const payload = numbered(closedIssueCompleted({ assignees: [], sender: OCTOCAT }))
    const r = await run('issues', payload)

    expect(r.code).toBe(0)
    expect(r.results).toEqual([
      expect.objectContaining({ github: 'Codertocat', moodleUserId: 3, status: 'awarded' })
    ])
    expect(awardedUsers()).toEqual([3])
    expect(github.comments(REPO, payload.number)).toHaveLength(1)
  })

  it('completed without assignees, closed by its own author: skipped', async () => {
    const payload = closedIssueCompleted({ assignees: [], sender: CODERTOCAT })
    const r = await run('issues', payload)

    expect(r.code).toBe(0)
    expect(r.results).toEqual([
      expect.objectContaining({
        github: 'Codertocat',
        status: 'skipped',
        reason: 'closed by its own author'
      })
    ])
    expect(awardRequests()).toEqual([])
    expect(github.count()).toBe(0)
  })

  it('closed as not planned: skipped', async () => {
    const r = await run('issues', closedIssueNotPlanned({ sender: OCTOCAT }), { ledger: 'off' })

    expect(r.code).toBe(0)
    expect(r.results).toEqual([
      expect.objectContaining({
        github: 'Codertocat',
        status: 'skipped',
        reason: expect.stringContaining('not_planned')
      })
    ])
    expect(r.outputs['awarded-points']).toBe('0')
    expect(awardRequests()).toEqual([])
  })

  it('closed as not planned earns with issue-close-reasons: completed,not_planned', async () => {
    const r = await run('issues', closedIssueNotPlanned({ sender: OCTOCAT }), {
      ledger: 'off',
      'issue-close-reasons': 'completed,not_planned'
    })

    expect(r.code).toBe(0)
    expect(r.results).toEqual([
      expect.objectContaining({ github: 'Codertocat', status: 'awarded' })
    ])
    expect(awardedUsers()).toEqual([3])
  })

  it('a payload without state_reason counts as completed', async () => {
    const payload = issueWithoutStateReason()
    expect('state_reason' in payload.issue).toBe(false)
    const r = await run('issues', payload, { ledger: 'off' })

    expect(r.code).toBe(0)
    // The real example's assignee is Codertocat, who also closed it: assignees earn anyway.
    expect(r.results).toEqual([
      expect.objectContaining({ github: 'Codertocat', status: 'awarded' })
    ])
    expect(awardedUsers()).toEqual([3])
  })
})

describe('unmapped recipients', () => {
  const strangerPr = (): ThreadOverrides => ({ author: STRANGER, sender: OCTOCAT })

  it('warn, naming the GitHub user, and the step succeeds', async () => {
    const r = await run('pull_request_target', mergedPullRequest(strangerPr()), { ledger: 'off' })

    expect(r.code).toBe(0)
    expect(r.errors).toEqual([])
    expect(r.results).toEqual([
      expect.objectContaining({ github: 'stranger-danger', moodleUserId: null, status: 'unmapped' })
    ])
    expect(r.warnings).toEqual([expect.stringMatching(/^::warning::No XP for @stranger-danger: /)])
    expect(awardRequests()).toEqual([])
  })

  it('fail the step with fail-on-unmapped: true', async () => {
    const r = await run('pull_request_target', mergedPullRequest(strangerPr()), {
      ledger: 'off',
      'fail-on-unmapped': 'true'
    })

    expect(r.code).toBe(1)
    expect(r.results).toEqual([expect.objectContaining({ status: 'unmapped' })])
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toContain('stranger-danger')
    expect(r.errors[0]).toContain('fail-on-unmapped')
    expect(r.warnings).toEqual([]) // the error says it; no second line
    expect(awardRequests()).toEqual([])
  })
})

describe('events without a pull request or issue', () => {
  it('github-login on workflow_dispatch awards that person through the roster', async () => {
    const before = xpOf('hubot')
    const r = await run('workflow_dispatch', realExample('workflow_dispatch'), {
      'github-login': 'HUBOT'
    })

    expect(r.code).toBe(0)
    expect(r.errors).toEqual([])
    expect(r.results).toEqual([
      expect.objectContaining({ moodleUserId: 4, status: 'awarded', xp: before + 10 })
    ])
    expect(awardedUsers()).toEqual([4])
    expect(github.count()).toBe(0) // no thread, so no ledger comment
  })

  it('push without user-id or github-login fails naming the event and both inputs', async () => {
    const r = await run('push', realExample('push'))

    expect(r.code).toBe(1)
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toMatch(/"push"/)
    expect(r.errors[0]).toContain('user-id')
    expect(r.errors[0]).toContain('github-login')
    expect(moodle.requests).toEqual([])
  })

  it('pull_request opened: nothing to do, exit 0', async () => {
    const r = await run('pull_request', realExample('pull_request', 'opened'))

    expect(r.code).toBe(0)
    expect(r.errors).toEqual([])
    expect(r.results).toEqual([])
    expect(r.outputs).toMatchObject({ xp: '', 'awarded-points': '0', 'moodle-user-id': '' })
    expect(moodle.requests).toEqual([])
    expect(github.count()).toBe(0)
  })
})

describe('event text cannot issue workflow commands or inject HTML', () => {
  it('a title with ::error:: and ::add-mask:: lines, a label with an <img> tag', async () => {
    const label = '<img src=x onerror=alert(1)>'
    const payload = numbered(
      mergedPullRequest({
        title: 'Fix typo\n::error::pwned\n::add-mask::secret\r\n::warning::pwned too',
        labels: [label, 'bug']
      })
    )
    const r = await run('pull_request_target', payload, { 'label-points': `${label}: 30` })

    expect(r.code).toBe(0)
    expect(r.results).toEqual([expect.objectContaining({ points: 30, status: 'awarded' })])
    expect(foreignCommands(r.stdout, [DEMO_TOKEN, GITHUB_TOKEN])).toEqual([])
    expect(r.errors).toEqual([])
    const lines = r.stdout.split('\n')
    expect(lines.filter(l => l.startsWith('::') && l.includes('pwned'))).toEqual([])
    expect(lines.filter(l => l.startsWith('::add-mask::')).sort()).toEqual(
      [`::add-mask::${DEMO_TOKEN}`, `::add-mask::${GITHUB_TOKEN}`].sort()
    )
    expect(visibleOutput(r)).not.toMatch(/^::(error|warning|add-mask)::(pwned|secret)/m)
    // The summary shows the text, escaped.
    expect(r.summary).toContain('Fix typo')
    expect(r.summary).toContain('pwned')
    expect(r.summary).not.toContain('<img')
    expect(r.summary).toContain('&lt;img')
    expect(r.summary).not.toMatch(/^::/m)
    // So does the ledger comment.
    const [comment] = github.comments(REPO, payload.number)
    expect(comment?.body).toBeDefined()
    expect(comment?.body).not.toContain('<img')
  })
})
