/**
 * Sync mode's congratulations and results show each student's level as their award left it: the
 * course's levels read once for the run, applied to each award's own total (a student awarded
 * twice in one run gets each comment right).
 */
import { describe, expect, it } from '@jest/globals'
import { LEVELS_INFO_FUNCTION } from '../../../test-servers/moodle/server.js'
import { COURSE, mergedPr, moodleIdOf, useSyncWorld } from './sync-world.js'

const w = useSyncWorld(2)

/** The visible line of each ledger comment on `repository`, by item number. */
function lines(repository: string, numbers: number[]): string[] {
  return numbers.map(
    n =>
      w
        .ledgerComments(repository, n)[0]
        ?.body.split('\n')
        .find(l => l.startsWith('- ')) ?? ''
  )
}

describe('sync mode with the levels', () => {
  it("each congratulation shows the level the student's award reached, the levels read once", async () => {
    const [alice, bob] = w.course.students as [string, string]
    const [aliceRepo, bobRepo] = w.course.repositories as [string, string]
    const t = w.course.teacher
    const first = mergedPr(w, aliceRepo, { author: alice, by: t, daysAgo: 6 })
    const second = mergedPr(w, aliceRepo, { author: alice, by: t, daysAgo: 5 })
    const bobs = mergedPr(w, bobRepo, { author: bob, by: t, daysAgo: 5 })
    // Level 2 ("Apprentice") starts at 120: alice's two awards take her from 105 to 125.
    w.moodle.setXp(COURSE, moodleIdOf(0), 105)

    const r = await w.sync()
    expect(r.code).toBe(0)
    expect(w.applied()).toBe(3)
    expect(w.moodle.requestsFor(LEVELS_INFO_FUNCTION)).toHaveLength(1)

    // Both awards ran at once: which one came first decides which total each comment shows.
    const alices = lines(aliceRepo, [first.number, second.number]).sort()
    expect(alices).toEqual([
      `- 🎉 @${alice} earned **10 XP** for this pull request and now has **115 XP** in total (level 1, Newcomer; 5 XP to level 2). Well done!`,
      `- 🎉 @${alice} earned **10 XP** for this pull request and now has **125 XP** in total. ⬆️ New level: **level 2, Apprentice**; 151 XP to level 3. Well done!`
    ])
    expect(lines(bobRepo, [bobs.number])).toEqual([
      `- 🎉 @${bob} earned **10 XP** for this pull request and now has **10 XP** in total (level 1, Newcomer; 110 XP to level 2). Well done!`
    ])

    const levels = r.results
      .filter(x => x['status'] === 'awarded')
      .map(x => [x['github'], x['xp'], x['level']])
      .sort((a, b) => Number(a[1]) - Number(b[1]))
    expect(levels).toEqual([
      [bob, 10, { number: 1, name: 'Newcomer', xpToNext: 110, levelUp: false }],
      [alice, 115, { number: 1, name: 'Newcomer', xpToNext: 5, levelUp: false }],
      [alice, 125, { number: 2, name: 'Apprentice', xpToNext: 151, levelUp: true }]
    ])
    // One student's level would stand for nobody in particular among many.
    expect(r.outputs.level).toBe('')
  })
})
