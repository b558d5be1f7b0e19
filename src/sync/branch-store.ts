/**
 * The award ledger on the ledger branch (`ledger-branch` of the running repository), as a
 * `LedgerStore` (the contract is in `ledger/store.ts`): one file per source repository, one
 * record per line, written through the central store's compare-and-swap commits.
 *
 * - Trust: only staff can write the branch, so every well-formed record on it counts as the
 *   action's own: `verified` when its MAC checks out, else `own-identity` (a teacher edited it by
 *   hand, e.g. to resolve an unknown outcome).
 * - Order: the branch head is compared and swapped, so a claim is written only on the state it
 *   was decided on; a branch that moved is a `conflict` (nothing written: the ledger reads again
 *   and decides again). No two claims of the store can therefore race.
 * - Updates replace this claim's records (by nonce) in the files as they are now, so they are
 *   idempotent and are simply applied again on a conflict. The run's settlement (the cursor and
 *   the notices) rides on the update that records the outcomes: one commit.
 */
import { decodeRecordValue, type LedgerKey, type RecordKey } from '../ledger/records.js'
import {
  LedgerError,
  type Claim,
  type ClaimEntry,
  type ClaimWrite,
  type LedgerEntry,
  type LedgerRead,
  type LedgerStore
} from '../ledger/store.js'
import {
  decodeLedgerFile,
  encodeLedgerFile,
  ledgerPath,
  StoreFormatError,
  type LedgerFile,
  type StoredRecord
} from './files.js'
import type { GitHubClient } from '../github/client.js'
import { GitHubError, syncApi } from './github.js'
import { CentralStore, StoreError, type FileChange } from './store.js'

/** What a run writes with its outcomes, computed again on the files as they are at each try. */
export interface Settlement {
  /** Files it changes (read with the ledger files before each try). */
  paths: string[]
  changes(files: Map<string, string | null>): FileChange[]
  /** The commit's headline when no claim is recorded with it. */
  headline: string
}

export interface BranchStoreOptions {
  central: CentralStore
  recordKey: RecordKey
  /** Where GitHub shows the branch's files: `https://github.com/<owner>/<repo>/blob/<branch>`. */
  webUrl: string
  /** `<run id>/<attempt>`, for commit messages. */
  run: string
  /** Tries of an update against a moving branch (default 8). */
  updateAttempts?: number
  /** Wait between them, ms, grown with each try and jittered (default 500). */
  retryBaseMs?: number
  sleep?: (ms: number) => Promise<void>
}

/** The branch could not be read or written; `transient` when GitHub did not answer. */
class BranchError extends LedgerError {
  constructor(
    message: string,
    readonly transient: boolean
  ) {
    super(message)
  }
}

/** Tries of one claim commit whose answer was lost, while the branch did not move. */
const LOST_ANSWER_TRIES = 3

/** A signed record as a line of a ledger file. */
function stored(e: ClaimEntry): StoredRecord {
  return { ...e.record }
}

function pathsOf(keys: LedgerKey[]): string[] {
  return [...new Set(keys.map(k => ledgerPath(k.repository)))].sort()
}

export class BranchStore implements LedgerStore {
  private readonly central: CentralStore
  private readonly sleep: (ms: number) => Promise<void>
  /** The head of the last read or write, and the ledger files at it. */
  private head: string | null = null
  private files = new Map<string, LedgerFile | null>()
  /** The files each claim of this run wrote, by nonce. */
  private readonly claimed = new Map<string, string[]>()
  /** The texts of the settlement's files at the last read. */
  private extra = new Map<string, string | null>()
  private settlement: Settlement | null = null
  private settled = false
  /** Commits this store made. */
  commits = 0

