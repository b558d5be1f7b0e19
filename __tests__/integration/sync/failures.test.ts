import { describe, expect, it } from '@jest/globals'
import type { ChildProcess } from 'node:child_process'
import { encodeRecord, signRecord } from '../../../src/ledger/records.js'
import { ledgerPath } from '../../../src/sync/files.js'
import { AWARD_FUNCTION } from '../../../test-servers/moodle/server.js'
import {
  awardedIn,
  COURSE,
  mergedPr,
  moodleIdOf,
  RECORD_KEY,
  TEACHER_REPO,
  useSyncWorld
} from './sync-world.js'
import { GITHUB_ACTIONS } from '../../../test-servers/github/server.js'

const w = useSyncWorld(4)

/** One merged pull request per student, approved and merged by the teacher. */
function solutions() {
  return w.course.repositories.map((repo, i) =>
    mergedPr(w, repo, { author: w.course.students[i]!, by: w.course.teacher })
  )
}

const statuses = (r: Awaited<ReturnType<typeof w.sync>>) => r.results.map(x => x['status'])

describe('sync mode when things go wrong', () => {
  it('the process killed between the award and its record: the next run reports unknown and pays nothing', async () => {
    solutions()
    let child: ChildProcess | null = null
    // Moodle applies the first award and never answers; the runner dies right then.
    w.moodle.queueFault({ type: 'hang-after-apply' }, { wsfunction: AWARD_FUNCTION })
    w.moodle.onRequest = req => {
      if (req.fault === 'hang-after-apply') child?.kill('SIGKILL')
    }
    const killedRun = w.runId()
    const killed = await w.sync(
      { concurrency: '1' },
      { runId: killedRun, onSpawn: c => (child = c) }
    )
    expect(killed.code).toBeNull()
    expect(w.applied()).toBe(1)
    expect(w.commits().at(-1)).toBe(`Claim 4 awards (run ${killedRun}/1)`)

    // While GitHub says the run is still going, its claims are in progress: nothing is paid.
    w.github.world.workflowRun(TEACHER_REPO, killedRun, 'in_progress')
    const meanwhile = await w.sync()
    expect(meanwhile.code).toBe(0)
    expect(statuses(meanwhile)).toEqual(['skipped', 'skipped', 'skipped', 'skipped'])
    expect(meanwhile.results[0]?.['reason']).toMatch(/GitHub says that run is still going/)

    // GitHub says it ended: its claims' outcomes are unknown, and nothing is paid.
    w.github.world.workflowRun(TEACHER_REPO, killedRun, 'completed')
    const next = await w.sync()
    expect(next.code).toBe(1)
    expect(statuses(next)).toEqual(['unknown', 'unknown', 'unknown', 'unknown'])
    expect(next.results[0]?.['reason']).toMatch(
      /never recorded the outcome.*change "pending" to "done" in that record on the ledger branch/
    )
    expect(next.errors).toHaveLength(4)
    expect(w.applied()).toBe(1)
    expect(w.awardRequests()).toBe(1)

    // Every run says so until a teacher resolves it, as docs/sync.md describes: the points of
    // the first award arrived (pending -> done); the others did not (their lines deleted).
    const again = await w.sync()
    expect(statuses(again)).toEqual(['unknown', 'unknown', 'unknown', 'unknown'])
    const paid = moodleIdOf(0)
    expect(w.moodle.xp(COURSE, paid)).toBe(10)
    for (const repo of w.course.repositories) {
      w.editBranchFile(ledgerPath(repo), text =>
        text!
          .split('\n')
          .filter(
            line => !line.includes('"state":"pending"') || line.includes(`"moodleUserId":${paid},`)
          )
          .join('\n')
          .replace(/,\n {2}\]/, '\n  ]')
          .replace('"state":"pending"', '"state":"done"')
      )
    }
    const resolved = await w.sync()
    expect(resolved.errors).toEqual([])
    expect(resolved.code).toBe(0)
    expect(statuses(resolved)).toEqual(['already-awarded', 'awarded', 'awarded', 'awarded'])
    expect(w.applied()).toBe(4)
    for (let i = 0; i < 4; i++) expect(w.moodle.xp(COURSE, moodleIdOf(i))).toBe(10)
  })

  it('a ledger conflict is retried: another commit lands before the claim and before the record', async () => {
    solutions()
    let calls = 0
    w.github.world.beforeCommitOnBranch = () => {
      calls++
      // Someone else writes the branch just before this run's first claim and first record.
      if (calls === 1 || calls === 3)
        w.editBranchFile('README.md', t => `${t}\nA note.\n`, `Teacher's note ${calls}`)
    }
    const r = await w.sync()
    expect(r.errors).toEqual([])
    expect(r.code).toBe(0)
    expect(statuses(r)).toEqual(['awarded', 'awarded', 'awarded', 'awarded'])
    expect(w.applied()).toBe(4)
    expect(calls).toBe(4)
    expect(w.commits()).toEqual([
      'Start the Moodle XP ledger',
      "Teacher's note 1",
      expect.stringMatching(/^Claim 4 awards \(run \d+\/1\)$/),
      "Teacher's note 3",
      expect.stringMatching(/^Record 4 done \(run \d+\/1\)$/)
    ])
    expect(w.records(w.course.repositories[0]!).map(x => x.state)).toEqual(['done'])
  })

  it.each([
    ['the commit was made', true],
    ['the commit was not made', false]
  ])(
    'a claim commit whose answer is lost (%s): read again, never claimed twice, each award paid once',
    async (_case, afterEffect) => {
      solutions()
      w.github.fault({
        status: 502,
        times: 1,
        path: '/graphql',
        body: 'createCommitOnBranch',
        afterEffect
      })
      const r = await w.sync()
      expect(w.github.requests.filter(q => q.status === 502)).toHaveLength(1)
      expect(r.errors).toEqual([])
      expect(statuses(r)).toEqual(['awarded', 'awarded', 'awarded', 'awarded'])
      expect(w.applied()).toBe(4)
      expect(w.commits().filter(c => c.startsWith('Claim'))).toHaveLength(1)
      for (const repo of w.course.repositories)
        expect(w.records(repo).map(x => x.state)).toEqual(['done'])
    }
  )

  it("GitHub's secondary rate limit is waited out", async () => {
    solutions()
    w.github.fault({ status: 403, secondary: true, retryAfter: 1, times: 1, path: '/graphql' })
    w.github.fault({ status: 429, secondary: true, retryAfter: 2, times: 1, path: '/comments' })
    const r = await w.sync()
    expect(r.errors).toEqual([])
    expect(r.code).toBe(0)
    expect(statuses(r)).toEqual(['awarded', 'awarded', 'awarded', 'awarded'])
    expect(r.warnings.join('\n')).toMatch(
      /GitHub secondary rate limit reached for sync; waiting 1 s as GitHub asks/
    )
    expect(r.warnings.join('\n')).toMatch(/waiting 2 s as GitHub asks/)
    // Every student was congratulated once.
    for (const repo of w.course.repositories) expect(w.ledgerComments(repo, 1)).toHaveLength(1)
  })

  it('an event-mode claim that appears while sync claims: sync gives way and withdraws its claim', async () => {
    const [first] = solutions()
    const repo = w.course.repositories[0]!
    const student = w.github.world.account(w.course.students[0]!)!
    let once = false
    w.github.world.beforeCommitOnBranch = () => {
      if (once) return
      once = true
      // Event mode, in the student's repository, claims the same award right now.
      const record = signRecord(
        {
          v: 1,
          key: {
            course: COURSE,
            repository: repo,
            number: first!.number,
            kind: 'pr-merged',
            recipient: `gh:${student.id}`
          },
          state: 'pending',
          points: 10,
          xp: null,
          moodleUserId: moodleIdOf(0),
          run: '9999/1',
          at: new Date().toISOString(),
          nonce: 'event-mode-claim'
        },
        RECORD_KEY
      )
      w.github.addComment(repo, first!.number, {
        user: GITHUB_ACTIONS,
        body: `⏳ Awarding\n\n${encodeRecord(record)}`
      })
    }
    const r = await w.sync()
    expect(r.code).toBe(0)
    expect(r.results[0]).toMatchObject({
      repository: repo,
      status: 'skipped',
      reason: expect.stringMatching(/another run \(9999\/1\) is awarding the same points/)
    })
    expect(awardedIn(r)).toHaveLength(3)
    expect(w.awardRequests()).toBe(3)
    // Its claim on that award was withdrawn from the branch.
    expect(w.records(repo)).toEqual([])
  })
})
