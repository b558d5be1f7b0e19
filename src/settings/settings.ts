import * as z from 'zod/mini'
import { moodleEndpoint, MoodleUrlError } from '../moodle/url.js'
import { plain } from '../report/text.js'
import type { InputName, RawInputs } from './inputs.js'
import { ledgerBranch, syncSettings, type SyncSettings } from './sync.js'

export type { SyncSettings }

/**
 * A bad input: names the input and says how to fix it, in one sentence that starts `Input "name"`
 * and goes on with `detail` (`is required: ...`, `must be ...`). Nothing has been sent anywhere.
 */
export class InputError extends Error {
  constructor(
    readonly input: InputName,
    detail: string
  ) {
    super(`Input "${input}" ${detail}`)
    this.name = 'InputError'
  }
}

export type RecipientRole = 'author' | 'assignees'

/** Every input, validated and typed. Read once at the start of `run()`. */
export interface Settings {
  moodleEndpoint: string
  /** Null only in check mode on a fork's pull request (no secrets): the roster alone is checked. */
  moodleToken: string | null
  courseId: number
  points: number
  /** Lower-cased label name -> points. */
  labelPoints: Map<string, number>
  userId: number | null
  githubLogin: string | null
  mappingFile: string | null
  mapping: string | null
  recipients: 'auto' | RecipientRole[]
  issueCloseReasons: Set<string>
  /** Lower-cased logins. */
  ignoreUsers: Set<string>
  failOnUnmapped: boolean
  dryRun: boolean
  mode: 'award' | 'check' | 'sync'
  /** Check mode's test award: 1 real point to this Moodle user (null: no test award). */
  checkAwardUserId: number | null
  githubToken: string | null
  ledger: 'comment' | 'off'
  comment: boolean
  force: boolean
  timeoutMs: number
  allowHttp: boolean
  /** The branch of the running repository that holds sync mode's ledger (event mode reads it). */
  ledgerBranch: string
  /** Sync mode's own settings; null in the other modes. */
  sync: SyncSettings | null
}

/** What the settings reader needs to know about the run to explain an empty token. */
export interface RunHints {
  /** The run is a `pull_request` event from a fork: GitHub passes it no secrets. */
  forkPullRequest: boolean
  /** The event awards the people of a pull request or issue, where the ledger keeps its records. */
  threadEvent?: boolean
  /** `owner/name` of the repository the workflow runs in (sync mode's default `repositories`). */
  repository?: string
}

export const MAX_POINTS = 1_000_000
const CLOSE_REASONS = ['completed', 'not_planned', 'duplicate'] as const
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:\[bot\])?$/

/** Quotes a value for an error message: one line, at most 60 characters. */
function shown(value: string): string {
  const flat = plain(value)
  return JSON.stringify(flat.length > 60 ? `${flat.slice(0, 57)}...` : flat)
}

function wholeNumber(input: InputName, value: string, min: number, max: number, what: string) {
  const parsed = z
    .pipe(
      z.pipe(z.string().check(z.regex(/^[+]?\d+$/)), z.transform(Number)),
      z.number().check(z.int(), z.minimum(min), z.maximum(max))
    )
    .safeParse(value)
  if (!parsed.success) {
    throw new InputError(
      input,
      `must be a whole number from ${min} to ${max} (${what}), got ${shown(value)}.`
    )
  }
  return parsed.data
}

function optionalId(input: InputName, value: string, what: string): number | null {
  return value === '' ? null : wholeNumber(input, value, 1, Number.MAX_SAFE_INTEGER, what)
}

function bool(input: InputName, value: string): boolean {
  const parsed = z.enum(['true', 'false']).safeParse(value.toLowerCase())
  if (!parsed.success) {
    throw new InputError(input, `must be true or false, got ${shown(value)}.`)
  }
  return parsed.data === 'true'
}

function oneOf<T extends string>(input: InputName, value: string, allowed: readonly T[]): T {
  const parsed = z.enum(allowed as [T, ...T[]]).safeParse(value.toLowerCase())
  if (!parsed.success) {
    throw new InputError(input, `must be one of ${allowed.join(', ')}, got ${shown(value)}.`)
  }
  return parsed.data
}

/** Splits a comma- or newline-separated list, dropping blanks. */
function list(value: string): string[] {
  return value
    .split(/[,\n]/)
    .map(item => item.trim())
    .filter(item => item !== '')
}

