import { afterEach, describe, expect, it } from '@jest/globals'
import { planAwards, SKIP, type PlannerSettings } from '../../../src/events/plan.js'
import { advanceCursor, changedSince, type SyncCursor } from '../../../src/sync/cursor.js'
import { discover, type Discovery } from '../../../src/sync/discovery.js'
import { connect } from '../../../src/sync/github.js'
import { parseRepositories } from '../../../src/sync/repositories.js'
import {
  classroom,
  mergedHistory,
  mixedHistory,
  type Classroom
} from '../../../test-servers/github/classroom.js'
import { GITHUB_ACTIONS, GitHubFake, start } from '../../../test-servers/github/server.js'

const SINCE = '2026-06-01T00:00:00.000Z'
const APP = { login: 'course-xp[bot]', id: 900001, type: 'Bot' as const }

let fake: GitHubFake
let apiUrl: string

async function world(students: number) {
  ;({ fake, apiUrl } = await start([
    { token: 'ghs_app', identity: APP, installation: true },
    {
      token: 'ghs_course',
      identity: GITHUB_ACTIONS,
      installation: true,
      repos: ['classroom/course-xp']
    }
  ]))
  return classroom(fake.world, { students, at: '2026-05-01T00:00:00Z' })
}

afterEach(async () => {
  await fake.stop()
})

function logger() {
  const warnings: string[] = []
  return { warnings, info: () => {}, warning: (m: string) => void warnings.push(m) }
}

async function api(
  o: { token?: string; throttle?: Record<string, unknown>; log?: ReturnType<typeof logger> } = {}
) {
  return connect({
    token: o.token ?? 'ghs_app',
    apiUrl,
    logger: o.log ?? logger(),
    retryBaseMs: 1,
    throttle: o.throttle ?? { retryAfterBaseValue: 1 }
  })
}

const ids = (d: Discovery) => d.items.map(i => `${i.repository}#${i.number}`).sort()

const settings: PlannerSettings = {
  points: 10,
  labelPoints: new Map(),
  recipients: 'auto',
  issueCloseReasons: new Set(['completed']),
  ignoreUsers: new Set(['teacher']),
  userId: null,
  githubLogin: null
}

