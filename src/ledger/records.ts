/**
 * The award ledger's records: how they are keyed, signed, written into a text and read back.
 * Pure apart from the random claim nonce: no I/O here.
 */
import { isAwardKind, type AwardKind } from '../events/types.js'

/** What one award is: earned once per (course, repository, number, event kind, person). */
export interface LedgerKey {
  course: number
  /** `owner/name`; compared case-insensitively (GitHub names are). */
  repository: string
  number: number
  kind: AwardKind
  /**
   * `gh:<numeric id>` whenever a GitHub account is involved and GitHub knows it;
   * `login:<lower-case login>` for a login GitHub does not know; `moodle:<id>` for a bare
   * `user-id` award with no GitHub account.
   */
  recipient: string
}

export type LedgerState = 'pending' | 'done' | 'failed'

export interface LedgerRecord {
  v: 1
  key: LedgerKey
  state: LedgerState
  points: number
  /** New XP total Moodle returned (done only). */
  xp: number | null
  moodleUserId: number
  /** `<GITHUB_RUN_ID>/<GITHUB_RUN_ATTEMPT>` of the run that wrote it. */
  run: string
  /** ISO time of the claim (a settled record keeps the time of its claim). */
  at: string
  /** The claim the record belongs to: fresh random text per claim, shared by its records. */
  nonce: string
  /** Written by a run with `force: true`. */
  forced?: true
  /** On a `pending` record: the run ended without knowing whether Moodle added the points. */
  unknown?: true
}

/** A record as the action writes it: with its MAC. */
export type SignedRecord = LedgerRecord & { mac: string }

/** A record read back, and whether its MAC proves that the action wrote it. */
export interface DecodedRecord {
  record: LedgerRecord
  verified: boolean
}

/** The key that signs records; derived from the Moodle token, which only the workflow holds. */
export interface RecordKey {
  readonly bytes: Buffer
}

const KEY_LABEL = 'moodle-xp-ledger record key v1'
const OPEN = '<!-- moodle-xp-ledger '
const CLOSE = ' -->'
/** A record is a few hundred characters; anything much longer is not one (and is not parsed). */
const MAX_RECORD = 4096

/**
 * node:crypto, loaded on first use: a run without a ledger (a direct award) never signs or
 * verifies a record, and loading the module costs every such run start-up time.
 */
function crypto(): typeof import('node:crypto') {
  return process.getBuiltinModule('node:crypto')
}

export function recordKeyFrom(moodleToken: string): RecordKey {
  return { bytes: crypto().createHmac('sha256', moodleToken).update(KEY_LABEL).digest() }
}

/** Fresh random text for one claim. */
export function newNonce(): string {
  return crypto().randomBytes(12).toString('base64url')
}

/** Recipient part of a key: numeric GitHub id when known (logins can be renamed, ids cannot). */
export function recipientId(githubId: number | null, login: string | null, moodleUserId: number) {
  if (githubId !== null) return `gh:${githubId}`
  if (login) return `login:${login.toLowerCase()}`
  return `moodle:${moodleUserId}`
}

/** A stable string for a key, for maps and comparisons. */
export function keyId(k: LedgerKey): string {
  return `${k.course}:${k.repository.toLowerCase()}#${k.number}:${k.kind}:${k.recipient}`
}

/** Whether two keys name the same event (everything but the person). */
export function sameEvent(a: LedgerKey, b: LedgerKey): boolean {
  return (
    a.course === b.course &&
    a.repository.toLowerCase() === b.repository.toLowerCase() &&
    a.number === b.number &&
    a.kind === b.kind
  )
}

