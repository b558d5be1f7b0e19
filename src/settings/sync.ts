/**
 * The inputs of sync mode (`repositories`, `since`, `concurrency`, `max-awards`,
 * `require-approval`, `shard`, `leaderboard`) and `ledger-branch`, which event mode reads too.
 * Pure.
 */
import { plain } from '../report/text.js'
import {
  parseRepositories,
  parseShard,
  SyncInputError,
  type RepositorySpec,
  type Shard
} from '../sync/repositories.js'
import type { InputName, RawInputs } from './inputs.js'

export interface SyncSettings {
  repositories: RepositorySpec[]
  /** ISO time: work merged or closed before it earns nothing. */
  since: string
  concurrency: number
  maxAwards: number
  requireApproval: boolean
  shard: Shard | null
  /** Where the course's leaderboard goes after a run: nowhere, the job summary, or an issue. */
  leaderboard: LeaderboardSetting
}

export const LEADERBOARD_SETTINGS = ['off', 'summary', 'issue'] as const
export type LeaderboardSetting = (typeof LEADERBOARD_SETTINGS)[number]

/** How the settings reader reads and refuses inputs (its own helpers, passed in). */
export interface InputReaders {
  refuse: (input: InputName, detail: string) => Error
  whole: (input: InputName, value: string, min: number, max: number, what: string) => number
  bool: (input: InputName, value: string) => boolean
}

type Refuse = InputReaders['refuse']

export const MAX_CONCURRENCY = 16
export const MAX_AWARDS_LIMIT = 1_000_000

function shown(value: string): string {
  const flat = plain(value)
  return JSON.stringify(flat.length > 60 ? `${flat.slice(0, 57)}...` : flat)
}

/**
 * A branch name git accepts (`git check-ref-format --branch`): no space, control character or
 * any of `~^:?*[\`, no `..`, `@{` or `//`, no part starting with `.` or ending with `.lock`,
 * not starting or ending with `/`, not ending with `.`, not `@` alone.
 */
export function isBranchName(name: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (name === '' || name === '@' || /[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return false
  if (name.includes('..') || name.includes('@{') || name.includes('//')) return false
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false
  if (name.startsWith('-') || name.startsWith('refs/')) return false
  return name.split('/').every(part => !part.startsWith('.') && !part.endsWith('.lock'))
}

export function ledgerBranch(value: string, refuse: Refuse): string {
  if (!isBranchName(value)) {
    throw refuse(
      'ledger-branch',
      `is ${shown(value)}, which is not a branch name git accepts; write a name such as moodle-xp-ledger (letters, digits, - _ . /, no spaces).`
    )
  }
  return value
}

/** A date, or a date and time with its zone (`Z` or `+02:00`). */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/

/** `since`: a date (`2026-09-01`, midnight UTC) or a date and time with its zone. */
function since(value: string, refuse: Refuse): string {
  const example = 'e.g. since: 2026-09-01 (the first day of the course)'
  if (value === '')
    throw refuse(
      'since',
      `is required in sync mode: the date from which merged pull requests and closed issues earn, ${example}.`
    )
  const m = ISO.exec(value)
  const ms = m ? Date.parse(m[4] ? value : `${value}T00:00:00Z`) : NaN
  const [y, mo, d] = (m ?? []).slice(1, 4).map(Number) as [number, number, number]
  const day = new Date(Date.UTC(y, mo - 1, d))
  const real = day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d
  if (!m || Number.isNaN(ms) || !real)
    throw refuse(
      'since',
      `is ${shown(value)}, which is not a date; write YYYY-MM-DD or an ISO date and time with its zone, ${example}.`
    )
  return new Date(ms).toISOString()
}

/** Inputs that only sync mode reads, and that have no default. */
const SYNC_ONLY: InputName[] = ['repositories', 'since', 'shard']

/** `leaderboard`: off, summary or issue (any letter case). */
function leaderboard(value: string, refuse: Refuse): LeaderboardSetting {
  const wanted = value.toLowerCase()
  const found = LEADERBOARD_SETTINGS.find(s => s === wanted)
  if (found === undefined)
    throw refuse(
      'leaderboard',
      `must be one of ${LEADERBOARD_SETTINGS.join(', ')}, got ${shown(value)}: summary shows the course's leaderboard in the job summary, issue keeps it in an issue of this repository (see docs/sync.md).`
    )
  return found
}

/**
 * Sync mode's settings, or null in other modes (where sync's own inputs must stay empty).
 *
 * @param runningRepository `owner/name` of the repository the workflow runs in
 */
export function syncSettings(
  raw: RawInputs,
  mode: string,
  runningRepository: string,
  read: InputReaders
): SyncSettings | null {
  const { refuse } = read
  if (mode !== 'sync') {
    const set = SYNC_ONLY.find(name => raw[name] !== '')
    if (set) throw refuse(set, 'is used only with mode: sync; remove it, or set mode: sync.')
    if (leaderboard(raw.leaderboard, refuse) !== 'off')
      throw refuse(
        'leaderboard',
        'is shown only by sync mode, which reads the course after its awards; remove it, or set mode: sync.'
      )
    return null
  }
  const forbidden: Array<[InputName, boolean, string]> = [
    [
      'user-id',
      raw['user-id'] !== '',
      'is not used in sync mode, where each pull request and issue names who earns; remove it.'
    ],
    [
      'github-login',
      raw['github-login'] !== '',
      'is not used in sync mode, where each pull request and issue names who earns; remove it.'
    ],
    [
      'ledger',
      raw.ledger.toLowerCase() === 'off',
      'cannot be off in sync mode: sync always keeps its ledger on the ledger branch, so that no award is paid twice; remove ledger: off.'
    ],
    [
      'force',
      raw.force.toLowerCase() === 'true',
      'is not used in sync mode: in sync mode resolve an unknown award by editing its record on the ledger branch (see "Unknown outcomes" in docs/sync.md); remove force.'
    ]
  ]
  for (const [input, bad, why] of forbidden) if (bad) throw refuse(input, why)
  if (raw['mapping-file'] === '' && raw.mapping === '')
    throw refuse(
      'mapping-file',
      'or input "mapping" is required in sync mode: the roster ties each GitHub account to its Moodle user, e.g. the roster exported from GitHub Classroom (see docs/classroom.md).'
    )
  try {
    return {
      repositories: parseRepositories(raw.repositories, runningRepository),
      since: since(raw.since, refuse),
      concurrency: read.whole(
        'concurrency',
        raw.concurrency,
        1,
        MAX_CONCURRENCY,
        'Moodle award requests in flight at once'
      ),
      maxAwards: read.whole(
        'max-awards',
        raw['max-awards'],
        1,
        MAX_AWARDS_LIMIT,
        'the most awards one run may make'
      ),
      requireApproval: read.bool('require-approval', raw['require-approval']),
      shard: parseShard(raw.shard),
      leaderboard: leaderboard(raw.leaderboard, refuse)
    }
  } catch (e) {
    if (e instanceof SyncInputError) throw refuse(e.input, e.message.replace(/^Input "[^"]+" /, ''))
    throw e
  }
}
