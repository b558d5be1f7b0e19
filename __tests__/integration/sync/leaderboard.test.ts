/**
 * The leaderboard of sync mode (input `leaderboard`), end to end: the bundle against the Moodle
 * server's ladder and the GitHub stand-in's issues. It is optional and harmless: every test
 * also checks that the awards and the outputs are what they would be without it.
 */
import { beforeEach, describe, expect, it } from '@jest/globals'
import { decodeSnapshot } from '../../../src/leaderboard/board.js'
import { leaderboardPath } from '../../../src/sync/files.js'
import { ALL_FUNCTIONS, DEMO_TOKEN, LADDER_FUNCTION } from '../../../test-servers/moodle/server.js'
import type { WorldItem } from '../../../test-servers/github/world.js'
import type { ActionResult } from '../../../test-servers/runner/run-action.js'
import {
  APP,
  awardedIn,
  COURSE,
  mergedPr,
  moodleIdOf,
  TEACHER_REPO,
  useSyncWorld
} from './sync-world.js'

const w = useSyncWorld(3)
const SNAPSHOT = leaderboardPath(COURSE)
const MARKER = `<!-- moodle-xp-leaderboard course=${COURSE} -->`

beforeEach(() => {
  // Names as a teacher's Moodle has them; one a student chose to be awkward.
  const named: Array<[number, string, string]> = [
    [moodleIdOf(0), 'Ada', 'Lovelace'],
    [moodleIdOf(1), 'Grace', '<b>|Hopper|</b>'],
    [moodleIdOf(2), 'Linus', 'Torvalds']
  ]
  for (const [id, firstname, lastname] of named)
    Object.assign(
      w.moodle.config.users.find(u => u.id === id)!,
      { firstname, lastname }
    )
  // XP from the course's own activities (not from GitHub): Alice is at level 2.
  w.moodle.setXp(COURSE, 2, 150)
})

/** A pull request of the i-th student, merged by the teacher `daysAgo`. */
const solution = (i: number, daysAgo = 5): WorldItem =>
  mergedPr(w, w.course.repositories[i]!, {
    author: w.course.students[i]!,
    by: w.course.teacher,
    daysAgo
  })

/** The leaderboard's section of a run's job summary ('' when there is none). */
function board(r: ActionResult): string {
  const at = r.summary.indexOf('## XP leaderboard')
  return at < 0 ? '' : r.summary.slice(at)
}

/** The table row of the place whose name starts with `name`. */
function rowOf(text: string, name: string): string | undefined {
  return text.split('\n').find(l => /^\| \d+ \| /.test(l) && l.split(' | ')[1]?.startsWith(name))
}

/** The issues of the teacher's repository that carry the course's marker. */
const boards = () => w.github.world.find(TEACHER_REPO)!.items.filter(i => i.body.includes(MARKER))

const issueWrites = () =>
  w.github.requests.filter(
    r => r.path.startsWith(`/repos/${TEACHER_REPO}/issues`) && r.method !== 'GET'
  )

/** What the runs must award in any case: a pull request of students 0 and 1. */
function expectAwards(r: ActionResult) {
  expect(r.code).toBe(0)
  expect(r.errors).toEqual([])
  expect(r.outputs['awarded-points']).toBe('20')
  expect(awardedIn(r)).toEqual(
    [0, 1].map(i => `${w.course.repositories[i]}#1 ${w.course.students[i]}`).sort()
  )
}

