import { describe, expect, it } from '@jest/globals'
import {
  boardLines,
  buildBoard,
  decodeSnapshot,
  encodeSnapshot,
  issueBody,
  issueMarker,
  sameSnapshot,
  snapshotOf,
  SnapshotFormatError,
  summarySection,
  type Snapshot
} from '../../../src/leaderboard/board.js'
import type { Ladder, LadderRow } from '../../../src/leaderboard/ladder.js'

const AT = '2026-10-02T10:00:00.000Z'
const BEFORE = '2026-10-02T09:00:00.000Z'

function row(rank: number, userId: number | null, xp: number, o: Partial<LadderRow> = {}) {
  return {
    rank,
    userId,
    name: userId === null ? 'Someone else' : `Student ${userId}`,
    xp,
    level: 2,
    levelName: 'Apprentice',
    ...o
  }
}

function ladder(rows: LadderRow[], o: Partial<Ladder> = {}): Ladder {
  return { total: 42, rows, ranksHidden: false, ...o }
}

const previous = (ranking: Snapshot['ranking'], o: Partial<Snapshot> = {}): Snapshot => ({
  course: 30,
  at: BEFORE,
  issue: 7,
  ranking,
  ...o
})

/** The table rows of a board's lines, as cells. */
function cells(lines: string[]): string[][] {
  return lines
    .filter(l => l.startsWith('| ') && !l.includes('---'))
    .slice(1)
    .map(l =>
      l
        .slice(2, -2)
        .split(/(?<!\\) \| /)
        .map(c => c.trim())
    )
}

describe('what each student gained since the previous board', () => {
  it('counts gains by Moodle user: more, the same, fewer (points taken back), new in the top', () => {
    const board = buildBoard(
      ladder([row(1, 11, 300), row(2, 12, 200), row(3, 13, 95), row(4, 14, 90)]),
      previous([
        { id: 12, xp: 200 },
        { id: 11, xp: 250 },
        { id: 13, xp: 100 },
        { id: 99, xp: 80 }
      ]),
      { course: 30, at: AT }
    )
    expect(board.rows.map(r => r.change)).toEqual([
      { kind: 'gained', xp: 50 },
      { kind: 'same' },
      { kind: 'gained', xp: -5 },
      { kind: 'new' }
    ])
    expect(board.since).toBe(BEFORE)
    expect(cells(boardLines(board)).map(c => c.at(-1))).toEqual(['+50', '', '-5', 'new'])
  })

  it('counts nothing on the first board, nor against a board of another course', () => {
    for (const before of [null, previous([{ id: 11, xp: 10 }], { course: 31 })]) {
      const board = buildBoard(ladder([row(1, 11, 300)]), before, { course: 30, at: AT })
      expect(board.rows[0]?.change).toEqual({ kind: 'unknown' })
      expect(board.since).toBeNull()
      expect(boardLines(board).join('\n')).toContain(
        'This is the first leaderboard: the XP gained shows from the next sync on.'
      )
    }
  })

  it('counts nothing for a place the ladder hides, even where the XP would tell', () => {
    const board = buildBoard(
      ladder([row(1, null, 300), row(2, 12, 200)]),
      previous([
        { id: 11, xp: 250 },
        { id: 12, xp: 150 }
      ]),
      { course: 30, at: AT }
    )
    expect(board.rows.map(r => r.change.kind)).toEqual(['unknown', 'gained'])
    const lines = boardLines(board)
    expect(cells(lines).map(c => c.at(-1))).toEqual(['—', '+50'])
    expect(lines.join('\n')).toContain(
      "The course's ladder hides who some places are, so what they gained is not shown (—)."
    )
  })
})

describe('the snapshot on the ledger branch', () => {
  const board = buildBoard(ladder([row(1, 11, 300), row(2, null, 200), row(3, 13, 10)]), null, {
    course: 30,
    at: AT
  })

  it('keeps the visible people only, with the issue, and reads back what it wrote', () => {
    const snapshot = snapshotOf(board, 12)
    expect(snapshot).toEqual({
      course: 30,
      at: AT,
      issue: 12,
      ranking: [
        { id: 11, xp: 300 },
        { id: 13, xp: 10 }
      ]
    })
    const text = encodeSnapshot(snapshot)
    expect(text).toBe(
      `{\n  "course": 30,\n  "at": "${AT}",\n  "issue": 12,\n  "ranking": [\n    {"id":11,"xp":300},\n    {"id":13,"xp":10}\n  ]\n}\n`
    )
    expect(decodeSnapshot('leaderboard/30.json', text)).toEqual(snapshot)
    expect(decodeSnapshot('x', encodeSnapshot({ ...snapshot, issue: null, ranking: [] }))).toEqual({
      ...snapshot,
      issue: null,
      ranking: []
    })
  })

  it('is the same when only its time differs, not when a person, the issue or the course does', () => {
    const s = snapshotOf(board, 12)
    expect(sameSnapshot({ ...s, at: BEFORE }, s)).toBe(true)
    expect(sameSnapshot(null, s)).toBe(false)
    expect(sameSnapshot({ ...s, issue: null }, s)).toBe(false)
    expect(sameSnapshot({ ...s, course: 31 }, s)).toBe(false)
    expect(sameSnapshot({ ...s, ranking: [{ id: 11, xp: 290 }, s.ranking[1]!] }, s)).toBe(false)
  })

  it.each([
    ['not JSON', '{', /^leaderboard\/30\.json on the ledger branch is not valid JSON/],
    ['no ranking', '{"course":30,"at":"2026-10-02T10:00:00Z","issue":null}', /not a leaderboard/],
    [
      'an id that is not a number',
      '{"course":30,"at":"2026-10-02T10:00:00Z","issue":1,"ranking":[{"id":"11","xp":3}]}',
      /not a leaderboard/
    ],
    [
      'a bad time',
      '{"course":30,"at":"yesterday","issue":1,"ranking":[]}',
      /not a leaderboard snapshot$/
    ]
  ])('refuses a damaged file (%s)', (_what, text, message) => {
    expect(() => decodeSnapshot('leaderboard/30.json', text)).toThrow(SnapshotFormatError)
    expect(() => decodeSnapshot('leaderboard/30.json', text)).toThrow(message)
  })
})

