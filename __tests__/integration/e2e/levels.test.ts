/**
 * End to end, on the bundle: the student's Level Up XP level after an award, in the comment and
 * the outputs (`level`, `results[].level`), from the course's levels (local_xp_get_levels_info)
 * on the Moodle-compatible server (course 30: Level Up XP's default levels, named). The level is optional
 * and harmless: without the function, with an error or a slow answer, the awards, their outputs
 * and the ledger are what they would be without levels, and the log says why once per run.
 */
import { describe, expect, it } from '@jest/globals'
import { ALL_FUNCTIONS, LEVELS_INFO_FUNCTION } from '../../../test-servers/moodle/server.js'
import type { ActionResult } from '../../../test-servers/runner/run-action.js'
import {
  AWARD_FUNCTION,
  COURSE,
  issue,
  ledgerComments,
  pr,
  recordsOf,
  STUDENT,
  useLedgerWorld,
  visible
} from './ledger-world.js'

const world = useLedgerWorld()

/** A token for the course's manager whose service lacks local_xp_get_levels_info. */
const NO_LEVELS_TOKEN = 'token-without-the-levels-4d2c9e'
const OCTOCAT = { login: 'octocat', id: 583231, moodleId: 2 }

/** The log lines that say why the levels are left out. */
function levelNotices(r: ActionResult): string[] {
  return r.stdout.split('\n').filter(line => line.includes('Student levels are not shown'))
}

/** An issue completed by two assignees, both in the roster. */
function twoAssignees(number: number, inputs: Record<string, string> = {}) {
  const assignees = [STUDENT, OCTOCAT].map(({ login, id }) => ({ login, id }))
  return world.run(
    issue(number, { assignees }),
    {
      mapping: `${STUDENT.login}: ${STUDENT.moodleId}\n${OCTOCAT.login}: ${OCTOCAT.moodleId}`,
      ...inputs
    },
    { eventName: 'issues' }
  )
}

function commentOn(number: number): string {
  const [comment, ...more] = ledgerComments(world, number)
  expect(more).toEqual([])
  return visible(comment?.body ?? '')
}

/**
 * An award whose level is left out is exactly as without levels: awarded with Moodle's total,
 * recorded done with it, and congratulated with it.
 */
function expectAwardWithoutLevel(r: ActionResult, number: number, xp: number): void {
  expect(r.code).toBe(0)
  expect(r.errors).toEqual([])
  expect(r.results).toEqual([
    expect.objectContaining({ status: 'awarded', xp, points: 10, level: null })
  ])
  expect(r.outputs).toMatchObject({ xp: String(xp), level: '', 'awarded-points': '10' })
  expect(world.moodle.requestsFor(AWARD_FUNCTION)).toHaveLength(1)
  const [comment] = ledgerComments(world, number)
  expect(recordsOf(comment?.body ?? '')).toEqual([
    expect.objectContaining({ state: 'done', xp, points: 10 })
  ])
  expect(commentOn(number)).toContain(
    `@Codertocat earned **10 XP** for this pull request and now has **${xp} XP** in total. Well done!`
  )
  expect(commentOn(number)).not.toMatch(/level \d/i)
}

describe('the level in the comment and the outputs', () => {
  it("a merged pull request's comment shows the level, and the award that reached a new one says so", async () => {
    world.moodle.setXp(COURSE, STUDENT.moodleId, 115)
    // 115 + 10 = 125: level 2, "Apprentice", starts at 120; level 3 at 276.
    const first = await world.run(pr(700))
    expect(first.code).toBe(0)
    expect(first.results).toEqual([
      expect.objectContaining({
        status: 'awarded',
        xp: 125,
        level: { number: 2, name: 'Apprentice', xpToNext: 151, levelUp: true }
      })
    ])
    expect(first.outputs).toMatchObject({ xp: '125', level: '2' })
    expect(commentOn(700)).toContain(
      '- 🎉 @Codertocat earned **10 XP** for this pull request and now has **125 XP** in total. ⬆️ New level: **level 2, Apprentice**; 151 XP to level 3. Well done!'
    )
    // The course's levels, read once, after the award.
    expect(world.moodle.requests.map(q => q.wsfunction)).toEqual([
      AWARD_FUNCTION,
      LEVELS_INFO_FUNCTION
    ])
    expect(world.moodle.requestsFor(LEVELS_INFO_FUNCTION)[0]?.params).toEqual({
      courseid: String(COURSE)
    })
    expect(levelNotices(first)).toEqual([])

    // The next award stays within level 2.
    const second = await world.run(pr(701))
    expect(second.results[0]).toMatchObject({
      xp: 135,
      level: { number: 2, name: 'Apprentice', xpToNext: 141, levelUp: false }
    })
    expect(commentOn(701)).toContain(
      'now has **135 XP** in total (level 2, Apprentice; 141 XP to level 3). Well done!'
    )

    // A re-run pays nothing and reads no level.
    world.moodle.reset()
    const again = await world.run(pr(701))
    expect(again.results[0]).toMatchObject({ status: 'already-awarded', level: null })
    expect(again.outputs.level).toBe('')
    expect(world.moodle.requestsFor(LEVELS_INFO_FUNCTION)).toEqual([])
  })

  it('every awarded assignee gets their own level; the output is the first one’s', async () => {
    world.moodle.setXp(COURSE, STUDENT.moodleId, 0)
    world.moodle.setXp(COURSE, OCTOCAT.moodleId, 270)
    const r = await twoAssignees(702)
    expect(r.code).toBe(0)
    expect(r.results.map(x => x.level)).toEqual([
      { number: 1, name: 'Newcomer', xpToNext: 110, levelUp: false },
      { number: 3, name: 'Rising star', xpToNext: 199, levelUp: true }
    ])
    expect(r.outputs.level).toBe('1')
    // One read of the course's levels for the whole run.
    expect(world.moodle.requestsFor(LEVELS_INFO_FUNCTION)).toHaveLength(1)
    const text = visible(ledgerComments(world, 702)[0]?.body ?? '')
    expect(text).toContain(
      '@Codertocat earned **10 XP** for this issue and now has **10 XP** in total (level 1, Newcomer; 110 XP to level 2).'
    )
    expect(text).toContain(
      '@octocat earned **10 XP** for this issue and now has **280 XP** in total. ⬆️ New level: **level 3, Rising star**; 199 XP to level 4.'
    )
  })

  it("never puts the teacher's level name raw into the comment", async () => {
    const course = world.moodle.config.courses.find(c => c.id === COURSE)!
    const levels = course.levels
    course.levels = levels!.map((l, i) =>
      i === 0 ? { ...l, name: '<img src=x> @everyone [x](https://evil.example) ::error::x' } : l
    )
    try {
      world.moodle.setXp(COURSE, STUDENT.moodleId, 0)
      const r = await world.run(pr(703))
      expect(r.results[0]).toMatchObject({ level: { number: 1, levelUp: false } })
      const text = commentOn(703)
      expect(text).toMatch(/in total \(level 1, .+; 110 XP to level 2\)/)
      expect(text).not.toMatch(/<img|@everyone|\[x\]|::error::/)
    } finally {
      course.levels = levels
    }
  })
})

