import { describe, expect, it } from '@jest/globals'
import {
  arbitrate,
  decide,
  IN_PROGRESS_MS,
  type Asked,
  type DecideOptions
} from '../../../src/ledger/decide.js'
import type { LedgerRecord } from '../../../src/ledger/records.js'
import { provenanceOf, type LedgerEntry, type Provenance } from '../../../src/ledger/store.js'
import { SAMPLE_KEY, sampleRecord } from '../../fixtures/ledger-records.js'

const key = SAMPLE_KEY
const asked: Asked = { key, moodleUserId: 42 }
const T0 = Date.parse('2026-01-01T00:00:00.000Z')

function entry(
  order: number,
  over: Partial<LedgerRecord> = {},
  provenance: Provenance = 'verified'
): LedgerEntry {
  return {
    record: sampleRecord(over),
    provenance,
    order,
    author: provenance === 'unverified-bot' ? 'course-xp[bot]' : 'github-actions[bot]',
    place: {
      url: `https://github.com/x/y/pull/7#issuecomment-${order}`,
      label: `ledger comment ${order}`
    }
  }
}

function opts(over: Partial<DecideOptions> = {}): DecideOptions {
  return { force: false, run: '2002/1', now: new Date(T0 + 60 * 60_000), ...over }
}

describe('provenanceOf', () => {
  const bot = { login: 'course-xp[bot]', id: 777, type: 'Bot' }
  const person = { login: 'teacher', id: 900, type: 'User' }
  it('trusts the MAC first, then the writer; other bots are unverified, people ignored', () => {
    expect(provenanceOf(true, person, null)).toBe('verified')
    expect(provenanceOf(false, person, { login: 'teacher', id: 900 })).toBe('own-identity')
    expect(provenanceOf(false, person, { login: 'TEACHER', id: null })).toBe('own-identity')
    expect(provenanceOf(false, bot, { login: 'github-actions[bot]', id: 41898282 })).toBe(
      'unverified-bot'
    )
    expect(provenanceOf(false, { login: 'x[bot]', id: 1, type: 'User' }, null)).toBe(
      'unverified-bot'
    )
    expect(provenanceOf(false, person, null)).toBe('ignored')
  })
})

