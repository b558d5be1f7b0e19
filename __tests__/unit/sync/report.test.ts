import { describe, expect, it } from '@jest/globals'
import { itemKey, syncReport, type SyncResult } from '../../../src/sync/report.js'

function result(over: Partial<SyncResult>): SyncResult {
  return {
    github: 'alice',
    githubId: 501,
    moodleUserId: 2,
    points: 10,
    xp: null,
    status: 'awarded',
    reason: '10 points (points input)',
    repository: 'classroom/hw1-alice',
    number: 1,
    ...over
  }
}

const items = new Map([
  [
    itemKey('classroom/hw1-alice', 1),
    { title: 'Solution', url: 'https://github.com/classroom/hw1-alice/pull/1' }
  ],
  [itemKey('classroom/hw1-alice', 2), { title: '<b>@all</b> | x', url: 'javascript:alert(1)' }],
  [
    itemKey('classroom/hw1-bob', 1),
    { title: 'Done', url: 'https://github.com/classroom/hw1-bob/pull/1' }
  ]
])

describe('the sync report', () => {
  const results = [
    result({ xp: 10 }),
    result({ number: 2, xp: 30, points: 20 }),
    result({
      github: 'bob',
      moodleUserId: 3,
      repository: 'classroom/hw1-bob',
      status: 'already-awarded',
      reason: 'already awarded',
      xp: 5
    }),
    result({
      github: 'dependabot[bot]',
      moodleUserId: null,
      repository: 'classroom/hw1-bob',
      number: 2,
      status: 'skipped',
      reason: 'bot account'
    }),
    result({
      github: 'carol',
      moodleUserId: null,
      repository: 'classroom/hw1-carol',
      status: 'unmapped',
      reason: 'carol is not in the roster'
    })
  ]
  const report = syncReport({
    scope: '3 repositories (classroom/hw1-*)',
    results,
    items,
    notes: [],
    failOnUnmapped: false,
    problems: []
  })

  it('outputs the awarded points and every result with its repository and number; no single xp', () => {
    expect(report.outputs['awarded-points']).toBe('30')
    expect(report.outputs.xp).toBe('')
    expect(report.outputs.level).toBe('')
    expect(report.outputs['moodle-user-id']).toBe('')
    expect(JSON.parse(report.outputs.results)).toEqual(results.map(r => ({ ...r, level: null })))
  })

  it('groups per student with the points of the run and the new total, every item linked', () => {
    const s = report.summary
    expect(s).toContain('**30 points** awarded to **1** student.')
    expect(s).toContain('### alice (Moodle user 2): +30 XP, now 30 XP')
    expect(s).toContain(
      '[classroom/hw1-alice#1](https://github.com/classroom/hw1-alice/pull/1) Solution'
    )
    // Only GitHub's https addresses become links; titles are escaped.
    expect(s).not.toContain('javascript:')
    expect(s).toContain('classroom/hw1-alice#2 &lt;b&gt;@\u200ball&lt;/b&gt; \\| x')
    expect(s).toContain('### carol')
    // People with nothing new are folded away.
    expect(s).toMatch(/<details><summary>2 more people with nothing new/)
    expect(s.indexOf('### carol')).toBeLessThan(s.indexOf('<details>'))
    expect(s.indexOf('bob')).toBeGreaterThan(s.indexOf('<details>'))
  })

  it('names the item in each line that warns or fails', () => {
    expect(report.warnings).toEqual([
      'No XP for @carol for classroom/hw1-carol#1: carol is not in the roster'
    ])
    const strict = syncReport({
      scope: '',
      results,
      items,
      notes: [],
      failOnUnmapped: true,
      problems: ['x']
    })
    expect(strict.problems.map(p => p.message)).toEqual([
      'x',
      '@carol for classroom/hw1-carol#1 is not in the roster (fail-on-unmapped is true): carol is not in the roster'
    ])
  })
})
