/**
 * Where the ledger keeps its records, as the protocol in `ledger.ts` sees it. Two kinds:
 * a `LedgerSource` only reads (e.g. the comments event mode wrote, read by sync mode); a
 * `LedgerStore` also writes claims and rewrites them.
 *
 * The contract every store keeps (the protocol's guarantees rest on it):
 *
 * - **read(keys)** returns every record the store holds that may concern those keys: at least
 *   all records on the same events (course, repository, number, kind), for any person, with
 *   each record's provenance and place. It may return more; the ledger filters. It never
 *   throws for a record it cannot parse (skipped), and throws `LedgerError` when the store
 *   cannot be read at all (nothing may then be sent to Moodle). Provenance: `verified` (the
 *   record's MAC checks out with this workflow's record key), `own-identity` (the MAC does not,
 *   but the store knows the record was written by the identity this run writes as), `unverified-bot`
 *   (neither, written by a bot account or app: possibly the action under other secrets),
 *   `ignored` (neither, written by a person: anyone can paste text).
 *   `order` totally orders claims in the store: a claim written later has a higher order.
 *   Records of one claim share it.
 * - **claim(claim, basis)** writes the claim's pending records durably, as one unit per
 *   subject. It answers `written` with a read taken after the write that shows the claim and,
 *   by the store's consistency, every claim ordered before it; or `conflict` when nothing was
 *   written because the store changed since `basis` was read (a compare-and-swap store): the
 *   ledger then reads again and decides again. It throws `LedgerError` when the claim cannot
 *   be written, or when it cannot be shown durable and visible (after removing what it wrote,
 *   where it could): the ledger then sends nothing. It never reports as written a claim it
 *   cannot prove is this run's own.
 * - **update(claim)** replaces the claim's records with `claim.entries` (settled records, or
 *   fewer after giving way); with no entries left it removes the claim. Idempotent: the ledger
 *   retries it. Throws on failure (the ledger warns; it never undoes an award).
 *
 * A store knows nothing of decisions: which award to claim, who gives way, and what a record
 * means are the ledger's (`decide.ts`), the same for every store.
 */
import type { StudentLevel } from '../level/level.js'
import type { LedgerKey, LedgerRecord, SignedRecord } from './records.js'

/** How far a record can be trusted as the action's own. */
export type Provenance = 'verified' | 'own-identity' | 'unverified-bot' | 'ignored'

/** Where a record is, for messages: a URL when there is one. */
export interface Place {
  url: string | null
  /** What it is, e.g. `ledger comment 1234`. */
  label: string
}

/** One record as a store holds it. */
export interface LedgerEntry {
  record: LedgerRecord
  provenance: Provenance
  place: Place
  /** Position of its claim in the store's order of claims (lower = written earlier). */
  order: number
  /** Who wrote it, when the store knows (a login), for messages. */
  author: string | null
}

export interface LedgerRead {
  entries: LedgerEntry[]
  /** What a compare-and-swap write must be based on (a branch head); null when not needed. */
  version: string | null
}

/** A person to award, as the ledger knows them. */
export interface LedgerRecipient {
  key: LedgerKey
  login: string | null
  points: number
  moodleUserId: number
}

export interface ClaimEntry {
  recipient: LedgerRecipient
  record: SignedRecord
  /** The student's level after the award, once settled: the comment shows it; never recorded. */
  level?: StudentLevel
}

/** One run's claim: its records share the nonce. */
export interface Claim {
  nonce: string
  entries: ClaimEntry[]
}

export type ClaimWrite = { written: true; after: LedgerRead } | { written: false; conflict: true }

export interface LedgerSource {
  read(keys: LedgerKey[]): Promise<LedgerRead>
}

export interface LedgerStore extends LedgerSource {
  claim(claim: Claim, basis: LedgerRead): Promise<ClaimWrite>
  update(claim: Claim): Promise<void>
}

/** The ledger could not be read or written: nothing may be sent to Moodle. */
export class LedgerError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'LedgerError'
  }
}

/** An account that wrote something, as GitHub shows it. */
export interface Author {
  login: string | null
  id: number | null
  /** `User`, `Bot`, `Organization`... */
  type: string | null
}

/** Who a token writes as. */
export interface Identity {
  login: string
  id: number | null
}

export function isBotAccount(a: Author | null): boolean {
  return a !== null && (a.type === 'Bot' || (a.login ?? '').toLowerCase().endsWith('[bot]'))
}

export function sameAccount(a: Author | null, who: Identity | null): boolean {
  if (a === null || who === null) return false
  if (who.id !== null && a.id !== null) return a.id === who.id
  return (a.login ?? '').toLowerCase() === who.login.toLowerCase()
}

/**
 * The trust rule for a record written by `author`: the MAC first; else the writer. `viewer` is
 * needed only for records whose MAC does not verify.
 */
export function provenanceOf(
  verified: boolean,
  author: Author | null,
  viewer: Identity | null
): Provenance {
  if (verified) return 'verified'
  if (sameAccount(author, viewer)) return 'own-identity'
  return isBotAccount(author) ? 'unverified-bot' : 'ignored'
}
