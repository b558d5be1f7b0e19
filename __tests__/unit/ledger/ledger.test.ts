/**
 * The ledger protocol (consult, claim, give way, settle) over the comment store and an in-memory
 * GitHub: no HTTP. The HTTP-level behaviour is tested against the GitHub stand-in in
 * `__tests__/integration/ledger/`, and the whole action in `__tests__/integration/e2e/`.
 */
import { beforeEach, describe, expect, it } from '@jest/globals'
import { CommentStore } from '../../../src/ledger/comment-store.js'
import {
  keyId,
  Ledger,
  LedgerError,
  ledgerKey,
  type LedgerOptions,
  type LedgerRecipient
} from '../../../src/ledger/ledger.js'
import {
  decodeRecords,
  encodeRecord,
  recordKeyFrom,
  signRecord,
  type LedgerRecord,
  type RecordKey
} from '../../../src/ledger/records.js'
import type { Subject } from '../../../src/events/types.js'
import type {
  Claim,
  ClaimWrite,
  LedgerEntry,
  LedgerRead,
  LedgerStore
} from '../../../src/ledger/store.js'
import { sampleRecord } from '../../fixtures/ledger-records.js'
import { PR } from '../../fixtures/subjects.js'
import { ACTIONS_BOT, MemoryGitHub, type Account, type TokenOptions } from './memory-github.js'

const REPO = PR.repository
const KEY = recordKeyFrom('moodle-token-of-the-course')
const ROTATED = recordKeyFrom('a-new-moodle-token')
const TEACHER: Account = { login: 'teacher', id: 900, type: 'User' }
const APP: Account = { login: 'course-xp[bot]', id: 777, type: 'Bot' }
const MALLORY: Account = { login: 'mallory', id: 666, type: 'User' }

function recipient(login: string, githubId: number, moodleUserId: number, subject = PR) {
  const kind = subject.kind === 'pull_request' ? 'pr-merged' : 'issue-closed'
  return {
    key: ledgerKey({ subject, courseId: 30, kind }, { id: githubId, login }, moodleUserId),
    login,
    points: 10,
    moodleUserId
  } satisfies LedgerRecipient
}

const alice = recipient('alice', 501, 42)
const bob = recipient('bob', 502, 43)
const id = (r: LedgerRecipient) => keyId(r.key)

function record(r: LedgerRecipient, over: Partial<LedgerRecord> = {}): LedgerRecord {
  return sampleRecord({
    key: r.key,
    points: r.points,
    xp: 100,
    moodleUserId: r.moodleUserId,
    run: '1/1',
    nonce: 'n-old',
    ...over
  })
}

/** A record as the action writes it (signed with `key`), as a comment body. */
function signed(r: LedgerRecord, key: RecordKey = KEY): string {
  return `Moodle XP\n${encodeRecord(signRecord(r, key))}`
}

let github: MemoryGitHub

beforeEach(() => {
  github = new MemoryGitHub()
})

interface OpenOptions {
  account?: Account
  token?: TokenOptions
  runId?: string
  runAttempt?: number
  force?: boolean
  dryRun?: boolean
  comment?: boolean
  recordKey?: RecordKey
  now?: () => Date
  subject?: Subject
  visibilityTries?: number
}

function open(o: OpenOptions = {}) {
  const warnings: string[] = []
  const infos: string[] = []
  const logger = { info: (m: string) => infos.push(m), warning: (m: string) => warnings.push(m) }
  const account = o.account ?? ACTIONS_BOT
  const api = github.api(account.login, account, o.token)
  const recordKey = o.recordKey ?? KEY
  const noWait = async () => {}
  const store = new CommentStore({
    api,
    subjects: [o.subject ?? PR],
    recordKey,
    comment: o.comment ?? true,
    logger,
    visibilityDelaysMs: new Array<number>(o.visibilityTries ?? 5).fill(0),
    viewerDelaysMs: [0, 0],
    sleep: noWait
  })
  const ledger = new Ledger({
    store,
    recordKey,
    runId: o.runId ?? '1001',
    runAttempt: o.runAttempt ?? 1,
    force: o.force ?? false,
    dryRun: o.dryRun ?? false,
    logger,
    now: o.now,
    updateDelaysMs: [0, 0],
    sleep: noWait
  })
  return { ledger, api, warnings, infos }
}

