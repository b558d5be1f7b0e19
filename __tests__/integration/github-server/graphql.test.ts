import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { GITHUB_ACTIONS, GitHubFake, start } from '../../../test-servers/github/server.js'

let fake: GitHubFake
let apiUrl: string

beforeEach(async () => {
  ;({ fake, apiUrl } = await start([
    { token: 'ghs_default', identity: GITHUB_ACTIONS, installation: true },
    {
      token: 'ghs_app',
      identity: { login: 'course-xp[bot]', id: 777, type: 'Bot' },
      installation: true
    },
    {
      token: 'ghp_alice',
      identity: { login: 'alice', id: 501, type: 'User' },
      repos: ['classroom/hw1-alice']
    },
    { token: 'ghs_readonly', identity: GITHUB_ACTIONS, installation: true, readOnly: true }
  ]))
  const w = fake.world
  w.organization('classroom')
  w.user('teacher')
  w.user('alice', 501)
  const pr = w.openPullRequest('classroom/hw1-alice', {
    author: 'alice',
    at: '2026-10-01T00:00:00Z'
  })
  w.review(pr, { author: 'teacher', at: '2026-10-02T00:00:00Z' })
  w.merge(pr, { by: 'teacher', at: '2026-10-03T00:00:00Z' })
  w.repository('classroom/hw1-bob')
})

afterEach(async () => {
  await fake.stop()
})

