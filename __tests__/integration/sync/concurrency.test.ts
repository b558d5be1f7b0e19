import { describe, expect, it } from '@jest/globals'
import { shardOf } from '../../../src/sync/repositories.js'
import { awardedIn, classroomHistory, COURSE, named, useSyncWorld } from './sync-world.js'

const w = useSyncWorld(30)

/** Each expected award was paid exactly once: one Moodle request per award, right totals. */
function paidOnce(expected: ReturnType<typeof classroomHistory>['all']): void {
  expect(w.applied()).toBe(expected.length)
  const per = new Map<number, number>()
  for (const e of expected) per.set(e.moodleUserId, (per.get(e.moodleUserId) ?? 0) + 10)
  for (const [id, xp] of per) expect(w.moodle.xp(COURSE, id)).toBe(xp)
}

describe('sync runs at the same time', () => {
  it('two runs at once: each item paid once', async () => {
    const expected = classroomHistory(w).all.concat()
    const roster = w.roster()
    const last = w.course.students[29]!
    expected.push(
      ...[{ repository: w.course.repositories[29]!, number: 1, login: last, moodleUserId: 1029 }]
    )
    const runs = await Promise.all([w.sync({ mapping: roster }), w.sync({ mapping: roster })])
    for (const r of runs) {
      expect(r.errors).toEqual([])
      expect(r.code).toBe(0)
    }
    paidOnce(expected)
    // Between them, every award; none by both.
    const [a, b] = runs.map(awardedIn) as [string[], string[]]
    expect([...a, ...b].sort()).toEqual(named(expected))
    expect(a.filter(x => b.includes(x))).toEqual([])
    // A run that lost the race to claim saw the other's claims as in progress (GitHub says that
    // run is still going) and left them for later: a third run finds them paid.
    const third = await w.sync({ mapping: roster })
    expect(third.code).toBe(0)
    expect(awardedIn(third)).toEqual([])
    paidOnce(expected)
  })

  it('a 4-shard matrix at once: each shard reads its own repositories, each item paid once', async () => {
    const expected = classroomHistory(w).all
    const last = w.course.students[29]!
    const roster = w.roster([last])
    const shards = await Promise.all(
      [1, 2, 3, 4].map(i => w.sync({ mapping: roster, shard: `${i}/4` }))
    )
    shards.forEach((r, i) => {
      expect(r.errors).toEqual([])
      expect(r.code).toBe(0)
      const mine = w.course.repositories.filter(repo => shardOf(repo, 4) === i + 1)
      expect(new Set(r.results.map(x => x['repository']))).toEqual(new Set(mine))
    })
    expect(shards.flatMap(awardedIn).sort()).toEqual(named(expected))
    paidOnce(expected)
    // One claim and one record per shard, serialised on the branch by compare-and-swap.
    const commits = w.commits()
    expect(commits.filter(c => c.startsWith('Claim'))).toHaveLength(4)
    expect(commits.filter(c => c.startsWith('Record'))).toHaveLength(4)
    // Every shard's cursor entries survived the others' commits.
    const cursor = JSON.parse(w.branchFile('cursor.json')!) as { repositories: object }
    expect(Object.keys(cursor.repositories)).toHaveLength(30)
  })
})
