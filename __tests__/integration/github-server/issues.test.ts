import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { GitHubFake, start } from '../../../test-servers/github/server.js'
import { restRequest } from './http.js'

const APP = { login: 'course-xp[bot]', id: 900001, type: 'Bot' as const }

let fake: GitHubFake
let apiUrl: string

beforeEach(async () => {
  ;({ fake, apiUrl } = await start([
    { token: 'ghs_app', identity: APP, installation: true },
    { token: 'ghs_readonly', identity: APP, installation: true, readOnly: true },
    { token: 'ghs_no_issues', identity: APP, installation: true, issuesReadOnly: true },
    { token: 'ghs_other', identity: APP, installation: true, repos: ['school/other'] }
  ]))
  fake.world.repository('school/course')
})

afterEach(async () => {
  await fake.stop()
})

const rest = (method: string, path: string, body?: unknown, token = 'ghs_app') =>
  restRequest(apiUrl, method, path, body, token)

async function graphql(query: string, variables: Record<string, unknown>, token = 'ghs_app') {
  const res = await rest('POST', '/graphql', { query, variables }, token)
  return res.body as {
    data?: Record<string, unknown> | null
    errors?: Array<{ type?: string; message: string }>
  }
}

const issues = '/repos/school/course/issues'
const PIN = 'mutation($id: ID!) { pinIssue(input: {issueId: $id}) { issue { number isPinned } } }'

describe('GitHub stand-in: issues', () => {
  it('opens an issue as the token account, with the node id GraphQL knows it by', async () => {
    const created = await rest('POST', issues, { title: 'XP leaderboard', body: 'hello' })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      number: 1,
      title: 'XP leaderboard',
      body: 'hello',
      state: 'open',
      user: { login: APP.login, id: APP.id, type: 'Bot' },
      html_url: 'https://github.com/school/course/issues/1'
    })
    expect(created.body).not.toHaveProperty('pull_request')
    const viaGraphQL = await graphql(
      'query { repository(owner: "school", name: "course") { issue(number: 1) { id body } } }',
      {}
    )
    expect(viaGraphQL.data).toEqual({
      repository: { issue: { id: created.body.node_id, body: 'hello' } }
    })
    expect((await rest('GET', `${issues}/1`)).body).toEqual(created.body)
  })

  it('refuses a missing title (422), writes without Issues: write (403), an unseen repository (404)', async () => {
    expect((await rest('POST', issues, { body: 'x' })).status).toBe(422)
    for (const token of ['ghs_readonly', 'ghs_no_issues']) {
      const refused = await rest('POST', issues, { title: 't' }, token)
      expect(refused.status).toBe(403)
      expect(refused.body.message).toBe('Resource not accessible by integration')
    }
    expect((await rest('GET', issues, undefined, 'ghs_other')).status).toBe(404)
    // Reading is allowed with read-only issues.
    expect((await rest('GET', issues, undefined, 'ghs_no_issues')).status).toBe(200)
  })

  it('edits title, body and state in place; an unknown number is 404', async () => {
    await rest('POST', issues, { title: 'XP leaderboard', body: 'one' })
    const edited = await rest('PATCH', `${issues}/1`, { body: 'two', state: 'closed' })
    expect(edited.status).toBe(200)
    expect(edited.body).toMatchObject({ number: 1, body: 'two', state: 'closed' })
    expect((await rest('GET', `${issues}/1`)).body.body).toBe('two')
    expect((await rest('PATCH', `${issues}/9`, { body: 'x' })).status).toBe(404)
    expect((await rest('PATCH', `${issues}/1`, { body: 'x' }, 'ghs_no_issues')).status).toBe(403)
  })

  it('lists issues and pull requests: open by default, state, creator, sort, direction, pages with Link', async () => {
    const world = fake.world
    const pr = world.openPullRequest('school/course', {
      author: 'alice',
      at: '2026-01-01T00:00:00Z'
    })
    world.merge(pr, { by: 'alice', at: '2026-01-02T00:00:00Z' })
    world.openIssue('school/course', { author: 'bob', at: '2026-01-03T00:00:00Z' })
    const closed = world.openIssue('school/course', { author: 'bob', at: '2026-01-04T00:00:00Z' })
    world.close(closed, { by: 'bob', at: '2026-01-05T00:00:00Z' })
    const numbers = (r: { body: unknown }) =>
      (r.body as Array<{ number: number }>).map(i => i.number)

    expect(numbers(await rest('GET', issues))).toEqual([2])
    const all = await rest('GET', `${issues}?state=all&direction=asc`)
    expect(numbers(all)).toEqual([1, 2, 3])
    expect((all.body as unknown as Array<Record<string, unknown>>)[0]).toHaveProperty(
      'pull_request.html_url',
      'https://github.com/school/course/pull/1'
    )
    expect(numbers(await rest('GET', `${issues}?state=all&creator=BOB`))).toEqual([3, 2])
    const first = await rest('GET', `${issues}?state=all&direction=asc&per_page=2`)
    expect(numbers(first)).toEqual([1, 2])
    const headers = await fetch(`${apiUrl}${issues}?state=all&direction=asc&per_page=2`, {
      headers: { authorization: 'token ghs_app' }
    })
    expect(headers.headers.get('link')).toBe(
      `<${apiUrl}${issues}?state=all&direction=asc&per_page=2&page=2>; rel="next", <${apiUrl}${issues}?state=all&direction=asc&per_page=2&page=2>; rel="last"`
    )
    expect(
      numbers(await rest('GET', `${issues}?state=all&direction=asc&per_page=2&page=2`))
    ).toEqual([3])
    const pr1 = await rest('GET', `${issues}/1`)
    expect(pr1.body).toHaveProperty('pull_request')
    const unmodelled = await rest('GET', `${issues}?labels=bug`)
    expect(unmodelled.status).toBe(400)
    expect(unmodelled.body.message).toBe('The GitHub stand-in does not model the parameter labels')
  })

  it('pins an issue with pinIssue: not with read-only issues, not a pull request, at most three', async () => {
    const ids: string[] = []
    for (let i = 0; i < 4; i++)
      ids.push((await rest('POST', issues, { title: `t${i}` })).body.node_id as string)
    const refused = await graphql(PIN, { id: ids[0] }, 'ghs_no_issues')
    expect(refused.errors).toEqual([
      expect.objectContaining({
        type: 'FORBIDDEN',
        message: 'Resource not accessible by integration'
      })
    ])
    for (const id of ids.slice(0, 3)) {
      const pinned = await graphql(PIN, { id })
      expect(pinned.errors).toBeUndefined()
      expect(pinned.data).toEqual({
        pinIssue: { issue: { number: expect.any(Number), isPinned: true } }
      })
    }
    // Pinning a pinned issue again changes nothing.
    expect((await graphql(PIN, { id: ids[0] })).errors).toBeUndefined()
    const fourth = await graphql(PIN, { id: ids[3] })
    expect(fourth.errors?.[0]?.type).toBe('UNPROCESSABLE')
    expect(fake.world.find('school/course')!.items.map(i => i.pinned)).toEqual([
      true,
      true,
      true,
      false
    ])
    const unknown = await graphql(PIN, { id: 'I_nothing' })
    expect(unknown.errors?.[0]?.type).toBe('NOT_FOUND')
  })
})