async function graphql(
  query: string,
  variables: Record<string, unknown> = {},
  token = 'ghs_default'
) {
  const res = await fetch(`${apiUrl}/graphql`, {
    method: 'POST',
    headers: { authorization: `bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables })
  })
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as {
      data?: Record<string, unknown>
      errors?: Array<Record<string, unknown>>
    }
  }
}

describe('GitHub stand-in: GraphQL', () => {
  it('viewer answers who each token acts as, installation tokens included', async () => {
    const q = 'query { viewer { login databaseId } }'
    expect((await graphql(q)).body).toEqual({
      data: { viewer: { login: 'github-actions[bot]', databaseId: 41898282 } }
    })
    expect((await graphql(q, {}, 'ghs_app')).body.data).toEqual({
      viewer: { login: 'course-xp[bot]', databaseId: 777 }
    })
  })

  it('refuses what GitHub schema refuses, with 200 and no data', async () => {
    const unknownField = await graphql('query { viewer { nope } }')
    expect(unknownField.status).toBe(200)
    expect(unknownField.body.data).toBeUndefined()
    expect(unknownField.body.errors?.[0]?.message).toMatch(
      /Cannot query field "nope" on type "User"/
    )
    const wrongArgument = await graphql(
      'query { repository(owner: "classroom", name: "hw1-alice") { pullRequests(first: 1, states: DONE) { totalCount } } }'
    )
    expect(wrongArgument.body.errors?.[0]?.message).toMatch(
      /Value "DONE" does not exist in "PullRequestState" enum/
    )
  })

  it('every connection needs first or last, from 1 to 100, as GitHub says', async () => {
    const none = await graphql('query { viewer { repositories { totalCount } } }')
    expect(none.body.errors).toEqual([
      {
        type: 'MISSING_PAGINATION_BOUNDARIES',
        message:
          'You must provide a `first` or `last` value to properly paginate the `repositories` connection.'
      }
    ])
    const tooMany = await graphql(
      'query($n: Int) { viewer { repositories(first: $n) { totalCount } } }',
      { n: 101 }
    )
    expect(tooMany.body.errors).toEqual([
      {
        type: 'EXCESSIVE_PAGINATION',
        message:
          'Requesting 101 records on the `repositories` connection exceeds the `first` limit of 100 records.'
      }
    ])
  })

  it("counts nodes and points as GitHub's documentation computes them", async () => {
    // The documentation's examples: 550 nodes; 5,101 connection requests = 51 points.
    const simple = await graphql(
      'query { viewer { repositories(first: 50) { edges { repository: node { name issues(first: 10) { totalCount edges { node { title } } } } } } } rateLimit { nodeCount cost } }'
    )
    expect(simple.body.data?.rateLimit).toEqual({ nodeCount: 550, cost: 1 })
    const costly = await graphql(
      'query { viewer { login repositories(first: 100) { edges { node { id issues(first: 50) { edges { node { id labels(first: 60) { edges { node { id name } } } } } } } } } } rateLimit { cost } }'
    )
    expect(costly.body.data?.rateLimit).toEqual({ cost: 51 })
    expect(costly.headers.get('x-ratelimit-resource')).toBe('graphql')
    expect(Number(costly.headers.get('x-ratelimit-used'))).toBe(52)
    const huge = await graphql(
      'query { viewer { repositories(first: 100) { nodes { issues(first: 100) { nodes { comments(first: 100) { totalCount } } } } } } }'
    )
    expect(huge.body.errors).toEqual([
      {
        type: 'MAX_NODE_LIMIT_EXCEEDED',
        message:
          'This query requests up to 1,010,100 possible nodes which exceeds the maximum limit of 500,000.'
      }
    ])
  })

  it('a repository the token cannot see is NOT_FOUND, beside the data of those it can', async () => {
    const q =
      'query { a: repository(owner: "classroom", name: "hw1-alice") { name } b: repository(owner: "classroom", name: "hw1-bob") { name } }'
    const answer = await graphql(q, {}, 'ghp_alice')
    expect(answer.body.data).toEqual({ a: { name: 'hw1-alice' }, b: null })
    expect(answer.body.errors).toEqual([
      {
        type: 'NOT_FOUND',
        path: ['b'],
        locations: [{ line: 1, column: 71 }],
        message: "Could not resolve to a Repository with the name 'classroom/hw1-bob'."
      }
    ])
  })

  it('bots are named without [bot] in GraphQL, as GitHub does; a field with no model is an error, never null', async () => {
    fake.world.bot('dependabot', 49699333)
    const pr = fake.world.openPullRequest('classroom/hw1-alice', { author: 'dependabot[bot]' })
    const answer = await graphql(
      `query { repository(owner: "classroom", name: "hw1-alice") { pullRequest(number: ${pr.number}) { author { __typename login ... on Bot { databaseId } } } } }`
    )
    expect(answer.body.data).toEqual({
      repository: {
        pullRequest: { author: { __typename: 'Bot', login: 'dependabot', databaseId: 49699333 } }
      }
    })
    const unmodelled = await graphql(
      'query { repository(owner: "classroom", name: "hw1-alice") { stargazerCount } }'
    )
    expect(unmodelled.body.errors?.[0]?.message).toBe(
      'The GitHub stand-in does not model Repository.stargazerCount'
    )
  })

  it('createCommitOnBranch is a compare-and-swap on the head, worded as GitHub words a stale head', async () => {
    const read = await graphql(
      'query { repository(owner: "classroom", name: "hw1-alice") { ref(qualifiedName: "refs/heads/main") { target { oid } } } }'
    )
    const head = (read.body.data as { repository: { ref: { target: { oid: string } } } }).repository
      .ref.target.oid
    const mutation = `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid message } } }`
    const input = (expectedHeadOid: string) => ({
      input: {
        branch: { repositoryNameWithOwner: 'classroom/hw1-alice', branchName: 'main' },
        expectedHeadOid,
        message: { headline: 'Add notes', body: 'Two files' },
        fileChanges: {
          additions: [
            { path: 'notes/a.md', contents: Buffer.from('a').toString('base64') },
            { path: 'notes/b.md', contents: Buffer.from('b').toString('base64') }
          ]
        }
      }
    })
    const first = await graphql(mutation, input(head), 'ghs_app')
    const commit = (
      first.body.data as { createCommitOnBranch: { commit: { oid: string; message: string } } }
    ).createCommitOnBranch.commit
    expect(commit.message).toBe('Add notes\n\nTwo files')
    expect(commit.oid).toMatch(/^[0-9a-f]{40}$/)
    const stale = await graphql(mutation, input(head), 'ghs_app')
    expect(stale.body.data).toEqual({ createCommitOnBranch: null })
    expect(stale.body.errors?.[0]).toMatchObject({
      type: 'STALE_DATA',
      path: ['createCommitOnBranch'],
      message: `Expected branch to point to "${head}" but it did not. Pull and try again.`
    })
    const file = await graphql(
      'query { repository(owner: "classroom", name: "hw1-alice") { object(expression: "main:notes/b.md") { ... on Blob { text } } } }'
    )
    expect(file.body.data).toEqual({ repository: { object: { text: 'b' } } })
    const refused = await graphql(mutation, input(commit.oid), 'ghs_readonly')
    expect(refused.body.errors?.[0]).toMatchObject({
      type: 'FORBIDDEN',
      message: 'Resource not accessible by integration'
    })
  })

  it('answers the primary limit as GraphQL does (200, RATE_LIMITED) and the secondary with retry-after', async () => {
    fake.fault({ status: 200, rateLimit: true, path: '/graphql', times: 1 })
    fake.fault({ status: 403, secondary: true, retryAfter: 7, path: '/graphql', times: 1 })
    const primary = await graphql('query { viewer { login } }')
    expect(primary.status).toBe(200)
    expect(primary.body.errors?.[0]?.type).toBe('RATE_LIMITED')
    expect(primary.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(Number(primary.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000)
    const secondary = await graphql('query { viewer { login } }')
    expect(secondary.status).toBe(403)
    expect(secondary.headers.get('retry-after')).toBe('7')
    expect((secondary.body as { message?: string }).message).toMatch(
      /^You have exceeded a secondary rate limit/
    )
    expect((await graphql('query { viewer { login } }')).status).toBe(200)
  })
})
