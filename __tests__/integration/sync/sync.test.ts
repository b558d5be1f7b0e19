import { describe, expect, it } from '@jest/globals'
import { decodeRecords } from '../../../src/ledger/records.js'
import { decodeCursorFile } from '../../../src/sync/files.js'
import { COURSE, moodleIdOf } from './sync-world.js'
import {
  APP,
  awardedIn,
  classroomHistory,
  mergedPr,
  named,
  RECORD_KEY,
  useSyncWorld
} from './sync-world.js'

const w = useSyncWorld(30)
/** The roster without the last student (who joined the course late). */
const sync = (inputs: Record<string, string> = {}) =>
  w.sync({ mapping: w.roster([w.course.students[29]!]), ...inputs })

const statusOf = (
  r: Awaited<ReturnType<typeof w.sync>>,
  repository: string | undefined,
  number: number
) =>
  r.results
    .filter(x => x['repository'] === repository && x['number'] === number)
    .map(x => [x['github'], x['status'], x['reason']])

describe('sync mode over a GitHub Classroom organisation of 30 repositories', () => {
  it('the first run awards exactly the eligible set, the second awards nothing, a pull request merged between runs is found by the third', async () => {
    const expected = classroomHistory(w)
    const { course } = w
    const first = await sync()
    expect(first.errors).toEqual([])
    expect(first.code).toBe(0)
    expect(awardedIn(first)).toEqual(named(expected.all))
    expect(w.awardRequests()).toBe(expected.all.length)
    expect(first.outputs['awarded-points']).toBe(String(10 * expected.all.length))
    for (const e of expected.all)
      expect(w.moodle.xp(COURSE, e.moodleUserId)).toBe(
        10 * expected.all.filter(x => x.login === e.login).length
      )

    // What earns nothing, and why, as event mode decides it.
    const [r0, r3, r5] = [0, 3, 5].map(i => course.repositories[i]!) as [string, string, string]
    expect(statusOf(first, r3, 2)).toEqual([['dependabot[bot]', 'skipped', 'bot account']])
    expect(statusOf(first, r5, 2)).toEqual([
      [course.students[5], 'skipped', expect.stringContaining('closed as not_planned')]
    ])
    expect(statusOf(first, r0, 3)).toEqual([
      [course.students[0], 'skipped', 'closed by its own author']
    ])
    expect(statusOf(first, r0, 4)).toEqual([['teacher', 'skipped', 'listed in ignore-users']])
    const lastRepo = course.repositories[29]!
    expect(statusOf(first, lastRepo, 1)).toEqual([
      [course.students[29], 'unmapped', expect.stringContaining('is not in the roster')]
    ])
    expect(first.warnings.join('\n')).toContain(`No XP for @${course.students[29]}`)
    // Sync tells the teacher (the warning, the summary), never the student: no comment.
    expect(w.github.comments(lastRepo, 1)).toEqual([])
    // A pull request closed without merging is not merged work: not even considered.
    expect(
      first.results.some(x => x['repository'] === course.repositories[2] && x['number'] === 2)
    ).toBe(false)

    // Two commits: one claim for the whole batch, one record of the outcomes with the cursor.
    expect(w.commits()).toEqual([
      'Start the Moodle XP ledger',
      `Claim ${expected.all.length} awards (run 7000/1)`,
      `Record ${expected.all.length} done (run 7000/1)`
    ])
    const records = w.records(r0)
    expect(records.map(r => [r.key.number, r.state, r.xp])).toEqual([
      [1, 'done', 10],
      [2, 'done', 20]
    ])
    // The student is congratulated as in event mode, with the signed record.
    const [note] = w.ledgerComments(r0, 1)
    expect(note?.user.login).toBe(APP.login)
    expect(note?.body).toContain(`@${course.students[0]} earned **10 XP** for this pull request`)
    expect(decodeRecords(note!.body, RECORD_KEY)).toEqual([
      { record: expect.objectContaining({ state: 'done', xp: 10 }), verified: true }
    ])
    // The summary groups per student and links each item.
    expect(first.summary).toContain(
      `### ${course.students[0]} (Moodle user ${moodleIdOf(0)}): +20 XP, now 20 XP`
    )
    expect(first.summary).toContain(`[${r0}#1](https://github.com/${r0}/pull/1) Solution`)

    const second = await sync()
    expect(second.code).toBe(0)
    expect(w.awardRequests()).toBe(expected.all.length)
    expect(second.outputs['awarded-points']).toBe('0')
    expect(awardedIn(second)).toEqual([])
    // The unmapped student's work stays open: read again, until the roster has them.
    expect(statusOf(second, lastRepo, 1)).toEqual([
      [course.students[29], 'unmapped', expect.any(String)]
    ])

    const late = mergedPr(w, course.repositories[7]!, {
      author: course.students[7]!,
      by: course.teacher,
      daysAgo: 0
    })
    w.advance(15 * 60_000)
    const third = await sync()
    expect(third.code).toBe(0)
    expect(awardedIn(third)).toEqual([
      `${course.repositories[7]}#${late.number} ${course.students[7]}`
    ])
    expect(w.awardRequests()).toBe(expected.all.length + 1)

    // The student is added to the roster: the configuration changed, so every repository is
    // read again from `since`, and only the missing award is made.
    const fourth = await sync({
      mapping: `${w.roster()}\n${course.students[29]}: ${moodleIdOf(29)}`
    })
    expect(fourth.code).toBe(0)
    expect(awardedIn(fourth)).toEqual([`${lastRepo}#1 ${course.students[29]}`])
    expect(fourth.results.filter(x => x['status'] === 'already-awarded')).toHaveLength(
      expected.all.length + 1
    )
    expect(w.awardRequests()).toBe(expected.all.length + 2)
    const cursor = decodeCursorFile(w.branchFile('cursor.json')!)
    expect(Object.keys(cursor)).toHaveLength(30)
  })

  it('require-approval: a merged pull request earns only with an approval by someone other than its author', async () => {
    const expected = classroomHistory(w)
    const r = await sync({ 'require-approval': 'true' })
    expect(r.code).toBe(0)
    expect(awardedIn(r)).toEqual(named(expected.approved))
    const r0 = w.course.repositories[0]!
    expect(statusOf(r, r0, 2)).toEqual([
      [
        w.course.students[0],
        'skipped',
        expect.stringContaining('no approving review by someone other than its author')
      ]
    ])
    // Approved by the teacher, merged by the student: earns.
    expect(statusOf(r, w.course.repositories[1]!, 2)).toEqual([
      [w.course.students[1], 'awarded', expect.any(String)]
    ])
  })
})
