import { describe, expect, it } from '@jest/globals'
import { BRANCH, mergedPr, TEACHER_REPO, useSyncWorld } from './sync-world.js'

const w = useSyncWorld(6)

function solutions(): void {
  w.course.repositories.forEach((repo, i) =>
    mergedPr(w, repo, { author: w.course.students[i]!, by: w.course.teacher })
  )
}

/** Nothing written anywhere: no branch, no commit, no comment, no award. */
function nothingWritten(): void {
  expect(w.github.world.find(TEACHER_REPO)!.ref(`refs/heads/${BRANCH}`)).toBeNull()
  for (const repo of w.course.repositories) expect(w.github.comments(repo, 1)).toEqual([])
  expect(w.awardRequests()).toBe(0)
  const writes = w.github.requests.filter(r => r.method !== 'GET' && r.path !== '/graphql')
  expect(writes).toEqual([])
}

describe('sync mode limits', () => {
  it('max-awards: a run that would award more stops before claiming or awarding anything, and lists them', async () => {
    solutions()
    const r = await w.sync({ 'max-awards': '5' })
    expect(r.code).toBe(1)
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toMatch(
      /This run would make 6 awards, more than max-awards \(5\), so it claimed and awarded nothing .*set max-awards to 6 or more/
    )
    expect(r.results).toHaveLength(6)
    for (const x of r.results)
      expect(x).toMatchObject({
        status: 'skipped',
        reason: expect.stringMatching(/^would award 10 points .*more than max-awards \(5\)$/)
      })
    expect(r.outputs['awarded-points']).toBe('0')
    expect(r.summary).toContain(w.course.students[0])
    nothingWritten()
    // Raised deliberately, the same run goes through.
    const raised = await w.sync({ 'max-awards': '6' })
    expect(raised.code).toBe(0)
    expect(w.applied()).toBe(6)
  })

  it('dry run lists everything and writes nothing anywhere (no commit, no comment, no award)', async () => {
    solutions()
    const r = await w.sync({ 'dry-run': 'true', 'max-awards': '5' })
    expect(r.errors).toEqual([])
    expect(r.code).toBe(0)
    expect(r.results.map(x => x['status'])).toEqual(Array(6).fill('dry-run'))
    expect(r.summary).toContain('Dry run: nothing was awarded and nothing was written')
    // The preview says what a real run would do about max-awards.
    expect(r.summary).toContain('A real run would make 6 awards, more than max-awards (5)')
    nothingWritten()
    // Nothing to undo: the real run awards everything.
    const real = await w.sync()
    expect(real.results.map(x => x['status'])).toEqual(Array(6).fill('awarded'))
  })
})
