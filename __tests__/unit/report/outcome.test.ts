import { describe, expect, it } from '@jest/globals'
import { failuresOf, outputsFrom, warningsOf } from '../../../src/report/outcome.js'
import type { StudentLevel } from '../../../src/level/level.js'
import type { RecipientResult, Status } from '../../../src/report/status.js'

const LEVEL: StudentLevel = { number: 3, name: 'Rising star', xpToNext: 40, levelUp: true }

function result(status: Status, over: Partial<RecipientResult> = {}): RecipientResult {
  return {
    github: 'octocat',
    githubId: 583231,
    moodleUserId: 2,
    points: 10,
    xp: null,
    status,
    reason: `reason for ${status}`,
    ...over
  }
}

describe('outputsFrom', () => {
  it('gives empty outputs and 0 points when there are no results', () => {
    expect(outputsFrom([])).toEqual({
      xp: '',
      level: '',
      'awarded-points': '0',
      'moodle-user-id': '',
      results: '[]'
    })
  })

  it('takes xp from the first awarded recipient and sums awarded points only', () => {
    const outputs = outputsFrom([
      result('skipped', { github: 'bot', moodleUserId: null, points: 10 }),
      result('already-awarded', { moodleUserId: 3, points: 5, xp: 500 }),
      result('awarded', { moodleUserId: 4, points: 10, xp: 140 }),
      result('dry-run', { points: 100 }),
      result('failed', { points: 1000 }),
      result('unknown', { points: 10000 }),
      result('awarded', { moodleUserId: 5, points: 7, xp: 77 })
    ])
    expect(outputs.xp).toBe('140')
    expect(outputs['awarded-points']).toBe('17')
  })

  it('falls back to the recorded total of the first already-awarded recipient (re-run)', () => {
    const outputs = outputsFrom([
      result('already-awarded', { xp: null }),
      result('already-awarded', { xp: 250 }),
      result('already-awarded', { xp: 999 })
    ])
    expect(outputs.xp).toBe('250')
    expect(outputs['awarded-points']).toBe('0')
  })

  it('leaves xp empty when nothing was awarded, dry runs included', () => {
    const outputs = outputsFrom([
      result('dry-run', { xp: null }),
      result('failed', { xp: null }),
      result('unmapped', { moodleUserId: null })
    ])
    expect(outputs.xp).toBe('')
    expect(outputs['awarded-points']).toBe('0')
  })

  it('keeps an xp of 0', () => {
    expect(outputsFrom([result('awarded', { xp: 0 })]).xp).toBe('0')
  })

  it('gives the Moodle user id of the first result, empty when it has none', () => {
    expect(outputsFrom([result('failed', { moodleUserId: 7 }), result('awarded')])).toMatchObject({
      'moodle-user-id': '7'
    })
    expect(
      outputsFrom([result('unmapped', { moodleUserId: null }), result('awarded')])
    ).toMatchObject({ 'moodle-user-id': '' })
  })

  it('writes results as a JSON array with exactly the documented keys', () => {
    const input = [
      result('awarded', { xp: 140, level: LEVEL }),
      result('skipped', { github: null, githubId: null, moodleUserId: null })
    ]
    const parsed = JSON.parse(outputsFrom(input).results) as Record<string, unknown>[]
    expect(parsed).toEqual([input[0], { ...input[1], level: null }])
    for (const item of parsed) {
      expect(Object.keys(item).sort()).toEqual(
        ['github', 'githubId', 'moodleUserId', 'points', 'xp', 'status', 'reason', 'level'].sort()
      )
    }
    expect(Object.keys(parsed[0]?.level as object).sort()).toEqual(
      ['number', 'name', 'xpToNext', 'levelUp'].sort()
    )
    expect(parsed[1]).toMatchObject({ github: null, githubId: null, moodleUserId: null, xp: null })
  })

  it('gives the level number of the recipient xp comes from; empty when its level is not known', () => {
    const second = { ...LEVEL, number: 4 }
    expect(
      outputsFrom([
        result('failed'),
        result('awarded', { xp: 300, level: LEVEL }),
        result('awarded', { xp: 900, level: second })
      ]).level
    ).toBe('3')
    // The first awarded recipient's level is what counts, even when unknown.
    expect(
      outputsFrom([result('awarded', { xp: 300 }), result('awarded', { xp: 900, level: second })])
        .level
    ).toBe('')
    // A re-run reads no level.
    expect(outputsFrom([result('already-awarded', { xp: 250 })]).level).toBe('')
  })

  it('keeps untrusted text intact but on one line inside the JSON', () => {
    const reason = 'line one\nline two\u2028::error::x'
    const json = outputsFrom([result('failed', { reason })]).results
    expect(json).not.toMatch(/[\n\r]/)
    expect((JSON.parse(json) as RecipientResult[])[0]?.reason).toBe(reason)
  })
})

describe('failuresOf', () => {
  const all = [
    result('awarded'),
    result('already-awarded'),
    result('dry-run'),
    result('skipped'),
    result('unmapped', { github: 'hubot', moodleUserId: null }),
    result('failed', { github: 'monalisa', reason: 'invalidtoken' }),
    result('unknown', { github: null, moodleUserId: 9, reason: 'timed out' })
  ]

  it('always reports failed and unknown recipients, one line each', () => {
    expect(failuresOf(all, false)).toEqual([
      'Award to @monalisa failed: invalidtoken',
      'Award to Moodle user 9 has an unknown outcome: timed out'
    ])
  })

  it('reports unmapped recipients only with fail-on-unmapped', () => {
    const lines = failuresOf(all, true)
    expect(lines).toHaveLength(3)
    expect(lines[0]).toBe(
      '@hubot is not in the roster (fail-on-unmapped is true): reason for unmapped'
    )
  })

  it('is empty when every recipient is fine', () => {
    const fine = all.filter(r => !['failed', 'unknown', 'unmapped'].includes(r.status))
    expect(failuresOf(fine, true)).toEqual([])
    expect(failuresOf([result('unmapped')], false)).toEqual([])
  })
})

describe('warningsOf', () => {
  const mixed = [
    result('unmapped', { github: 'hubot', reason: 'hubot is not in the roster' }),
    result('failed'),
    result('unknown'),
    result('skipped'),
    result('awarded')
  ]

  it('warns about unmapped recipients when fail-on-unmapped is off', () => {
    expect(warningsOf(mixed, false)).toEqual(['No XP for @hubot: hubot is not in the roster'])
  })

  it('says nothing when fail-on-unmapped is on: they are failures then', () => {
    expect(warningsOf(mixed, true)).toEqual([])
  })

  it('never warns about failed or unknown recipients (they fail the step)', () => {
    expect(warningsOf([result('failed'), result('unknown')], false)).toEqual([])
  })
})
