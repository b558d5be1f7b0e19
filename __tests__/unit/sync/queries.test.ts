import { describe, expect, it } from '@jest/globals'
import { parse } from 'graphql'
import { checkQuery, NODE_LIMIT } from '../../../test-servers/github/graphql.js'
import {
  FETCH_REPOSITORIES,
  FOLLOW_UPS,
  NEXT_PAGE,
  OWNER_SCAN,
  RECENT_ITEMS,
  SCAN_NAMED,
  fetchQuery,
  followUpQuery,
  namedScan,
  recentCommentsQuery
} from '../../../src/sync/queries.js'

const repos = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ owner: 'classroom', name: `hw1-s${i}` }))

/** Checked as GitHub checks a query before running it: its published schema, then its limits. */
function expectAccepted(query: string, variables: Record<string, unknown> = {}) {
  const { errors, measure } = checkQuery(parse(query), variables)
  expect(errors.map(e => e.message)).toEqual([])
  expect(measure.nodes).toBeLessThanOrEqual(NODE_LIMIT)
  return measure
}

describe('discovery queries against GitHub published schema', () => {
  it('the owner scan', () => {
    expectAccepted(OWNER_SCAN, { owner: 'classroom', after: null })
  })

  it('the named scan, full size', () => {
    expectAccepted(namedScan(repos(SCAN_NAMED)))
  })

  it('the fetch query, full size, first and later pages, under a fifth of the node limit', () => {
    const first = expectAccepted(
      fetchQuery(
        repos(FETCH_REPOSITORIES).map(repository => ({
          repository,
          pullRequests: { first: 10, after: null },
          issues: { first: 10, after: null, since: '2026-09-01T00:00:00.000Z' }
        }))
      )
    )
    expect(first.nodes).toBeLessThan(NODE_LIMIT / 5)
    const later = expectAccepted(
      fetchQuery(
        repos(FETCH_REPOSITORIES).map(repository => ({
          repository,
          pullRequests: { first: NEXT_PAGE, after: 'Y3Vyc29yOnYyOjk=' },
          issues: { first: NEXT_PAGE, after: 'Y3Vyc29yOnYyOjk=', since: '2026-09-01T00:00:00Z' }
        }))
      )
    )
    expect(later.nodes).toBeLessThan(NODE_LIMIT / 2)
    expectAccepted(
      fetchQuery([
        {
          repository: repos(1)[0]!,
          issues: { first: 10, after: null, since: '2026-09-01T00:00:00Z' }
        }
      ])
    )
  })

  it('follow-ups of every kind', () => {
    expectAccepted(
      followUpQuery(
        repos(FOLLOW_UPS).map((repository, i) => ({
          repository,
          // Only pull requests have approvals.
          kind: i % 3 === 2 || i % 2 === 0 ? 'pull_request' : 'issue',
          number: i + 1,
          connection: (['comments', 'labels', 'approvals'] as const)[i % 3]!,
          after: 'Y3Vyc29yOnYyOjk='
        }))
      )
    )
    expectAccepted(
      followUpQuery([
        { repository: repos(1)[0]!, kind: 'issue', number: 1, connection: 'labels', after: 'x' }
      ])
    )
  })

  it('the re-read of the latest comments, full size, under a tenth of the node limit', () => {
    const items = repos(RECENT_ITEMS).map((repository, i) => ({ repository, number: i + 1 }))
    expect(expectAccepted(recentCommentsQuery(items)).nodes).toBeLessThan(NODE_LIMIT / 10)
  })
})
