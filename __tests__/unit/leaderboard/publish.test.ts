import { describe, expect, it } from '@jest/globals'
import type { GitHubClient } from '../../../src/github/client.js'
import { decodeSnapshot, encodeSnapshot } from '../../../src/leaderboard/board.js'
import { LADDER_FUNCTION } from '../../../src/leaderboard/ladder.js'
import { publishLeaderboard, type LeaderboardRun } from '../../../src/leaderboard/publish.js'
import type { MoodleClient } from '../../../src/moodle/client.js'
import { MoodleError } from '../../../src/moodle/errors.js'
import { MemoryIssues } from './memory-issues.js'

const ME = 900001
const PATH = 'leaderboard/30.json'

/** A Moodle whose ladder holds these (id, name, xp), best first. */
function moodle(people: Array<[number, string, number]> | MoodleError) {
  return {
    call: async (fn: string) => {
      if (fn !== LADDER_FUNCTION) throw new Error(`unexpected call ${fn}`)
      if (people instanceof MoodleError) throw people
      return {
        total: people.length,
        ranking: people.map(([id, fullname, xp], i) => ({
          rank: i + 1,
          state: { id, xp, level: { level: 1, name: 'Newcomer' }, user: { id, fullname } }
        }))
      }
    }
  } as unknown as MoodleClient
}

function logger() {
  const lines = { info: [] as string[], warning: [] as string[], notice: [] as string[] }
  return {
    lines,
    log: {
      info: (m: string) => lines.info.push(m),
      warning: (m: string) => lines.warning.push(m),
      notice: (m: string) => lines.notice.push(m)
    }
  }
}

function run(o: Partial<LeaderboardRun> & { issues?: MemoryIssues }) {
  const { lines, log } = logger()
  const r: LeaderboardRun = {
    setting: 'summary',
    courseId: 30,
    dryRun: false,
    moodle: moodle([[11, 'Ada', 120]]),
    previous: null,
    client: {} as GitHubClient,
    repository: 'school/xp',
    serverUrl: 'https://github.com',
    runId: '77',
    log,
    now: () => new Date('2026-10-02T10:00:00Z'),
    ...o
  }
  return { lines, outcome: publishLeaderboard(r) }
}

const saved = (ranking: Array<[number, number]>, issue: number | null = null) =>
  encodeSnapshot({
    course: 30,
    at: '2026-10-02T09:00:00.000Z',
    issue,
    ranking: ranking.map(([id, xp]) => ({ id, xp }))
  })