/** One whole run: consult, claim what the ledger allows, settle as Moodle would answer. */
async function runOnce(o: OpenOptions = {}, who = [alice], xp = 120) {
  const opened = open(o)
  const decisions = await opened.ledger.consult(who)
  const toAward = who.filter(r => decisions.get(id(r))?.action === 'award')
  const claims = await opened.ledger.claim(toAward)
  const go = toAward.filter(r => claims.get(id(r))?.go)
  await opened.ledger.settle(go.map(r => ({ recipient: r, state: 'done' as const, xp })))
  return { ...opened, decisions, claims, go }
}

function records(body: string | undefined, key = KEY) {
  return decodeRecords(body ?? '', key).map(d => d.record)
}

describe('a run, and the runs after it', () => {
  it('first run: list, create, list again, update; the comment congratulates the student', async () => {
    const { decisions, go, api, warnings, infos } = await runOnce()
    expect(decisions.get(id(alice))?.action).toBe('award')
    expect(go).toEqual([alice])
    expect(github.calls.map(c => c.method)).toEqual([
      'listComments',
      'createComment',
      'listComments',
      'updateComment'
    ])
    expect(api.requests()).toBe(4)
    const [c, ...more] = github.comments(REPO, 7)
    expect(more).toEqual([])
    expect(c?.author?.login).toBe('github-actions[bot]')
    expect(c?.body).toContain('@alice earned **10 XP**')
    expect(c?.body).toContain('**120 XP** in total')
    const [decoded] = decodeRecords(c?.body ?? '', KEY)
    expect(decoded?.verified).toBe(true)
    expect(decoded?.record).toMatchObject({ state: 'done', xp: 120, run: '1001/1', key: alice.key })
    expect(decoded?.record.nonce).toMatch(/^[\w-]{16}$/)
    expect(warnings).toEqual([])
    expect(infos).toEqual([expect.stringMatching(/issuecomment-\d+$/)])
  })

  it("the final comment shows the student's level; the record keeps no trace of it", async () => {
    const opened = open()
    await opened.ledger.consult([alice, bob])
    await opened.ledger.claim([alice, bob])
    const level = { number: 2, name: 'Apprentice', xpToNext: 151, levelUp: true }
    await opened.ledger.settle([
      { recipient: alice, state: 'done', xp: 125, level },
      { recipient: bob, state: 'done', xp: 40 }
    ])
    const body = github.comments(REPO, 7)[0]?.body ?? ''
    expect(body).toContain(
      '@alice earned **10 XP** for this pull request and now has **125 XP** in total. ⬆️ New level: **level 2, Apprentice**; 151 XP to level 3. Well done!'
    )
    expect(body).toContain(
      '@bob earned **10 XP** for this pull request and now has **40 XP** in total. Well done!'
    )
    const kept = records(body)
    expect(kept.map(r => [r.state, r.xp])).toEqual([
      ['done', 125],
      ['done', 40]
    ])
    expect(JSON.stringify(kept)).not.toMatch(/level|Apprentice/i)
  })

  it('a later run: already-awarded with the recorded total, from one list call', async () => {
    await runOnce()
    github.calls.length = 0
    const { decisions, go } = await runOnce({ runId: '1002' })
    expect(decisions.get(id(alice))).toMatchObject({
      action: 'already-awarded',
      xp: 120,
      points: 10
    })
    expect(go).toEqual([])
    // The record's MAC verifies: no need to ask GitHub who the token is.
    expect(github.calls.map(c => c.method)).toEqual(['listComments'])
  })

  it('awards again after a recorded failure', async () => {
    github.addComment(REPO, 7, ACTIONS_BOT, signed(record(alice, { state: 'failed', xp: null })))
    expect((await runOnce()).go).toEqual([alice])
  })

  it('one comment holds every recipient; the next run reads each one’s outcome', async () => {
    const { ledger } = open()
    await ledger.consult([alice, bob])
    await ledger.claim([alice, bob])
    await ledger.settle([
      { recipient: alice, state: 'done', xp: 120 },
      { recipient: bob, state: 'failed', xp: null, reason: 'Moodle said no' }
    ])
    const comments = github.comments(REPO, 7)
    expect(comments).toHaveLength(1)
    expect(records(comments[0]?.body).map(r => r.state)).toEqual(['done', 'failed'])
    expect(comments[0]?.body).not.toContain('Moodle said no')
    const d = await open({ runId: '1002' }).ledger.consult([alice, bob])
    expect(d.get(id(alice))?.action).toBe('already-awarded')
    expect(d.get(id(bob))?.action).toBe('award')
  })

  it('with comment: false the comment holds only the hidden records', async () => {
    await runOnce({ comment: false })
    const [c] = github.comments(REPO, 7)
    expect(c?.body).not.toContain('@alice')
    expect(records(c?.body)).toHaveLength(1)
  })

  it('dry-run reads the ledger and writes nothing', async () => {
    github.addComment(REPO, 7, ACTIONS_BOT, signed(record(bob)))
    const { ledger } = open({ dryRun: true })
    const d = await ledger.consult([alice, bob])
    expect(d.get(id(alice))?.action).toBe('award')
    expect(d.get(id(bob))?.action).toBe('already-awarded')
    expect((await ledger.claim([alice])).get(id(alice))).toEqual({ go: true })
    await ledger.settle([{ recipient: alice, state: 'done', xp: 1 }])
    expect(github.calls.map(c => c.method)).toEqual(['listComments'])
  })
})

