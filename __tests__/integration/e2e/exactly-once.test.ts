/**
 * End to end, on the bundle: the paths where the same (event, Moodle user) could be paid twice,
 * each closed. `docs/fault-matrix.md` lists them with what the action does; a docs test keeps it
 * in step with the names here.
 */
import { describe, expect, it } from '@jest/globals'
import { encodeRecord, type LedgerRecord } from '../../../src/ledger/records.js'
import type { ActionResult, ActionRun } from '../../../test-servers/runner/run-action.js'
import { HUBOT, OCTOCAT } from './students.js'
import {
  AWARD_FUNCTION,
  COURSE,
  issue,
  ledgerComments,
  MALLORY,
  only,
  pr,
  recordsOf,
  REPO,
  statusOf,
  STUDENT,
  useLedgerWorld
} from './ledger-world.js'

const world = useLedgerWorld()
const { run, applied } = world
const onIssue = (
  payload: unknown,
  inputs: Record<string, string> = {},
  extra: Partial<ActionRun> = {}
) => run(payload, inputs, { eventName: 'issues', ...extra })

/** A record of the student's award on `number`, as someone might paste it (no valid MAC). */
function lookAlike(number: number, over: Partial<LedgerRecord> = {}): string {
  const record: LedgerRecord = {
    v: 1,
    key: {
      course: COURSE,
      repository: REPO,
      number,
      kind: 'pr-merged',
      recipient: `gh:${STUDENT.id}`
    },
    state: 'pending',
    points: 10,
    xp: null,
    moodleUserId: STUDENT.moodleId,
    run: '4242/1',
    at: new Date().toISOString(),
    nonce: 'a-guess',
    ...over
  }
  return `I think this is mine:\n${encodeRecord(record)}`
}

function failedWithNothingSent(r: ActionResult): string {
  expect({ code: r.code, status: statusOf(r), awarded: r.outputs['awarded-points'] }).toEqual({
    code: 1,
    status: 'failed',
    awarded: '0'
  })
  const reason = String(only(r)['reason'])
  expect(reason).toContain('Nothing was sent to Moodle')
  expect(r.errors.join('\n')).toContain('Nothing was sent to Moodle')
  return reason
}