describe('the leaderboard of a run', () => {
  it('summary: the board in the job summary, and the snapshot to save with the record commit', async () => {
    const { lines, outcome } = run({
      moodle: moodle([
        [11, 'Ada', 120],
        [12, 'Grace', 100]
      ]),
      previous: saved([
        [11, 100],
        [12, 100]
      ])
    })
    const { summary, file } = await outcome
    expect(summary).toContain('## XP leaderboard')
    expect(summary).toContain('| 1 | Ada | 1 · Newcomer | 120 | +20 |')
    expect(summary).toContain('| 2 | Grace | 1 · Newcomer | 100 |  |')
    expect(file?.path).toBe(PATH)
    expect(decodeSnapshot(PATH, file!.content)).toEqual({
      course: 30,
      at: '2026-10-02T10:00:00.000Z',
      issue: null,
      ranking: [
        { id: 11, xp: 120 },
        { id: 12, xp: 100 }
      ]
    })
    expect(lines.warning).toEqual([])
  })

  it('saves nothing when the ladder has not moved since the saved board', async () => {
    const { outcome } = run({ previous: saved([[11, 120]]) })
    expect((await outcome).file).toBeNull()
  })

  it('a ladder function missing from the service is one notice naming it, and nothing else', async () => {
    const refused = new MoodleError('Access control exception', {
      outcome: 'not-applied',
      category: 'permission',
      retryable: false,
      errorcode: 'accessexception'
    })
    const issues = new MemoryIssues(ME)
    const { lines, outcome } = run({ setting: 'issue', moodle: moodle(refused), issues })
    const { summary, file } = await outcome
    expect(lines.notice).toEqual([
      `No leaderboard: ${LADDER_FUNCTION} is not in the token's external service: add it (Site administration > Server > Web services > External services > the token's service > Functions) to show the leaderboard.`
    ])
    expect(lines.warning).toEqual([])
    expect(summary).toContain('Not shown: local\\_xp\\_get\\_course\\_world\\_ladder is not in')
    expect(file).toBeNull()
    expect(issues.calls).toEqual([])
  })

  it('any other Moodle failure is one warning; no board is saved', async () => {
    const off = new MoodleError('Sorry, but you do not currently have permissions', {
      outcome: 'not-applied',
      category: 'permission',
      retryable: false,
      errorcode: 'nopermissions'
    })
    const { lines, outcome } = run({ moodle: moodle(off) })
    expect((await outcome).file).toBeNull()
    expect(lines.warning).toEqual([
      "Leaderboard: the course's ladder could not be read (Sorry, but you do not currently have permissions). The awards are not affected."
    ])
  })

  it('a damaged snapshot is one warning; the board is made without gains and replaces it', async () => {
    const { lines, outcome } = run({ previous: '{"course":' })
    const { summary, file } = await outcome
    expect(summary).toContain('This is the first leaderboard')
    expect(file).not.toBeNull()
    expect(lines.warning).toHaveLength(1)
    expect(lines.warning[0]).toMatch(
      /^Leaderboard: leaderboard\/30\.json on the ledger branch is not valid JSON .*; this leaderboard counts no gains, and replaces it\. The awards are not affected\.$/
    )
  })

  it('issue: opens and pins the issue, links it from the summary, and saves its number', async () => {
    const issues = new MemoryIssues(ME)
    const { lines, outcome } = run({ setting: 'issue', issues })
    const { summary, file } = await outcome
    expect(issues.issues).toHaveLength(1)
    expect(issues.issues[0]!.body).toContain('| 1 | Ada | 1 · Newcomer | 120 | — |')
    expect(issues.issues[0]!.body).toContain(
      '([run](https://github.com/school/xp/actions/runs/77))'
    )
    expect(issues.pinned).toEqual(new Set(['I_1']))
    expect(summary).toContain(
      'Opened the leaderboard issue [#1](https://github.com/school/xp/issues/1): the top 1 of 1'
    )
    expect(decodeSnapshot(PATH, file!.content).issue).toBe(1)
    expect(lines.warning).toEqual([])
  })

  it('issue: a ladder that has not moved leaves the issue as it is, without a request', async () => {
    const issues = new MemoryIssues(ME)
    const { outcome } = run({ setting: 'issue', issues, previous: saved([[11, 120]], 4) })
    const { summary, file } = await outcome
    expect(issues.calls).toEqual([])
    expect(file).toBeNull()
    expect(summary).toContain(
      "The course's ladder has not changed since 2026-10-02 09:00 UTC: the leaderboard issue [#4](https://github.com/school/xp/issues/4) stays as it is."
    )
  })

  it('issue: a refusal is one warning with the permission; the board goes to the summary and is not saved', async () => {
    const issues = new MemoryIssues(ME)
    issues.fail('create', 403, 'Resource not accessible by integration')
    const { lines, outcome } = run({ setting: 'issue', issues })
    const { summary, file } = await outcome
    expect(lines.warning).toHaveLength(1)
    expect(lines.warning[0]).toContain('grant "Issues: Read and write"')
    expect(lines.warning[0]).toMatch(/The awards are not affected\.$/)
    expect(summary).toContain('| 1 | Ada | 1 · Newcomer | 120 | — |')
    expect(summary).toContain('The leaderboard issue could not be written (see the warning)')
    expect(file).toBeNull()
  })

  it('dry run: the board in the summary, no issue written, nothing saved', async () => {
    const issues = new MemoryIssues(ME)
    const { outcome } = run({ setting: 'issue', issues, dryRun: true })
    const { summary, file } = await outcome
    expect(issues.calls).toEqual([])
    expect(file).toBeNull()
    expect(summary).toContain('| 1 | Ada | 1 · Newcomer | 120 | — |')
    expect(summary).toContain(
      'Dry run: the leaderboard issue was not written; this is what it would show.'
    )
  })
})
