/**
 * The event-mode ledger over HTTP: Octokit against the GitHub stand-in. The protocol itself is
 * tested over an in-memory GitHub in `__tests__/unit/ledger/`; here, what depends on the wire:
 * requests, pages, retries, rate limits, GitHub's refusals, the users look-up, list lag.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { connect, GitHubError } from '../../../src/ledger/github.js'
import { keyId, LedgerError } from '../../../src/ledger/ledger.js'
import { decodeRecords, recordKeyFrom } from '../../../src/ledger/records.js'
import { GITHUB_ACTIONS, GitHubFake, start } from '../../../test-servers/github/server.js'
import { FAST, logger, MOODLE_TOKEN, open, recipient } from './helpers.js'

const REPO = 'school/course'
const KEY = recordKeyFrom(MOODLE_TOKEN)
const alice = recipient('alice', 501, 42)
const id = (r: typeof alice) => keyId(r.key)

let fake: GitHubFake
let apiUrl: string

beforeEach(async () => {
  ;({ fake, apiUrl } = await start([
    { token: 'ghs_default', identity: GITHUB_ACTIONS, installation: true },
    { token: 'ghs_readonly', identity: GITHUB_ACTIONS, installation: true, readOnly: true },
    { token: 'ghs_other', identity: GITHUB_ACTIONS, installation: true, repos: ['school/other'] },
    {
      token: 'ghp_teacher',
      identity: { login: 'teacher', id: 900, type: 'User', association: 'NONE' }
    }
  ]))
})

afterEach(async () => {
  await fake.stop()
})

/** One whole run: consult, claim what the ledger allows, settle as Moodle would answer. */
async function runOnce(over: Parameters<typeof open>[1] = {}, xp = 120) {
  const { opened, log } = open(apiUrl, over)
  const { ledger, github } = await opened
  const decisions = await ledger.consult([alice])
  const toAward = [alice].filter(r => decisions.get(id(r))?.action === 'award')
  const claims = await ledger.claim(toAward)
  const go = toAward.filter(r => claims.get(id(r))?.go)
  await ledger.settle(go.map(r => ({ recipient: r, state: 'done' as const, xp })))
  return { github, log, decisions, claims, go }
}