describe('decide', () => {
  it('awards when nothing or only a failure is recorded', () => {
    expect(decide([], asked, opts())).toEqual({ action: 'award', reason: 'not awarded yet' })
    expect(decide([entry(1, { state: 'failed', xp: null })], asked, opts())).toEqual({
      action: 'award',
      reason: 'not awarded yet (the last attempt failed)'
    })
  })

  it('says already-awarded with the recorded points and total, and where', () => {
    const d = decide([entry(5)], asked, opts())
    expect(d).toMatchObject({ action: 'already-awarded', xp: 120, points: 10 })
    expect(d.reason).toMatch(
      /^already awarded on 2026-01-01T00:00:00.000Z by run 1001\/1 \(ledger comment 5: https:\/\/github\.com\/x\/y\/pull\/7#issuecomment-5\)$/
    )
  })

  it('keeps a done award done whatever else is recorded, wherever', () => {
    const entries = [
      entry(1, { state: 'pending', xp: null, nonce: 'n0' }),
      entry(2, { state: 'done', xp: 120 }),
      entry(3, { state: 'failed', xp: null, nonce: 'n3', run: '1003/1' })
    ]
    expect(decide(entries, asked, opts()).action).toBe('already-awarded')
    expect(decide([...entries].reverse(), asked, opts()).action).toBe('already-awarded')
  })

  it('reads a claim by its settled record: a stale copy of its pending record changes nothing', () => {
    const entries = [
      entry(1, { state: 'failed', xp: null }),
      entry(9, { state: 'pending', xp: null }, 'verified')
    ]
    expect(decide(entries, asked, opts()).action).toBe('award')
  })

  it('says unknown for a pending record and tells the teacher what to do', () => {
    const d = decide([entry(1, { state: 'pending', xp: null })], asked, opts())
    expect(d.action).toBe('unknown')
    expect(d.reason).toMatch(/XP log in Moodle/)
    expect(d.reason).toMatch(/MOODLE_XP_FORCE_RUN to 2002/)
  })

  it('says in-progress for a recent pending record of another workflow run', () => {
    const pending = [entry(1, { state: 'pending', xp: null, run: '1001/1' })]
    const at = (ms: number) => new Date(T0 + ms)
    const d = decide(pending, asked, opts({ now: at(30_000) }))
    expect(d.action).toBe('in-progress')
    expect(d.reason).toMatch(/^another run \(1001\/1\) started this award 30 s ago/)
    expect(d.reason).toMatch(/force: true/)
    // A re-run of the same workflow run: the earlier attempt has ended.
    expect(decide(pending, asked, opts({ run: '1001/2', now: at(30_000) })).action).toBe('unknown')
    expect(decide(pending, asked, opts({ now: at(IN_PROGRESS_MS + 1) })).action).toBe('unknown')
    const marked = [entry(1, { state: 'pending', xp: null, unknown: true })]
    expect(decide(marked, asked, opts({ now: at(30_000) })).action).toBe('unknown')
  })

  it('asks GitHub about the run where it can: running is in progress at any age, finished is final', () => {
    const pending = [entry(1, { state: 'pending', xp: null, run: '1001/1' })]
    const at = (ms: number) => new Date(T0 + ms)
    const running = opts({ now: at(IN_PROGRESS_MS * 3), runState: () => 'running' })
    const d = decide(pending, asked, running)
    expect(d.action).toBe('in-progress')
    expect(d.reason).toMatch(
      /started this award 1800 s ago and GitHub says that run is still going/
    )
    const finished = opts({ now: at(30_000), runState: () => 'finished' })
    expect(decide(pending, asked, finished).action).toBe('unknown')
    // No answer from GitHub: the age rule.
    expect(decide(pending, asked, opts({ now: at(30_000), runState: () => null })).action).toBe(
      'in-progress'
    )
    // What GitHub says never turns a record marked unknown, or this run's own, into progress.
    const marked = [entry(1, { state: 'pending', xp: null, run: '1001/1', unknown: true })]
    expect(decide(marked, asked, running).action).toBe('unknown')
    const own = opts({ run: '1001/2', runState: () => 'running' })
    expect(decide(pending, asked, own).action).toBe('unknown')
  })

  it('tells how to resolve an unknown outcome in the words it is given', () => {
    const d = decide([entry(1, { state: 'pending', xp: null })], asked, opts({ advice: 'edit it' }))
    expect(d.reason).toMatch(/never recorded the outcome.*: edit it$/)
    expect(d.reason).not.toMatch(/MOODLE_XP_FORCE_RUN/)
  })

  it('says unknown when any of several pending claims is not in progress', () => {
    const entries = [
      entry(1, { state: 'pending', xp: null, unknown: true, nonce: 'a' }),
      entry(2, {
        state: 'pending',
        xp: null,
        nonce: 'b',
        at: new Date(T0 + 59 * 60_000).toISOString()
      })
    ]
    expect(decide(entries, asked, opts()).action).toBe('unknown')
  })

  it('blocks on an unverified bot record, but not on one that says failed', () => {
    const bot = entry(3, { state: 'done' }, 'unverified-bot')
    const d = decide([bot], asked, opts())
    expect(d.action).toBe('unknown')
    expect(d.reason).toContain('course-xp[bot]')
    expect(d.reason).toContain('issuecomment-3')
    expect(decide([entry(3, { state: 'failed' }, 'unverified-bot')], asked, opts()).action).toBe(
      'award'
    )
    // Our own done record still says what happened.
    expect(decide([bot, entry(4)], asked, opts()).action).toBe('already-awarded')
  })

  it('never counts ignored records (people, without a valid MAC)', () => {
    const forged = entry(1, { state: 'done' }, 'ignored')
    expect(decide([forged], asked, opts()).action).toBe('award')
  })

  it('counts a record of the same event for the same Moodle user under another account', () => {
    const twin = entry(1, { key: { ...key, recipient: 'gh:999' } })
    expect(decide([twin], asked, opts()).action).toBe('already-awarded')
    const otherUser = entry(1, { key: { ...key, recipient: 'gh:999' }, moodleUserId: 43 })
    expect(decide([otherUser], asked, opts()).action).toBe('award')
    const otherEvent = entry(1, { key: { ...key, number: 8 } })
    expect(decide([otherEvent], asked, opts()).action).toBe('award')
  })

  it('awards whatever the ledger says under force', () => {
    for (const state of ['done', 'pending', 'failed'] as const)
      expect(decide([entry(1, { state })], asked, opts({ force: true })).action).toBe('award')
    const bot = entry(3, { state: 'pending' }, 'unverified-bot')
    expect(decide([bot], asked, opts({ force: true }))).toMatchObject({
      action: 'award',
      reason: expect.stringMatching(/^force: true \(the ledger had a record by course-xp\[bot\]/)
    })
  })

  it('under force, never overrides what this same workflow run did', () => {
    const done = [entry(1, { state: 'done', run: '1001/2' })]
    expect(decide(done, asked, opts({ force: true, run: '1001/3' })).action).toBe('already-awarded')
    expect(decide(done, asked, opts({ force: true, run: '2002/1' })).action).toBe('award')
    // This run's unforced claim is what force is for; its forced one is not overridden again.
    const unforced = [entry(1, { state: 'pending', xp: null, run: '1001/1' })]
    expect(decide(unforced, asked, opts({ force: true, run: '1001/2' })).action).toBe('award')
    const forced = [entry(1, { state: 'pending', xp: null, run: '1001/2', forced: true })]
    const again = decide(forced, asked, opts({ force: true, run: '1001/3' }))
    expect(again.action).toBe('unknown')
    expect(again.reason).toMatch(/manual-award/)
    expect(decide(forced, asked, opts({ force: true, run: '3003/1' })).action).toBe('award')
  })
})

describe('arbitrate', () => {
  const ours = { nonce: 'mine', order: 10, run: '2002/1' }
  const mine = entry(10, { state: 'pending', xp: null, nonce: 'mine' })

  it('goes when no other live claim appeared', () => {
    expect(arbitrate([mine], asked, ours, new Map())).toEqual({ go: true })
  })

  it('gives way to an earlier live claim it did not see, and goes before a later one', () => {
    const earlier = entry(8, { state: 'pending', xp: null, nonce: 'x', run: '3003/1' })
    const later = entry(12, { state: 'pending', xp: null, nonce: 'y' })
    expect(arbitrate([earlier, mine], asked, ours, new Map())).toMatchObject({
      go: false,
      status: 'skipped',
      reason: expect.stringMatching(/^another run \(3003\/1\) is awarding the same points/)
    })
    expect(arbitrate([mine, later], asked, ours, new Map())).toEqual({ go: true })
  })

  it('gives way to any claim done since it decided', () => {
    const done = entry(12, { state: 'done', xp: 130, nonce: 'y' })
    expect(arbitrate([mine, done], asked, ours, new Map())).toMatchObject({
      go: false,
      status: 'already-awarded',
      xp: 130
    })
    // Seen pending when deciding under force, done now: give way too.
    expect(arbitrate([mine, done], asked, ours, new Map([['y', 'pending']]))).toMatchObject({
      go: false,
      status: 'already-awarded'
    })
  })

  it('ignores claims it saw when deciding (force overrode them), failures, and people', () => {
    const old = entry(2, { state: 'pending', xp: null, nonce: 'old' })
    expect(arbitrate([old, mine], asked, ours, new Map([['old', 'pending']]))).toEqual({
      go: true
    })
    const failed = entry(5, { state: 'failed', xp: null, nonce: 'f' })
    const forged = entry(6, { state: 'pending', xp: null, nonce: 'p' }, 'ignored')
    expect(arbitrate([failed, forged, mine], asked, ours, new Map())).toEqual({ go: true })
  })

  it('a copy of its own claim elsewhere is still its own', () => {
    const copy = entry(11, { state: 'pending', xp: null, nonce: 'mine' })
    expect(arbitrate([mine, copy], asked, ours, new Map())).toEqual({ go: true })
  })

  it('an earlier unverified bot claim makes it unknown', () => {
    const bot = entry(4, { state: 'pending', xp: null, nonce: 'b' }, 'unverified-bot')
    expect(arbitrate([bot, mine], asked, ours, new Map())).toMatchObject({
      go: false,
      status: 'unknown'
    })
  })
})