describe('whose records count', () => {
  it('ignores a record a person forged or signed with another key: it blocks nothing', async () => {
    github.addComment(REPO, 7, MALLORY, encodeRecord(record(alice)))
    github.addComment(REPO, 7, MALLORY, signed(record(alice, { nonce: 'n2' }), ROTATED))
    const { decisions, go } = await runOnce()
    expect(decisions.get(id(alice))?.action).toBe('award')
    expect(go).toEqual([alice])
    // Records that do not verify: GitHub was asked who the token is, once.
    expect(github.count('viewer')).toBe(1)
  })

  it('records written under a personal token count after switching to the default token', async () => {
    // A teacher of an organisation with private membership: GitHub shows no write access.
    const first = await runOnce({ account: TEACHER })
    expect(first.go).toEqual([alice])
    expect(github.comments(REPO, 7)[0]?.author?.login).toBe('teacher')
    const { decisions } = await runOnce({ runId: '1002' })
    expect(decisions.get(id(alice))).toMatchObject({ action: 'already-awarded', xp: 120 })
  })

  it('a copy of a true record only repeats it: a copied done is already-awarded, a copied pending blocks', async () => {
    const done = signed(record(alice, { state: 'done', xp: 130 }))
    github.addComment(REPO, 7, MALLORY, done)
    expect((await open().ledger.consult([alice])).get(id(alice))).toMatchObject({
      action: 'already-awarded',
      xp: 130
    })
    const other = new MemoryGitHub()
    github = other
    github.addComment(REPO, 7, MALLORY, signed(record(alice, { state: 'pending', xp: null })))
    expect((await open().ledger.consult([alice])).get(id(alice))?.action).toBe('unknown')
  })

  it('a copied older record cannot undo a later one: the records’ content counts, not their place', async () => {
    // Attempt 1 failed, attempt 2 left the outcome unknown; a student pastes attempt 1's record last.
    const failed = signed(record(alice, { state: 'failed', xp: null, nonce: 'n1' }))
    github.addComment(REPO, 7, ACTIONS_BOT, failed)
    github.addComment(
      REPO,
      7,
      ACTIONS_BOT,
      signed(record(alice, { state: 'pending', xp: null, nonce: 'n2', unknown: true }))
    )
    github.addComment(REPO, 7, MALLORY, failed)
    expect((await open({ runId: '2002' }).ledger.consult([alice])).get(id(alice))?.action).toBe(
      'unknown'
    )
  })

  it('an unverified record by another bot account blocks as unknown, naming that comment', async () => {
    const quoted = github.addComment(REPO, 7, APP, encodeRecord(record(alice)))
    const { decisions, go } = await runOnce()
    const d = decisions.get(id(alice))
    expect(d?.action).toBe('unknown')
    expect(d?.reason).toContain('course-xp[bot]')
    expect(d?.reason).toContain(quoted.url ?? '?')
    expect(go).toEqual([])
    expect(github.comments(REPO, 7)).toHaveLength(1)
  })

  it('after the Moodle token changed, the records of the token’s own account still count', async () => {
    github.addComment(REPO, 7, ACTIONS_BOT, signed(record(alice, { xp: 140 }), ROTATED))
    const { decisions } = await runOnce()
    expect(decisions.get(id(alice))).toMatchObject({ action: 'already-awarded', xp: 140 })
  })

  it('a personal token’s account counts as its own; github-actions[bot]’s unverified records then block', async () => {
    github.addComment(REPO, 7, TEACHER, signed(record(alice, { xp: 140 }), ROTATED))
    const own = await runOnce({ account: TEACHER })
    expect(own.decisions.get(id(alice))).toMatchObject({ action: 'already-awarded', xp: 140 })
    github = new MemoryGitHub()
    github.addComment(REPO, 7, ACTIONS_BOT, signed(record(alice), ROTATED))
    const other = await runOnce({ account: TEACHER })
    expect(other.decisions.get(id(alice))?.action).toBe('unknown')
  })

  it('falls back to github-actions[bot] when GitHub will not say who the token is', async () => {
    github.addComment(REPO, 7, ACTIONS_BOT, signed(record(alice), ROTATED))
    const { decisions } = await runOnce({ token: { anonymous: true } })
    expect(decisions.get(id(alice))?.action).toBe('already-awarded')
  })

  it('asks again when GitHub does not answer who the token is, three times in all', async () => {
    github.addComment(REPO, 7, MALLORY, encodeRecord(record(alice)))
    github.fault('viewer', { times: 2, status: 502 })
    expect((await runOnce()).go).toEqual([alice])
    expect(github.count('viewer')).toBe(3)
  })

  it('fails, sending nothing, when GitHub never says who the token is', async () => {
    github.addComment(REPO, 7, MALLORY, encodeRecord(record(alice)))
    github.fault('viewer', { times: 3, status: 404, message: 'Not Found' })
    const err = await open()
      .ledger.consult([alice])
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LedgerError)
    expect((err as Error).message).toMatch(
      /^GitHub would not say which account the github-token writes as \(HTTP 404: Not Found; asked 3 times\)/
    )
    expect((err as Error).message).toContain('Nothing was sent to Moodle')
  })

  it('one award per event and Moodle user: another account’s record for the same Moodle user counts', async () => {
    const twin = recipient('alice-alt', 601, alice.moodleUserId)
    github.addComment(REPO, 7, ACTIONS_BOT, signed(record(alice, { xp: 150 })))
    const d = (await open().ledger.consult([twin])).get(id(twin))
    expect(d).toMatchObject({ action: 'already-awarded', xp: 150 })
    github.addComment(
      REPO,
      7,
      ACTIONS_BOT,
      signed(record(bob, { state: 'pending', xp: null, nonce: 'n9' }))
    )
    const bobTwin = recipient('bob-alt', 602, bob.moodleUserId)
    expect((await open().ledger.consult([bobTwin])).get(id(bobTwin))?.action).toBe('unknown')
  })
})

