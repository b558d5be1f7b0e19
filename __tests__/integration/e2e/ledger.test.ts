/**
 * End to end, on the bundle: the award ledger against the Moodle-compatible server and the
 * GitHub fake. Each test uses its own pull request / issue number: the fake keeps comments.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import {
  closedIssueCompleted,
  mergedPullRequest,
  type ThreadOverrides
} from '../../fixtures/events.js'
import { decodeRecords, encodeRecord, type LedgerRecord } from '../../../src/ledger/records.js'
import {
  GITHUB_ACTIONS,
  start as startGitHub,
  type FakeComment,
  type FakeIdentity,
  type GitHubFake
} from '../../../test-servers/github/server.js'
import { AWARD_FUNCTION, DEMO_TOKEN, MoodleServer } from '../../../test-servers/moodle/server.js'
import {
  type ActionResult,
  type ActionRun,
  runAction
} from '../../../test-servers/runner/run-action.js'

const REPO = 'Codertocat/Hello-World'
const COURSE = 30
/** The author of the example payloads, mapped to Moodle user 3 (bob, enrolled in course 30). */
const STUDENT = { login: 'Codertocat', id: 21031067, moodleId: 3 }
const MALLORY: FakeIdentity = { login: 'mallory', id: 666666, type: 'User' }
const RECORD_RE = /<!-- moodle-xp-ledger \{.*?\} -->/g

let moodle: MoodleServer
let github: GitHubFake
let apiUrl: string

beforeAll(async () => {
  moodle = new MoodleServer()
  await moodle.start()
  ;({ fake: github, apiUrl } = await startGitHub([
    { token: 'ghs_default', identity: GITHUB_ACTIONS, installation: true },
    { token: 'ghs_readonly', identity: GITHUB_ACTIONS, installation: true, readOnly: true }
  ]))
})

afterAll(async () => {
  await moodle?.stop()
  await github?.stop()
})

beforeEach(() => {
  moodle.reset()
  github.resetLog()
})

/** A merged pull request of the example repository, renumbered. */
function pr(number: number, overrides: ThreadOverrides = {}) {
  const payload = mergedPullRequest(overrides)
  payload.number = number
  payload.pull_request.number = number
  return payload
}

function run(
  payload: unknown,
  inputs: Record<string, string> = {},
  extra: Partial<ActionRun> = {}
): Promise<ActionResult> {
  return runAction({
    eventName: 'pull_request_target',
    payload,
    apiUrl,
    inputs: {
      'moodle-url': moodle.url,
      'moodle-token': DEMO_TOKEN,
      'course-id': String(COURSE),
      mapping: `${STUDENT.login}: ${STUDENT.moodleId}`,
      'github-token': 'ghs_default',
      'timeout-seconds': '5',
      ...inputs
    },
    ...extra
  })
}

function only(r: ActionResult): Record<string, unknown> {
  expect(r.results).toHaveLength(1)
  return r.results[0]!
}

function statusOf(r: ActionResult): unknown {
  return only(r)['status']
}

/** GitHub requests since the last `resetLog()`, by method. */
function requestCounts() {
  return {
    GET: github.count('GET'),
    POST: github.count('POST'),
    PATCH: github.count('PATCH'),
    DELETE: github.count('DELETE'),
    total: github.count()
  }
}

function writes(): number {
  return github.requests.filter(r => r.method !== 'GET' && r.path !== '/graphql').length
}

function ledgerComments(number: number): FakeComment[] {
  return github.comments(REPO, number).filter(c => c.body.includes('<!-- moodle-xp-ledger '))
}

/** The comment text without its hidden records. */
function visible(body: string): string {
  return body.replace(RECORD_RE, '')
}

function awards(): number {
  return moodle.requestsFor(AWARD_FUNCTION).length
}

