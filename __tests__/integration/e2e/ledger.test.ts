/**
 * End to end, on the bundle: the award ledger against the Moodle-compatible server and the
 * GitHub stand-in. The paths where an award could be paid twice are in `exactly-once.test.ts`.
 */
import { describe, expect, it } from '@jest/globals'
import {
  encodeRecord,
  recordKeyFrom,
  signRecord,
  type LedgerRecord
} from '../../../src/ledger/records.js'
import type { ActionResult } from '../../../test-servers/runner/run-action.js'
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
  useLedgerWorld,
  visible
} from './ledger-world.js'

const world = useLedgerWorld()
const { run } = world
const awards = () => world.moodle.requestsFor(AWARD_FUNCTION).length

/** GitHub requests since the last `resetLog()`, by method; GraphQL (reads of sync's ledger branch) apart. */
function requestCounts() {
  const { github } = world
  const graphql = github.requests.filter(r => r.path === '/graphql').length
  return {
    GET: github.count('GET'),
    POST: github.count('POST') - graphql,
    PATCH: github.count('PATCH'),
    DELETE: github.count('DELETE'),
    GRAPHQL: graphql,
    total: github.count()
  }
}

function writes(): number {
  return world.github.requests.filter(r => r.method !== 'GET' && r.path !== '/graphql').length
}