describe('discovery against the GitHub stand-in', () => {
  it('finds every pull request merged and issue closed since `since` in a 30-repository Classroom organisation', async () => {
    const course = await world(30)
    const expected = mixedHistory(fake, course, SINCE)
    const d = await discover(await api(), {
      repositories: parseRepositories('classroom/hw1-*', 'classroom/course-xp'),
      since: SINCE
    })
    expect(d.repositories).toHaveLength(30)
    expect(d.unresolved).toEqual([])
    expect(ids(d)).toEqual(expected.map(e => `${e.repository}#${e.number}`).sort())
    for (const e of expected) {
      const item = d.items.find(i => i.repository === e.repository && i.number === e.number)!
      expect(item.kind).toBe(e.kind)
      expect(item.event.payload.sender.login).toBe(e.sender)
      expect(item.approvers.map(a => a.login)).toEqual(e.approvers)
      const stateReason = item.kind === 'issue' ? item.event.payload.issue.state_reason : undefined
      expect(stateReason).toBe(e.stateReason)
    }
    // Ledger records written by event mode, and a thread longer than one page of comments.
    const withRecords = d.items.filter(i => i.ledgerComments.length > 0)
    expect(withRecords.map(i => i.repository)).toEqual(
      course.repositories.filter((_, i) => i % 10 === 0)
    )
    expect(withRecords[0]?.ledgerComments[0]).toMatchObject({
      userLogin: 'github-actions[bot]',
      userId: 41898282,
      userType: 'Bot'
    })
    // 1 list + 2 fetches of 25 repositories + 1 follow-up for the 36-comment thread.
    expect(d.requests).toBe(4)
    expect(fake.count()).toBe(4)
    expect(Date.parse(d.readAt)).toBeGreaterThan(Date.now() - 60_000)
  })

  it('the event planner reads each discovered item as the webhook it stands for', async () => {
    const course = await world(10)
    mixedHistory(fake, course, SINCE)
    const d = await discover(await api(), {
      repositories: parseRepositories('classroom/hw1-*', 'classroom/course-xp'),
      since: SINCE
    })
    const verdict = (repo: number, number: number) => {
      const item = d.items.find(
        i => i.repository === course.repositories[repo] && i.number === number
      )!
      return planAwards(item.event.name, item.event.payload, settings).entries.map(e => [
        e.person?.login,
        e.skipReason
      ])
    }
    const student = (i: number) => course.students[i]
    expect(verdict(0, 1)).toEqual([[student(0), null]]) // approved, merged by the teacher
    expect(verdict(4, 2)).toEqual([['dependabot[bot]', SKIP.bot]])
    expect(verdict(0, 3)).toEqual([[student(0), null]]) // assigned issue, completed
    expect(verdict(1, 3)?.[0]?.[1]).toMatch(/^closed as not_planned/)
    expect(verdict(2, 3)).toEqual([[student(2), SKIP.selfClosed]])
  })

  it('with the cursor, the next run reads only what changed, and finds a pull request merged in between', async () => {
    const course = await world(30)
    mixedHistory(fake, course, SINCE)
    const repositories = parseRepositories('classroom/hw1-*', 'classroom/course-xp')
    const first = await discover(await api(), { repositories, since: SINCE })
    let cursor: SyncCursor = advanceCursor({}, first.repositories, {
      at: first.readAt,
      since: SINCE
    })
    const next = async () =>
      discover(await api(), {
        repositories,
        since: SINCE,
        changedSince: r => changedSince(cursor, r, { since: SINCE })
      })

    const quiet = await next()
    // Only what changed within the overlap before the first run's answer: the threads that got
    // comments just now (the ledger records event mode wrote).
    expect(ids(quiet)).toEqual(
      first.items
        .filter(i => i.ledgerComments.length > 0)
        .map(i => `${i.repository}#${i.number}`)
        .sort()
    )
    cursor = advanceCursor(cursor, quiet.repositories, {
      at: new Date(Date.now() + 11 * 60_000).toISOString(),
      since: SINCE
    })
    const fresh = fake.world.openPullRequest(course.repositories[7]!, {
      author: course.students[7]!,
      at: new Date(Date.now() + 12 * 60_000)
    })
    fake.world.merge(fresh, { by: course.teacher, at: new Date(Date.now() + 13 * 60_000) })
    const third = await next()
    expect(ids(third)).toEqual([`${course.repositories[7]}#${fresh.number}`])
    expect(third.requests).toBe(2)
  })

  it('names, patterns and unknown entries: what cannot be read is reported, the rest is read', async () => {
    const course = await world(3)
    mergedHistory(fake.world, course, 1, '2026-06-02T00:00:00Z')
    fake.world.repository('octo/tools')
    const d = await discover(await api(), {
      repositories: parseRepositories(
        `classroom/hw1-student001, Classroom/HW1-student002\nclassroom/hw9-*\nocto/missing\nnobody/*`,
        'classroom/course-xp'
      ),
      since: SINCE
    })
    expect(d.repositories.sort()).toEqual(['classroom/hw1-student001', 'classroom/hw1-student002'])
    expect(d.unresolved).toEqual([
      { entry: 'classroom/hw9-*', reason: 'no repository that github-token can read matches it' },
      { entry: 'nobody/*', reason: 'GitHub has no account nobody that github-token can see' },
      { entry: 'octo/missing', reason: 'not found, or github-token cannot read it' }
    ])
    expect(d.items).toHaveLength(2)
    const hidden = await discover(await api({ token: 'ghs_course' }), {
      repositories: parseRepositories('classroom/hw1-student001', 'classroom/course-xp'),
      since: SINCE
    })
    expect(hidden.unresolved).toEqual([
      { entry: 'classroom/hw1-student001', reason: 'not found, or github-token cannot read it' }
    ])
  })

  it('four shards read disjoint parts that together are the whole course', async () => {
    const course = await world(40)
    mergedHistory(fake.world, course, 1, '2026-06-02T00:00:00Z')
    const repositories = parseRepositories('classroom/hw1-*', 'classroom/course-xp')
    const parts: Discovery[] = []
    for (let index = 1; index <= 4; index++)
      parts.push(
        await discover(await api(), { repositories, since: SINCE, shard: { index, count: 4 } })
      )
    const all = parts.flatMap(p => p.repositories)
    expect(all.sort()).toEqual([...course.repositories].sort())
    expect(
      parts
        .flatMap(p => p.items)
        .map(i => i.repository)
        .sort()
    ).toEqual([...course.repositories].sort())
  })

  it("waits out GitHub's secondary rate limit (retry-after) and its GraphQL primary limit", async () => {
    const course = await world(3)
    mergedHistory(fake.world, course, 1, '2026-06-02T00:00:00Z')
    fake.fault({ status: 403, secondary: true, retryAfter: 2, path: '/graphql', times: 1 })
    fake.fault({ status: 200, rateLimit: true, path: '/graphql', times: 1 })
    const log = logger()
    const began = Date.now()
    const d = await discover(await api({ log, throttle: { retryAfterBaseValue: 100 } }), {
      repositories: parseRepositories('classroom/hw1-*', 'classroom/course-xp'),
      since: SINCE
    })
    expect(Date.now() - began).toBeGreaterThanOrEqual(200)
    expect(d.items).toHaveLength(3)
    expect(d.requests).toBe(4)
    expect(log.warnings).toEqual([
      expect.stringMatching(
        /^GitHub secondary rate limit reached for sync; waiting 2 s as GitHub asks/
      ),
      expect.stringMatching(
        /^GitHub primary rate limit reached for sync; waiting \d+ s as GitHub asks/
      )
    ])
  })
})

describe('request budget at 1,000 repositories', () => {
  let course: Classroom

  it('a first catch-up over 1,000 repositories with 3 merged pull requests each: at most 150 requests', async () => {
    course = await world(1000)
    mergedHistory(fake.world, course, 3, '2026-06-02T00:00:00Z')
    const d = await discover(await api(), {
      repositories: parseRepositories('classroom/hw1-*', 'classroom/course-xp'),
      since: SINCE
    })
    expect(d.items).toHaveLength(3000)
    expect(d.requests).toBeLessThanOrEqual(150)
    expect(d.requests).toBe(50) // 10 list pages + 40 fetches of 25 repositories
  })

  it('a run over 1,000 repositories with nothing new: at most 25 requests', async () => {
    course = await world(1000)
    mergedHistory(fake.world, course, 3, '2026-06-02T00:00:00Z')
    const repositories = parseRepositories('classroom/hw1-*', 'classroom/course-xp')
    const cursor = advanceCursor({}, course.repositories, {
      at: '2026-07-01T00:00:00Z',
      since: SINCE
    })
    const d = await discover(await api(), {
      repositories,
      since: SINCE,
      changedSince: r => changedSince(cursor, r, { since: SINCE })
    })
    expect(d.items).toEqual([])
    expect(d.requests).toBeLessThanOrEqual(25)
    expect(d.requests).toBe(10) // the list, 100 repositories a page
  })
})
