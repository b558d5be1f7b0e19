import { describe, expect, it } from '@jest/globals'
import { candidatesFor, resultFor, type Resolution } from '../../../src/award/recipients.js'
import type { Plan, PlanEntry } from '../../../src/events/types.js'
import type { RosterRecord } from '../../../src/roster/types.js'

function entry(over: Partial<PlanEntry> = {}): PlanEntry {
  return {
    person: { login: 'octocat', id: 583231 },
    moodleUserId: null,
    points: 10,
    skipReason: null,
    ...over
  }
}

function plan(...entries: PlanEntry[]): Plan {
  return {
    kind: 'pr-merged',
    subject: null,
    entries,
    description: 'Pull request #1 merged',
    pointsSource: 'points input'
  }
}

function record(over: Partial<RosterRecord> = {}): RosterRecord {
  return {
    github: 'octocat',
    githubId: null,
    moodleId: null,
    lookup: null,
    source: { file: '.github/roster.yml', line: 4 },
    ...over
  }
}

const noRecord = (): RosterRecord | null => null
const none = new Map<RosterRecord, Resolution>()

describe('resultFor', () => {
  it('fills every field of a result from the entry', () => {
    expect(resultFor(entry({ points: 7 }), 2, 'awarded', 'because', 140)).toEqual({
      github: 'octocat',
      githubId: 583231,
      moodleUserId: 2,
      points: 7,
      xp: 140,
      status: 'awarded',
      reason: 'because'
    })
  })

  it('uses null for a missing person and a missing xp', () => {
    expect(resultFor(entry({ person: null }), null, 'failed', 'r')).toEqual({
      github: null,
      githubId: null,
      moodleUserId: null,
      points: 10,
      xp: null,
      status: 'failed',
      reason: 'r'
    })
  })

  it('keeps a null account id for a person known only by login', () => {
    const r = resultFor(entry({ person: { login: 'hubot', id: null } }), 4, 'dry-run', '')
    expect(r).toMatchObject({ github: 'hubot', githubId: null })
  })
})

