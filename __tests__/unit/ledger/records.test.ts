import { describe, expect, it } from '@jest/globals'
import {
  decide,
  decodeRecords,
  IN_PROGRESS_MS,
  encodeRecord,
  keyId,
  recipientId,
  stateFromComments,
  type LedgerComment,
  type LedgerKey,
  type LedgerRecord
} from '../../../src/ledger/records.js'

const key: LedgerKey = {
  course: 30,
  repository: 'School/Course',
  number: 7,
  kind: 'pr-merged',
  recipient: 'gh:501'
}

function rec(over: Partial<LedgerRecord> = {}): LedgerRecord {
  return {
    v: 1,
    key,
    state: 'done',
    points: 10,
    xp: 120,
    moodleUserId: 42,
    run: '1001/1',
    at: '2026-01-01T00:00:00.000Z',
    ...over
  }
}

const BOT = { userId: 41898282, userLogin: 'github-actions[bot]', userType: 'Bot' }
const trusted = (c: LedgerComment) => c.userId === 41898282

function comment(id: number, body: string, who = BOT): LedgerComment {
  return { id, body, ...who }
}

describe('keys', () => {
  it('prefers the numeric GitHub id, then the login, then the Moodle id', () => {
    expect(recipientId(501, 'Alice', 42)).toBe('gh:501')
    expect(recipientId(null, 'Alice', 42)).toBe('login:alice')
    expect(recipientId(null, null, 42)).toBe('moodle:42')
  })

  it('compares repositories case-insensitively and keeps every part of the key apart', () => {
    expect(keyId(key)).toBe(keyId({ ...key, repository: 'school/course' }))
    expect(keyId(key)).not.toBe(keyId({ ...key, kind: 'issue-closed' }))
    expect(keyId(key)).not.toBe(keyId({ ...key, course: 31 }))
    expect(keyId(key)).not.toBe(keyId({ ...key, number: 8 }))
    expect(keyId(key)).not.toBe(keyId({ ...key, recipient: 'gh:502' }))
  })
})

describe('encoding', () => {
  it('round-trips records, one per line, among other text', () => {
    const a = rec()
    const b = rec({ key: { ...key, recipient: 'gh:502' }, state: 'pending', xp: null })
    const body = `Hello **students**\n${encodeRecord(a)}\nsome text\n${encodeRecord(b)}\n`
    expect(decodeRecords(body)).toEqual([a, b])
  })

  it('keeps a hostile value inside the HTML comment', () => {
    const evil = rec({ key: { ...key, recipient: 'login:--><script>alert(1)</script>&' } })
    const line = encodeRecord(evil)
    expect(line.startsWith('<!-- moodle-xp-ledger {')).toBe(true)
    expect(line.indexOf('-->')).toBe(line.length - 3)
    expect(line.slice(4, -3)).not.toMatch(/[<>&]/)
    expect(decodeRecords(line)).toEqual([evil])
  })

  it('ignores garbage, damaged JSON and records of the wrong shape', () => {
    const good = rec()
    const body = [
      '<!-- moodle-xp-ledger {not json} -->',
      '<!-- moodle-xp-ledger {"v":2,"key":{}} -->',
      `<!-- moodle-xp-ledger ${JSON.stringify({ ...good, state: 'maybe' })} -->`,
      `<!-- moodle-xp-ledger ${JSON.stringify({ ...good, points: '10' })} -->`,
      `<!-- moodle-xp-ledger ${JSON.stringify({ ...good, key: { ...key, kind: 'x' } })} -->`,
      '<!-- moodle-xp-ledger',
      'random <!-- other comment --> text',
      encodeRecord(good)
    ].join('\n')
    expect(decodeRecords(body)).toEqual([good])
    expect(decodeRecords('')).toEqual([])
  })
})

describe('stateFromComments', () => {
  it('takes the record in the last trusted comment that names the key', () => {
    const comments = [
      comment(3, encodeRecord(rec({ state: 'done', xp: 130 }))),
      comment(1, encodeRecord(rec({ state: 'failed', xp: null }))),
      comment(2, 'unrelated'),
      comment(4, encodeRecord(rec({ key: { ...key, recipient: 'gh:9' }, state: 'pending' })))
    ]
    const p = stateFromComments(comments, trusted, key)
    expect(p.record?.state).toBe('done')
    expect(p.record?.xp).toBe(130)
    expect(p.comment?.id).toBe(3)
    expect(p.foreign).toBeNull()
  })

  it('ignores records written by people (forged or copied)', () => {
    const mallory = { userId: 666, userLogin: 'mallory', userType: 'User' }
    const comments = [
      comment(1, encodeRecord(rec({ state: 'failed', xp: null }))),
      comment(2, encodeRecord(rec({ state: 'done' })), mallory),
      comment(3, encodeRecord(rec({ state: 'pending' })), mallory)
    ]
    const p = stateFromComments(comments, trusted, key)
    expect(p.record?.state).toBe('failed')
    expect(p.foreign).toBeNull()
    expect(decide(p, { force: false }).action).toBe('award')
  })

  it('reports a newer record by another Bot account as foreign', () => {
    const app = { userId: 777, userLogin: 'course-xp[bot]', userType: 'Bot' }
    const p = stateFromComments(
      [comment(1, encodeRecord(rec({ state: 'failed' }))), comment(2, encodeRecord(rec()), app)],
      trusted,
      key
    )
    expect(p.foreign?.login).toBe('course-xp[bot]')
    const d = decide(p, { force: false })
    expect(d.action).toBe('unknown')
    expect(d.reason).toContain('course-xp[bot]')
    expect(d.reason).toContain('force: true')
  })

  it('keeps a done award done: a later failed or pending record of ours never undoes it', () => {
    const comments = [
      comment(1, encodeRecord(rec({ state: 'done', xp: 120 }))),
      comment(2, encodeRecord(rec({ state: 'failed', xp: null, run: '1002/1' }))),
      comment(3, encodeRecord(rec({ state: 'pending', xp: null, run: '1003/1' })))
    ]
    const p = stateFromComments(comments, trusted, key)
    expect(p.record).toMatchObject({ state: 'done', xp: 120 })
    expect(p.comment?.id).toBe(1)
    expect(decide(p, { force: false }).action).toBe('already-awarded')
  })

  it('treats records by people with write access as foreign (a personal access token writes as its owner)', () => {
    for (const association of ['OWNER', 'MEMBER', 'COLLABORATOR']) {
      const teacher = { userId: 5, userLogin: 'teacher', userType: 'User', association }
      const p = stateFromComments([comment(1, encodeRecord(rec()), teacher)], trusted, key)
      expect(p.foreign?.login).toBe('teacher')
      expect(decide(p, { force: false }).action).toBe('unknown')
    }
    const student = {
      userId: 6,
      userLogin: 'student',
      userType: 'User',
      association: 'CONTRIBUTOR'
    }
    const p = stateFromComments([comment(1, encodeRecord(rec()), student)], trusted, key)
    expect(p.foreign).toBeNull()
    expect(decide(p, { force: false }).action).toBe('award')
  })

  it('lets our own later record override an older foreign one', () => {
    const app = { userId: 777, userLogin: 'course-xp[bot]', userType: 'Bot' }
    const p = stateFromComments(
      [comment(1, encodeRecord(rec({ state: 'pending' })), app), comment(2, encodeRecord(rec()))],
      trusted,
      key
    )
    expect(p.foreign).toBeNull()
    expect(decide(p, { force: false }).action).toBe('already-awarded')
  })
})

