import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { keyId, LedgerError } from '../../../src/ledger/ledger.js'
import { decodeRecords, encodeRecord, type LedgerRecord } from '../../../src/ledger/records.js'
import { GITHUB_ACTIONS, GitHubFake, start } from '../../../test-servers/github/server.js'
import { logger, open, PR, recipient } from './helpers.js'

const REPO = 'school/course'
const alice = recipient('alice', 501, 42)
const bob = recipient('bob', 502, 43)
const id = (r: typeof alice) => keyId(r.key)

let fake: GitHubFake
let apiUrl: string

beforeEach(async () => {
  ;({ fake, apiUrl } = await start([
    { token: 'ghs_default', identity: GITHUB_ACTIONS, installation: true },
    { token: 'ghs_readonly', identity: GITHUB_ACTIONS, installation: true, readOnly: true },
    { token: 'ghs_other', identity: GITHUB_ACTIONS, installation: true, repos: ['school/other'] },
    {
      token: 'ghs_app',
      identity: { login: 'course-xp[bot]', id: 777, type: 'Bot' },
      installation: true
    },
    {
      token: 'ghp_teacher',
      identity: { login: 'teacher', id: 900, type: 'User', association: 'OWNER' }
    }
  ]))
})

afterEach(async () => {
  await fake.stop()
})

function record(r: typeof alice, over: Partial<LedgerRecord> = {}): LedgerRecord {
  return {
    v: 1,
    key: r.key,
    state: 'done',
    points: r.points,
    xp: 100,
    moodleUserId: r.moodleUserId,
    run: '1/1',
    at: '2026-01-01T00:00:00.000Z',
    ...over
  }
}

/** One whole run: consult, claim what the ledger allows, settle as Moodle would answer. */
async function runOnce(over: Parameters<typeof open>[1] = {}, xp = 120) {
  const { ledger, log } = open(apiUrl, over)
  const l = await ledger
  const decisions = await l.consult([alice])
  const toAward = [alice].filter(r => decisions.get(id(r))?.action === 'award')
  const claims = await l.claim(toAward)
  const go = toAward.filter(r => claims.get(id(r))?.go)
  await l.settle(go.map(r => ({ recipient: r, state: 'done' as const, xp })))
  return { l, log, decisions, claims, go }
}