describe('the ledger on the bundle', () => {
  it('awards a merged pull request once over three runs; later runs are already-awarded', async () => {
    const payload = pr(10)
    const before = moodle.xp(COURSE, STUDENT.moodleId)

    const first = await run(payload)
    expect(first.errors).toEqual([])
    expect(first.code).toBe(0)
    expect(statusOf(first)).toBe('awarded')
    const xp = before + 10
    expect(first.outputs['xp']).toBe(String(xp))
    // list + create + list (the race check) + update
    const firstCounts = requestCounts()
    expect(firstCounts).toEqual({ GET: 2, POST: 1, PATCH: 1, DELETE: 0, total: 4 })

    for (const attempt of [2, 3]) {
      github.resetLog()
      const again = await run(payload, {}, { runAttempt: attempt })
      expect(again.code).toBe(0)
      expect(again.errors).toEqual([])
      expect(only(again)).toMatchObject({ status: 'already-awarded', xp, points: 10 })
      expect(again.outputs['xp']).toBe(String(xp))
      expect(again.outputs['awarded-points']).toBe('0')
      // list, and the viewer query to learn which account's records count; nothing written
      expect(requestCounts()).toEqual({ GET: 1, POST: 1, PATCH: 0, DELETE: 0, total: 2 })
      expect(github.requests.find(r => r.method === 'POST')?.path).toBe('/graphql')
    }

    expect(awards()).toBe(1)
    expect(moodle.awardsApplied()).toBe(1)
    expect(moodle.xp(COURSE, STUDENT.moodleId)).toBe(xp)
    const comments = github.comments(REPO, 10)
    expect(comments).toHaveLength(1)
    const [comment] = comments
    expect(comment!.user.login).toBe('github-actions[bot]')
    expect(visible(comment!.body)).toContain(`@${STUDENT.login} earned **10 XP**`)
    expect(visible(comment!.body)).toContain(`now has **${xp} XP** in total`)
    const records = decodeRecords(comment!.body)
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({
      state: 'done',
      points: 10,
      xp,
      moodleUserId: STUDENT.moodleId,
      key: {
        course: COURSE,
        repository: REPO,
        number: 10,
        kind: 'pr-merged',
        recipient: `gh:${STUDENT.id}`
      }
    })
  })

  it('ignores records that another user copied or forged into a comment', async () => {
    // A real ledger comment for the same key, from a run against a separate GitHub fake.
    const other = await startGitHub()
    let copied: string
    try {
      const elsewhere = await run(pr(20), {}, { apiUrl: other.apiUrl })
      expect(statusOf(elsewhere)).toBe('awarded')
      copied = other.fake.comments(REPO, 20)[0]!.body
    } finally {
      await other.fake.stop()
    }
    expect(decodeRecords(copied)[0]?.state).toBe('done')
    const forged: LedgerRecord = {
      ...decodeRecords(copied)[0]!,
      state: 'pending',
      xp: null,
      run: '1/1'
    }
    github.addComment(REPO, 20, { user: MALLORY, body: copied })
    github.addComment(REPO, 20, { user: MALLORY, body: `lol\n${encodeRecord(forged)}` })
    moodle.reset()

    const r = await run(pr(20))
    expect(r.code).toBe(0)
    expect(statusOf(r)).toBe('awarded')
    expect(moodle.awardsApplied()).toBe(1)
    const ours = ledgerComments(20).filter(c => c.user.login === 'github-actions[bot]')
    expect(ours).toHaveLength(1)
    expect(decodeRecords(ours[0]!.body)[0]?.state).toBe('done')

    // Our own record counts, whatever mallory's comments say.
    const again = await run(pr(20))
    expect(statusOf(again)).toBe('already-awarded')
    expect(moodle.awardsApplied()).toBe(1)
  })

  it('lets exactly one of two simultaneous runs award', async () => {
    // Round 0 as is; GitHub latency makes both runs read an empty ledger and both claim;
    // a slow Moodle keeps the winner's claim pending while the other run reads it.
    const rounds: Array<{ latency: number; moodleDelay: number }> = [
      { latency: 0, moodleDelay: 0 },
      { latency: 150, moodleDelay: 0 },
      { latency: 0, moodleDelay: 400 },
      { latency: 30, moodleDelay: 200 }
    ]
    for (const [i, round] of rounds.entries()) {
      const number = 30 + i
      moodle.reset()
      github.latency = round.latency
      if (round.moodleDelay > 0)
        moodle.queueFault({ type: 'delay', ms: round.moodleDelay }, { wsfunction: AWARD_FUNCTION })
      let both: ActionResult[]
      try {
        both = await Promise.all(['7001', '7002'].map(runId => run(pr(number), {}, { runId })))
      } finally {
        github.latency = 0
      }
      // The round and the statuses in one object, so a failure says which round and why.
      const outcome = {
        round: i,
        applied: moodle.awardsApplied(),
        codes: both.map(b => b.code),
        statuses: both.map(statusOf).sort(),
        reasons: both.map(b => String(only(b)['reason']))
      }
      expect(outcome).toMatchObject({ round: i, applied: 1, codes: [0, 0] })
      expect([
        ['already-awarded', 'awarded'],
        ['awarded', 'skipped']
      ]).toContainEqual(outcome.statuses)
      const loser = both.find(b => statusOf(b) !== 'awarded')!
      expect(String(only(loser)['reason'])).toMatch(/^(another run|already awarded)/)
      // The loser withdrew its claim (or never wrote one): one ledger comment, done.
      const comments = ledgerComments(number)
      expect(comments).toHaveLength(1)
      expect(decodeRecords(comments[0]!.body)[0]?.state).toBe('done')
    }
  })

  it('a run that starts while another run is awarding gives way without an alarm', async () => {
    // The second run reads the ledger while the first one's claim is still pending.
    moodle.queueFault({ type: 'delay', ms: 1500 }, { wsfunction: AWARD_FUNCTION })
    const first = run(pr(35), {}, { runId: '7101' })
    const deadline = Date.now() + 10000
    while (!github.requests.some(q => q.method === 'POST') && Date.now() < deadline)
      await new Promise(resolve => setTimeout(resolve, 10))
    const second = await run(pr(35), {}, { runId: '7102' })
    const winner = await first
    expect(statusOf(winner)).toBe('awarded')
    expect(moodle.awardsApplied()).toBe(1)
    expect(second.code).toBe(0)
    expect(second.errors).toEqual([])
    expect(only(second)).toMatchObject({ status: 'skipped' })
    expect(String(only(second)['reason'])).toMatch(/another run \(7101\/1\)/)
    expect(ledgerComments(35)).toHaveLength(1)
  })

  it('reports unknown when Moodle closes the connection after applying, until force: true', async () => {
    const payload = pr(40)
    moodle.queueFault({ type: 'close-after-apply' }, { wsfunction: AWARD_FUNCTION })
    const first = await run(payload)
    expect(first.code).toBe(1)
    expect(statusOf(first)).toBe('unknown')
    expect(first.errors.length).toBeGreaterThan(0)
    expect(moodle.awardsApplied()).toBe(1)
    const comment = ledgerComments(40)
    expect(comment).toHaveLength(1)
    expect(decodeRecords(comment[0]!.body)[0]?.state).toBe('pending')

    const rerun = await run(payload, {}, { runAttempt: 2 })
    expect(rerun.code).toBe(1)
    expect(statusOf(rerun)).toBe('unknown')
    expect(String(only(rerun)['reason'])).toMatch(/force: true/)
    expect(awards()).toBe(1)
    expect(moodle.awardsApplied()).toBe(1)

    const forced = await run(payload, { force: 'true' }, { runAttempt: 3 })
    expect(forced.code).toBe(0)
    expect(statusOf(forced)).toBe('awarded')
    expect(moodle.awardsApplied()).toBe(2)
    const xp = Number(forced.outputs['xp'])

    const after = await run(payload, {}, { runAttempt: 4 })
    expect(after.code).toBe(0)
    expect(only(after)).toMatchObject({ status: 'already-awarded', xp })
    expect(moodle.awardsApplied()).toBe(2)
  })

  it('finds the record after 120 unrelated comments (all pages are read)', async () => {
    for (let i = 0; i < 120; i++)
      github.addComment(REPO, 50, {
        user: { login: `student${i % 7}`, id: 5000 + (i % 7), type: 'User' },
        body: `Comment ${i}: looks good to me`
      })
    const first = await run(pr(50))
    expect(statusOf(first)).toBe('awarded')
    const firstCounts = requestCounts()
    // two pages, create, two pages again, update
    expect(firstCounts).toEqual({ GET: 4, POST: 1, PATCH: 1, DELETE: 0, total: 6 })
    expect(github.comments(REPO, 50)).toHaveLength(121)

    github.resetLog()
    const again = await run(pr(50))
    expect(again.code).toBe(0)
    expect(statusOf(again)).toBe('already-awarded')
    expect(github.requests.filter(r => r.method === 'GET').map(r => r.query['page'])).toEqual([
      undefined,
      '2'
    ])
    expect(moodle.awardsApplied()).toBe(1)
  })

  it('without write permission awards on the first attempt only, with a warning', async () => {
    const token = { 'github-token': 'ghs_readonly' }
    const first = await run(pr(60), token, { runAttempt: 1 })
    expect(first.code).toBe(0)
    expect(statusOf(first)).toBe('awarded')
    const warned = first.warnings.join('\n')
    expect(warned).toContain('pull-requests: write')
    expect(warned).toContain('issues: write')
    expect(moodle.awardsApplied()).toBe(1)
    expect(github.comments(REPO, 60)).toHaveLength(0)

    const rerun = await run(pr(60), token, { runAttempt: 2 })
    expect(rerun.code).toBe(0)
    expect(statusOf(rerun)).toBe('skipped')
    expect(rerun.warnings.join('\n')).toContain('pull-requests: write')
    expect(String(only(rerun)['reason'])).toMatch(/attempt 1/)
    expect(awards()).toBe(1)
    expect(moodle.awardsApplied()).toBe(1)
  })

  it('dry-run reads the ledger, sends no award and writes nothing to GitHub', async () => {
    const r = await run(pr(70), { 'dry-run': 'true' })
    expect(r.code).toBe(0)
    expect(statusOf(r)).toBe('dry-run')
    expect(awards()).toBe(0)
    expect(github.count('GET')).toBeGreaterThan(0)
    expect(writes()).toBe(0)
    expect(github.comments(REPO, 70)).toHaveLength(0)
  })

  it('ledger: off sends no GitHub request at all', async () => {
    const r = await run(pr(80), { ledger: 'off' })
    expect(r.code).toBe(0)
    expect(statusOf(r)).toBe('awarded')
    expect(github.count()).toBe(0)
    expect(moodle.awardsApplied()).toBe(1)
  })

  it('comment: false leaves only the hidden record in the comment', async () => {
    const r = await run(pr(90), { comment: 'false' })
    expect(statusOf(r)).toBe('awarded')
    const [comment, ...more] = ledgerComments(90)
    expect(more).toHaveLength(0)
    expect(decodeRecords(comment!.body)).toHaveLength(1)
    expect(decodeRecords(comment!.body)[0]?.state).toBe('done')
    const text = visible(comment!.body)
    expect(text).not.toContain('@')
    expect(text).not.toContain(STUDENT.login)
  })

  it('writes the ledger comment on the issue for a closed issue', async () => {
    const payload = closedIssueCompleted()
    payload.issue.number = 11
    const r = await run(payload, {}, { eventName: 'issues' })
    expect(r.code).toBe(0)
    expect(statusOf(r)).toBe('awarded')
    const [comment, ...more] = ledgerComments(11)
    expect(more).toHaveLength(0)
    expect(visible(comment!.body)).toContain(`@${STUDENT.login} earned **10 XP** for this issue`)
    expect(decodeRecords(comment!.body)[0]?.key).toMatchObject({ number: 11, kind: 'issue-closed' })
    expect(github.requests.filter(q => q.method === 'POST')[0]?.path).toBe(
      `/repos/${REPO}/issues/11/comments`
    )
  })

  it('never puts event text raw into the comment', async () => {
    const evil = 'Fix --> <script>alert(1)</script> @everyone <!-- [x](javascript:1) ::error::'
    const login = 'x--><script>@everyone'
    const payload = pr(95, { title: evil, author: { login, id: 31337 } })
    const r = await run(
      payload,
      {
        mapping: '',
        'mapping-file': 'roster.yml'
      },
      {
        // The roster matches by id first, so the odd login in the payload still earns.
        files: {
          'roster.yml': 'users:\n  - github: someone\n    github_id: 31337\n    moodle_id: 3\n'
        }
      }
    )
    expect(r.errors).toEqual([])
    expect(statusOf(r)).toBe('awarded')
    const [comment] = ledgerComments(95)
    const body = comment!.body
    const text = visible(body)
    for (const raw of ['-->', '<!--', '<script', '@everyone', '](', '::error::'])
      expect(text).not.toContain(raw)
    // Only the records' own delimiters remain, and they decode.
    expect(body.match(/-->/g)).toHaveLength(1)
    expect(decodeRecords(body)[0]?.key.recipient).toBe('gh:31337')
    expect(text).toContain('&#64;\u200beveryone')
  })
})
