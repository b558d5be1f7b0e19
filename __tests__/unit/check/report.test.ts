import { describe, expect, it } from '@jest/globals'
import type { CheckItem } from '../../../src/check/items.js'
import {
  checkReport,
  checkSummary,
  logLines,
  problemsOf,
  verdict
} from '../../../src/check/report.js'
import type { RecipientResult } from '../../../src/report/status.js'

const items: CheckItem[] = [
  { name: 'Moodle site', status: 'passed', detail: 'answers: <b>Demo</b> | site' },
  { name: 'Token', status: 'failed', detail: 'the token is unknown', fix: 'create a new one' },
  { name: 'local_xp_award_points', status: 'not-verified', detail: 'the token was refused first' },
  {
    name: 'local_xp_get_levels_info',
    status: 'absent',
    detail: "not in the token's external service (optional)"
  },
  {
    name: 'Students in Moodle',
    status: 'failed',
    detail: '1 of 2 student(s) match no Moodle user',
    entries: ['@octocat (roster.yml line 4): email "x@y" matches no Moodle user'],
    problems: [{ message: 'Roster: octocat', where: { file: 'roster.yml', line: 4 } }]
  }
]

describe('problemsOf', () => {
  it('gives one line per failed item, or the item’s own problems', () => {
    expect(problemsOf(items)).toEqual([
      { message: 'Token: the token is unknown; create a new one' },
      { message: 'Roster: octocat', where: { file: 'roster.yml', line: 4 } }
    ])
  })

  it('is empty when nothing failed', () => {
    expect(problemsOf([{ name: 'x', status: 'not-verified', detail: 'y' }])).toEqual([])
    expect(problemsOf([{ name: 'x', status: 'absent', detail: 'y' }])).toEqual([])
  })
})

describe('checkSummary', () => {
  const summary = checkSummary(items, verdict(items, null))

  it('renders a checklist with the four marks; an unverified item says so', () => {
    expect(summary).toContain('- ✅ **Moodle site**')
    expect(summary).toContain('- ❌ **Token**: the token is unknown<br>Fix: create a new one')
    expect(summary).toContain('- ⚠️ not verified: **local\\_xp\\_award\\_points**')
    expect(summary).toContain(
      "- ➖ **local\\_xp\\_get\\_levels\\_info**: not in the token's external service (optional)"
    )
    expect(summary).toContain(
      '2 check(s) failed; 1 not verified (⚠️). Nothing was awarded (mode: check).'
    )
  })

  it('escapes server- and roster-derived text', () => {
    expect(summary).toContain('&lt;b&gt;Demo&lt;/b&gt; \\| site')
    expect(summary).not.toContain('<b>')
    expect(summary).toContain('  - @\u200boctocat')
  })
})

describe('logLines and verdict', () => {
  it('one line per item, entries indented, fixes inline', () => {
    expect(logLines(items)).toEqual([
      '✅ Moodle site: answers: <b>Demo</b> | site',
      '❌ Token: the token is unknown. Fix: create a new one',
      '⚠️ local_xp_award_points: not verified: the token was refused first',
      "➖ local_xp_get_levels_info: not in the token's external service (optional)",
      '❌ Students in Moodle: 1 of 2 student(s) match no Moodle user',
      '    - @octocat (roster.yml line 4): email "x@y" matches no Moodle user'
    ])
  })

  it('says all passed when nothing failed, counting what was not verified', () => {
    expect(verdict([{ name: 'x', status: 'passed', detail: '' }], null)).toBe(
      'All checks passed. Nothing was awarded (mode: check).'
    )
    expect(
      verdict(
        [
          { name: 'x', status: 'passed', detail: '' },
          { name: 'y', status: 'not-verified', detail: '' }
        ],
        null
      )
    ).toBe('All checks passed; 1 not verified (⚠️). Nothing was awarded (mode: check).')
  })
})

describe('checkReport', () => {
  const testAward = (over: Partial<RecipientResult>): RecipientResult => ({
    github: null,
    githubId: null,
    moodleUserId: 6,
    points: 1,
    xp: 41,
    status: 'awarded',
    reason: 'test award of check mode (check-award-user-id)',
    ...over
  })

  it('without a test award: empty outputs, the verdict last in the log', () => {
    const report = checkReport(items, null)
    expect(report.outputs).toEqual({
      xp: '',
      level: '',
      'awarded-points': '0',
      'moodle-user-id': '',
      results: '[]'
    })
    expect(report.log.at(-1)).toBe(verdict(items, null))
    expect(report.problems).toEqual(problemsOf(items))
    expect(report.warnings).toEqual([])
  })

  it('with a test award: the outputs and the verdict say exactly that one point was awarded', () => {
    const report = checkReport([], testAward({}))
    expect(report.outputs).toMatchObject({ xp: '41', 'awarded-points': '1', 'moodle-user-id': '6' })
    expect(report.log).toEqual([
      'All checks passed. Only the test award of 1 point to Moodle user 6 was made (check-award-user-id).'
    ])
    expect(report.summary).toContain('Only the test award of 1 point to Moodle user 6 was made')
  })

  it('says when the test award failed or its outcome is unknown', () => {
    expect(verdict([], testAward({ status: 'failed', xp: null }))).toBe(
      'All checks passed. Nothing was awarded: the test award of 1 point to Moodle user 6 failed.'
    )
    expect(verdict([], testAward({ status: 'unknown', xp: null }))).toContain(
      'has an unknown outcome'
    )
    expect(
      checkReport([], testAward({ status: 'failed', xp: null })).outputs['awarded-points']
    ).toBe('0')
  })
})