describe('the level is optional and never changes an award', () => {
  it('without local_xp_get_levels_info in the service: awarded as before, one notice for the run', async () => {
    world.moodle.config.tokens.push({
      token: NO_LEVELS_TOKEN,
      userId: 100,
      functions: ALL_FUNCTIONS.filter(f => f !== LEVELS_INFO_FUNCTION)
    })
    world.moodle.setXp(COURSE, STUDENT.moodleId, 115)
    world.moodle.setXp(COURSE, OCTOCAT.moodleId, 0)
    const r = await twoAssignees(710, { 'moodle-token': NO_LEVELS_TOKEN })
    expect(r.code).toBe(0)
    expect(r.errors).toEqual([])
    expect(r.warnings).toEqual([])
    expect(r.results.map(x => [x.status, x.xp, x.level])).toEqual([
      ['awarded', 125, null],
      ['awarded', 10, null]
    ])
    expect(r.outputs).toMatchObject({ xp: '125', level: '', 'awarded-points': '20' })
    expect(world.moodle.requestsFor(AWARD_FUNCTION)).toHaveLength(2)
    // One read for the run, and one line in the log.
    expect(world.moodle.requestsFor(LEVELS_INFO_FUNCTION)).toHaveLength(1)
    expect(levelNotices(r)).toEqual([
      expect.stringContaining(
        "local_xp_get_levels_info is not in the token's external service. To show each student's level"
      )
    ])
    const [comment] = ledgerComments(world, 710)
    expect(recordsOf(comment?.body ?? '').map(x => [x.state, x.xp])).toEqual([
      ['done', 125],
      ['done', 10]
    ])
    expect(visible(comment?.body ?? '')).not.toMatch(/level \d/i)
  })

  it('when reading the levels fails: awarded as before, never sent again, one notice', async () => {
    world.moodle.setXp(COURSE, STUDENT.moodleId, 115)
    world.moodle.queueFault(
      { type: 'http-status', status: 500 },
      { wsfunction: LEVELS_INFO_FUNCTION }
    )
    const r = await world.run(pr(711))
    expectAwardWithoutLevel(r, 711, 125)
    // The read is not retried (it is only the levels), and the award never is.
    expect(world.moodle.requestsFor(LEVELS_INFO_FUNCTION)).toHaveLength(1)
    expect(levelNotices(r)).toEqual([
      expect.stringMatching(
        /reading the course's levels failed \(.*HTTP 500.*\)\. The awards are not affected\.$/
      )
    ])
  })

  it('when reading the levels is slow: given up after a short timeout, awarded as before, one notice', async () => {
    world.moodle.setXp(COURSE, STUDENT.moodleId, 115)
    // Longer than the levels' timeout (4 s), shorter than the test's.
    world.moodle.queueFault({ type: 'delay', ms: 15_000 }, { wsfunction: LEVELS_INFO_FUNCTION })
    const r = await world.run(pr(712), { 'timeout-seconds': '30' })
    expectAwardWithoutLevel(r, 712, 125)
    expect(world.moodle.requestsFor(LEVELS_INFO_FUNCTION)).toHaveLength(1)
    expect(levelNotices(r)).toEqual([expect.stringContaining("reading the course's levels failed")])
    expect(levelNotices(r)[0]).toMatch(/\b4 s\b/)
  })
})