describe('pending records and force', () => {
  it('says unknown for a pending record; force awards and records it', async () => {
    github.addComment(REPO, 7, ACTIONS_BOT, signed(record(alice, { state: 'pending', xp: null })))
    const plain = await runOnce()
    expect(plain.decisions.get(id(alice))?.action).toBe('unknown')
    expect(plain.go).toEqual([])
    const forced = await runOnce({ force: true, runId: '1003' }, [alice], 150)
    expect(forced.decisions.get(id(alice))?.action).toBe('award')
    expect(forced.go).toEqual([alice])
    const mine = records(github.comments(REPO, 7)[1]?.body)
    expect(mine[0]).toMatchObject({ state: 'done', forced: true })
    const after = await runOnce({ runId: '1004' })
    expect(after.decisions.get(id(alice))).toMatchObject({ action: 'already-awarded', xp: 150 })
  })

  it('a forced re-run whose final update failed: re-running it again is unknown, never a second award', async () => {
    // Attempt 1 left the outcome unknown.
    const first = open({ runId: '5005' })
    await first.ledger.consult([alice])
    await first.ledger.claim([alice])
    await first.ledger.settle([{ recipient: alice, state: 'unknown', xp: null }])
    // Attempt 2, forced, awards; its final update fails every time.
    github.fault('updateComment', { times: 3, status: 502 })
    const second = await runOnce({ runId: '5005', runAttempt: 2, force: true })
    expect(second.go).toEqual([alice])
    expect(github.count('updateComment')).toBe(4) // the first update, then three tries
    expect(second.warnings).toEqual([
      expect.stringMatching(/^The award stands, but the ledger could not record it .*do not force/)
    ])
    // Attempt 3, still forced: the forced claim of this run is not overridden.
    const third = await runOnce({ runId: '5005', runAttempt: 3, force: true })
    expect(third.decisions.get(id(alice))?.action).toBe('unknown')
    expect(third.decisions.get(id(alice))?.reason).toMatch(
      /already forced this award \(attempt 2\)/
    )
    expect(third.go).toEqual([])
  })

  it('under force, what this workflow run already awarded stays awarded', async () => {
    await runOnce({ runId: '6006' })
    const again = await runOnce({ runId: '6006', runAttempt: 2, force: true })
    expect(again.decisions.get(id(alice))?.action).toBe('already-awarded')
    expect(again.go).toEqual([])
  })

  it('a failed final update is retried, then warned about; later runs never award it again', async () => {
    github.fault('updateComment', { times: 10, status: 500 })
    const { go, warnings } = await runOnce()
    expect(go).toEqual([alice])
    expect(github.count('updateComment')).toBe(3)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(
      /^The award stands, but the ledger could not record it .*in progress for 10 minutes.*unknown/
    )
    // Another workflow run right away cannot tell a dead run from a busy one: it gives way.
    const soon = await runOnce({ runId: '1002' })
    expect(soon.decisions.get(id(alice))?.action).toBe('in-progress')
    // A re-run of the same run, or any run after 10 minutes, knows the outcome is unknown.
    expect((await runOnce({ runAttempt: 2 })).decisions.get(id(alice))?.action).toBe('unknown')
    const inAWhile = () => new Date(Date.now() + 11 * 60_000)
    const later = await runOnce({ runId: '1003', now: inAWhile })
    expect(later.decisions.get(id(alice))?.action).toBe('unknown')
  })

  it('a refused final update (4xx) is not retried', async () => {
    github.fault('updateComment', { times: 1, status: 403, message: 'Forbidden' })
    const { warnings } = await runOnce()
    expect(github.count('updateComment')).toBe(1)
    expect(warnings[0]).toMatch(/^The award stands/)
  })

  it('settles an unknown Moodle outcome as pending marked unknown, told plainly', async () => {
    const { ledger } = open()
    await ledger.consult([alice])
    await ledger.claim([alice])
    await ledger.settle([{ recipient: alice, state: 'unknown', xp: null }])
    const [c] = github.comments(REPO, 7)
    expect(records(c?.body)[0]).toMatchObject({ state: 'pending', unknown: true })
    expect(c?.body).toContain('it is not certain')
    // Marked unknown: another run does not take it for an award in progress.
    const next = await open({ runId: '1002' }).ledger.consult([alice])
    expect(next.get(id(alice))?.action).toBe('unknown')
  })
})