describe('sync mode: the leaderboard', () => {
  it('summary: the ladder with level names, and from the second sync what each student gained; no extra commit', async () => {
    solution(0)
    solution(1)
    const first = await w.sync({ leaderboard: 'summary' })
    expectAwards(first)
    const one = board(first)
    expect(rowOf(one, 'Alice Anders')).toBe('| 1 | Alice Anders | 2 · Apprentice | 150 | — |')
    expect(rowOf(one, 'Ada Lovelace')).toBe('| 2 | Ada Lovelace | 1 · Newcomer | 10 | — |')
    // Equal points share a rank. Moodle's text is escaped: the name adds no HTML and no cell.
    expect(rowOf(one, 'Grace')).toBe(
      '| 2 | Grace &lt;b&gt;\\|Hopper\\|&lt;/b&gt; | 1 · Newcomer | 10 | — |'
    )
    expect(one).toContain('The top 7 of 7 on the course')
    expect(one).toContain('This is the first leaderboard')
    // The snapshot rides on the run's record commit.
    expect(w.commits()).toEqual([
      'Start the Moodle XP ledger',
      'Claim 2 awards (run 7000/1)',
      'Record 2 done (run 7000/1)'
    ])
    expect(decodeSnapshot(SNAPSHOT, w.branchFile(SNAPSHOT)!).ranking).toContainEqual({
      id: moodleIdOf(0),
      xp: 10
    })

    // Between the syncs: Ada's next pull request is merged, and Bob earns XP in Moodle itself.
    const late = solution(0, 0)
    w.advance(15 * 60_000)
    w.moodle.setXp(COURSE, 3, 30)
    const second = await w.sync({ leaderboard: 'summary' })
    expect(second.code).toBe(0)
    expect(awardedIn(second)).toEqual([
      `${w.course.repositories[0]}#${late.number} ${w.course.students[0]}`
    ])
    const two = board(second)
    expect(rowOf(two, 'Ada Lovelace')).toBe('| 3 | Ada Lovelace | 1 · Newcomer | 20 | +10 |')
    expect(rowOf(two, 'Bob Brown')).toBe('| 2 | Bob Brown | 1 · Newcomer | 30 | +30 |')
    expect(rowOf(two, 'Alice Anders')).toBe('| 1 | Alice Anders | 2 · Apprentice | 150 |  |')
    expect(two).toContain('_Gained_: XP earned since the leaderboard of ')
    expect(w.commits()).toHaveLength(5)

    // Nothing new anywhere: no commit at all, as without the leaderboard.
    w.advance(15 * 60_000)
    const third = await w.sync({ leaderboard: 'summary' })
    expect(third.code).toBe(0)
    expect(rowOf(board(third), 'Ada Lovelace')).toBe('| 3 | Ada Lovelace | 1 · Newcomer | 20 |  |')
    expect(w.commits()).toHaveLength(5)
  })

  it('issue: opens and pins one issue, then rewrites it in place, also when the ledger branch lost its number', async () => {
    solution(0)
    solution(1)
    const first = await w.sync({ leaderboard: 'issue' })
    expectAwards(first)
    expect(boards()).toHaveLength(1)
    const [issue] = boards()
    expect(issue!.author?.login).toBe(APP.login)
    expect(issue!.title).toBe('XP leaderboard')
    expect(issue!.pinned).toBe(true)
    expect(issue!.body.startsWith(MARKER)).toBe(true)
    expect(rowOf(issue!.body, 'Ada Lovelace')).toBe('| 2 | Ada Lovelace | 1 · Newcomer | 10 | — |')
    expect(board(first)).toContain(
      `Opened the leaderboard issue [#${issue!.number}](https://github.com/${TEACHER_REPO}/issues/${issue!.number})`
    )
    expect(decodeSnapshot(SNAPSHOT, w.branchFile(SNAPSHOT)!).issue).toBe(issue!.number)

    w.moodle.setXp(COURSE, moodleIdOf(0), 25)
    const second = await w.sync({ leaderboard: 'issue' })
    expect(second.code).toBe(0)
    expect(boards()).toHaveLength(1)
    expect(rowOf(issue!.body, 'Ada Lovelace')).toBe(
      '| 2 | Ada Lovelace | 1 · Newcomer | 25 | +15 |'
    )
    expect(board(second)).toContain(`Updated the leaderboard issue [#${issue!.number}]`)

    // A teacher deletes the snapshot: the issue is found again by its marker, not opened twice.
    w.editBranchFile(SNAPSHOT, () => null)
    w.moodle.setXp(COURSE, moodleIdOf(0), 40)
    const third = await w.sync({ leaderboard: 'issue' })
    expect(third.code).toBe(0)
    expect(boards()).toHaveLength(1)
    expect(rowOf(issue!.body, 'Ada Lovelace')).toBe('| 2 | Ada Lovelace | 1 · Newcomer | 40 | — |')
    expect(issueWrites().map(r => r.method)).toEqual(['POST', 'PATCH', 'PATCH'])
  })

  it('a ladder that hides names shows what Moodle gives, never a name, an id or a gain', async () => {
    w.moodle.config.courses.find(c => c.id === COURSE)!.ladderAnonymous = true
    solution(0)
    solution(1)
    const first = await w.sync({ leaderboard: 'issue' })
    expectAwards(first)
    const body = boards()[0]!.body
    expect(body).toContain('| 1 | Someone else | 2 · Apprentice | 150 | — |')
    for (const hidden of [
      'Alice',
      'Ada',
      'Grace',
      'Linus',
      'Bob',
      'student',
      String(moodleIdOf(0))
    ])
      expect(body).not.toContain(hidden)
    expect(body).toContain("The course's ladder hides who some places are")
    // Nobody can be told apart, so nobody is kept for the next board.
    expect(decodeSnapshot(SNAPSHOT, w.branchFile(SNAPSHOT)!).ranking).toEqual([])
  })

  it('the ladder function missing from the service: one notice naming it, the awards unchanged', async () => {
    w.moodle.config.tokens.find(t => t.token === DEMO_TOKEN)!.functions = ALL_FUNCTIONS.filter(
      f => f !== LADDER_FUNCTION
    )
    solution(0)
    solution(1)
    const r = await w.sync({ leaderboard: 'issue' })
    expectAwards(r)
    expect(r.warnings).toEqual([])
    const notices = r.stdout.split('\n').filter(l => l.startsWith('::notice'))
    expect(notices).toEqual([
      expect.stringContaining(
        `No leaderboard: ${LADDER_FUNCTION} is not in the token's external service: add it`
      )
    ])
    expect(board(r)).toContain('Not shown: local\\_xp\\_get\\_course\\_world\\_ladder is not in')
    expect(boards()).toEqual([])
    expect(w.branchFile(SNAPSHOT)).toBeNull()
  })

  it('a token that may not write issues: one warning with the permission, the awards unchanged', async () => {
    w.github.addToken({
      token: 'ghs_no_issues',
      identity: APP,
      installation: true,
      issuesReadOnly: true
    })
    solution(0)
    solution(1)
    const r = await w.sync({ leaderboard: 'issue', 'github-token': 'ghs_no_issues' })
    expectAwards(r)
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings[0]).toContain(
      'The leaderboard issue could not be created in classroom/course-xp'
    )
    expect(r.warnings[0]).toContain('grant "Issues: Read and write"')
    expect(r.warnings[0]).toContain('The awards are not affected.')
    expect(rowOf(board(r), 'Ada Lovelace')).toBe('| 2 | Ada Lovelace | 1 · Newcomer | 10 | — |')
    expect(boards()).toEqual([])
    // Not shown, so not saved: the next board counts from the last one shown.
    expect(w.branchFile(SNAPSHOT)).toBeNull()
    expect(w.commits()).toHaveLength(3)
  })

  it('dry run: the board in the summary, no issue, no commit', async () => {
    solution(0)
    const r = await w.sync({ leaderboard: 'issue', 'dry-run': 'true' })
    expect(r.code).toBe(0)
    expect(r.results.map(x => x['status'])).toEqual(['dry-run'])
    expect(rowOf(board(r), 'Alice Anders')).toBe('| 1 | Alice Anders | 2 · Apprentice | 150 | — |')
    expect(board(r)).toContain('Dry run: the leaderboard issue was not written')
    expect(issueWrites()).toEqual([])
    expect(w.commits()).toEqual([])
  })

  it('of a shard matrix, only the first job reads the ladder and shows the board', async () => {
    solution(0)
    const second = await w.sync({ leaderboard: 'summary', shard: '2/2' })
    expect(second.code).toBe(0)
    expect(board(second)).toBe('')
    expect(w.moodle.requestsFor(LADDER_FUNCTION)).toHaveLength(0)
    const first = await w.sync({ leaderboard: 'summary', shard: '1/2' })
    expect(first.code).toBe(0)
    expect(board(first)).toContain('| 1 | Alice Anders |')
    expect(w.moodle.requestsFor(LADDER_FUNCTION)).toHaveLength(1)
  })
})