describe('ledger protocol against the GitHub fake', () => {
  it('first run: list + create + list + update, and the comment congratulates the student', async () => {
    const { l, decisions, go, log } = await runOnce()
    expect(decisions.get(id(alice))?.action).toBe('award')
    expect(go).toEqual([alice])
    expect(fake.requests.map(r => r.method)).toEqual(['GET', 'POST', 'GET', 'PATCH'])
    expect(l.requestCount()).toBe(4)
    expect(fake.requests[0]?.query['per_page']).toBe('100')
    const [c] = fake.comments(REPO, 7)
    expect(c?.user.login).toBe('github-actions[bot]')
    expect(c?.body).toContain('@alice earned **10 XP**')
    expect(c?.body).toContain('**120 XP** in total')
    expect(decodeRecords(c?.body ?? '')).toMatchObject([
      { state: 'done', xp: 120, points: 10, run: '1001/1', key: alice.key }
    ])
    expect(log.warnings).toEqual([])
  })

  it('second run: already-awarded with the recorded total, nothing written', async () => {
    await runOnce()
    fake.resetLog()
    const { decisions, go, l } = await runOnce({ runId: '1002' })
    expect(decisions.get(id(alice))).toMatchObject({
      action: 'already-awarded',
      xp: 120,
      points: 10
    })
    expect(go).toEqual([])
    // list + who-am-I (records exist for the key); no writes.
    expect(fake.requests.map(r => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/school/course/issues/7/comments',
      'POST /graphql'
    ])
    expect(l.requestCount()).toBe(2)
    expect(fake.comments(REPO, 7)).toHaveLength(1)
  })

  it('ignores a record forged by another user: it blocks nothing', async () => {
    fake.addComment(REPO, 7, {
      user: { login: 'mallory', id: 666, type: 'User' },
      body: encodeRecord(record(alice, { state: 'done' }))
    })
    const { decisions, go } = await runOnce()
    expect(decisions.get(id(alice))?.action).toBe('award')
    expect(go).toEqual([alice])
  })

  it('says unknown for a record by another Bot account', async () => {
    fake.addComment(REPO, 7, {
      user: { login: 'course-xp[bot]', id: 777, type: 'Bot' },
      body: encodeRecord(record(alice))
    })
    const { decisions, go } = await runOnce()
    const d = decisions.get(id(alice))
    expect(d?.action).toBe('unknown')
    expect(d?.reason).toContain('course-xp[bot]')
    expect(go).toEqual([])
    expect(fake.comments(REPO, 7)).toHaveLength(1)
  })

  it('trusts the records of the account the token writes as (GitHub App token)', async () => {
    fake.addComment(REPO, 7, {
      user: { login: 'course-xp[bot]', id: 777, type: 'Bot' },
      body: encodeRecord(record(alice))
    })
    const { decisions } = await runOnce({ token: 'ghs_app' })
    expect(decisions.get(id(alice))?.action).toBe('already-awarded')
  })

  it('trusts the records of a personal access token owner, and not github-actions[bot] then', async () => {
    fake.addComment(REPO, 7, { user: GITHUB_ACTIONS, body: encodeRecord(record(alice)) })
    const first = await runOnce({ token: 'ghp_teacher' })
    expect(first.decisions.get(id(alice))?.action).toBe('unknown')
    fake.addComment(REPO, 7, {
      user: { login: 'teacher', id: 900, type: 'User' },
      body: encodeRecord(record(alice, { xp: 140 }))
    })
    const second = await runOnce({ token: 'ghp_teacher' })
    expect(second.decisions.get(id(alice))).toMatchObject({ action: 'already-awarded', xp: 140 })
  })

  it('after switching from a personal access token to the default token: unknown, never a second award', async () => {
    const first = await runOnce({ token: 'ghp_teacher' })
    expect(first.go).toHaveLength(1)
    const { decisions } = await runOnce({ runId: '1002' })
    expect(decisions.get(id(alice))?.action).toBe('unknown')
    expect(decisions.get(id(alice))?.reason).toContain('teacher')
  })

  it('a personal access token GitHub will not identify: its own records give unknown, not a second award', async () => {
    await runOnce({ token: 'ghp_teacher' })
    fake.fault({ status: 403, times: 1, path: '/graphql' })
    const { decisions } = await runOnce({ token: 'ghp_teacher', runId: '1002' })
    expect(decisions.get(id(alice))?.action).toBe('unknown')
  })

  it('falls back to github-actions[bot] when GitHub will not say who the token is', async () => {
    await runOnce()
    fake.fault({ status: 403, times: 1, path: '/graphql' })
    const { decisions } = await runOnce({ runId: '1002' })
    expect(decisions.get(id(alice))?.action).toBe('already-awarded')
  })

  it('says unknown for a pending record; force awards and records it', async () => {
    fake.addComment(REPO, 7, {
      user: GITHUB_ACTIONS,
      body: encodeRecord(record(alice, { state: 'pending', xp: null }))
    })
    const plain = await runOnce()
    expect(plain.decisions.get(id(alice))?.action).toBe('unknown')
    expect(plain.go).toEqual([])
    expect(fake.comments(REPO, 7)).toHaveLength(1)

    const forced = await runOnce({ force: true, runId: '1003' }, 150)
    expect(forced.decisions.get(id(alice))?.action).toBe('award')
    expect(forced.go).toEqual([alice])
    expect(fake.comments(REPO, 7)).toHaveLength(2)

    const after = await runOnce({ runId: '1004' })
    expect(after.decisions.get(id(alice))).toMatchObject({ action: 'already-awarded', xp: 150 })
  })

  it('awards again after a recorded failure', async () => {
    fake.addComment(REPO, 7, {
      user: GITHUB_ACTIONS,
      body: encodeRecord(record(alice, { state: 'failed', xp: null }))
    })
    const { go } = await runOnce()
    expect(go).toEqual([alice])
  })

  it('reads every page: a record after 120 unrelated comments is found', async () => {
    for (let i = 0; i < 120; i++)
      fake.addComment(REPO, 7, {
        user: { login: `s${i}`, id: 10 + i, type: 'User' },
        body: `LGTM ${i}`
      })
    fake.addComment(REPO, 7, { user: GITHUB_ACTIONS, body: encodeRecord(record(alice)) })
    const { decisions } = await runOnce()
    expect(decisions.get(id(alice))?.action).toBe('already-awarded')
    const pages = fake.requests.filter(r => r.method === 'GET').map(r => r.query['page'] ?? '1')
    expect(pages).toEqual(['1', '2'])
  })

  it('two runs claiming at the same moment: exactly one goes', async () => {
    for (let round = 0; round < 8; round++) {
      const subject = { ...PR, number: 100 + round }
      const who = recipient('alice', 501, 42, 10, subject)
      fake.latency = () => Math.floor(Math.random() * 15)
      const ledgers = await Promise.all(
        ['2001', '2002', '2003'].map(runId => open(apiUrl, { subject, runId }).ledger)
      )
      const decisions = await Promise.all(ledgers.map(l => l.consult([who])))
      expect(decisions.every(d => d.get(keyId(who.key))?.action === 'award')).toBe(true)
      const claims = await Promise.all(ledgers.map(l => l.claim([who])))
      const winners = claims.filter(c => c.get(keyId(who.key))?.go)
      expect(winners).toHaveLength(1)
      const refusals = claims.flatMap(c => {
        const r = c.get(keyId(who.key))
        return r && !r.go ? [r.reason] : []
      })
      for (const reason of refusals) expect(reason).toMatch(/another run/)
      const w = claims.findIndex(c => c.get(keyId(who.key))?.go)
      await ledgers[w]!.settle([{ recipient: who, state: 'done', xp: 120 }])
      // The losers withdrew their claims: the ledger shows the award, not an unknown.
      fake.latency = 0
      const later = await open(apiUrl, { subject, runId: '3000' }).ledger
      expect((await later.consult([who])).get(keyId(who.key))?.action).toBe('already-awarded')
      expect(fake.comments(REPO, subject.number)).toHaveLength(1)
    }
  })

  it('gives way per recipient and trims its own comment', async () => {
    // Run A claims alice after run B read the ledger; B claims alice and bob.
    const b = await open(apiUrl, { runId: 'B' }).ledger
    await b.consult([alice, bob])
    const a = await open(apiUrl, { runId: 'A' }).ledger
    await a.consult([alice])
    expect((await a.claim([alice])).get(id(alice))?.go).toBe(true)
    const claims = await b.claim([alice, bob])
    expect(claims.get(id(alice))?.go).toBe(false)
    expect(claims.get(id(bob))?.go).toBe(true)
    await b.settle([{ recipient: bob, state: 'done', xp: 50 }])
    const mine = fake.comments(REPO, 7).at(-1)
    expect(decodeRecords(mine?.body ?? '').map(r => r.key.recipient)).toEqual(['gh:502'])
    expect(mine?.body).not.toContain('@alice')
  })

  it('one comment holds every recipient of the event', async () => {
    const { ledger } = open(apiUrl)
    const l = await ledger
    await l.consult([alice, bob])
    await l.claim([alice, bob])
    await l.settle([
      { recipient: alice, state: 'done', xp: 120 },
      { recipient: bob, state: 'failed', xp: null, reason: 'Moodle said no' }
    ])
    const comments = fake.comments(REPO, 7)
    expect(comments).toHaveLength(1)
    expect(decodeRecords(comments[0]?.body ?? '').map(r => r.state)).toEqual(['done', 'failed'])
    expect(comments[0]?.body).not.toContain('Moodle said no')
    const next = await open(apiUrl, { runId: '1002' }).ledger
    const d = await next.consult([alice, bob])
    expect(d.get(id(alice))?.action).toBe('already-awarded')
    expect(d.get(id(bob))?.action).toBe('award')
  })

  it('no permission to comment, first attempt: awards with a warning naming the permissions', async () => {
    const { go, log, l } = await runOnce({ token: 'ghs_readonly' })
    expect(go).toEqual([alice])
    expect(log.warnings).toHaveLength(1)
    expect(log.warnings[0]).toContain('`pull-requests: write`')
    expect(log.warnings[0]).toContain('`issues: write`')
    expect(log.warnings[0]).toContain('Resource not accessible by integration')
    expect(fake.comments(REPO, 7)).toHaveLength(0)
    // list + refused create; settle writes nothing.
    expect(l.requestCount()).toBe(2)
  })

  it('no permission to comment, re-run attempt: skipped', async () => {
    const { go, claims, log } = await runOnce({ token: 'ghs_readonly', runAttempt: 2 })
    expect(go).toEqual([])
    const c = claims.get(id(alice))
    expect(c).toMatchObject({ go: false, status: 'skipped' })
    expect(c && !c.go && c.reason).toMatch(/^re-run without permission to write the ledger/)
    expect(log.warnings[0]).toContain('attempt 2')
  })

  it('cannot read the ledger (404 for a private repository): same permission rules', async () => {
    const first = await runOnce({ token: 'ghs_other' })
    expect(first.go).toEqual([alice])
    expect(first.log.warnings[0]).toContain('HTTP 404')
    const rerun = await runOnce({ token: 'ghs_other', runAttempt: 3 })
    expect(rerun.go).toEqual([])
  })

  it('dry-run reads the ledger and writes nothing', async () => {
    fake.addComment(REPO, 7, { user: GITHUB_ACTIONS, body: encodeRecord(record(bob)) })
    const { ledger } = open(apiUrl, { dryRun: true })
    const l = await ledger
    const d = await l.consult([alice, bob])
    expect(d.get(id(alice))?.action).toBe('award')
    expect(d.get(id(bob))?.action).toBe('already-awarded')
    expect((await l.claim([alice])).get(id(alice))).toEqual({ go: true })
    await l.settle([{ recipient: alice, state: 'done', xp: 1 }])
    expect(fake.requests.filter(r => r.method !== 'GET' && r.path !== '/graphql')).toEqual([])
    expect(fake.comments(REPO, 7)).toHaveLength(1)
  })

  it('a failed update after the award is a warning; the record stays pending (unknown later)', async () => {
    fake.fault({ status: 500, times: 10, method: 'PATCH' })
    const { go, log } = await runOnce()
    expect(go).toEqual([alice])
    expect(log.warnings).toHaveLength(1)
    expect(log.warnings[0]).toMatch(/^The award stands/)
    expect(fake.count('PATCH')).toBe(3) // first try + 2 retries
    // Another workflow run right away cannot tell a dead run from a busy one: it gives way.
    const soon = await runOnce({ runId: '1002' })
    expect(soon.decisions.get(id(alice))?.action).toBe('in-progress')
    expect(soon.go).toEqual([])
    // A re-run of the same run, or any run after IN_PROGRESS_MS, knows the outcome is unknown.
    const rerun = await runOnce({ runAttempt: 2 })
    expect(rerun.decisions.get(id(alice))?.action).toBe('unknown')
    const inAWhile = () => new Date(Date.now() + 11 * 60_000)
    const later = await runOnce({ runId: '1003', now: inAWhile })
    expect(later.decisions.get(id(alice))?.action).toBe('unknown')
  })

  it('settles an unknown Moodle outcome as pending, told plainly', async () => {
    const { ledger } = open(apiUrl)
    const l = await ledger
    await l.consult([alice])
    await l.claim([alice])
    await l.settle([{ recipient: alice, state: 'unknown', xp: null }])
    const [c] = fake.comments(REPO, 7)
    expect(decodeRecords(c?.body ?? '')[0]?.state).toBe('pending')
    expect(c?.body).toContain('it is not certain')
  })

  it('GitHub failing on the first read (5xx after retries) is a LedgerError', async () => {
    fake.fault({ status: 502, times: 3, method: 'GET' })
    const { ledger } = open(apiUrl)
    const l = await ledger
    const err = await l.consult([alice]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LedgerError)
    expect((err as Error).message).toMatch(/HTTP 502/)
    expect((err as Error).message).toMatch(/Nothing was sent to Moodle/)
    expect((err as Error).message).toMatch(
      /^The award ledger on pull request #7 in school\/course could not be read \(HTTP 502/
    )
    expect((err as Error).message).not.toContain('ghs_default')
    expect(fake.count('GET')).toBe(3)
  })

  it('recovers from a transient 5xx with a retry', async () => {
    fake.fault({ status: 503, times: 1, method: 'GET' })
    const { go, l } = await runOnce()
    expect(go).toEqual([alice])
    expect(l.requestCount()).toBe(5)
  })

  it('a create that failed but happened is adopted, never written twice', async () => {
    fake.fault({ status: 502, times: 1, method: 'POST', afterEffect: true })
    const { go } = await runOnce()
    expect(go).toEqual([alice])
    expect(fake.count('POST')).toBe(1)
    expect(fake.comments(REPO, 7)).toHaveLength(1)
    expect(decodeRecords(fake.comments(REPO, 7)[0]?.body ?? '')[0]?.state).toBe('done')
  })

  it('a create that failed and did not happen is a LedgerError (nothing awarded)', async () => {
    fake.fault({ status: 500, times: 1, method: 'POST' })
    const { ledger } = open(apiUrl)
    const l = await ledger
    await l.consult([alice])
    await expect(l.claim([alice])).rejects.toThrow(LedgerError)
    expect(fake.count('POST')).toBe(1)
    expect(fake.comments(REPO, 7)).toHaveLength(0)
  })

  it('a rate limit is retried once with a warning', async () => {
    fake.fault({ status: 403, times: 1, method: 'GET', rateLimit: true })
    const { go, log } = await runOnce()
    expect(go).toEqual([alice])
    expect(log.warnings.some(w => /rate limit/.test(w))).toBe(true)
  })

  it('a rate limit that persists is a LedgerError, not a permission problem', async () => {
    fake.fault({ status: 403, times: 5, method: 'GET', rateLimit: true })
    const log = logger()
    const l = await open(apiUrl, { logger: log }).ledger
    await expect(l.consult([alice])).rejects.toThrow(/rate limit/)
    expect(log.warnings.some(w => /giving up/.test(w))).toBe(true)
    expect(log.warnings.some(w => /permissions/.test(w))).toBe(false)
  })

  it('a refused token is a LedgerError that names the github-token input', async () => {
    const l = await open(apiUrl, { token: 'ghs_unknown' }).ledger
    await expect(l.consult([alice])).rejects.toThrow(/HTTP 401.*check the github-token input/)
  })

  it('honours GITHUB_API_URL when no apiUrl is given', async () => {
    const saved = process.env['GITHUB_API_URL']
    process.env['GITHUB_API_URL'] = apiUrl
    try {
      const { go } = await runOnce({ apiUrl: undefined })
      expect(go).toEqual([alice])
      expect(fake.count()).toBe(4)
    } finally {
      if (saved === undefined) delete process.env['GITHUB_API_URL']
      else process.env['GITHUB_API_URL'] = saved
    }
  })

  it('logs the ledger comment link', async () => {
    const { log } = await runOnce()
    expect(log.infos).toEqual([expect.stringMatching(/issuecomment-\d+$/)])
  })

  it('with comment: false the comment holds only the hidden record', async () => {
    await runOnce({ comment: false })
    const [c] = fake.comments(REPO, 7)
    expect(c?.body).not.toContain('@alice')
    expect(decodeRecords(c?.body ?? '')).toHaveLength(1)
  })

  it('works with the production client settings (real retry delays and write spacing)', async () => {
    const { go, l } = await runOnce({ client: undefined })
    expect(go).toEqual([alice])
    expect(l.requestCount()).toBe(4)
  })
})
