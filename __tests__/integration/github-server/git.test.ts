import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { GITHUB_ACTIONS, GitHubFake, start } from '../../../test-servers/github/server.js'
import { restRequest } from './http.js'

let fake: GitHubFake
let apiUrl: string

beforeEach(async () => {
  ;({ fake, apiUrl } = await start([
    { token: 'ghs_default', identity: GITHUB_ACTIONS, installation: true },
    { token: 'ghs_readonly', identity: GITHUB_ACTIONS, installation: true, readOnly: true },
    { token: 'ghs_other', identity: GITHUB_ACTIONS, installation: true, repos: ['school/other'] }
  ]))
  fake.world.repository('school/course')
  fake.world.repository('school/empty', { empty: true })
})

afterEach(async () => {
  await fake.stop()
})

const rest = (method: string, path: string, body?: unknown, token = 'ghs_default') =>
  restRequest(apiUrl, method, path, body, token)

const git = '/repos/school/course/git'

describe('GitHub stand-in: git data', () => {
  it('an orphan branch: a tree, a commit without parents, a ref; object ids are git ids', async () => {
    const tree = await rest('POST', `${git}/trees`, {
      tree: [{ path: 'README.md', mode: '100644', type: 'blob', content: 'hello\n' }]
    })
    expect(tree.status).toBe(201)
    const blobId = createHash('sha1').update('blob 6\0hello\n').digest('hex')
    expect(tree.body.tree).toEqual([
      expect.objectContaining({
        path: 'README.md',
        mode: '100644',
        type: 'blob',
        sha: blobId,
        size: 6
      })
    ])
    const commit = await rest('POST', `${git}/commits`, {
      message: 'Start',
      tree: tree.body.sha,
      parents: []
    })
    expect(commit.status).toBe(201)
    expect(commit.body.parents).toEqual([])
    const ref = await rest('POST', `${git}/refs`, {
      ref: 'refs/heads/ledger',
      sha: commit.body.sha
    })
    expect(ref.status).toBe(201)
    expect((await rest('GET', `${git}/ref/heads/ledger`)).body.object).toMatchObject({
      sha: commit.body.sha,
      type: 'commit'
    })
    const again = await rest('POST', `${git}/refs`, {
      ref: 'refs/heads/ledger',
      sha: commit.body.sha
    })
    expect(again).toEqual({
      status: 422,
      body: expect.objectContaining({ message: 'Reference already exists' })
    })
    expect((await rest('GET', `${git}/ref/heads/nope`)).status).toBe(404)
  })

  it('a ref moves only forward unless forced (422 "Update is not a fast forward")', async () => {
    const main = (await rest('GET', `${git}/ref/heads/main`)).body.object as { sha: string }
    const tree = await rest('POST', `${git}/trees`, {
      tree: [{ path: 'a.txt', mode: '100644', type: 'blob', content: 'a' }]
    })
    const child = await rest('POST', `${git}/commits`, {
      message: 'a',
      tree: tree.body.sha,
      parents: [main.sha]
    })
    const sibling = await rest('POST', `${git}/commits`, {
      message: 'b',
      tree: tree.body.sha,
      parents: [main.sha]
    })
    expect((await rest('PATCH', `${git}/refs/heads/main`, { sha: child.body.sha })).status).toBe(
      200
    )
    const behind = await rest('PATCH', `${git}/refs/heads/main`, { sha: sibling.body.sha })
    expect(behind).toEqual({
      status: 422,
      body: expect.objectContaining({ message: 'Update is not a fast forward' })
    })
    expect(
      (await rest('PATCH', `${git}/refs/heads/main`, { sha: sibling.body.sha, force: true })).status
    ).toBe(200)
  })

  it('blobs read back whole, base64, as GitHub serves them', async () => {
    const blob = await rest('POST', `${git}/blobs`, { content: 'x'.repeat(100), encoding: 'utf-8' })
    const read = await rest('GET', `${git}/blobs/${String(blob.body.sha)}`)
    expect(read.body.encoding).toBe('base64')
    expect(Buffer.from(String(read.body.content), 'base64').toString()).toBe('x'.repeat(100))
  })

  it('404 for what the token cannot see, 403 for a read-only token, 409 on an empty repository', async () => {
    expect((await rest('GET', `${git}/ref/heads/main`, undefined, 'ghs_other')).status).toBe(404)
    const tree = { tree: [{ path: 'a', mode: '100644', type: 'blob', content: 'a' }] }
    expect(await rest('POST', `${git}/trees`, tree, 'ghs_readonly')).toEqual({
      status: 403,
      body: expect.objectContaining({ message: 'Resource not accessible by integration' })
    })
    expect(await rest('POST', '/repos/school/empty/git/trees', tree)).toEqual({
      status: 409,
      body: expect.objectContaining({ message: 'Git Repository is empty.' })
    })
  })
})
