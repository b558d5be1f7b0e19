/**
 * The files of the central store (the ledger branch): where they live and how they are
 * written. One JSON file per source repository, one record per line so that each commit's diff
 * in GitHub's web view shows exactly the records it added or changed; a cursor file; a README
 * for the teacher who opens the branch. Records are opaque here: the ledger defines them.
 * Pure.
 */
import type { SyncCursor } from './cursor.js'

export const README_PATH = 'README.md'
export const CURSOR_PATH = 'cursor.json'
export const NOTICES_PATH = 'notices.json'
export const LEDGER_DIR = 'ledger'
export const LEADERBOARD_DIR = 'leaderboard'

/** A file on the ledger branch that is not what the action wrote there. */
export class StoreFormatError extends Error {
  constructor(path: string, why: string) {
    super(
      `${path} on the ledger branch ${why}: restore it from the branch's history (revert the ` +
        'commit that damaged it).'
    )
    this.name = 'StoreFormatError'
  }
}

/** `ledger/<owner>/<name>.json`, lower-cased: GitHub names are case-insensitive. */
export function ledgerPath(repository: string): string {
  const [owner = '', name = ''] = repository.toLowerCase().split('/')
  return `${LEDGER_DIR}/${owner}/${name}.json`
}

/** `leaderboard/<course id>.json`: the course's last leaderboard (input `leaderboard`). */
export function leaderboardPath(courseId: number): string {
  return `${LEADERBOARD_DIR}/${courseId}.json`
}

export type StoredRecord = Record<string, unknown>

export interface LedgerFile {
  /** `owner/name` as GitHub spells it. */
  repository: string
  records: StoredRecord[]
}

function lines(items: string[]): string {
  return items.length === 0 ? '[]' : `[\n${items.map(i => `    ${i}`).join(',\n')}\n  ]`
}

export function encodeLedgerFile(file: LedgerFile): string {
  const records = file.records.map(r => JSON.stringify(r))
  return `{\n  "repository": ${JSON.stringify(file.repository)},\n  "records": ${lines(records)}\n}\n`
}

function parse(path: string, text: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    throw new StoreFormatError(path, `is not valid JSON (${(e as Error).message})`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new StoreFormatError(path, 'does not hold a JSON object')
  return value as Record<string, unknown>
}

/** @throws StoreFormatError */
export function decodeLedgerFile(path: string, text: string): LedgerFile {
  const value = parse(path, text)
  const { repository, records } = value
  if (typeof repository !== 'string' || !Array.isArray(records))
    throw new StoreFormatError(path, 'has no "repository" name and "records" list')
  if (!records.every(r => typeof r === 'object' && r !== null && !Array.isArray(r)))
    throw new StoreFormatError(path, 'has a record that is not a JSON object')
  return { repository, records: records as StoredRecord[] }
}

export function encodeCursorFile(cursor: SyncCursor): string {
  const names = Object.keys(cursor).sort()
  const entries = names.map(n => `    ${JSON.stringify(n)}: ${JSON.stringify(cursor[n])}`)
  const body = entries.length === 0 ? '{}' : `{\n${entries.join(',\n')}\n  }`
  return `{\n  "repositories": ${body}\n}\n`
}

/** @throws StoreFormatError */
export function decodeCursorFile(text: string): SyncCursor {
  const { repositories } = parse(CURSOR_PATH, text)
  if (typeof repositories !== 'object' || repositories === null || Array.isArray(repositories))
    throw new StoreFormatError(CURSOR_PATH, 'has no "repositories" object')
  const cursor: SyncCursor = {}
  for (const [name, entry] of Object.entries(repositories)) {
    const e = entry as { at?: unknown; since?: unknown; config?: unknown }
    if (
      typeof e?.at !== 'string' ||
      typeof e.since !== 'string' ||
      Number.isNaN(Date.parse(e.at)) ||
      Number.isNaN(Date.parse(e.since))
    )
      throw new StoreFormatError(CURSOR_PATH, `has no valid "at" and "since" times for ${name}`)
    cursor[name.toLowerCase()] = {
      at: e.at,
      since: e.since,
      ...(typeof e.config === 'string' ? { config: e.config } : {})
    }
  }
  return cursor
}

/**
 * A congratulation not written yet (a run writes a limited number of comments): the item, the
 * claim whose `done` records the comment carries (found in the item's ledger file), and each
 * student's login for the mention.
 */
export interface Notice {
  repository: string
  number: number
  kind: 'pull_request' | 'issue'
  title: string
  url: string
  /** The claim's nonce. */
  nonce: string
  /** Recipient part of each award's key (`gh:<id>`) and the login to mention. */
  people: Array<{ recipient: string; login: string | null }>
}

/** `notices.json`: the congratulations still to write, oldest first, one per line. */
export function encodeNoticesFile(notices: Notice[]): string {
  return `{\n  "due": ${lines(notices.map(n => JSON.stringify(n)))}\n}\n`
}

function isNotice(x: unknown): x is Notice {
  const n = x as Notice
  return (
    typeof n === 'object' &&
    n !== null &&
    typeof n.repository === 'string' &&
    Number.isSafeInteger(n.number) &&
    (n.kind === 'pull_request' || n.kind === 'issue') &&
    typeof n.title === 'string' &&
    typeof n.url === 'string' &&
    typeof n.nonce === 'string' &&
    Array.isArray(n.people) &&
    n.people.every(
      p =>
        typeof p === 'object' &&
        p !== null &&
        typeof p.recipient === 'string' &&
        (p.login === null || typeof p.login === 'string')
    )
  )
}

/** @throws StoreFormatError */
export function decodeNoticesFile(text: string): Notice[] {
  const { due } = parse(NOTICES_PATH, text)
  if (!Array.isArray(due) || !due.every(isNotice))
    throw new StoreFormatError(NOTICES_PATH, 'has no "due" list of notices')
  return due
}

/** The README at the root of the ledger branch, for the teacher who opens it on GitHub. */
export const STORE_README = `# Moodle XP ledger

This branch is written by the moodle-xp-action in sync mode. It is not code: it records every
Level Up XP award the action made for work in your course's repositories, so that no award is
ever made twice.

- \`ledger/<owner>/<repository>.json\`: the awards for the pull requests and issues of one
  repository, one record per line (which item, which student, how many points, the new XP
  total, which workflow run, when, and whether the award is pending, done or failed).
- \`cursor.json\`: when each repository was last read, so that a scheduled run asks GitHub only
  for what changed since.
- \`notices.json\`: congratulations not written yet (a run writes a limited number of comments);
  later runs write them.
- \`leaderboard/<course id>.json\` (with the input \`leaderboard\`): the course's last leaderboard,
  from which the next one counts the XP each student gained.

The branch history is the audit log: each run makes one commit to claim the awards it is about
to make and one to record how they went.

Only people who can write this repository can change the branch, and the action trusts what
they write. Edit a record by hand only to resolve an award whose outcome is unknown (a record
\`"state":"pending"\` with \`"unknown":true\`): look in the student's XP log in Moodle; if the
points arrived, change \`"pending"\` to \`"done"\`; if they did not, delete the record's line, and
the next run pays it. Anything else is best undone by reverting the commit that made it.
`
