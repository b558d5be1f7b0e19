import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { README_PATH, STORE_README, encodeLedgerFile, ledgerPath } from '../../../src/sync/files.js'
import { connect } from '../../../src/sync/github.js'
import { CentralStore, StoreError } from '../../../src/sync/store.js'
import { GITHUB_ACTIONS, GitHubFake, start } from '../../../test-servers/github/server.js'

const REPO = 'school/course-xp'
const BRANCH = 'moodle-xp-ledger'
const APP = { login: 'course-xp[bot]', id: 900001, type: 'Bot' as const }

let fake: GitHubFake
let apiUrl: string

beforeEach(async () => {
  ;({ fake, apiUrl } = await start([
    { token: 'ghs_app', identity: APP, installation: true },
    {
      token: 'github_pat_teacher',
      identity: { login: 'teacher', id: 900, type: 'User' },
      repos: [REPO]
    },
    { token: 'ghs_readonly', identity: GITHUB_ACTIONS, installation: true, readOnly: true }
  ]))
  fake.world.repository(REPO)
})

afterEach(async () => {
  await fake.stop()
})

async function store(token = 'ghs_app') {
  const api = await connect({
    token,
    apiUrl,
    logger: { info: () => {}, warning: () => {} },
    retryBaseMs: 1
  })
  return { api, store: new CentralStore(api, REPO, BRANCH) }
}

function branchFiles(): Map<string, string> {
  const repo = fake.world.find(REPO)!
  const head = repo.ref(`refs/heads/${BRANCH}`)!
  const files = repo.git.files(repo.git.commit(head)!.tree)
  return new Map([...files].map(([p, oid]) => [p, repo.git.blob(oid)!.content.toString('utf8')]))
}

const file = (name: string, n: number) =>
  encodeLedgerFile({ repository: name, records: Array.from({ length: n }, (_, i) => ({ key: i })) })

