import { describe, expect, it } from '@jest/globals'
import type { RecipientResult } from '../../../src/report/status.js'
import { awardSummary } from '../../../src/report/summary.js'

const awarded: RecipientResult = {
  github: 'octocat',
  githubId: 583231,
  moodleUserId: 2,
  points: 10,
  xp: 140,
  status: 'awarded',
  reason: '10 points (points input)'
}
const skipped: RecipientResult = {
  github: null,
  githubId: null,
  moodleUserId: null,
  points: 10,
  xp: null,
  status: 'skipped',
  reason: ''
}

/** Cells of a table row, split on unescaped pipes. */
function cells(row: string): string[] {
  return row
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map(cell => cell.trim())
}

describe('awardSummary', () => {
  it('renders a heading, the event, and one row per recipient', () => {
    const summary = awardSummary({
      event: 'Pull request #12 merged',
      target: 'course 30',
      results: [awarded, skipped],
      notes: []
    })
    expect(summary).toBe(
      [
        '## Moodle Level Up XP',
        '',
        'Pull request #12 merged → course 30',
        '',
        '| GitHub user | Moodle user | Points | New total | Status | Reason |',
        '| --- | --- | ---: | ---: | --- | --- |',
        '| octocat | 2 | 10 | 140 | ✅ awarded | 10 points (points input) |',
        '| — | — | 10 | — | ⏭️ skipped |  |',
        ''
      ].join('\n')
    )
  })

  it('labels every status', () => {
    const statuses = [
      'awarded',
      'already-awarded',
      'dry-run',
      'skipped',
      'unmapped',
      'failed',
      'unknown'
    ] as const
    const summary = awardSummary({
      event: 'e',
      target: 't',
      results: statuses.map(status => ({ ...awarded, status })),
      notes: []
    })
    const labels = summary
      .split('\n')
      .filter(line => line.startsWith('| octocat'))
      .map(row => cells(row)[4])
    expect(labels).toEqual([
      '✅ awarded',
      '☑️ already awarded',
      '🧪 dry run',
      '⏭️ skipped',
      '❓ unmapped',
      '❌ failed',
      '⚠️ unknown'
    ])
  })

  it('says so when nobody was eligible, without a table', () => {
    const summary = awardSummary({ event: 'Push', target: 'course 30', results: [], notes: [] })
    expect(summary).toContain('Nobody was eligible for XP in this run.')
    expect(summary).not.toContain('|')
  })

  it('escapes untrusted text, so a value adds no row, cell, link or mention', () => {
    const summary = awardSummary({
      event: 'Issue "<b>x</b>" closed\n| a | b |\n[win](https://evil.example) @org/team',
      target: 'course 30',
      results: [
        {
          ...awarded,
          github: 'evil|login',
          reason: 'bad | value\n| injected | row | 1 | 2 | 3 | 4 |'
        }
      ],
      notes: ['label "<img src=x>" gave ![p](https://evil.example/p.png) points']
    })
    const lines = summary.split('\n')
    // heading, blank, event, blank, header, separator, one row, blank, note, final ''
    expect(lines).toHaveLength(10)
    expect(lines[2]).toBe(
      'Issue &quot;&lt;b&gt;x&lt;/b&gt;&quot; closed\\\\n\\| a \\| b \\|\\\\n\\[win\\](https://evil.example) @\u200borg/team → course 30'
    )
    const row = lines[6] ?? ''
    expect(cells(row)).toHaveLength(6)
    expect(cells(row)[0]).toBe('evil\\|login')
    expect(cells(row)[5]).toBe('bad \\| value\\\\n\\| injected \\| row \\| 1 \\| 2 \\| 3 \\| 4 \\|')
    expect(lines[8]).toBe(
      '- label &quot;&lt;img src=x&gt;&quot; gave \\!\\[p\\](https://evil.example/p.png) points'
    )
    expect(summary).not.toMatch(/<|@(?!\u200b)/)
  })

  it('lists notes under the table and ends with a newline', () => {
    const summary = awardSummary({
      event: 'e',
      target: 't',
      results: [awarded],
      notes: ['Dry run: nothing was awarded.', 'Ledger off.']
    })
    expect(
      summary.endsWith(
        '| 10 points (points input) |\n\n- Dry run: nothing was awarded.\n- Ledger off.\n'
      )
    ).toBe(true)
  })
})