describe('candidatesFor', () => {
  it('settles an entry with a skip reason as skipped, before anything else', () => {
    const skipped = entry({ skipReason: 'a bot account', moodleUserId: 5 })
    const [c] = candidatesFor(
      plan(skipped),
      () => {
        throw new Error('the roster must not be consulted for a skipped entry')
      },
      none,
      true
    )
    expect(c).toEqual({
      entry: skipped,
      moodleUserId: null,
      settled: {
        github: 'octocat',
        githubId: 583231,
        moodleUserId: null,
        points: 10,
        xp: null,
        status: 'skipped',
        reason: 'a bot account'
      }
    })
  })

  it('lets the user-id input win over the roster', () => {
    const looked: PlanEntry[] = []
    const [c] = candidatesFor(
      plan(entry({ moodleUserId: 42 })),
      e => {
        looked.push(e)
        return record({ moodleId: 3 })
      },
      none,
      true
    )
    expect(c).toMatchObject({ moodleUserId: 42, settled: null })
    expect(looked).toEqual([])
  })

  it('takes the Moodle id the roster record names', () => {
    const [c] = candidatesFor(plan(entry()), () => record({ moodleId: 3 }), none, true)
    expect(c).toMatchObject({ moodleUserId: 3, settled: null })
  })

  it("gives a login without id (github-login) the roster's github_id, for a stable ledger key", () => {
    const byLogin = entry({ person: { login: 'octocat', id: null } })
    const [c] = candidatesFor(
      plan(byLogin),
      () => record({ moodleId: 3, githubId: 583231 }),
      none,
      true
    )
    expect(c?.entry.person).toEqual({ login: 'octocat', id: 583231 })
    expect(byLogin.person?.id).toBeNull() // the plan itself is left as it was
    const [known] = candidatesFor(
      plan(entry({ person: { login: 'octocat', id: 7 } })),
      () => record({ moodleId: 3, githubId: 583231 }),
      none,
      true
    )
    expect(known?.entry.person?.id).toBe(7)
  })

  it('passes each entry to the roster matcher and keeps plan order', () => {
    const byLogin: Record<string, RosterRecord> = {
      octocat: record({ moodleId: 2 }),
      hubot: record({ github: 'hubot', moodleId: 4 })
    }
    const candidates = candidatesFor(
      plan(
        entry({ person: { login: 'hubot', id: 1 } }),
        entry({ person: { login: 'ghost', id: 2 } }),
        entry()
      ),
      e => byLogin[e.person?.login ?? ''] ?? null,
      none,
      true
    )
    expect(candidates.map(c => [c.entry.person?.login, c.moodleUserId, c.settled?.status])).toEqual(
      [
        ['hubot', 4, undefined],
        ['ghost', null, 'unmapped'],
        ['octocat', 2, undefined]
      ]
    )
  })

  it('takes the Moodle id a look-up found', () => {
    const rec = record({ lookup: { field: 'email', value: 'octocat@students.example.edu' } })
    const [c] = candidatesFor(plan(entry()), () => rec, new Map([[rec, { moodleId: 17 }]]), true)
    expect(c).toMatchObject({ moodleUserId: 17, settled: null })
  })

  it('settles a look-up that found nobody as unmapped, naming field, value, file and line', () => {
    const rec = record({
      lookup: { field: 'username', value: 'octo' },
      source: { file: 'roster.csv', line: 7 }
    })
    const [c] = candidatesFor(plan(entry()), () => rec, new Map([[rec, { notFound: true }]]), true)
    expect(c?.moodleUserId).toBeNull()
    expect(c?.settled?.status).toBe('unmapped')
    expect(c?.settled?.reason).toMatch(/^no Moodle user with username octo \(roster\.csv line 7\)/)
  })

  it('treats a look-up with no result as not found', () => {
    const rec = record({ lookup: { field: 'idnumber', value: 'S-123' } })
    const [c] = candidatesFor(plan(entry()), () => rec, none, true)
    expect(c?.settled?.status).toBe('unmapped')
    expect(c?.settled?.reason).toContain('idnumber S-123 (.github/roster.yml line 4)')
  })

  it('settles an ambiguous look-up as unmapped, listing the Moodle users', () => {
    const rec = record({
      lookup: { field: 'email', value: 'shared@example.edu' },
      source: { file: 'mapping', line: 2 }
    })
    const [c] = candidatesFor(
      plan(entry()),
      () => rec,
      new Map([[rec, { notFound: true, ambiguousIds: [5, 9] }]]),
      true
    )
    expect(c?.settled?.status).toBe('unmapped')
    expect(c?.settled?.reason).toBe(
      "several Moodle users (5, 9) have email shared@example.edu (mapping line 2); write the student's moodle_id instead"
    )
  })

  it('settles a person missing from the roster as unmapped, naming the login', () => {
    const [c] = candidatesFor(plan(entry()), noRecord, none, true)
    expect(c?.settled).toMatchObject({ status: 'unmapped', moodleUserId: null, github: 'octocat' })
    expect(c?.settled?.reason).toBe(
      'octocat is not in the roster; add a record for this GitHub user'
    )
  })

  it('asks "did you mean" when a roster login is a typo away from the missing one', () => {
    const near = record()
    const [c] = candidatesFor(plan(entry()), noRecord, none, true, () => near)
    expect(c?.settled?.reason).toBe(
      `octocat is not in the roster; did you mean "${near.github}" (${near.source.file} line ${near.source.line})? If that record is this student's, correct its login to octocat; otherwise add a record for this GitHub user`
    )
  })

  it('without a roster, says which inputs tie GitHub users to Moodle users', () => {
    const [c] = candidatesFor(plan(entry()), noRecord, none, false)
    expect(c?.settled?.status).toBe('unmapped')
    expect(c?.settled?.reason).toContain('mapping-file')
    expect(c?.settled?.reason).toContain('mapping')
    expect(c?.settled?.reason).not.toContain('octocat is not in the roster')
  })

  it('settles a record without Moodle id or look-up as unmapped, naming file and line', () => {
    const [c] = candidatesFor(plan(entry()), () => record(), none, true)
    expect(c?.settled?.status).toBe('unmapped')
    expect(c?.settled?.reason).toBe(
      'the roster record has no Moodle user (.github/roster.yml line 4)'
    )
  })

  it('returns nothing for an empty plan', () => {
    expect(candidatesFor(plan(), noRecord, none, false)).toEqual([])
  })
})