describe('two runs at once', () => {
  it.each([0, 1, 2, 3])(
    'with a teacher token and the default token and a list lag of %i: exactly one goes',
    async lag => {
      github.listLag = lag
      const teacher = open({ account: TEACHER, runId: '2001' })
      const bot = open({ runId: '2002' })
      const decisions = await Promise.all([teacher, bot].map(r => r.ledger.consult([alice])))
      expect(decisions.map(d => d.get(id(alice))?.action)).toEqual(['award', 'award'])
      const claims = await Promise.all([teacher, bot].map(r => r.ledger.claim([alice])))
      const results = claims.map(c => c.get(id(alice)))
      expect(results.filter(r => r?.go)).toHaveLength(1)
      const loser = results.find(r => !r?.go)
      expect(loser).toMatchObject({ go: false, status: 'skipped' })
      const winner = [teacher, bot][results.findIndex(r => r?.go)]!
      await winner.ledger.settle([{ recipient: alice, state: 'done', xp: 120 }])
      // The loser withdrew its claim: one comment, and the next run sees the award.
      expect(github.comments(REPO, 7)).toHaveLength(1)
      github.listLag = 0
      const next = await open({ runId: '3000' }).ledger.consult([alice])
      expect(next.get(id(alice))?.action).toBe('already-awarded')
    }
  )

  it('the later claim gives way even when the earlier one is already done', async () => {
    // B read an empty ledger; A then claimed and settled; B claims.
    const b = open({ runId: 'B' })
    await b.ledger.consult([alice])
    await runOnce({ runId: 'A' })
    const result = (await b.ledger.claim([alice])).get(id(alice))
    expect(result).toMatchObject({ go: false, status: 'already-awarded', xp: 120 })
    expect(github.comments(REPO, 7)).toHaveLength(1)
  })

  it('gives way per recipient and trims its own comment', async () => {
    const b = open({ runId: 'B' })
    await b.ledger.consult([alice, bob])
    const a = open({ runId: 'A' })
    await a.ledger.consult([alice])
    expect((await a.ledger.claim([alice])).get(id(alice))?.go).toBe(true)
    const claims = await b.ledger.claim([alice, bob])
    expect(claims.get(id(alice))).toMatchObject({ go: false, status: 'skipped' })
    expect(claims.get(id(bob))?.go).toBe(true)
    await b.ledger.settle([{ recipient: bob, state: 'done', xp: 50 }])
    const mine = github.comments(REPO, 7).at(-1)
    expect(records(mine?.body).map(r => r.key.recipient)).toEqual(['gh:502'])
    expect(mine?.body).not.toContain('@alice')
  })

  it('gives way to a claim for the same Moodle user under another account', async () => {
    const twin = recipient('alice-alt', 601, alice.moodleUserId)
    const b = open({ runId: 'B' })
    await b.ledger.consult([twin])
    const a = open({ runId: 'A' })
    await a.ledger.consult([alice])
    await a.ledger.claim([alice])
    expect((await b.ledger.claim([twin])).get(id(twin))).toMatchObject({ go: false })
  })

  it('a claim the list never shows is withdrawn, and nothing may be sent', async () => {
    github.listLag = 100
    const { ledger } = open({ visibilityTries: 3 })
    await ledger.consult([alice])
    const err = await ledger.claim([alice]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LedgerError)
    expect((err as Error).message).toMatch(/still did not show it after 4 reads/)
    expect((err as Error).message).toContain('Nothing was sent to Moodle')
    expect(github.comments(REPO, 7)).toEqual([])
  })
})

