/**
 * The leaderboard: the top of the course's ladder, each visible person's XP gained since the
 * previous board (kept on the ledger branch as a snapshot), and its Markdown. Pure.
 *
 * Every text Moodle gives (names, level names) goes through `markdown()`; Moodle user ids are
 * kept in the snapshot (the ledger branch holds them in every record already) and never shown.
 */
import { markdown } from '../report/text.js'
import type { Ladder, LadderRow } from './ladder.js'

/** Places shown: the top ten, as a classroom scoreboard does. */
export const LEADERBOARD_SIZE = 10

export const ISSUE_TITLE = 'XP leaderboard'

/** The hidden line by which the action finds its issue for a course among the repository's. */
export function issueMarker(course: number): string {
  return `<!-- moodle-xp-leaderboard course=${course} -->`
}

/** The board as it was last shown: what the next one's gains are counted from. */
export interface Snapshot {
  course: number
  /** When the ladder was read, ISO. */
  at: string
  /** The number of the leaderboard issue in the running repository; null: none (yet). */
  issue: number | null
  /** The visible people shown, by Moodle user id. */
  ranking: Array<{ id: number; xp: number }>
}

/**
 * How a person's XP moved since the previous board: `gained` (may be negative: a teacher can
 * take points back in Moodle), `same`, `new` (not on the previous board), `unknown` (the ladder
 * hides who it is, or there is no previous board).
 */
export type Change =
  { kind: 'gained'; xp: number } | { kind: 'same' } | { kind: 'new' } | { kind: 'unknown' }

export interface Board {
  course: number
  total: number
  ranksHidden: boolean
  rows: Array<LadderRow & { change: Change }>
  /** When the previous board was read (what the gains count from); null: this is the first. */
  since: string | null
  /** When this one was read, ISO. */
  at: string
}

export class SnapshotFormatError extends Error {
  constructor(path: string, why: string) {
    super(`${path} on the ledger branch ${why}`)
    this.name = 'SnapshotFormatError'
  }
}

/** The board of `ladder`, its gains counted from `previous` when it is of the same course. */
export function buildBoard(
  ladder: Ladder,
  previous: Snapshot | null,
  o: { course: number; at: string }
): Board {
  const before = previous?.course === o.course ? previous : null
  const xpBefore = new Map(before?.ranking.map(r => [r.id, r.xp]))
  const rows = ladder.rows.map(row => {
    const was = row.userId === null ? undefined : xpBefore.get(row.userId)
    const change: Change =
      row.userId === null || before === null
        ? { kind: 'unknown' }
        : was === undefined
          ? { kind: 'new' }
          : row.xp === was
            ? { kind: 'same' }
            : { kind: 'gained', xp: row.xp - was }
    return { ...row, change }
  })
  return {
    course: o.course,
    total: ladder.total,
    ranksHidden: ladder.ranksHidden,
    rows,
    since: before?.at ?? null,
    at: o.at
  }
}

/** What the next board counts from: the visible people of this one. */
export function snapshotOf(board: Board, issue: number | null): Snapshot {
  return {
    course: board.course,
    at: board.at,
    issue,
    ranking: board.rows.flatMap(r => (r.userId === null ? [] : [{ id: r.userId, xp: r.xp }]))
  }
}

/** Whether two snapshots say the same (their times aside): then nothing needs writing. */
export function sameSnapshot(a: Snapshot | null, b: Snapshot): boolean {
  return (
    a !== null &&
    a.course === b.course &&
    a.issue === b.issue &&
    JSON.stringify(a.ranking) === JSON.stringify(b.ranking)
  )
}

/** The snapshot file, one person per line (each commit's diff shows who moved). */
export function encodeSnapshot(s: Snapshot): string {
  const ranking =
    s.ranking.length === 0
      ? '[]'
      : `[\n${s.ranking.map(r => `    ${JSON.stringify({ id: r.id, xp: r.xp })}`).join(',\n')}\n  ]`
  return `{\n  "course": ${s.course},\n  "at": ${JSON.stringify(s.at)},\n  "issue": ${JSON.stringify(s.issue)},\n  "ranking": ${ranking}\n}\n`
}