  constructor(private readonly o: BranchStoreOptions) {
    this.central = o.central
    this.sleep = o.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)))
  }

  private get where(): string {
    return `the ledger branch ${this.central.branch} of ${this.central.repository}`
  }

  async read(keys: LedgerKey[]): Promise<LedgerRead> {
    const paths = pathsOf(keys)
    const head = await this.snapshot(paths, 'read')
    return { entries: this.entriesOf(paths), version: head }
  }

  async claim(claim: Claim, basis: LedgerRead): Promise<ClaimWrite> {
    let expected = basis.version
    if (expected === null) {
      // First use. A branch this run creates holds only the README: the empty ledger the
      // decisions were made on. One another run created first may hold claims: decide again.
      const created = await this.guard('created', () => this.central.create())
      if (created.status === 'exists') return { written: false, conflict: true }
      expected = this.head = created.head
    } else if (expected !== this.head) return { written: false, conflict: true }
    const paths = pathsOf(claim.entries.map(e => e.recipient.key))
    const next = new Map(this.files)
    for (const path of paths) {
      const mine = claim.entries.filter(e => ledgerPath(e.recipient.key.repository) === path)
      const before = next.get(path) ?? {
        repository: mine[0]!.recipient.key.repository,
        records: []
      }
      next.set(path, { ...before, records: [...before.records, ...mine.map(stored)] })
    }
    const changes = paths.map(path => ({ path, content: encodeLedgerFile(next.get(path)!) }))
    const headline = `Claim ${claim.entries.length} award${claim.entries.length === 1 ? '' : 's'} (run ${this.o.run})`
    for (let lost = 0; ; lost++) {
      const outcome = await this.guard('written', () =>
        this.central.commit(expected, changes, { headline })
      )
      if (outcome.status === 'committed') {
        this.commits++
        this.head = outcome.head
        this.files = next
        this.claimed.set(claim.nonce, paths)
        return { written: true, after: { entries: this.entriesOf(paths), version: this.head } }
      }
      if (outcome.status === 'conflict') {
        // Other runs or shards are writing: spread the next tries out.
        await this.sleep((this.o.retryBaseMs ?? 500) * Math.random())
        return { written: false, conflict: true }
      }
      // No answer: the commit may have landed. Only a branch that did not move may be tried
      // again (GitHub applies at most one commit on that head).
      const head = await this.snapshot(paths, 'read again')
      const ours = this.entriesOf(paths).some(e => e.record.nonce === claim.nonce)
      if (ours) {
        this.claimed.set(claim.nonce, paths)
        return { written: true, after: { entries: this.entriesOf(paths), version: head } }
      }
      if (head !== expected) return { written: false, conflict: true }
      if (lost + 1 >= LOST_ANSWER_TRIES)
        throw new LedgerError(
          `The claim could not be written on ${this.where}: GitHub did not answer (${outcome.detail}). Nothing was sent to Moodle; run the workflow again.`
        )
    }
  }

  async update(claim: Claim): Promise<void> {
    await this.write(claim)
  }

  /** The records of these repositories' ledger files, as stored (signed), at the head. */
  async storedRecords(repositories: string[]): Promise<StoredRecord[]> {
    const paths = [...new Set(repositories.map(ledgerPath))]
    await this.snapshot(paths, 'read')
    return paths.flatMap(path => this.files.get(path)?.records ?? [])
  }

  /** Sets what the next update writes with the outcomes (the cursor, the notices). */
  settleWith(settlement: Settlement): void {
    this.settlement = settlement
    this.settled = false
  }

  /** Writes the settlement on its own when no update carried it (nothing was claimed). */
  async commitSettlement(): Promise<void> {
    if (this.settlement && !this.settled) await this.write(null)
  }

  /**
   * Replaces the claim's records (by nonce) with `claim.entries` and applies the settlement, on
   * the files as they are now; again on a conflict.
   */
  private async write(claim: Claim | null): Promise<void> {
    const paths = claim ? (this.claimed.get(claim.nonce) ?? []) : []
    const settlement = this.settlement
    const attempts = this.o.updateAttempts ?? 8
    for (let attempt = 1; ; attempt++) {
      let done: boolean
      try {
        done = await this.writeOnce(claim, paths, settlement)
      } catch (e) {
        if (!(e instanceof BranchError && e.transient) || attempt >= attempts) throw e
        done = false
      }
      if (done) return
      if (attempt >= attempts)
        throw new LedgerError(
          `The ledger on ${this.where} kept changing under this run (${attempts} tries); its records could not be updated.`
        )
      const base = this.o.retryBaseMs ?? 500
      await this.sleep(base * attempt * (0.5 + Math.random()))
    }
  }

  /** One try of `write`: false when the branch moved (or the answer was lost) meanwhile. */
  private async writeOnce(
    claim: Claim | null,
    paths: string[],
    settlement: Settlement | null
  ): Promise<boolean> {
    const head = await this.snapshot([...paths, ...(settlement?.paths ?? [])], 'read')
    if (head === null) {
      await this.guard('created', () => this.central.create())
      return false
    }
    const changes = [
      ...(claim ? this.replaced(claim, paths) : []),
      ...(settlement ? settlement.changes(this.extra) : [])
    ]
    if (changes.length > 0) {
      const headline = claim ? this.recordHeadline(claim) : settlement!.headline
      const outcome = await this.guard('written', () =>
        this.central.commit(head, changes, { headline })
      )
      // A conflict, or no answer: read again and apply again (the update is idempotent).
      if (outcome.status !== 'committed') return false
      this.commits++
      this.head = outcome.head
    }
    this.settled ||= settlement !== null
    return true
  }

  private recordHeadline(claim: Claim): string {
    const states = new Map<string, number>()
    for (const e of claim.entries) {
      const state = e.record.unknown ? 'unknown' : e.record.state
      states.set(state, (states.get(state) ?? 0) + 1)
    }
    const counts = [...states].map(([state, n]) => `${n} ${state}`).join(', ')
    return `Record ${counts || 'no awards (withdrawn)'} (run ${this.o.run})`
  }

  /** The claim's files with its records (by nonce) replaced by `claim.entries`, where changed. */
  private replaced(claim: Claim, paths: string[]): FileChange[] {
    const changes: FileChange[] = []
    for (const path of paths) {
      const file = this.files.get(path)
      if (!file) continue
      const mine = claim.entries.filter(e => ledgerPath(e.recipient.key.repository) === path)
      const records: StoredRecord[] = []
      let placed = false
      for (const r of file.records) {
        if (r['nonce'] !== claim.nonce) records.push(r)
        else if (!placed) {
          // The claim's records stay where they were, so the diff shows only what changed.
          records.push(...mine.map(stored))
          placed = true
        }
      }
      if (!placed) records.push(...mine.map(stored))
      const content = encodeLedgerFile({ ...file, records })
      if (content !== encodeLedgerFile(file)) changes.push({ path, content })
    }
    return changes
  }

  /**
   * Reads the head and these files (ledger files decoded, others kept as text for the
   * settlement). Throws LedgerError when the branch cannot be read or a file is damaged.
   */
  private async snapshot(paths: string[], verb: string): Promise<string | null> {
    const wanted = [...new Set(paths)]
    const snap = await this.guard(verb, () => this.central.read(wanted))
    this.head = snap.head
    this.files = new Map()
    this.extra = new Map()
    for (const [path, text] of snap.files) {
      if (!path.startsWith('ledger/')) {
        this.extra.set(path, text)
        continue
      }
      try {
        this.files.set(path, text === null ? null : decodeLedgerFile(path, text))
      } catch (e) {
        if (e instanceof StoreFormatError)
          throw new LedgerError(`${e.message} Nothing was sent to Moodle.`)
        throw e
      }
    }
    return snap.head
  }

  /** The records of these files with their provenance and place. */
  private entriesOf(paths: string[]): LedgerEntry[] {
    const entries: LedgerEntry[] = []
    let order = 0
    for (const path of paths) {
      for (const raw of this.files.get(path)?.records ?? []) {
        order++
        const decoded = decodeRecordValue(raw, this.o.recordKey)
        if (!decoded) continue
        entries.push({
          record: decoded.record,
          provenance: decoded.verified ? 'verified' : 'own-identity',
          place: { url: `${this.o.webUrl}/${path}`, label: `${this.central.branch}: ${path}` },
          order,
          author: null
        })
      }
    }
    return entries
  }

  /** Runs a central store call; what stops it becomes a LedgerError that says what to do. */
  private async guard<T>(verb: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (e) {
      if (e instanceof LedgerError) throw e
      if (e instanceof StoreError)
        throw new BranchError(`${e.message} Nothing was sent to Moodle.`, false)
      if (e instanceof GitHubError)
        throw new BranchError(
          `The award ledger on ${this.where} could not be ${verb} (${e.detail}). Nothing was sent to Moodle; run the workflow again once GitHub answers.`,
          e.status === null || e.status >= 500
        )
      throw e
    }
  }
}

/** Where GitHub shows the files of a branch. */
export function branchWebUrl(serverUrl: string, repository: string, branch: string): string {
  return `${serverUrl}/${repository}/blob/${branch.split('/').map(encodeURIComponent).join('/')}`
}

/**
 * The central ledger on the ledger branch of the running repository, over an open client (event
 * mode reads it, so that sync mode's awards there are not paid again).
 */
export function centralLedger(
  client: GitHubClient,
  o: { repository: string; branch: string; serverUrl: string; recordKey: RecordKey; run: string }
): BranchStore {
  return new BranchStore({
    central: new CentralStore(syncApi(client), o.repository, o.branch),
    recordKey: o.recordKey,
    webUrl: branchWebUrl(o.serverUrl, o.repository, o.branch),
    run: o.run
  })
}
