import { RosterError } from './errors.js'
import { closestName, squash } from './typo.js'
import type { MoodleLookupField, RosterRecord } from './types.js'

/** Moodle stores user ids in a 10-digit integer column. */
export const MAX_MOODLE_ID = 9_999_999_999

const MOODLE_ID_FIX =
  "write the student's numeric Moodle user id (Site administration > Users > the user's profile URL id=...)"
const GITHUB_ID_FIX =
  'write the student\'s numeric GitHub user id (the "id" at https://api.github.com/users/LOGIN), or leave github_id out'

/** Field names a record may use, after a format adapter has mapped its own names onto them. */
export type RecordField =
  | 'github'
  | 'github_id'
  | 'moodle_id'
  | 'email'
  | 'username'
  | 'idnumber'
  | 'name'
  /** GitHub Classroom export: looked up as email when it contains `@`, else as username. */
  | 'identifier'

/** Keys a roster record may use: in a `users:` list, and as CSV columns. */
export const RECORD_KEYS: readonly RecordField[] = [
  'github',
  'github_id',
  'moodle_id',
  'email',
  'username',
  'idnumber',
  'name'
]

/** A non-empty value as written (trimmed), with its line. */
export interface RawValue {
  text: string
  line: number
}

/** One record as a format adapter found it, before validation. */
export interface RawRecord {
  /** Where the record starts (row, list item or flat `login: id` line). */
  line: number
  fields: Partial<Record<RecordField, RawValue>>
  /** Written as `login: id` (flat form): messages then speak of that form. */
  flat?: boolean
}

const IDENTITY_FIELDS = ['moodle_id', 'email', 'username', 'idnumber'] as const

// GitHub logins: letters, digits and hyphens, not starting with a hyphen, at most 39 characters.
// Enterprise Managed Users add `_shortcode`, hence the underscore and the longer limit.
const LOGIN_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/
const EMU_LOGIN_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}_[A-Za-z0-9]{1,60}$/
const EMAIL_RE = /^[^\s@]+@[^\s@]+$/

function fail(file: string, line: number, detail: string): never {
  throw new RosterError(file, line, detail)
}

function validLogin(file: string, v: RawValue, label: string): string {
  const t = v.text
  if (LOGIN_RE.test(t) || EMU_LOGIN_RE.test(t)) return t
  if (t.startsWith('@') && LOGIN_RE.test(t.slice(1))) {
    fail(file, v.line, `${label} "${t}" starts with @; write the login without it (${t.slice(1)})`)
  }
  const url = /^(?:https?:\/\/)?(?:www\.)?github\.com\/([A-Za-z0-9-]+)\/?$/i.exec(t)
  if (url) fail(file, v.line, `${label} "${t}" is a profile URL; write only the login (${url[1]})`)
  if (/\[bot\]$/i.test(t)) {
    fail(
      file,
      v.line,
      `${label} "${t}" is a bot account; bots never earn XP, so remove this record`
    )
  }
  if (t.includes('@')) {
    fail(
      file,
      v.line,
      `${label} "${t}" looks like an email address, not a GitHub login; write the student's GitHub login there and the email under email`
    )
  }
  fail(
    file,
    v.line,
    `${label} "${t}" is not a valid GitHub login; write the login exactly as on the student's GitHub profile (letters, digits and hyphens, at most 39 characters)`
  )
}

function wholeNumber(text: string): number | null {
  return /^[0-9]+$/.test(text) ? Number(text) : null
}

function validMoodleId(file: string, v: RawValue, flatLogin: string | null): number {
  const label = flatLogin === null ? 'moodle_id' : `the Moodle user id for ${flatLogin}`
  const n = wholeNumber(v.text)
  if (flatLogin !== null && n === null && v.text.includes('@')) {
    fail(
      file,
      v.line,
      `${label} ("${v.text}") is an email address, but the short form "login: id" takes numeric Moodle user ids only; use the users: list form with "github: ${flatLogin}" and "email: ${v.text}"`
    )
  }
  if (n === null || n < 1)
    fail(file, v.line, `${label} "${v.text}" is not a positive whole number; ${MOODLE_ID_FIX}`)
  if (n > MAX_MOODLE_ID) {
    fail(
      file,
      v.line,
      `${label} "${v.text}" is too large for a Moodle user id (at most 10 digits); ${MOODLE_ID_FIX}`
    )
  }
  return n
}

function validGithubId(file: string, v: RawValue): number {
  const n = wholeNumber(v.text)
  if (n === null || n < 1)
    fail(file, v.line, `github_id "${v.text}" is not a positive whole number; ${GITHUB_ID_FIX}`)
  if (!Number.isSafeInteger(n))
    fail(file, v.line, `github_id "${v.text}" is too large for a GitHub user id; ${GITHUB_ID_FIX}`)
  return n
}

function validLookup(
  file: string,
  field: MoodleLookupField,
  v: RawValue,
  label: string = field
): { field: MoodleLookupField; value: string } {
  if (field === 'email' && !EMAIL_RE.test(v.text)) {
    fail(
      file,
      v.line,
      `${label} "${v.text}" is not an email address; write the email address of the student's Moodle account`
    )
  }
  if (field === 'username' && /\s/.test(v.text)) {
    fail(
      file,
      v.line,
      `${label} "${v.text}" contains spaces; write the student's Moodle username (Site administration > Users)`
    )
  }
  return { field, value: v.text }
}