/** @throws SnapshotFormatError */
export function decodeSnapshot(path: string, text: string): Snapshot {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    throw new SnapshotFormatError(path, `is not valid JSON (${(e as Error).message})`)
  }
  const s = value as Partial<Snapshot> | null
  const whole = (n: unknown) => Number.isSafeInteger(n)
  if (
    typeof s !== 'object' ||
    s === null ||
    !whole(s.course) ||
    typeof s.at !== 'string' ||
    Number.isNaN(Date.parse(s.at)) ||
    !(s.issue === null || (whole(s.issue) && s.issue! > 0)) ||
    !Array.isArray(s.ranking) ||
    !s.ranking.every(r => typeof r === 'object' && r !== null && whole(r.id) && whole(r.xp))
  )
    throw new SnapshotFormatError(path, 'is not a leaderboard snapshot')
  return {
    course: s.course!,
    at: s.at,
    issue: s.issue as number | null,
    ranking: s.ranking.map(r => ({ id: r.id, xp: r.xp }))
  }
}

/** A Markdown link, only to an https address with nothing that could end the link early. */
export function link(text: string, url: string | null): string {
  return url && /^https:\/\/[^\s()<>[\]]+$/.test(url) ? `[${text}](${url})` : text
}

/** `2026-03-01 10:00 UTC`. */
export function shortTime(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

function changeCell(c: Change): string {
  switch (c.kind) {
    case 'gained':
      return c.xp > 0 ? `+${c.xp}` : String(c.xp)
    case 'same':
      return ''
    case 'new':
      return 'new'
    case 'unknown':
      return '—'
  }
}

function levelCell(row: LadderRow): string {
  return row.levelName ? `${row.level} · ${markdown(row.levelName)}` : String(row.level)
}

/** The board's lines: what it is, the table, and what its last column means. */
export function boardLines(board: Board): string[] {
  const shown = board.rows.length
  if (shown === 0) return ["Nobody is on the course's Level Up XP ladder yet."]
  // A ladder that shows only a student's neighbours may not start at the top.
  const which = board.rows[0]!.rank === 1 ? `The top ${shown}` : `${shown} places`
  const lines = [
    `${which} of ${board.total} on the course's Level Up XP ladder, as Moodle shows it (the course's ladder settings apply).`,
    ''
  ]
  const rank = !board.ranksHidden
  lines.push(
    `|${rank ? ' Rank |' : ''} Name | Level | XP | Gained |`,
    `|${rank ? ' ---: |' : ''} --- | --- | ---: | ---: |`
  )
  for (const row of board.rows) {
    const cells = [
      ...(rank ? [String(row.rank)] : []),
      row.name === null ? '_hidden_' : markdown(row.name),
      levelCell(row),
      String(row.xp),
      changeCell(row.change)
    ]
    lines.push(`| ${cells.join(' | ')} |`)
  }
  lines.push(
    '',
    board.since === null
      ? 'This is the first leaderboard: the XP gained shows from the next sync on.'
      : `_Gained_: XP earned since the leaderboard of ${shortTime(board.since)}; _new_: not on that leaderboard.`
  )
  if (board.rows.some(r => r.userId === null))
    lines.push(
      '',
      "The course's ladder hides who some places are, so what they gained is not shown (—)."
    )
  return lines
}

/** The leaderboard's section of the job summary. */
export function summarySection(board: Board, notes: string[] = []): string {
  const lines = ['## XP leaderboard', '', ...boardLines(board)]
  if (notes.length > 0) lines.push('', ...notes.map(n => `- ${markdown(n)}`))
  return `${lines.join('\n').trimEnd()}\n`
}

/**
 * The issue's body: its marker, the board, and when and by which run it was written (a link
 * only to an address the action built from the runner's own values).
 */
export function issueBody(board: Board, runUrl: string | null): string {
  const by = runUrl ? ` (${link('run', runUrl)})` : ''
  return [
    issueMarker(board.course),
    ...boardLines(board),
    '',
    `_Updated by the Moodle XP sync at ${shortTime(board.at)}${by}. The sync rewrites this issue when the ladder changes; comments stay._`,
    ''
  ].join('\n')
}