describe('when the ledger cannot be written: nothing is sent', () => {
  it('a read-only token: the claim fails, naming the permissions: lines', async () => {
    const { ledger } = open({ token: { readOnly: true } })
    expect((await ledger.consult([alice])).get(id(alice))?.action).toBe('award')
    const err = await ledger.claim([alice]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LedgerError)
    expect((err as Error).message).toContain('`pull-requests: write`')
    expect((err as Error).message).toContain('`issues: write`')
    expect((err as Error).message).toContain('Resource not accessible by integration')
    expect(github.comments(REPO, 7)).toEqual([])
  })

  it('a locked issue: the claim fails, saying how to proceed', async () => {
    github.lock(REPO, 7)
    const { ledger } = open()
    await ledger.consult([alice])
    await expect(ledger.claim([alice])).rejects.toThrow(
      /^The pull request #7 in school\/course is locked.*unlock the conversation.*re-run the workflow/
    )
    // Someone with write access may still comment there.
    const teacher = await runOnce({ account: TEACHER, token: { pushAccess: true } })
    expect(teacher.go).toEqual([alice])
  })

  it('a list the token may not read (404): consult fails', async () => {
    github.fault('listComments', { status: 404, message: 'Not Found' })
    await expect(open().ledger.consult([alice])).rejects.toThrow(
      /could not be read \(HTTP 404: Not Found\): the github-token lacks the permission/
    )
  })

  it('GitHub failing on the read is a LedgerError', async () => {
    github.fault('listComments', { status: 502 })
    await expect(open().ledger.consult([alice])).rejects.toThrow(
      /^The award ledger on pull request #7 in school\/course could not be read \(HTTP 502: Server Error\)\. Nothing was sent to Moodle/
    )
  })

  it('a create that failed but happened is adopted, never written twice', async () => {
    github.fault('createComment', { status: 502, afterEffect: true })
    const { go } = await runOnce()
    expect(go).toEqual([alice])
    expect(github.count('createComment')).toBe(1)
    expect(github.comments(REPO, 7)).toHaveLength(1)
    expect(records(github.comments(REPO, 7)[0]?.body)[0]?.state).toBe('done')
  })

  it('a create that failed and did not happen is a LedgerError, even with a look-alike claim in the thread', async () => {
    // A student's comment holding this run's pending record (copied or made up): not ours.
    github.addComment(
      REPO,
      7,
      MALLORY,
      encodeRecord(record(alice, { state: 'pending', xp: null, run: '1001/1' }))
    )
    github.fault('createComment', { status: null })
    const { ledger } = open()
    await ledger.consult([alice])
    await expect(ledger.claim([alice])).rejects.toThrow(
      /could not be written \(no answer: socket hang up\), and no comment of this run appeared/
    )
    expect(github.comments(REPO, 7)).toHaveLength(1)
  })

  it('a clear refusal of the create (422) is not searched for', async () => {
    github.fault('createComment', { status: 422, message: 'Validation Failed' })
    const { ledger } = open()
    await ledger.consult([alice])
    await expect(ledger.claim([alice])).rejects.toThrow(LedgerError)
    expect(github.count('listComments')).toBe(1)
  })
})

