import { describe, expect, it } from '@jest/globals'
import { planAwards, SKIP, type PlannerSettings } from '../../../src/events/plan.js'
import {
  discoveredItem,
  issueFacts,
  personOf,
  pullRequestFacts,
  type GraphQLActor,
  type GraphQLIssue,
  type GraphQLPullRequest
} from '../../../src/sync/items.js'

const settings: PlannerSettings = {
  points: 10,
  labelPoints: new Map([['bug', 25]]),
  recipients: 'auto',
  issueCloseReasons: new Set(['completed']),
  ignoreUsers: new Set(['teacher']),
  userId: null,
  githubLogin: null
}

const alice: GraphQLActor = { __typename: 'User', login: 'alice', databaseId: 501 }
const teacher: GraphQLActor = { __typename: 'User', login: 'teacher', databaseId: 900 }
const dependabot: GraphQLActor = { __typename: 'Bot', login: 'dependabot', databaseId: 49699333 }
const page = <T>(nodes: T[], next: string | null = null) => ({
  pageInfo: { hasNextPage: next !== null, endCursor: next },
  nodes
})

function pr(over: Partial<GraphQLPullRequest> = {}): GraphQLPullRequest {
  return {
    number: 3,
    title: 'Solution',
    url: 'https://github.com/classroom/hw1-alice/pull/3',
    updatedAt: '2026-10-02T00:00:00Z',
    mergedAt: '2026-10-01T00:00:00Z',
    locked: false,
    author: alice,
    mergedBy: teacher,
    assignees: page([]),
    labels: page([{ name: 'Bug' }]),
    reviews: page([{ author: teacher }, { author: alice }, { author: teacher }]),
    comments: page([
      {
        databaseId: 7,
        body: 'ok <!-- moodle-xp-ledger {"v":1} -->',
        url: 'https://github.com/classroom/hw1-alice/pull/3#issuecomment-7',
        authorAssociation: 'NONE',
        author: { __typename: 'Bot', login: 'github-actions', databaseId: 41898282 }
      },
      { databaseId: 8, body: 'thanks', url: 'u', authorAssociation: 'OWNER', author: teacher }
    ]),
    ...over
  }
}

function issue(over: Partial<GraphQLIssue> = {}): GraphQLIssue {
  return {
    number: 4,
    title: 'Task',
    url: 'https://github.com/classroom/hw1-alice/issues/4',
    updatedAt: '2026-10-02T00:00:00Z',
    closedAt: '2026-10-01T00:00:00Z',
    locked: false,
    stateReason: 'COMPLETED',
    author: alice,
    assignees: page([]),
    labels: page([]),
    comments: page([]),
    timelineItems: { nodes: [{ actor: teacher }] },
    ...over
  }
}

function plan(item: ReturnType<typeof discoveredItem>) {
  return planAwards(item.event.name, item.event.payload, settings)
}

describe('discovered items', () => {
  it('name people as REST does: bots with [bot], deleted accounts as the ghost', () => {
    expect(personOf(dependabot)).toEqual({ login: 'dependabot[bot]', id: 49699333, type: 'Bot' })
    expect(personOf(alice)).toEqual({ login: 'alice', id: 501, type: 'User' })
    expect(personOf(null)).toEqual({ login: 'ghost', id: 10137, type: 'User' })
  })

  it('a merged pull request is a "closed" pull_request event the planner reads unchanged', () => {
    const item = discoveredItem(pullRequestFacts('classroom/hw1-alice', pr()))
    expect(item.event.name).toBe('pull_request')
    const p = plan(item)
    expect(p.kind).toBe('pr-merged')
    expect(p.subject).toMatchObject({ repository: 'classroom/hw1-alice', number: 3 })
    expect(p.entries).toEqual([
      {
        person: { login: 'alice', id: 501, type: 'User' },
        moodleUserId: null,
        points: 25,
        skipReason: null
      }
    ])
    expect(p.pointsSource).toBe("label 'Bug'")
  })

  it('approvers are the other accounts that approved, each once; ledger comments are kept, in REST form', () => {
    const item = discoveredItem(pullRequestFacts('classroom/hw1-alice', pr()))
    expect(item.approvers).toEqual([{ login: 'teacher', id: 900, type: 'User' }])
    expect(item.ledgerComments).toEqual([
      {
        id: 7,
        userId: 41898282,
        userLogin: 'github-actions[bot]',
        userType: 'Bot',
        association: 'NONE',
        body: 'ok <!-- moodle-xp-ledger {"v":1} -->',
        url: 'https://github.com/classroom/hw1-alice/pull/3#issuecomment-7'
      }
    ])
  })

  it("a bot's pull request reaches the planner as a bot's", () => {
    const item = discoveredItem(pullRequestFacts('classroom/hw1-alice', pr({ author: dependabot })))
    expect(plan(item).entries[0]?.skipReason).toBe(SKIP.bot)
  })

  it('an issue carries its close reason and who closed it (the self-close rule)', () => {
    const completed = discoveredItem(issueFacts('classroom/hw1-alice', issue()))
    expect(completed.event.name).toBe('issues')
    expect(plan(completed).entries[0]?.skipReason).toBeNull()
    const selfClosed = discoveredItem(
      issueFacts('classroom/hw1-alice', issue({ timelineItems: { nodes: [{ actor: alice }] } }))
    )
    expect(plan(selfClosed).entries[0]?.skipReason).toBe(SKIP.selfClosed)
    const notPlanned = discoveredItem(
      issueFacts('classroom/hw1-alice', issue({ stateReason: 'NOT_PLANNED' }))
    )
    expect(notPlanned.event.payload).toMatchObject({ issue: { state_reason: 'not_planned' } })
    expect(plan(notPlanned).entries[0]?.skipReason).toMatch(/^closed as not_planned/)
  })

  it('an issue closed by a deleted account is closed by the ghost, not by nobody', () => {
    const item = discoveredItem(
      issueFacts('classroom/hw1-alice', issue({ timelineItems: { nodes: [{ actor: null }] } }))
    )
    expect(item.event.payload.sender).toEqual({ login: 'ghost', id: 10137, type: 'User' })
    expect(plan(item).entries[0]?.skipReason).toBeNull()
  })

  it('assignees earn for an issue, as in event mode', () => {
    const item = discoveredItem(
      issueFacts(
        'classroom/hw1-alice',
        issue({ assignees: page([{ ...alice, login: 'bob', databaseId: 502 }]) })
      )
    )
    expect(plan(item).entries.map(e => e.person?.login)).toEqual(['bob'])
  })

  it('connections with more pages are marked for a follow-up', () => {
    const facts = pullRequestFacts(
      'classroom/hw1-alice',
      pr({ comments: page([], 'c1'), labels: page([], 'l1'), reviews: page([], 'r1') })
    )
    expect(facts.more).toEqual({ comments: 'c1', labels: 'l1', approvals: 'r1' })
  })
})