describe('decide', () => {
  const none = { record: null, comment: null, foreign: null }
  const withRecord = (r: LedgerRecord) => ({
    record: r,
    comment: { id: 5, url: 'https://github.com/x/y/pull/7#issuecomment-5', ...BOT, body: '' },
    foreign: null
  })

  it('awards when nothing or only a failure is recorded', () => {
    expect(decide(none, { force: false })).toEqual({ action: 'award', reason: 'not awarded yet' })
    expect(decide(withRecord(rec({ state: 'failed', xp: null })), { force: false }).action).toBe(
      'award'
    )
  })

  it('says already-awarded with the recorded points and total', () => {
    const d = decide(withRecord(rec()), { force: false, dryRun: true })
    expect(d).toMatchObject({ action: 'already-awarded', xp: 120, points: 10 })
    expect(d.reason).toContain('issuecomment-5')
  })

  it('says unknown for a pending record and tells the teacher what to do', () => {
    const d = decide(withRecord(rec({ state: 'pending', xp: null })), { force: false })
    expect(d.action).toBe('unknown')
    expect(d.reason).toMatch(/XP log in Moodle/)
    expect(d.reason).toMatch(/force: true/)
  })

  it('says in-progress for a recent pending record of another workflow run', () => {
    const pending = withRecord(rec({ state: 'pending', xp: null, run: '1001/1' }))
    const at = Date.parse('2026-01-01T00:00:00.000Z')
    const opts = (run: string, ms: number) => ({ force: false, run, now: new Date(at + ms) })
    const d = decide(pending, opts('2002/1', 30_000))
    expect(d.action).toBe('in-progress')
    expect(d.reason).toMatch(/^another run \(1001\/1\) started this award 30 s ago/)
    expect(d.reason).toMatch(/force: true/)
    // A re-run of the same workflow run: the earlier attempt has ended.
    expect(decide(pending, opts('1001/2', 30_000)).action).toBe('unknown')
    // Too old (the run is over), or no clock given.
    expect(decide(pending, opts('2002/1', IN_PROGRESS_MS + 1)).action).toBe('unknown')
    expect(decide(pending, { force: false }).action).toBe('unknown')
    expect(decide(pending, { ...opts('2002/1', 1000), force: true }).action).toBe('award')
  })

  it('awards whatever the ledger says under force', () => {
    for (const state of ['done', 'pending', 'failed'] as const)
      expect(decide(withRecord(rec({ state })), { force: true }).action).toBe('award')
  })

  it('under force, still honours what this same workflow run already awarded', () => {
    const done = withRecord(rec({ state: 'done', run: '1001/2' }))
    expect(decide(done, { force: true, run: '1001/3' }).action).toBe('already-awarded')
    expect(decide(done, { force: true, run: '2002/1' }).action).toBe('award')
    const pending = withRecord(rec({ state: 'pending', xp: null, run: '1001/1' }))
    expect(decide(pending, { force: true, run: '1001/2' }).action).toBe('award')
  })

  it('says unknown, not in-progress, for a pending record whose run ended not knowing', () => {
    const ended = withRecord(rec({ state: 'pending', xp: null, run: '1001/1', unknown: true }))
    const now = new Date(Date.parse('2026-01-01T00:00:30.000Z'))
    expect(decide(ended, { force: false, run: '2002/1', now }).action).toBe('unknown')
  })

  it('reads the unknown mark back from a comment', () => {
    const [back] = decodeRecords(encodeRecord(rec({ state: 'pending', xp: null, unknown: true })))
    expect(back?.unknown).toBe(true)
    const [notPending] = decodeRecords(
      encodeRecord({ ...rec({ state: 'done' }), unknown: true } as LedgerRecord)
    )
    expect(notPending?.unknown).toBeUndefined()
  })
})