describe('who wrote a record', () => {
  it('records written under a teacher’s token that GitHub shows without write access count after switching to the default token', async () => {
    const first = await run(pr(301), { 'github-token': 'ghp_teacher' }, { runId: '8101' })
    expect(statusOf(first)).toBe('awarded')
    const [comment] = ledgerComments(world, 301)
    expect(comment?.user.login).toBe('teacher')
    expect(comment?.author_association).toBe('CONTRIBUTOR')

    const second = await run(pr(301), {}, { runId: '8102' })
    expect(second.code).toBe(0)
    expect(only(second)).toMatchObject({ status: 'already-awarded', xp: first.results[0]?.['xp'] })
    expect(applied()).toBe(1)
  })

  it('a failed create never adopts a student’s look-alike claim', async () => {
    world.github.fault({
      status: 502,
      times: 1,
      method: 'POST',
      path: '/issues/302/comments',
      // While the create fails, a student posts a comment that looks like this run's claim.
      meanwhile: () => world.github.addComment(REPO, 302, { user: MALLORY, body: lookAlike(302) })
    })
    const r = await run(pr(302))
    const reason = failedWithNothingSent(r)
    expect(reason).toMatch(
      /could not be written \(HTTP 502: Server Error\), and no comment of this run appeared/
    )
    expect(world.moodle.requestsFor(AWARD_FUNCTION)).toHaveLength(0)
  })

  it('100 students’ 64 KB comments: the record is found after them all', async () => {
    const long = (i: number) =>
      i % 2 === 0
        ? `${'<!-- moodle-xp-ledger {'.repeat(2700)}`.slice(0, 65536)
        : `${'lorem ipsum '.repeat(5460)}<!-- moodle-xp-ledger {"v":1} -->`.slice(0, 65536)
    for (let i = 0; i < 100; i++)
      world.github.addComment(REPO, 303, {
        user: { login: `student${i}`, id: 7000 + i, type: 'User' },
        body: long(i)
      })
    expect(statusOf(await run(pr(303), {}, { runId: '8301' }))).toBe('awarded')
    const again = await run(pr(303), {}, { runId: '8302' })
    expect(statusOf(again)).toBe('already-awarded')
    expect(applied()).toBe(1)
  })

  it('a bot quoting a record blocks the award as unknown, naming that comment', async () => {
    const quote = world.github.addComment(REPO, 304, {
      user: { login: 'quote-bot[bot]', id: 4040, type: 'Bot' },
      body: lookAlike(304, { state: 'done', xp: 10 })
    })
    const r = await run(pr(304))
    expect(r.code).toBe(1)
    expect(only(r)).toMatchObject({ status: 'unknown' })
    expect(String(only(r)['reason'])).toContain(quote.html_url)
    expect(String(only(r)['reason'])).toContain('quote-bot[bot]')
    expect(applied()).toBe(0)
  })

  it('GitHub not saying at first which account the token writes as: asked again, then awarded', async () => {
    // A student's look-alike record does not verify: the run must know who it writes as.
    world.github.addComment(REPO, 305, { user: MALLORY, body: lookAlike(305) })
    world.github.fault({ status: 404, times: 2, path: '/graphql' })
    const r = await run(pr(305))
    expect(statusOf(r)).toBe('awarded')
    // Three times who the token is, then sync mode's ledger branch, before and after the claim.
    expect(world.github.requests.filter(q => q.path === '/graphql')).toHaveLength(5)
  })

  it('GitHub never saying which account the token writes as: failed, saying so, nothing sent', async () => {
    world.github.addComment(REPO, 306, { user: MALLORY, body: lookAlike(306) })
    world.github.fault({ status: 502, times: 3, path: '/graphql' })
    const reason = failedWithNothingSent(await run(pr(306)))
    expect(reason).toMatch(
      /^GitHub would not say which account the github-token writes as \(HTTP 502/
    )
    expect(applied()).toBe(0)
  })
})

describe('a ledger that cannot be written: fail closed', () => {
  it('a read-only token: failed, nothing sent, however often the issue is closed again', async () => {
    for (const runId of ['8201', '8202', '8203']) {
      const r = await onIssue(issue(310), { 'github-token': 'ghs_readonly' }, { runId })
      const reason = failedWithNothingSent(r)
      expect(reason).toContain('add `issues: write` under `permissions:`')
    }
    expect(world.moodle.requestsFor(AWARD_FUNCTION)).toHaveLength(0)
    expect(world.github.comments(REPO, 310)).toHaveLength(0)
  })

  it('a locked issue: failed, nothing sent, and the message says how to proceed', async () => {
    world.github.lock(REPO, 311)
    const reason = failedWithNothingSent(await onIssue(issue(311)))
    expect(reason).toMatch(/^The issue #311 in Codertocat\/Hello-World is locked/)
    expect(reason).toMatch(/unlock the conversation.*re-run the workflow/)
    expect(applied()).toBe(0)
  })

  it('a ledger the token cannot read (404): failed, nothing sent', async () => {
    const reason = failedWithNothingSent(await run(pr(312), { 'github-token': 'ghs_elsewhere' }))
    expect(reason).toContain('HTTP 404')
    expect(reason).toContain('add `pull-requests: write` under `permissions:`')
    expect(applied()).toBe(0)
  })
})

describe('runs at the same time', () => {
  it('a teacher token and the default token at once, with a lagging list: one award in every interleaving', async () => {
    const rounds: Array<{ lagMs: number; latencyMs: number; moodleDelayMs: number }> = [
      { lagMs: 0, latencyMs: 0, moodleDelayMs: 0 },
      { lagMs: 0, latencyMs: 120, moodleDelayMs: 0 },
      { lagMs: 400, latencyMs: 0, moodleDelayMs: 0 },
      { lagMs: 400, latencyMs: 40, moodleDelayMs: 300 },
      { lagMs: 1200, latencyMs: 0, moodleDelayMs: 0 }
    ]
    for (const [i, round] of rounds.entries()) {
      const number = 320 + i
      world.moodle.reset()
      world.github.listLagMs = round.lagMs
      world.github.latency = () => Math.floor(Math.random() * (round.latencyMs + 1))
      if (round.moodleDelayMs > 0)
        world.moodle.queueFault(
          { type: 'delay', ms: round.moodleDelayMs },
          { wsfunction: AWARD_FUNCTION }
        )
      const both = await Promise.all([
        run(pr(number), { 'github-token': 'ghp_teacher' }, { runId: `83${i}1` }),
        run(pr(number), {}, { runId: `83${i}2` })
      ])
      const outcome = {
        round: i,
        applied: applied(),
        codes: both.map(b => b.code),
        statuses: both.map(statusOf).sort()
      }
      expect(outcome).toMatchObject({ round: i, applied: 1, codes: [0, 0] })
      expect([
        ['already-awarded', 'awarded'],
        ['awarded', 'skipped']
      ]).toContainEqual(outcome.statuses)
      // The loser withdrew its claim: one ledger comment, done.
      const comments = ledgerComments(world, number)
      expect(comments).toHaveLength(1)
      expect(recordsOf(comments[0]!.body)[0]?.state).toBe('done')
    }
  })

  it('one token and a list that lags behind writes: one award', async () => {
    // Longer than the runs take to start: no run's first read shows another's claim.
    world.github.listLagMs = 3000
    const both = await Promise.all(
      ['8401', '8402', '8403'].map(runId => run(pr(330), {}, { runId }))
    )
    expect(both.map(b => b.code)).toEqual([0, 0, 0])
    expect(both.map(statusOf).filter(s => s === 'awarded')).toHaveLength(1)
    expect(applied()).toBe(1)
  })
})

describe('force', () => {
  it('a forced re-run whose final update failed pays nothing when re-run again, and its warning is true', async () => {
    const payload = pr(340)
    const runId = '8501'
    world.moodle.queueFault({ type: 'close-after-apply' }, { wsfunction: AWARD_FUNCTION })
    const first = await run(payload, {}, { runId, runAttempt: 1 })
    expect(statusOf(first)).toBe('unknown')
    expect(applied()).toBe(1)

    // The teacher checked Moodle (say the points were missing) and forces attempt 2, whose
    // final update fails.
    world.github.fault({ status: 403, times: 1, method: 'PATCH', message: 'Forbidden' })
    const forced = await run(payload, { force: 'true' }, { runId, runAttempt: 2 })
    expect(statusOf(forced)).toBe('awarded')
    expect(applied()).toBe(2)
    expect(forced.warnings.join('\n')).toMatch(
      /The award stands, but the ledger could not record it/
    )
    expect(forced.warnings.join('\n')).toMatch(/do not force this award/)

    // Attempt 3, still forced (the variable still names the run): unknown, nothing sent.
    const again = await run(payload, { force: 'true' }, { runId, runAttempt: 3 })
    expect(again.code).toBe(1)
    expect(only(again)).toMatchObject({ status: 'unknown' })
    expect(String(only(again)['reason'])).toMatch(/already forced this award \(attempt 2\)/)
    // As the warning said: another run within 10 minutes sees it as in progress or unknown.
    const other = await run(payload, {}, { runId: '8502' })
    expect(['skipped', 'unknown']).toContain(statusOf(other))
    expect(applied()).toBe(2)
  })
})

describe('one key per person, one award per Moodle user', () => {
  it('github-login, then the roster gains the student’s github_id: the key stays the same, paid once', async () => {
    world.github.addUser({ login: OCTOCAT.login, id: OCTOCAT.id, type: 'User' })
    const inputs = { 'github-login': 'octocat', mapping: 'octocat: 2' }
    const first = await onIssue(issue(350), inputs, { runId: '8601' })
    expect(only(first)).toMatchObject({
      status: 'awarded',
      github: 'octocat',
      githubId: OCTOCAT.id
    })
    expect(recordsOf(ledgerComments(world, 350)[0]!.body)[0]?.key.recipient).toBe(
      `gh:${OCTOCAT.id}`
    )

    const roster = `users:\n  - github: octocat\n    github_id: ${OCTOCAT.id}\n    moodle_id: 2\n`
    const second = await onIssue(
      issue(350),
      { 'github-login': 'octocat', mapping: '', 'mapping-file': 'roster.yml' },
      { runId: '8602', files: { 'roster.yml': roster } }
    )
    expect(statusOf(second)).toBe('already-awarded')
    expect(applied()).toBe(1)
  })

  it('a login GitHub does not know keeps a login key and is still paid once', async () => {
    const inputs = { 'github-login': 'Not-On-GitHub', mapping: 'not-on-github: 2' }
    expect(statusOf(await onIssue(issue(351), inputs, { runId: '8611' }))).toBe('awarded')
    expect(recordsOf(ledgerComments(world, 351)[0]!.body)[0]?.key.recipient).toBe(
      'login:not-on-github'
    )
    expect(statusOf(await onIssue(issue(351), inputs, { runId: '8612' }))).toBe('already-awarded')
    expect(applied()).toBe(1)
  })

  it('a failed look-up of the GitHub account: failed, nothing sent', async () => {
    world.github.fault({ status: 502, times: 3, method: 'GET', path: '/users/' })
    const r = await onIssue(issue(352), { 'github-login': 'octocat', mapping: 'octocat: 2' })
    const reason = failedWithNothingSent(r)
    expect(reason).toMatch(/looking up octocat failed \(HTTP 502/)
    expect(applied()).toBe(0)
  })

  it('two GitHub accounts that map to one Moodle user earn once per event', async () => {
    const r = await onIssue(issue(353, { assignees: [OCTOCAT, HUBOT] }), {
      mapping: 'octocat: 3\nhubot: 3'
    })
    expect(r.code).toBe(0)
    expect(r.results.map(x => [x['github'], x['moodleUserId'], x['status']])).toEqual([
      ['octocat', 3, 'awarded'],
      ['hubot', 3, 'skipped']
    ])
    expect(String(r.results[1]?.['reason'])).toMatch(
      /^Moodle user 3 already earns for this event as GitHub user octocat/
    )
    expect(applied()).toBe(1)
  })

  it('another account of the same Moodle user, in a later run on the same event, is already awarded', async () => {
    world.github.addUser({ login: HUBOT.login, id: HUBOT.id, type: 'User' })
    world.github.addUser({ login: OCTOCAT.login, id: OCTOCAT.id, type: 'User' })
    const mapping = 'octocat: 3\nhubot: 3'
    const first = await onIssue(
      issue(354),
      { 'github-login': 'octocat', mapping },
      { runId: '8621' }
    )
    expect(statusOf(first)).toBe('awarded')
    const second = await onIssue(
      issue(354),
      { 'github-login': 'hubot', mapping },
      { runId: '8622' }
    )
    expect(statusOf(second)).toBe('already-awarded')
    expect(applied()).toBe(1)
  })
})