function labelPoints(value: string): Map<string, number> {
  const result = new Map<string, number>()
  value.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#')) return
    const colon = line.lastIndexOf(':')
    const label =
      colon > 0
        ? line
            .slice(0, colon)
            .trim()
            .replace(/^(["'])(.*)\1$/, '$2')
        : ''
    const points = colon > 0 ? line.slice(colon + 1).trim() : ''
    const where = `line ${index + 1} ${shown(line)}`
    if (label === '' || points === '') {
      throw new InputError(
        'label-points',
        `has ${where}, which is not "label: points"; write one label per line, e.g. "good first issue: 5".`
      )
    }
    const parsed = z.coerce
      .number()
      .check(z.int(), z.minimum(1), z.maximum(MAX_POINTS))
      .safeParse(points)
    if (!/^\d+$/.test(points) || !parsed.success) {
      throw new InputError(
        'label-points',
        `has ${where}, whose points are not a whole number from 1 to ${MAX_POINTS}; write e.g. "bug: 5".`
      )
    }
    result.set(label.toLowerCase(), parsed.data)
  })
  return result
}

function recipients(value: string): 'auto' | RecipientRole[] {
  if (value.toLowerCase() === 'auto') return 'auto'
  const roles = list(value).map(role => role.toLowerCase())
  const bad = roles.find(role => role !== 'author' && role !== 'assignees')
  if (roles.length === 0 || bad !== undefined) {
    throw new InputError(
      'recipients',
      `must be auto, or a comma list of author, assignees; got ${shown(value)}.`
    )
  }
  return [...new Set(roles as RecipientRole[])]
}

function closeReasons(value: string): Set<string> {
  const reasons = list(value).map(reason => reason.toLowerCase())
  const bad = reasons.find(reason => !(CLOSE_REASONS as readonly string[]).includes(reason))
  if (reasons.length === 0 || bad !== undefined) {
    throw new InputError(
      'issue-close-reasons',
      `must be a comma list of ${CLOSE_REASONS.join(', ')}; got ${shown(value)}.`
    )
  }
  return new Set(reasons)
}

/** @param verb how the message names the value: `is` for one login, `lists` in a list. */
function login(input: InputName, value: string, verb = 'is'): string {
  const name = value.replace(/^@/, '')
  if (!GITHUB_LOGIN.test(name)) {
    throw new InputError(
      input,
      `${verb} ${shown(value)}, which is not a GitHub login (letters, digits and single hyphens); write the login as GitHub shows it, e.g. octocat.`
    )
  }
  return name
}

/** `course-id` has no default: an empty one would silently mean sitewide. */
function courseId(value: string): number {
  const how =
    "the id= in the course's address, e.g. course-id: 30 for https://moodle.example.edu/course/view.php?id=30; sitewide XP is written course-id: 1"
  if (value === '') throw new InputError('course-id', `is required: give ${how}.`)
  const fromAddress = /[?&]id=(\d+)/.exec(value)
  if (fromAddress && /^https?:/i.test(value)) {
    throw new InputError(
      'course-id',
      `is a course address; write only its id: course-id: ${fromAddress[1]}.`
    )
  }
  const id = /^[+]?\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new InputError('course-id', `must be the course's id, ${how}; got ${shown(value)}.`)
  }
  return id
}

/** Who a direct award goes to: one of user-id and github-login, never both. */
function directRecipient(raw: RawInputs): { userId: number | null; githubLogin: string | null } {
  const userId = optionalId(
    'user-id',
    raw['user-id'],
    'a Moodle user id, the id= in the user profile URL'
  )
  const githubLogin = raw['github-login'] === '' ? null : login('github-login', raw['github-login'])
  if (userId !== null && githubLogin !== null) {
    throw new InputError(
      'user-id',
      'and input "github-login" are both set: each names the one person to award, so keep user-id (a Moodle user id) or github-login (a GitHub login looked up in the roster), not both.'
    )
  }
  return { userId, githubLogin }
}

function checkAwardUserId(value: string, mode: Settings['mode']): number | null {
  const id = optionalId('check-award-user-id', value, 'the Moodle user id of a test account')
  if (id !== null && mode !== 'check') {
    throw new InputError(
      'check-award-user-id',
      'is only used with mode: check, where it awards 1 test point; remove it from this step (or set mode: check).'
    )
  }
  return id
}