describe('the board in Markdown', () => {
  it('shows rank, name, level with its name, XP and the gain; never a Moodle id', () => {
    const board = buildBoard(
      ladder([row(1, 1234, 300, { name: 'Ada Lovelace', level: 3, levelName: 'Rising star' })]),
      previous([{ id: 1234, xp: 280 }]),
      { course: 30, at: AT }
    )
    const lines = boardLines(board)
    expect(lines).toEqual([
      "The top 1 of 42 on the course's Level Up XP ladder, as Moodle shows it (the course's ladder settings apply).",
      '',
      '| Rank | Name | Level | XP | Gained |',
      '| ---: | --- | --- | ---: | ---: |',
      '| 1 | Ada Lovelace | 3 · Rising star | 300 | +20 |',
      '',
      '_Gained_: XP earned since the leaderboard of 2026-10-02 09:00 UTC; _new_: not on that leaderboard.'
    ])
    expect(lines.join('\n')).not.toContain('1234')
  })

  it('escapes names and level names Moodle gives, so they add no cell, link, mention or HTML', () => {
    const board = buildBoard(
      ladder([
        row(1, 11, 300, {
          name: '<img src=x> | @octocat [me](https://evil.example)',
          levelName: '**Boss** | <b>'
        })
      ]),
      null,
      { course: 30, at: AT }
    )
    const text = boardLines(board).join('\n')
    const [cellsOfRow] = cells(boardLines(board))
    expect(cellsOfRow).toHaveLength(5)
    expect(text).not.toContain('<img')
    expect(text).not.toContain('<b>')
    // The brackets are escaped: no link.
    expect(text).not.toMatch(/[^\\]\]\(https:\/\/evil/)
    expect(text).not.toContain('@octocat')
    expect(text).toContain('&lt;img src=x&gt; \\| @\u200boctocat \\[me\\]')
    expect(text).toContain('2 · \\*\\*Boss\\*\\* \\| &lt;b&gt;')
  })

  it('shows a hidden place as Moodle names it, a level without a name by its number, and no ranks when the course shows none', () => {
    const board = buildBoard(
      ladder(
        [row(4, null, 300, { levelName: null }), row(5, 12, 200, { name: null, levelName: null })],
        { ranksHidden: true }
      ),
      null,
      { course: 30, at: AT }
    )
    const lines = boardLines(board)
    expect(lines[0]).toBe(
      "2 places of 42 on the course's Level Up XP ladder, as Moodle shows it (the course's ladder settings apply)."
    )
    expect(lines).toContain('| Name | Level | XP | Gained |')
    expect(cells(lines)).toEqual([
      ['Someone else', '2', '300', '—'],
      ['_hidden_', '2', '200', '—']
    ])
  })

  it('says so when nobody is on the ladder', () => {
    const board = buildBoard(ladder([], { total: 0 }), null, { course: 30, at: AT })
    expect(summarySection(board)).toBe(
      "## XP leaderboard\n\nNobody is on the course's Level Up XP ladder yet.\n"
    )
  })

  it("the issue's body starts with the course's marker and links only a run address that is https", () => {
    const board = buildBoard(ladder([row(1, 11, 300)]), null, { course: 30, at: AT })
    const body = issueBody(board, 'https://github.com/school/xp/actions/runs/9')
    expect(body.split('\n')[0]).toBe(issueMarker(30))
    expect(issueMarker(30)).toBe('<!-- moodle-xp-leaderboard course=30 -->')
    expect(body).toContain(
      '_Updated by the Moodle XP sync at 2026-10-02 10:00 UTC ([run](https://github.com/school/xp/actions/runs/9)).'
    )
    expect(issueBody(board, 'javascript:alert(1)')).not.toContain('](javascript')
  })
})
