import { describe, expect, it } from '@jest/globals'
import { planAwards } from '../../../src/events/plan.js'
import type { Roster } from '../../../src/roster/types.js'
import { discoveredItem, issueFacts, pullRequestFacts } from '../../../src/sync/items.js'
import {
  configFingerprint,
  FRESH_MS,
  NOT_APPROVED,
  tooFresh,
  withApprovalRule
} from '../../../src/sync/rules.js'

const alice = { __typename: 'User', login: 'alice', databaseId: 501 }
const teacher = { __typename: 'User', login: 'teacher', databaseId: 900 }
const page = <T>(nodes: T[]) => ({ pageInfo: { hasNextPage: false, endCursor: null }, nodes })

function pr(reviewers: (typeof alice)[], mergedAt = '2026-10-01T00:00:00Z') {
  return discoveredItem(
    pullRequestFacts('classroom/hw1-alice', {
      number: 3,
      title: 'Solution',
      url: 'https://github.com/classroom/hw1-alice/pull/3',
      updatedAt: mergedAt,
      mergedAt,
      locked: false,
      author: alice,
      mergedBy: alice,
      assignees: page([]),
      labels: page([]),
      reviews: page(reviewers.map(author => ({ author }))),
      comments: page([])
    })
  )
}

const settings = {
  points: 10,
  labelPoints: new Map<string, number>(),
  recipients: 'auto' as const,
  issueCloseReasons: new Set(['completed']),
  ignoreUsers: new Set<string>(),
  userId: null,
  githubLogin: null,
  courseId: 30
}

const plan = (item: ReturnType<typeof pr>) =>
  planAwards(item.event.name, item.event.payload, settings)

describe('require-approval', () => {
  it('a self-merged pull request without another approval earns nothing', () => {
    const item = pr([])
    expect(withApprovalRule(plan(item), item, true).entries[0]?.skipReason).toBe(NOT_APPROVED)
    expect(withApprovalRule(plan(item), item, false).entries[0]?.skipReason).toBeNull()
  })

  it("the author's own approval does not count; another person's does", () => {
    const own = pr([alice])
    expect(withApprovalRule(plan(own), own, true).entries[0]?.skipReason).toBe(NOT_APPROVED)
    const approved = pr([teacher])
    expect(withApprovalRule(plan(approved), approved, true).entries[0]?.skipReason).toBeNull()
  })

  it('issues are not concerned, and other reasons are kept', () => {
    const issue = discoveredItem(
      issueFacts('classroom/hw1-alice', {
        number: 4,
        title: 'Task',
        url: 'https://github.com/classroom/hw1-alice/issues/4',
        updatedAt: '2026-10-01T00:00:00Z',
        closedAt: '2026-10-01T00:00:00Z',
        locked: false,
        stateReason: 'COMPLETED',
        author: teacher,
        assignees: page([alice]),
        labels: page([]),
        comments: page([]),
        timelineItems: { nodes: [{ actor: alice }] }
      })
    )
    const p = planAwards(issue.event.name, issue.event.payload, settings)
    expect(withApprovalRule(p, issue, true)).toBe(p)
    const bot = pr([])
    const botPlan = planAwards(bot.event.name, bot.event.payload, {
      ...settings,
      ignoreUsers: new Set(['alice'])
    })
    expect(withApprovalRule(botPlan, bot, true).entries[0]?.skipReason).toBe(
      'listed in ignore-users'
    )
  })
})

describe('freshness', () => {
  it('leaves an item merged less than 10 minutes before the read to the next run', () => {
    const item = pr([], '2026-10-01T12:00:00Z')
    const at = (ms: number) => new Date(Date.parse('2026-10-01T12:00:00Z') + ms).toISOString()
    expect(tooFresh(item, at(3 * 60_000))).toBe(3)
    expect(tooFresh(item, at(FRESH_MS - 1))).toBe(9)
    expect(tooFresh(item, at(FRESH_MS))).toBeNull()
  })
})

describe('configuration fingerprint', () => {
  const roster: Roster = {
    records: [
      {
        github: 'Alice',
        githubId: 501,
        moodleId: 2,
        lookup: null,
        source: { file: 'roster.csv', line: 2 }
      },
      {
        github: 'bob',
        githubId: null,
        moodleId: null,
        lookup: { field: 'email', value: 'bob@example.edu' },
        source: { file: 'roster.csv', line: 3 }
      }
    ]
  }
  const base = {
    courseId: 30,
    points: 10,
    labelPoints: new Map([['bug', 5]]),
    recipients: 'auto' as const,
    issueCloseReasons: new Set(['completed']),
    ignoreUsers: new Set(['teacher'])
  }
  const f = configFingerprint(base, roster, false)

  it('does not change with the roster layout or the order of lists', () => {
    const moved: Roster = {
      records: [...roster.records].reverse().map((r, i) => ({
        ...r,
        github: r.github?.toLowerCase() ?? null,
        source: { file: 'x.yml', line: i }
      }))
    }
    expect(configFingerprint(base, moved, false)).toBe(f)
    expect(configFingerprint({ ...base, ignoreUsers: new Set(['Teacher']) }, roster, false)).toBe(f)
  })

  it('changes with anything that decides who earns what', () => {
    const changed = [
      configFingerprint(base, { records: roster.records.slice(0, 1) }, false),
      configFingerprint({ ...base, courseId: 31 }, roster, false),
      configFingerprint({ ...base, points: 20 }, roster, false),
      configFingerprint({ ...base, labelPoints: new Map([['bug', 6]]) }, roster, false),
      configFingerprint({ ...base, recipients: ['assignees'] }, roster, false),
      configFingerprint({ ...base, issueCloseReasons: new Set(['duplicate']) }, roster, false),
      configFingerprint({ ...base, ignoreUsers: new Set() }, roster, false),
      configFingerprint(base, roster, true),
      configFingerprint(base, null, false)
    ]
    expect(new Set([f, ...changed]).size).toBe(changed.length + 1)
  })
})