describe('central store client against the GitHub stand-in', () => {
  it('first use: no branch; it is created as an orphan holding only the README', async () => {
    const { api, store: s } = await store()
    const empty = await s.read([ledgerPath('classroom/hw1-alice')])
    expect(empty).toEqual({
      head: null,
      files: new Map([['ledger/classroom/hw1-alice.json', null]])
    })
    expect(api.requests()).toBe(1)
    expect((await s.create()).status).toBe('created')
    expect(api.requests()).toBe(4) // tree, commit, ref
    const repo = fake.world.find(REPO)!
    const head = repo.ref(`refs/heads/${BRANCH}`)!
    expect(repo.git.commit(head)!.parents).toEqual([])
    expect(branchFiles()).toEqual(new Map([[README_PATH, STORE_README]]))
    expect(await s.create()).toEqual({ status: 'exists' })
    const snapshot = await s.read([README_PATH])
    expect(snapshot).toEqual({ head, files: new Map([[README_PATH, STORE_README]]) })
  })

  it('one commit writes and deletes many files; a read gets 100 files a request, all at one head', async () => {
    const { api, store: s } = await store()
    await s.create()
    const { head } = await s.read([])
    const names = Array.from({ length: 150 }, (_, i) => `classroom/hw1-s${i}`)
    const changes = names.map((n, i) => ({ path: ledgerPath(n), content: file(n, i % 3) }))
    const before = api.requests()
    const first = await s.commit(head!, changes, { headline: 'Claim 150 awards' })
    expect(first.status).toBe('committed')
    expect(api.requests() - before).toBe(1)
    const second = await s.commit(
      (first as { head: string }).head,
      [
        { path: ledgerPath(names[0]!), content: null },
        { path: 'cursor.json', content: '{}\n' }
      ],
      { headline: 'Record', body: 'outcomes' }
    )
    expect(second.status).toBe('committed')
    const paths = [...names.map(ledgerPath), 'cursor.json', 'ledger/nobody/none.json']
    const mark = api.requests()
    const snapshot = await s.read(paths)
    expect(api.requests() - mark).toBe(2)
    expect(snapshot.head).toBe((second as { head: string }).head)
    expect(snapshot.files.get(ledgerPath(names[0]!))).toBeNull()
    expect(snapshot.files.get(ledgerPath(names[149]!))).toBe(file(names[149]!, 149 % 3))
    expect(snapshot.files.get('cursor.json')).toBe('{}\n')
    expect(snapshot.files.get('ledger/nobody/none.json')).toBeNull()
    const commit = fake.world.find(REPO)!.git.commit(snapshot.head!)!
    expect(commit.message).toBe('Record\n\noutcomes')
    expect(commit.author.name).toBe('course-xp[bot]')
  })

  it('a head that moved is a conflict, and nothing is written', async () => {
    const { store: s } = await store()
    await s.create()
    const { head } = await s.read([])
    const mine = [{ path: 'ledger/a/b.json', content: file('a/b', 1) }]
    const theirs = await s.commit(head!, [{ path: 'ledger/a/c.json', content: file('a/c', 1) }], {
      headline: 'Another run'
    })
    expect(theirs.status).toBe('committed')
    expect(await s.commit(head!, mine, { headline: 'Late' })).toEqual({ status: 'conflict' })
    expect(branchFiles().has('ledger/a/b.json')).toBe(false)
    const again = await s.read(['ledger/a/c.json'])
    expect((await s.commit(again.head!, mine, { headline: 'Retried' })).status).toBe('committed')
  })

  it('two runs writing at once from the same head: exactly one commit lands', async () => {
    const a = await store()
    const b = await store()
    await a.store.create()
    const { head } = await a.store.read([])
    const outcomes = await Promise.all([
      a.store.commit(head!, [{ path: 'ledger/x/y.json', content: file('x/y', 1) }], {
        headline: 'a'
      }),
      b.store.commit(head!, [{ path: 'ledger/x/y.json', content: file('x/y', 2) }], {
        headline: 'b'
      })
    ])
    expect(outcomes.map(o => o.status).sort()).toEqual(['committed', 'conflict'])
  })

  it('a file longer than GitHub returns through GraphQL is read whole through the blob endpoint', async () => {
    const { api, store: s } = await store()
    await s.create()
    const { head } = await s.read([])
    const big = file('a/big', 30000)
    expect(Buffer.byteLength(big)).toBeGreaterThan(512_000)
    await s.commit(head!, [{ path: 'ledger/a/big.json', content: big }], { headline: 'big' })
    const mark = api.requests()
    expect((await s.read(['ledger/a/big.json'])).files.get('ledger/a/big.json')).toBe(big)
    expect(api.requests() - mark).toBe(2)
  })

  it('a commit whose answer is lost is unknown, never retried; a re-read shows whether it landed', async () => {
    const { api, store: s } = await store()
    await s.create()
    const { head } = await s.read([])
    fake.fault({ status: 502, afterEffect: true, path: '/graphql', method: 'POST', times: 1 })
    const mark = api.requests()
    const outcome = await s.commit(head!, [{ path: 'ledger/a/b.json', content: file('a/b', 1) }], {
      headline: 'lost'
    })
    expect(outcome).toEqual({ status: 'unknown', detail: expect.stringMatching(/^HTTP 502/) })
    expect(api.requests() - mark).toBe(1)
    const after = await s.read(['ledger/a/b.json'])
    expect(after.head).not.toBe(head)
    expect(after.files.get('ledger/a/b.json')).toBe(file('a/b', 1))
  })

  it('works with a fine-grained token that may write the repository', async () => {
    const { store: s } = await store('github_pat_teacher')
    expect((await s.create()).status).toBe('created')
    const { head } = await s.read([])
    expect(
      (await s.commit(head!, [{ path: 'cursor.json', content: '{}\n' }], { headline: 'c' })).status
    ).toBe('committed')
  })

  it('a token that may not write gets the fix, for creating and for committing', async () => {
    const { store: admin } = await store()
    await admin.create()
    const { head } = await admin.read([])
    const { store: s } = await store('ghs_readonly')
    await expect(
      s.commit(head!, [{ path: 'cursor.json', content: '{}' }], { headline: 'x' })
    ).rejects.toThrow(
      /github-token may not write school\/course-xp \(Resource not accessible by integration\); grant "Contents: write"/
    )
    fake.world.repository('school/other')
    const other = new CentralStore((await store('ghs_readonly')).api, 'school/other', BRANCH)
    await expect(other.create()).rejects.toThrow(StoreError)
    await expect(other.create()).rejects.toThrow(/"contents: write" under "permissions:"/)
  })
})