/**
 * A store of the other kind: records in one versioned list, written only on top of the version
 * that was read (compare-and-swap), as a branch of files written by commits would be.
 */
class VersionedStore implements LedgerStore {
  entries: LedgerEntry[] = []
  version = 0
  claims = 0
  /** Called before a claim is compared: what another run wrote meanwhile. */
  meanwhile: (() => void) | null = null

  read(): Promise<LedgerRead> {
    return Promise.resolve({ entries: [...this.entries], version: String(this.version) })
  }

  claim(claim: Claim, basis: LedgerRead): Promise<ClaimWrite> {
    this.claims++
    this.meanwhile?.()
    if (basis.version !== String(this.version))
      return Promise.resolve({ written: false, conflict: true })
    this.write(claim)
    return this.read().then(after => ({ written: true, after }))
  }

  update(claim: Claim): Promise<void> {
    this.entries = this.entries.filter(e => e.record.nonce !== claim.nonce)
    this.write(claim)
    return Promise.resolve()
  }

  write(claim: Claim, provenance: LedgerEntry['provenance'] = 'verified'): void {
    this.version++
    for (const { record } of claim.entries)
      this.entries.push({
        record,
        provenance,
        order: this.version,
        author: null,
        place: { url: null, label: `ledger file, version ${this.version}` }
      })
  }
}