describe('the comment ledger over HTTP', () => {
  it('first run: list, create, list, update, 100 comments a page; the next run lists once', async () => {
    const { go, github } = await runOnce()
    expect(go).toEqual([alice])
    expect(fake.requests.map(r => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/school/course/issues/7/comments',
      'POST /repos/school/course/issues/7/comments',
      'GET /repos/school/course/issues/7/comments',
      expect.stringMatching(/^PATCH \/repos\/school\/course\/issues\/comments\/\d+$/)
    ])
    expect(github.requests()).toBe(4)
    expect(fake.requests[0]?.query['per_page']).toBe('100')
    const [c] = fake.comments(REPO, 7)
    expect(c?.user.login).toBe('github-actions[bot]')
    expect(decodeRecords(c?.body ?? '', KEY)).toMatchObject([
      { verified: true, record: { state: 'done', xp: 120, key: alice.key } }
    ])
    fake.resetLog()
    const again = await runOnce({ runId: '1002' })
    expect(again.decisions.get(id(alice))).toMatchObject({ action: 'already-awarded', xp: 120 })
    expect(fake.requests.map(r => r.method)).toEqual(['GET'])
  })

  it('reads every page: a record after 120 unrelated comments is found', async () => {
    for (let i = 0; i < 120; i++)
      fake.addComment(REPO, 7, {
        user: { login: `s${i}`, id: 10 + i, type: 'User' },
        body: `LGTM ${i}`
      })
    await runOnce()
    fake.resetLog()
    const { decisions } = await runOnce({ runId: '1002' })
    expect(decisions.get(id(alice))?.action).toBe('already-awarded')
    const pages = fake.requests.filter(r => r.method === 'GET').map(r => r.query['page'] ?? '1')
    expect(pages).toEqual(['1', '2'])
  })

  it('waits for a lagging list to show its claim, then goes', async () => {
    fake.listLagMs = 150
    const { go } = await runOnce()
    expect(go).toEqual([alice])
    const gets = fake.requests.filter(r => r.method === 'GET').length
    expect(gets).toBeGreaterThan(2)
  })

  it('recovers from a transient 5xx with a retry', async () => {
    fake.fault({ status: 503, times: 1, method: 'GET' })
    const { go, github } = await runOnce()
    expect(go).toEqual([alice])
    expect(github.requests()).toBe(5)
  })

  it('a create that failed but happened is adopted, never written twice', async () => {
    fake.fault({ status: 502, times: 1, method: 'POST', afterEffect: true })
    const { go } = await runOnce()
    expect(go).toEqual([alice])
    expect(fake.count('POST')).toBe(2) // the create, and the viewer query to know its author
    expect(fake.comments(REPO, 7)).toHaveLength(1)
  })

  it('GitHub failing on the first read (5xx after retries) is a LedgerError', async () => {
    fake.fault({ status: 502, times: 3, method: 'GET' })
    const { ledger } = await open(apiUrl).opened
    const err = await ledger.consult([alice]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LedgerError)
    expect((err as Error).message).toMatch(
      /^The award ledger on pull request #7 in school\/course could not be read \(HTTP 502/
    )
    expect((err as Error).message).not.toContain('ghs_default')
    expect(fake.count('GET')).toBe(3)
  })

  it('a read-only token: the claim fails naming the permissions, nothing written', async () => {
    const { ledger } = await open(apiUrl, { token: 'ghs_readonly' }).opened
    await ledger.consult([alice])
    await expect(ledger.claim([alice])).rejects.toThrow(
      /HTTP 403: Resource not accessible by integration\): the github-token lacks the permission; add `pull-requests: write`/
    )
    expect(fake.comments(REPO, 7)).toHaveLength(0)
  })

  it('a locked conversation: the claim fails, saying so', async () => {
    fake.lock(REPO, 7)
    const { ledger } = await open(apiUrl).opened
    await ledger.consult([alice])
    await expect(ledger.claim([alice])).rejects.toThrow(
      /is locked.*HTTP 403: Unable to create comment because issue is locked\./
    )
  })

  it('a repository the token cannot see (404): consult fails', async () => {
    const { ledger } = await open(apiUrl, { token: 'ghs_other' }).opened
    await expect(ledger.consult([alice])).rejects.toThrow(/HTTP 404.*`pull-requests: write`/)
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
    const { ledger } = await open(apiUrl, { logger: log }).opened
    const err = (await ledger.consult([alice]).catch((e: unknown) => e)) as Error
    expect(err).toBeInstanceOf(LedgerError)
    expect(err.message).toMatch(/rate limit/)
    expect(err.message).not.toMatch(/permission/)
    expect(log.warnings.some(w => /giving up/.test(w))).toBe(true)
  })

  it('a refused token is a LedgerError that names the github-token input', async () => {
    const { ledger } = await open(apiUrl, { token: 'ghs_unknown' }).opened
    await expect(ledger.consult([alice])).rejects.toThrow(/HTTP 401.*check the github-token input/)
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

  it('works with the production client settings (real retry delays and write spacing)', async () => {
    const { go, github } = await runOnce({ client: undefined, delays: undefined })
    expect(go).toEqual([alice])
    expect(github.requests()).toBe(4)
  })
})

describe('the GitHub API client', () => {
  const client = (token = 'ghs_default') => connect({ token, apiUrl, logger: logger(), ...FAST })

  it('asks GraphQL who the token writes as, once per call, without retrying', async () => {
    expect(await (await client('ghp_teacher')).viewer()).toEqual({ login: 'teacher', id: 900 })
    fake.fault({ status: 502, times: 1, path: '/graphql' })
    const api = await client()
    const err = await api.viewer().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GitHubError)
    expect((err as GitHubError).status).toBe(502)
    expect(fake.requests.filter(r => r.path === '/graphql')).toHaveLength(2)
    fake.fault({ status: 403, times: 1, path: '/graphql' })
    expect(await api.viewer()).toBeNull()
  })

  it('looks up a GitHub account id by login; null for a login GitHub does not know', async () => {
    fake.addUser({ login: 'Octocat', id: 583231, type: 'User' })
    const api = await client()
    expect(await api.userId('octocat')).toBe(583231)
    expect(await api.userId('no-such-user')).toBeNull()
    fake.fault({ status: 502, times: 3, path: '/users/' })
    await expect(api.userId('octocat')).rejects.toThrow(/HTTP 502/)
  })

  it('the stand-in can echo the request’s token in an error body', async () => {
    fake.fault({ status: 500, times: 1, path: '/graphql', echoToken: true })
    const err = await (await client()).viewer().catch((e: unknown) => e as GitHubError)
    expect((err as GitHubError).detail).toContain('ghs_default')
  })
})