function moodleToken(value: string, hints: RunHints): string {
  if (value === '') {
    const why = hints.forkPullRequest
      ? 'is empty because GitHub passes no secrets to workflows triggered by pull_request from a fork; run the workflow on pull_request_target instead (see the README), which is safe because this action never runs pull request code.'
      : 'is required: create a token in Moodle (Site administration > Server > Web services > Manage tokens), store it as a repository secret, and pass it as moodle-token: ${{ secrets.MOODLE_TOKEN }}.'
    throw new InputError('moodle-token', why)
  }
  if (/\s/.test(value)) {
    throw new InputError(
      'moodle-token',
      'contains white space; copy the token again from Moodle into the secret, without spaces or line breaks.'
    )
  }
  return value
}

/**
 * Validates every input into one `Settings` object. Throws `InputError` for the first bad input,
 * before anything is sent anywhere.
 */
export function parseSettings(raw: RawInputs, hints: RunHints): Settings {
  const mode = oneOf('mode', raw.mode, ['award', 'check', 'sync'] as const)
  // GitHub gives pull_request runs from forks no secrets: check mode then checks the roster
  // alone. Anywhere else an empty token is a mistake, also in check mode.
  const rosterOnly = mode === 'check' && hints.forkPullRequest && raw['moodle-token'] === ''
  const token = rosterOnly ? null : moodleToken(raw['moodle-token'], hints)
  if (raw['moodle-url'] === '') {
    throw new InputError(
      'moodle-url',
      'is required: give the root of your Moodle site, e.g. moodle-url: https://moodle.example.edu.'
    )
  }
  const allowHttp = bool('allow-http', raw['allow-http'])
  let endpoint: string
  try {
    endpoint = moodleEndpoint(raw['moodle-url'], allowHttp)
  } catch (error) {
    if (error instanceof MoodleUrlError) throw new InputError('moodle-url', error.message)
    throw error
  }
  const refuse = (input: InputName, detail: string) => new InputError(input, detail)
  const sync = syncSettings(raw, mode, hints.repository ?? '', { refuse, whole: wholeNumber, bool })
  if (sync && raw['github-token'] === '')
    throw refuse(
      'github-token',
      'is empty, but sync mode reads the course repositories and writes its ledger with it; pass a GitHub App installation token or a fine-grained token (see docs/classroom.md).'
    )
  const ledger = oneOf('ledger', raw.ledger, ['comment', 'off'] as const)
  if (mode === 'award' && ledger === 'comment' && raw['github-token'] === '' && hints.threadEvent) {
    throw new InputError(
      'github-token',
      'is empty, but the ledger (ledger: comment) needs it to record awards; keep its default ${{ github.token }}, or set ledger: off.'
    )
  }
  return {
    moodleEndpoint: endpoint,
    moodleToken: token,
    courseId: courseId(raw['course-id']),
    points: wholeNumber('points', raw.points, 1, MAX_POINTS, 'points per award'),
    labelPoints: labelPoints(raw['label-points']),
    ...directRecipient(raw),
    mappingFile: raw['mapping-file'] === '' ? null : raw['mapping-file'],
    mapping: raw.mapping === '' ? null : raw.mapping,
    recipients: recipients(raw.recipients),
    issueCloseReasons: closeReasons(raw['issue-close-reasons']),
    ignoreUsers: new Set(
      list(raw['ignore-users']).map(name => login('ignore-users', name, 'lists').toLowerCase())
    ),
    failOnUnmapped: bool('fail-on-unmapped', raw['fail-on-unmapped']),
    dryRun: bool('dry-run', raw['dry-run']),
    mode,
    checkAwardUserId: checkAwardUserId(raw['check-award-user-id'], mode),
    githubToken: raw['github-token'] === '' ? null : raw['github-token'],
    ledger,
    comment: bool('comment', raw.comment),
    force: bool('force', raw.force),
    timeoutMs:
      wholeNumber('timeout-seconds', raw['timeout-seconds'], 1, 600, 'seconds per Moodle request') *
      1000,
    allowHttp,
    ledgerBranch: ledgerBranch(raw['ledger-branch'], refuse),
    sync
  }
}