describe('over a compare-and-swap store', () => {
  function ledgerOver(store: LedgerStore, more: Partial<LedgerOptions> = {}) {
    const logger = { info: () => {}, warning: () => {} }
    return new Ledger({
      store,
      recordKey: KEY,
      runId: '7007',
      runAttempt: 1,
      force: false,
      dryRun: false,
      logger,
      ...more
    })
  }

  it('claims and settles through the same protocol', async () => {
    const store = new VersionedStore()
    const ledger = ledgerOver(store)
    await ledger.consult([alice, bob])
    const claims = await ledger.claim([alice, bob])
    expect([...claims.values()]).toEqual([{ go: true }, { go: true }])
    await ledger.settle([{ recipient: alice, state: 'done', xp: 90 }])
    expect(store.entries.map(e => e.record.state)).toEqual(['done', 'pending'])
    expect(store.claims).toBe(1)
  })

  it('on a conflict reads again and decides again: an award made meanwhile is not paid twice', async () => {
    const store = new VersionedStore()
    const ledger = ledgerOver(store)
    await ledger.consult([alice, bob])
    store.meanwhile = () => {
      store.meanwhile = null
      store.write({
        nonce: 'other-run',
        entries: [
          { recipient: alice, record: signRecord(record(alice, { nonce: 'other-run' }), KEY) }
        ]
      })
    }
    const claims = await ledger.claim([alice, bob])
    expect(claims.get(id(alice))).toMatchObject({ go: false, status: 'already-awarded', xp: 100 })
    expect(claims.get(id(bob))).toEqual({ go: true })
    expect(store.claims).toBe(2)
  })

  it('gives up, sending nothing, when the store keeps changing', async () => {
    const store = new VersionedStore()
    const ledger = ledgerOver(store)
    await ledger.consult([alice])
    store.meanwhile = () => void store.version++
    await expect(ledger.claim([alice])).rejects.toThrow(
      /changed under this run 5 times while it claimed the awards\. Nothing was sent to Moodle/
    )
  })

  it('asks who is still running only for other runs’ pending records of these awards, from the store', async () => {
    const store = new VersionedStore()
    const pending = (r: LedgerRecipient, run: string, nonce: string) =>
      store.write({
        nonce,
        entries: [
          {
            recipient: r,
            record: signRecord(
              record(r, { state: 'pending', xp: null, run, nonce, at: new Date().toISOString() }),
              KEY
            )
          }
        ]
      })
    pending(alice, '5001/1', 'a')
    pending(bob, '5002/1', 'b')
    const asked: string[][] = []
    const ledger = ledgerOver(store, {
      runStates: ids => {
        asked.push(ids)
        return Promise.resolve(new Map(ids.map(id => [id, id === '5001' ? 'finished' : 'running'])))
      },
      unknownAdvice: 'edit the ledger branch'
    })
    const decisions = await ledger.consult([alice, bob])
    expect(asked).toEqual([['5001', '5002']])
    expect(decisions.get(id(alice))).toMatchObject({
      action: 'unknown',
      reason: expect.stringMatching(/: edit the ledger branch$/)
    })
    expect(decisions.get(id(bob))).toMatchObject({ action: 'in-progress' })
  })

  it('reads its sources again after the claim and gives way to a live claim that appeared there', async () => {
    const store = new VersionedStore()
    const elsewhere: LedgerEntry[] = []
    const source = { read: () => Promise.resolve({ entries: [...elsewhere], version: null }) }
    const ledger = ledgerOver(store, { sources: [source] })
    await ledger.consult([alice, bob])
    // Event mode claims alice's award in its comments after this run decided.
    store.meanwhile = () =>
      elsewhere.push({
        record: record(alice, { state: 'pending', xp: null, run: '9/1', nonce: 'event' }),
        provenance: 'verified',
        order: 5,
        author: 'github-actions[bot]',
        place: { url: null, label: 'ledger comment 5' }
      })
    const claims = await ledger.claim([alice, bob])
    expect(claims.get(id(alice))).toMatchObject({ go: false, status: 'skipped' })
    expect(claims.get(id(bob))).toEqual({ go: true })
    // Its own claim on alice's award is withdrawn; bob's stays.
    expect(store.entries.map(e => keyId(e.record.key))).toEqual([id(bob)])
  })

  it('withdraws its claim and sends nothing when the sources cannot be read again', async () => {
    const store = new VersionedStore()
    let reads = 0
    const source = {
      read: () =>
        ++reads === 1
          ? Promise.resolve({ entries: [], version: null })
          : Promise.reject(new Error('GitHub did not answer'))
    }
    const ledger = ledgerOver(store, { sources: [source] })
    await ledger.consult([alice])
    await expect(ledger.claim([alice])).rejects.toThrow(
      /could not be read again after this run claimed its awards \(GitHub did not answer\)\. Nothing was sent/
    )
    expect(store.entries).toEqual([])
  })

  it('gives the settled records, signed, before it writes them', async () => {
    const store = new VersionedStore()
    const ledger = ledgerOver(store)
    await ledger.consult([alice])
    await ledger.claim([alice])
    const records = ledger.settled([{ recipient: alice, state: 'done', xp: 55 }])
    const done = records.get(id(alice))!
    expect(done).toMatchObject({ state: 'done', xp: 55 })
    expect(decodeRecords(encodeRecord(done), KEY)[0]?.verified).toBe(true)
    await ledger.settle([{ recipient: alice, state: 'done', xp: 55 }])
    expect(store.entries[0]?.record).toEqual(done)
  })
})
