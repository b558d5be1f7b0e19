import { describe, expect, it } from '@jest/globals'
import type { CheckItem } from '../../../src/check/items.js'
import { checkSummary, logLines, problemsOf, verdict } from '../../../src/check/report.js'

const items: CheckItem[] = [
  { name: 'Moodle site', status: 'passed', detail: 'answers: <b>Demo</b> | site' },
  { name: 'Token', status: 'failed', detail: 'the token is unknown', fix: 'create a new one' },
  { name: 'local_xp_award_points', status: 'not-checked', detail: 'the token was refused first' },
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
    expect(problemsOf([{ name: 'x', status: 'not-checked', detail: 'y' }])).toEqual([])
  })
})

describe('checkSummary', () => {
  const summary = checkSummary(items)

  it('renders a checklist with the three marks', () => {
    expect(summary).toContain('- ✅ **Moodle site**')
    expect(summary).toContain('- ❌ **Token**: the token is unknown<br>Fix: create a new one')
    expect(summary).toContain('- ➖ not checked: **local\\_xp\\_award\\_points**')
    expect(summary).toContain(
      '2 check(s) failed (1 not checked). Nothing was awarded (mode: check).'
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
      '➖ local_xp_award_points: not checked: the token was refused first',
      '❌ Students in Moodle: 1 of 2 student(s) match no Moodle user',
      '    - @octocat (roster.yml line 4): email "x@y" matches no Moodle user'
    ])
  })

  it('says all passed when nothing failed', () => {
    expect(verdict([{ name: 'x', status: 'passed', detail: '' }])).toBe(
      'All checks passed. Nothing was awarded (mode: check).'
    )
  })
})