describe('the ledger on the bundle', () => {
  it('awards a merged pull request once over three runs; later runs are already-awarded', async () => {
    const payload = pr(10)
    const before = world.moodle.xp(COURSE, STUDENT.moodleId)

    const first = await run(payload)
    expect(first.errors).toEqual([])
    expect(first.code).toBe(0)
    expect(statusOf(first)).toBe('awarded')
    const xp = before + 10
    expect(first.outputs['xp']).toBe(String(xp))
    // list + the ledger branch, create + list and the branch again (the race check), update
    const firstCounts = requestCounts()
    expect(firstCounts).toEqual({ GET: 2, POST: 1, PATCH: 1, DELETE: 0, GRAPHQL: 2, total: 6 })

    for (const attempt of [2, 3]) {
      world.github.resetLog()
      const again = await run(payload, {}, { runAttempt: attempt })
      expect(again.code).toBe(0)
      expect(again.errors).toEqual([])
      expect(only(again)).toMatchObject({ status: 'already-awarded', xp, points: 10 })
      expect(again.outputs['xp']).toBe(String(xp))
      expect(again.outputs['awarded-points']).toBe('0')
      // One list and the ledger branch: the record's MAC shows it is this workflow's; nothing written.
      expect(requestCounts()).toEqual({
        GET: 1,
        POST: 0,
        PATCH: 0,
        DELETE: 0,
        GRAPHQL: 1,
        total: 2
      })
    }

    expect(awards()).toBe(1)
    expect(world.moodle.awardsApplied()).toBe(1)
    expect(world.moodle.xp(COURSE, STUDENT.moodleId)).toBe(xp)
    const comments = world.github.comments(REPO, 10)
    expect(comments).toHaveLength(1)
    const [comment] = comments
    expect(comment!.user.login).toBe('github-actions[bot]')
    expect(visible(comment!.body)).toContain(`@${STUDENT.login} earned **10 XP**`)
    expect(visible(comment!.body)).toContain(`now has **${xp} XP** in total`)
    const records = recordsOf(comment!.body)
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

  it('ignores records a student forged or signed with another Moodle token', async () => {
    const record: LedgerRecord = {
      v: 1,
      key: {
        course: COURSE,
        repository: REPO,
        number: 20,
        kind: 'pr-merged',
        recipient: `gh:${STUDENT.id}`
      },
      state: 'done',
      points: 10,
      xp: 999,
      moodleUserId: STUDENT.moodleId,
      run: '1/1',
      at: new Date().toISOString(),
      nonce: 'made-up'
    }
    const elsewhere = signRecord({ ...record, state: 'pending', xp: null }, recordKeyFrom('x'))
    world.github.addComment(REPO, 20, { user: MALLORY, body: `lol\n${encodeRecord(record)}` })
    world.github.addComment(REPO, 20, { user: MALLORY, body: encodeRecord(elsewhere) })

    const r = await run(pr(20))
    expect(r.code).toBe(0)
    expect(statusOf(r)).toBe('awarded')
    expect(world.moodle.awardsApplied()).toBe(1)
    const ours = ledgerComments(world, 20).filter(c => c.user.login === 'github-actions[bot]')
    expect(ours).toHaveLength(1)
    expect(recordsOf(ours[0]!.body)[0]?.state).toBe('done')

    // Our own record counts, whatever mallory's comments say; a copy of it only repeats it.
    world.github.addComment(REPO, 20, { user: MALLORY, body: ours[0]!.body })
    const again = await run(pr(20), {}, { runId: '4343' })
    expect(statusOf(again)).toBe('already-awarded')
    expect(world.moodle.awardsApplied()).toBe(1)
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
      world.moodle.reset()
      world.github.latency = round.latency
      if (round.moodleDelay > 0)
        world.moodle.queueFault(
          { type: 'delay', ms: round.moodleDelay },
          { wsfunction: AWARD_FUNCTION }
        )
      let both: ActionResult[]
      try {
        both = await Promise.all(['7001', '7002'].map(runId => run(pr(number), {}, { runId })))
      } finally {
        world.github.latency = 0
      }
      // The round and the statuses in one object, so a failure says which round and why.
      const outcome = {
        round: i,
        applied: world.moodle.awardsApplied(),
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
      const comments = ledgerComments(world, number)
      expect(comments).toHaveLength(1)
      expect(recordsOf(comments[0]!.body)[0]?.state).toBe('done')
    }
  })

  it('a run that starts while another run is awarding gives way without an alarm', async () => {
    // The second run reads the ledger while the first one's claim is still pending (Moodle
    // answers the first run slowly, well within its timeout).
    world.moodle.queueFault({ type: 'delay', ms: 6000 }, { wsfunction: AWARD_FUNCTION })
    const first = run(pr(35), { 'timeout-seconds': '20' }, { runId: '7101' })
    const deadline = Date.now() + 10000
    while (!world.github.requests.some(q => q.method === 'POST') && Date.now() < deadline)
      await new Promise(resolve => setTimeout(resolve, 10))
    const second = await run(pr(35), {}, { runId: '7102' })
    const winner = await first
    expect(statusOf(winner)).toBe('awarded')
    expect(world.moodle.awardsApplied()).toBe(1)
    expect(second.code).toBe(0)
    expect(second.errors).toEqual([])
    expect(only(second)).toMatchObject({ status: 'skipped' })
    expect(String(only(second)['reason'])).toMatch(/another run \(7101\/1\)/)
    expect(ledgerComments(world, 35)).toHaveLength(1)
  })

  it('reports unknown when Moodle closes the connection after applying, until force: true', async () => {
    const payload = pr(40)
    world.moodle.queueFault({ type: 'close-after-apply' }, { wsfunction: AWARD_FUNCTION })
    const first = await run(payload)
    expect(first.code).toBe(1)
    expect(statusOf(first)).toBe('unknown')
    expect(first.errors.length).toBeGreaterThan(0)
    expect(world.moodle.awardsApplied()).toBe(1)
    const comment = ledgerComments(world, 40)
    expect(comment).toHaveLength(1)
    expect(recordsOf(comment[0]!.body)[0]?.state).toBe('pending')

    const rerun = await run(payload, {}, { runAttempt: 2 })
    expect(rerun.code).toBe(1)
    expect(statusOf(rerun)).toBe('unknown')
    expect(String(only(rerun)['reason'])).toMatch(/force: true/)
    expect(awards()).toBe(1)
    expect(world.moodle.awardsApplied()).toBe(1)

    const forced = await run(payload, { force: 'true' }, { runAttempt: 3 })
    expect(forced.code).toBe(0)
    expect(statusOf(forced)).toBe('awarded')
    expect(world.moodle.awardsApplied()).toBe(2)
    const xp = Number(forced.outputs['xp'])

    const after = await run(payload, {}, { runAttempt: 4 })
    expect(after.code).toBe(0)
    expect(only(after)).toMatchObject({ status: 'already-awarded', xp })
    expect(world.moodle.awardsApplied()).toBe(2)
  })

  it('finds the record after 120 unrelated comments (all pages are read)', async () => {
    for (let i = 0; i < 120; i++)
      world.github.addComment(REPO, 50, {
        user: { login: `student${i % 7}`, id: 5000 + (i % 7), type: 'User' },
        body: `Comment ${i}: looks good to me`
      })
    const first = await run(pr(50))
    expect(statusOf(first)).toBe('awarded')
    const firstCounts = requestCounts()
    // two pages and the branch, create, two pages and the branch again, update
    expect(firstCounts).toEqual({ GET: 4, POST: 1, PATCH: 1, DELETE: 0, GRAPHQL: 2, total: 8 })
    expect(world.github.comments(REPO, 50)).toHaveLength(121)

    world.github.resetLog()
    const again = await run(pr(50))
    expect(again.code).toBe(0)
    expect(statusOf(again)).toBe('already-awarded')
    expect(world.github.requests.filter(r => r.method === 'GET').map(r => r.query['page'])).toEqual(
      [undefined, '2']
    )
    expect(world.moodle.awardsApplied()).toBe(1)
  })

  it('dry-run reads the ledger, sends no award and writes nothing to GitHub', async () => {
    const r = await run(pr(70), { 'dry-run': 'true' })
    expect(r.code).toBe(0)
    expect(statusOf(r)).toBe('dry-run')
    expect(awards()).toBe(0)
    expect(world.github.count('GET')).toBeGreaterThan(0)
    expect(writes()).toBe(0)
    expect(world.github.comments(REPO, 70)).toHaveLength(0)
  })

  it('ledger: off sends no GitHub request at all, and the summary says every run awards', async () => {
    const r = await run(pr(80), { ledger: 'off' })
    expect(r.code).toBe(0)
    expect(statusOf(r)).toBe('awarded')
    expect(world.github.count()).toBe(0)
    expect(world.moodle.awardsApplied()).toBe(1)
    expect(r.summary).toContain('Ledger off: re-running this workflow awards again.')
  })

  it('comment: false leaves only the hidden record in the comment', async () => {
    const r = await run(pr(90), { comment: 'false' })
    expect(statusOf(r)).toBe('awarded')
    const [comment, ...more] = ledgerComments(world, 90)
    expect(more).toHaveLength(0)
    expect(recordsOf(comment!.body)).toHaveLength(1)
    expect(recordsOf(comment!.body)[0]?.state).toBe('done')
    const text = visible(comment!.body)
    expect(text).not.toContain('@')
    expect(text).not.toContain(STUDENT.login)
  })

  it('writes the ledger comment on the issue for a closed issue', async () => {
    const payload = issue(11)
    const r = await run(payload, {}, { eventName: 'issues' })
    expect(r.code).toBe(0)
    expect(statusOf(r)).toBe('awarded')
    const [comment, ...more] = ledgerComments(world, 11)
    expect(more).toHaveLength(0)
    expect(visible(comment!.body)).toContain(`@${STUDENT.login} earned **10 XP** for this issue`)
    expect(recordsOf(comment!.body)[0]?.key).toMatchObject({ number: 11, kind: 'issue-closed' })
    const posts = world.github.requests.filter(q => q.method === 'POST' && q.path !== '/graphql')
    expect(posts[0]?.path).toBe(`/repos/${REPO}/issues/11/comments`)
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
    const [comment] = ledgerComments(world, 95)
    const body = comment!.body
    const text = visible(body)
    for (const raw of ['-->', '<!--', '<script', '@everyone', '](', '::error::'])
      expect(text).not.toContain(raw)
    // Only the records' own delimiters remain, and they decode.
    expect(body.match(/-->/g)).toHaveLength(1)
    expect(recordsOf(body)[0]?.key.recipient).toBe('gh:31337')
    expect(text).toContain('&#64;\u200beveryone')
  })
})