/** JSON with object keys sorted at every level: the text a MAC is computed over. */
export function canonicalJson(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonicalJson).join(',')}]`
  if (typeof x === 'object' && x !== null) {
    const o = x as Record<string, unknown>
    const fields = Object.keys(o)
      .filter(k => o[k] !== undefined)
      .sort()
      .map(k => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    return `{${fields.join(',')}}`
  }
  return JSON.stringify(x)
}

/** HMAC-SHA256 over the canonical JSON of `fields`, base64url: what signs what the action writes. */
export function macOf(fields: Record<string, unknown>, key: RecordKey): string {
  return crypto().createHmac('sha256', key.bytes).update(canonicalJson(fields)).digest('base64url')
}

/** The record with its MAC: HMAC-SHA256 over its canonical JSON without the `mac` field. */
export function signRecord(r: LedgerRecord, key: RecordKey): SignedRecord {
  const { mac: _ignored, ...fields } = r as SignedRecord
  return { ...fields, mac: macOf(fields, key) }
}

/** Whether `raw` holds a `mac` that `macOf` gives for its other fields. */
export function verifies(raw: Record<string, unknown>, key: RecordKey): boolean {
  const { mac, ...fields } = raw
  if (typeof mac !== 'string') return false
  const expected = Buffer.from(macOf(fields, key))
  const given = Buffer.from(mac)
  return given.length === expected.length && crypto().timingSafeEqual(given, expected)
}

/**
 * One record as an HTML comment on one line. `<`, `>` and `&` become `\u003c` etc. inside the
 * JSON, so no value can end the HTML comment early or be read as markup.
 */
export function encodeRecord(r: LedgerRecord | SignedRecord): string {
  return `${OPEN}${commentJson(r)}${CLOSE}`
}

/** JSON to place inside an HTML comment: `<`, `>` and `&` escaped as `\u003c` etc. */
export function commentJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
}

function isInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x)
}

function asRecord(x: unknown): LedgerRecord | null {
  if (typeof x !== 'object' || x === null) return null
  const r = x as Record<string, unknown>
  const k = r['key'] as Record<string, unknown> | undefined
  if (r['v'] !== 1 || typeof k !== 'object' || k === null) return null
  if (!isInt(k['course']) || typeof k['repository'] !== 'string' || !isInt(k['number'])) return null
  if (!isAwardKind(k['kind']) || typeof k['recipient'] !== 'string') return null
  if (!['pending', 'done', 'failed'].includes(r['state'] as string)) return null
  if (!isInt(r['points']) || !(r['xp'] === null || isInt(r['xp']))) return null
  if (!isInt(r['moodleUserId'])) return null
  if (typeof r['run'] !== 'string' || typeof r['at'] !== 'string') return null
  if (typeof r['nonce'] !== 'string' || r['nonce'] === '') return null
  return {
    v: 1,
    key: {
      course: k['course'],
      repository: k['repository'],
      number: k['number'],
      kind: k['kind'],
      recipient: k['recipient']
    },
    state: r['state'] as LedgerState,
    points: r['points'],
    xp: r['xp'],
    moodleUserId: r['moodleUserId'],
    run: r['run'],
    at: r['at'],
    nonce: r['nonce'],
    ...(r['forced'] === true ? { forced: true as const } : {}),
    ...(r['unknown'] === true && r['state'] === 'pending' ? { unknown: true as const } : {})
  }
}

/** A record given as a parsed JSON value (e.g. a line of a file), or null if it is not one. */
export function decodeRecordValue(raw: unknown, key: RecordKey): DecodedRecord | null {
  const record = asRecord(raw)
  return record ? { record, verified: verifies(raw as Record<string, unknown>, key) } : null
}

/**
 * Every well-formed record in a text, and whether each verifies with `key`; anything else
 * (text, garbage, damaged JSON) is skipped.
 */
export function decodeRecords(body: string, key: RecordKey): DecodedRecord[] {
  return hiddenJson(body, OPEN).flatMap(raw => decodeRecordValue(raw, key) ?? [])
}

/**
 * The JSON values of the HTML comments in a text that start with `open` (e.g. `<!-- moodle-xp-ledger `),
 * at most `MAX_RECORD` characters each; damaged JSON is skipped. One forward scan with
 * `indexOf`: the time is linear in the length of the text whatever it holds (comments are
 * written by anyone).
 */
export function hiddenJson(body: string, open: string): unknown[] {
  const out: unknown[] = []
  let at = body.indexOf(open)
  while (at !== -1) {
    const start = at + open.length
    const end = body.indexOf(CLOSE, start)
    if (end === -1) break
    if (end - start <= MAX_RECORD) {
      try {
        out.push(JSON.parse(body.slice(start, end)))
      } catch {
        // A damaged or hand-edited value blocks nothing: skip it.
      }
    }
    at = body.indexOf(open, end + CLOSE.length)
  }
  return out
}

export function hasMarker(body: string): boolean {
  return body.includes(OPEN)
}