/** Validates one raw record; throws RosterError naming the line and the fix. */
export function toRecord(file: string, raw: RawRecord, classroom: boolean): RosterRecord {
  const f = raw.fields
  const loginLabel = raw.flat ? 'the login' : classroom ? 'github_username' : 'github'
  const github = f.github ? validLogin(file, f.github, loginLabel) : null
  const githubId = f.github_id ? validGithubId(file, f.github_id) : null
  if (github === null && githubId === null) {
    fail(
      file,
      raw.line,
      classroom
        ? "the row has neither github_username nor github_id; fill in the student's GitHub login (or delete the row)"
        : "the record has neither github nor github_id; add the student's GitHub login as github"
    )
  }

  const given = IDENTITY_FIELDS.filter(k => f[k] !== undefined)
  if (given.length > 1) {
    fail(
      file,
      raw.line,
      `the record names the Moodle user more than once (${given.join(', ')}); keep only one of moodle_id, email, username, idnumber`
    )
  }
  let moodleId: number | null = null
  let lookup: RosterRecord['lookup'] = null
  const only = given[0]
  if (only === 'moodle_id' && f.moodle_id) {
    moodleId = validMoodleId(file, f.moodle_id, raw.flat ? github : null)
  } else if (only !== undefined && only !== 'moodle_id') {
    const v = f[only]
    if (v) lookup = validLookup(file, only, v)
  } else if (f.identifier) {
    // Classroom rosters identify students by email or by an institution username.
    const field = f.identifier.text.includes('@') ? 'email' : 'username'
    lookup = validLookup(file, field, f.identifier, 'identifier')
  } else {
    fail(
      file,
      raw.line,
      classroom
        ? "the row has no identifier and no moodle_id; fill in the student's email or Moodle username as identifier, or add a moodle_id column"
        : 'the record does not say which Moodle user the student is; add moodle_id (the numeric Moodle user id), or email, username or idnumber to look the student up'
    )
  }
  return { github, githubId, moodleId, lookup, source: { file, line: raw.line } }
}

/** Which Moodle user a record names, comparable across records. */
function moodleKey(r: RosterRecord): string {
  if (r.moodleId !== null) return `id:${r.moodleId}`
  const l = r.lookup
  if (!l) return 'none'
  // Emails and usernames are case-insensitive in Moodle; idnumbers are not.
  return `${l.field}:${l.field === 'idnumber' ? l.value : l.value.toLowerCase()}`
}

function describeMoodle(r: RosterRecord): string {
  return r.moodleId !== null ? `moodle_id ${r.moodleId}` : `${r.lookup?.field} ${r.lookup?.value}`
}

/**
 * Collects validated records of one source: rejects one login or one github_id mapped to two
 * different Moodle users, and drops repeats of the same person (linear: two hash maps).
 */
export class RosterCollector {
  readonly records: RosterRecord[] = []
  private readonly byLogin = new Map<string, RosterRecord>()
  private readonly byGithubId = new Map<number, RosterRecord>()

  constructor(private readonly file: string) {}

  add(rec: RosterRecord): void {
    const login = rec.github?.toLowerCase() ?? null
    const sameLogin = login === null ? undefined : this.byLogin.get(login)
    const sameId = rec.githubId === null ? undefined : this.byGithubId.get(rec.githubId)
    const key = moodleKey(rec)
    if (sameLogin && moodleKey(sameLogin) !== key) {
      this.conflict(`GitHub login "${rec.github}"`, sameLogin, rec)
    }
    if (sameId && moodleKey(sameId) !== key) this.conflict(`github_id ${rec.githubId}`, sameId, rec)

    // Same person and same Moodle user again: keep the first record, completing what it lacks.
    const dup =
      sameLogin &&
      (sameLogin.githubId === null || rec.githubId === null || sameLogin.githubId === rec.githubId)
        ? sameLogin
        : sameId &&
            (sameId.github === null || login === null || sameId.github.toLowerCase() === login)
          ? sameId
          : undefined
    if (dup) {
      if (dup.githubId === null && rec.githubId !== null && !sameId) {
        dup.githubId = rec.githubId
        this.byGithubId.set(rec.githubId, dup)
      }
      if (dup.github === null && rec.github !== null && login !== null && !sameLogin) {
        dup.github = rec.github
        this.byLogin.set(login, dup)
      }
      return
    }
    this.records.push(rec)
    if (login !== null && !sameLogin) this.byLogin.set(login, rec)
    if (rec.githubId !== null && !sameId) this.byGithubId.set(rec.githubId, rec)
  }

  private conflict(what: string, first: RosterRecord, second: RosterRecord): never {
    fail(
      this.file,
      second.source.line,
      `${what} is listed twice with different Moodle users (line ${first.source.line}: ${describeMoodle(first)}; line ${second.source.line}: ${describeMoodle(second)}); keep one record per student`
    )
  }
}

// Names people plausibly write for a known field.
const ALIASES: Record<string, string> = {
  login: 'github',
  githublogin: 'github',
  githubuser: 'github',
  githubusername: 'github',
  githubuserid: 'github_id',
  moodle: 'moodle_id',
  moodleuser: 'moodle_id',
  moodleuserid: 'moodle_id',
  userid: 'moodle_id',
  mail: 'email',
  emailaddress: 'email',
  idnum: 'idnumber'
}

/** The known name an unknown one was probably meant to be, or null. */
export function suggestName(name: string, known: readonly string[]): string | null {
  const s = squash(name)
  const alias = ALIASES[s]
  if (alias !== undefined && known.includes(alias)) return alias
  return closestName(name, known)
}

/** Message for a key or column the roster does not know. */
export function unknownNameDetail(
  kind: 'key' | 'column',
  name: string,
  known: readonly string[]
): string {
  const hint = suggestName(name, known)
  return hint
    ? `unknown ${kind} "${name}"; did you mean "${hint}"? Rename it to ${hint}`
    : `unknown ${kind} "${name}"; use only ${known.join(', ')} (or remove it)`
}
