import { describe, expect, it } from '@jest/globals'
import {
  EARNING_EVENTS,
  earningEvent,
  PlanError,
  planAwards,
  type PlannerSettings
} from '../../../src/events/plan.js'
import { plainLine } from '../../../src/report/text.js'
import {
  closedIssueCompleted,
  closedIssueNotPlanned,
  closedIssueWithReason,
  issueWithoutStateReason,
  mergedPullRequest,
  realExample,
  unmergedPullRequest,
  type PersonSpec
} from '../../fixtures/events.js'

function settings(overrides: Partial<PlannerSettings> = {}): PlannerSettings {
  return {
    points: 10,
    labelPoints: new Map(),
    recipients: 'auto',
    issueCloseReasons: new Set(['completed']),
    ignoreUsers: new Set(),
    userId: null,
    githubLogin: null,
    ...overrides
  }
}

const alice: PersonSpec = { login: 'alice', id: 101 }
const bob: PersonSpec = { login: 'bob', id: 102 }
const carol: PersonSpec = { login: 'carol', id: 103 }
const teacher: PersonSpec = { login: 'teacher', id: 900 }
const codertocat = { login: 'Codertocat', id: 21031067, type: 'User' }

/** login -> skipReason, the shape most assertions care about. */
function verdicts(plan: ReturnType<typeof planAwards>): Record<string, string | null> {
  return Object.fromEntries(plan.entries.map(e => [e.person?.login ?? '(none)', e.skipReason]))
}

describe('closed pull requests', () => {
  it.each(['pull_request', 'pull_request_target'])('%s merged: the author earns', event => {
    const plan = planAwards(event, mergedPullRequest(), settings())
    expect(plan).toEqual({
      kind: 'pr-merged',
      subject: {
        kind: 'pull_request',
        repository: 'Codertocat/Hello-World',
        number: 2,
        title: 'Update the README with new information.',
        url: 'https://github.com/Codertocat/Hello-World/pull/2'
      },
      entries: [{ person: codertocat, moodleUserId: null, points: 10, skipReason: null }],
      pointsSource: 'points input',
      description: `${event}: pull request Codertocat/Hello-World#2 "Update the README with new information." merged`
    })
  })

  it('auto: only the author earns, not the assignees', () => {
    const plan = planAwards(
      'pull_request_target',
      mergedPullRequest({ author: alice, assignees: [bob] }),
      settings()
    )
    expect(verdicts(plan)).toEqual({ alice: null })
  })

  it('closed without merging: every would-be recipient is skipped, no error', () => {
    const payload = unmergedPullRequest({ author: alice, assignees: [bob] })
    expect(verdicts(planAwards('pull_request_target', payload, settings()))).toEqual({
      alice: 'closed without merging'
    })
    const both = planAwards(
      'pull_request_target',
      payload,
      settings({ recipients: ['author', 'assignees'] })
    )
    expect(verdicts(both)).toEqual({
      alice: 'closed without merging',
      bob: 'closed without merging'
    })
    expect(both.kind).toBe('pr-merged')
    expect(both.description).toContain('closed without merging')
  })

  it.each([
    [['author'], { alice: null }],
    [['assignees'], { bob: null, carol: null }],
    [['author', 'assignees'], { alice: null, bob: null, carol: null }],
    [['assignees', 'author'], { bob: null, carol: null, alice: null }]
  ] as const)('recipients %j', (recipients, expected) => {
    const payload = mergedPullRequest({ author: alice, assignees: [bob, carol] })
    const plan = planAwards('pull_request', payload, settings({ recipients: [...recipients] }))
    expect(verdicts(plan)).toEqual(expected)
    expect(plan.entries.map(e => e.person?.login)).toEqual(Object.keys(expected))
  })

  it('recipients author,assignees: an author who is also assigned earns once', () => {
    const payload = mergedPullRequest({ author: alice, assignees: [alice, bob] })
    const plan = planAwards(
      'pull_request',
      payload,
      settings({ recipients: ['author', 'assignees'] })
    )
    expect(plan.entries.map(e => e.person?.login)).toEqual(['alice', 'bob'])
  })

  it('the same person is recognised by id even under another login (renamed)', () => {
    const payload = mergedPullRequest({
      author: alice,
      assignees: [{ login: 'alice-renamed', id: alice.id }]
    })
    const plan = planAwards(
      'pull_request',
      payload,
      settings({ recipients: ['author', 'assignees'] })
    )
    expect(plan.entries.map(e => e.person?.login)).toEqual(['alice'])
  })

  it('without ids, the same login in another case is one person', () => {
    const payload = mergedPullRequest({ author: alice, assignees: [{ login: 'ALICE', id: 1 }] })
    delete (payload.pull_request.user as { id?: number }).id
    const plan = planAwards(
      'pull_request',
      payload,
      settings({ recipients: ['author', 'assignees'] })
    )
    expect(plan.entries).toEqual([
      {
        person: { login: 'alice', id: null, type: 'User' },
        moodleUserId: null,
        points: 10,
        skipReason: null
      }
    ])
  })

  it('recipients assignees with nobody assigned: no entries, and the description says so', () => {
    const payload = mergedPullRequest({ author: alice, assignees: [] })
    const plan = planAwards('pull_request', payload, settings({ recipients: ['assignees'] }))
    expect(plan.entries).toEqual([])
    expect(plan.description).toContain('nobody to award')
  })
})

describe('closed issues', () => {
  it('auto: the assignees earn, not the author', () => {
    const payload = closedIssueCompleted({
      author: alice,
      assignees: [bob, carol],
      sender: teacher
    })
    const plan = planAwards('issues', payload, settings())
    expect(plan.kind).toBe('issue-closed')
    expect(plan.subject).toEqual({
      kind: 'issue',
      repository: 'Codertocat/Hello-World',
      number: 1,
      title: 'Spelling error in the README file',
      url: 'https://github.com/Codertocat/Hello-World/issues/1'
    })
    expect(verdicts(plan)).toEqual({ bob: null, carol: null })
    expect(plan.description).toBe(
      'issues: issue Codertocat/Hello-World#1 "Spelling error in the README file" closed as completed'
    )
  })

  it('an assignee who is also the author earns, even when closing the issue themself', () => {
    // The real example as it is: Codertocat opened, is assigned, and closed the issue.
    const plan = planAwards('issues', closedIssueCompleted(), settings())
    expect(plan.entries).toEqual([
      { person: codertocat, moodleUserId: null, points: 10, skipReason: null }
    ])
  })

  it('auto with nobody assigned: the author earns when someone else closed it', () => {
    const payload = closedIssueCompleted({ author: alice, assignees: [], sender: teacher })
    expect(verdicts(planAwards('issues', payload, settings()))).toEqual({ alice: null })
  })

  it('auto with nobody assigned, closed by its own author: skipped', () => {
    const payload = closedIssueCompleted({ author: alice, assignees: [], sender: alice })
    expect(verdicts(planAwards('issues', payload, settings()))).toEqual({
      alice: 'closed by its own author'
    })
  })

  it('the own-author check compares ids: a renamed author is still the author', () => {
    const payload = closedIssueCompleted({
      author: alice,
      assignees: [],
      sender: { login: 'alice-new-name', id: alice.id }
    })
    expect(verdicts(planAwards('issues', payload, settings()))).toEqual({
      alice: 'closed by its own author'
    })
  })

  it('recipients author, nobody assigned, closed by its own author: skipped', () => {
    const payload = closedIssueCompleted({ author: alice, assignees: [], sender: alice })
    const plan = planAwards('issues', payload, settings({ recipients: ['author'] }))
    expect(verdicts(plan)).toEqual({ alice: 'closed by its own author' })
  })

  it('recipients author,assignees with assignees, closed by its author: everyone earns', () => {
    // Someone with triage rights assigned it, so the issue is not a self-made one.
    const payload = closedIssueCompleted({ author: alice, assignees: [bob], sender: alice })
    const plan = planAwards('issues', payload, settings({ recipients: ['author', 'assignees'] }))
    expect(verdicts(plan)).toEqual({ alice: null, bob: null })
  })

  it('assignees earn however the issue was closed, also by its author', () => {
    const payload = closedIssueCompleted({ author: alice, assignees: [bob], sender: alice })
    expect(verdicts(planAwards('issues', payload, settings()))).toEqual({ bob: null })
  })

  it('falls back to the legacy single assignee when the assignees list is empty', () => {
    const payload = closedIssueCompleted({ author: alice, assignees: [bob], sender: alice })
    payload.issue.assignees = []
    expect(verdicts(planAwards('issues', payload, settings()))).toEqual({ bob: null })
  })

  it('not_planned is skipped, naming the close reason and the setting', () => {
    const payload = closedIssueNotPlanned({ author: alice, assignees: [bob], sender: teacher })
    const plan = planAwards('issues', payload, settings())
    expect(verdicts(plan)).toEqual({
      bob: 'closed as not_planned; issue-close-reasons is completed'
    })
    expect(plan.description).toContain('closed as not_planned')
  })

  it('not_planned earns when issue-close-reasons lists it', () => {
    const payload = closedIssueNotPlanned({ author: alice, assignees: [bob], sender: teacher })
    const reasons = new Set(['completed', 'not_planned'])
    expect(
      verdicts(planAwards('issues', payload, settings({ issueCloseReasons: reasons })))
    ).toEqual({ bob: null })
  })

  it('duplicate is skipped under the default reasons', () => {
    const payload = closedIssueWithReason('duplicate', { assignees: [bob] })
    expect(verdicts(planAwards('issues', payload, settings()))).toEqual({
      bob: 'closed as duplicate; issue-close-reasons is completed'
    })
  })

  it.each([
    ['no state_reason field', issueWithoutStateReason],
    ['state_reason null', () => closedIssueWithReason(null)]
  ])('%s counts as completed', (_name, build) => {
    const payload = build()
    expect(verdicts(planAwards('issues', payload, settings()))).toEqual({ Codertocat: null })
    const onlyNotPlanned = settings({ issueCloseReasons: new Set(['not_planned']) })
    expect(verdicts(planAwards('issues', payload, onlyNotPlanned))).toEqual({
      Codertocat: 'closed as completed; issue-close-reasons is not_planned'
    })
  })

  it('the close reason is reported before the own-author rule', () => {
    const payload = closedIssueNotPlanned({ author: alice, assignees: [], sender: alice })
    expect(verdicts(planAwards('issues', payload, settings()))).toEqual({
      alice: 'closed as not_planned; issue-close-reasons is completed'
    })
  })
})

describe('people who never earn', () => {
  it('a bot by type', () => {
    const payload = mergedPullRequest({
      author: { login: 'dependabot[bot]', id: 49699333, type: 'Bot' },
      labels: ['Big-Feature']
    })
    expect(verdicts(planAwards('pull_request', payload, settings()))).toEqual({
      'dependabot[bot]': 'bot account'
    })
  })

  it('a bot by a login ending in [bot], any case, even with type User', () => {
    const payload = mergedPullRequest({ author: { login: 'Renovate[BOT]', id: 2, type: 'User' } })
    expect(verdicts(planAwards('pull_request', payload, settings()))).toEqual({
      'Renovate[BOT]': 'bot account'
    })
  })

  it('a bot among issue assignees is skipped, the others earn', () => {
    const payload = closedIssueCompleted({
      assignees: [bob, { login: 'copilot-swe-agent[bot]', id: 3, type: 'Bot' }],
      sender: teacher
    })
    expect(verdicts(planAwards('issues', payload, settings()))).toEqual({
      bob: null,
      'copilot-swe-agent[bot]': 'bot account'
    })
  })

  it('ignore-users, matched case-insensitively', () => {
    const payload = mergedPullRequest({ author: { login: 'Alice', id: 101 } })
    expect(
      verdicts(planAwards('pull_request', payload, settings({ ignoreUsers: new Set(['alice']) })))
    ).toEqual({ Alice: 'listed in ignore-users' })
    expect(
      verdicts(planAwards('pull_request', payload, settings({ ignoreUsers: new Set(['ALICE']) })))
    ).toEqual({ Alice: 'listed in ignore-users' })
    expect(
      verdicts(planAwards('pull_request', payload, settings({ ignoreUsers: new Set(['bob']) })))
    ).toEqual({ Alice: null })
  })
})

describe('points', () => {
  const labelPoints = new Map([
    ['bug', 5],
    ['big-feature', 50],
    ['docs', 20]
  ])

  it('the highest matching label wins, labels compared case-insensitively and trimmed', () => {
    const payload = mergedPullRequest({ labels: ['Bug', ' Big-Feature ', 'DOCS', 'other'] })
    const plan = planAwards('pull_request', payload, settings({ labelPoints }))
    expect(plan.entries.map(e => e.points)).toEqual([50])
    expect(plan.pointsSource).toBe("label 'Big-Feature'")
  })

  it('a lower label value also replaces points', () => {
    const payload = mergedPullRequest({ labels: ['bug'] })
    const plan = planAwards('pull_request', payload, settings({ labelPoints }))
    expect(plan.entries.map(e => e.points)).toEqual([5])
    expect(plan.pointsSource).toBe("label 'bug'")
  })

  it('no matching label: the points input', () => {
    const payload = mergedPullRequest({ labels: ['question'] })
    const plan = planAwards('pull_request', payload, settings({ labelPoints, points: 7 }))
    expect(plan.entries.map(e => e.points)).toEqual([7])
    expect(plan.pointsSource).toBe('points input')
  })

  it('label-points keys are matched even if not lower-cased by the reader', () => {
    const payload = closedIssueCompleted({ labels: ['good first issue'] })
    const plan = planAwards(
      'issues',
      payload,
      settings({ labelPoints: new Map([['Good First Issue', 3]]) })
    )
    expect(plan.entries.map(e => e.points)).toEqual([3])
  })
})

describe('github-login and user-id', () => {
  it('github-login on a merged pull request: that person, found in the payload, on the thread', () => {
    const payload = mergedPullRequest({ author: alice, assignees: [bob] })
    const plan = planAwards('pull_request_target', payload, settings({ githubLogin: 'BOB' }))
    expect(plan.kind).toBe('pr-merged')
    expect(plan.subject?.number).toBe(2)
    expect(plan.entries).toEqual([
      {
        person: { login: 'bob', id: 102, type: 'User' },
        moodleUserId: null,
        points: 10,
        skipReason: null
      }
    ])
    expect(plan.description).toContain("awarding bob (github-login) instead of the event's people")
  })

  it('github-login not in the payload: id unknown', () => {
    const plan = planAwards(
      'pull_request',
      mergedPullRequest(),
      settings({ githubLogin: 'student1' })
    )
    expect(plan.entries).toEqual([
      { person: { login: 'student1', id: null }, moodleUserId: null, points: 10, skipReason: null }
    ])
  })

  it('github-login still needs the merge', () => {
    const plan = planAwards(
      'pull_request',
      unmergedPullRequest(),
      settings({ githubLogin: 'student1' })
    )
    expect(verdicts(plan)).toEqual({ student1: 'closed without merging' })
  })

  it('github-login still needs a counted close reason, but not the own-author rule', () => {
    const notPlanned = closedIssueNotPlanned({ author: alice, assignees: [], sender: alice })
    expect(verdicts(planAwards('issues', notPlanned, settings({ githubLogin: 'alice' })))).toEqual({
      alice: 'closed as not_planned; issue-close-reasons is completed'
    })
    const selfClosed = closedIssueCompleted({ author: alice, assignees: [], sender: alice })
    expect(verdicts(planAwards('issues', selfClosed, settings({ githubLogin: 'alice' })))).toEqual({
      alice: null
    })
  })

  it('github-login gets label points on a closed thread', () => {
    const payload = mergedPullRequest({ labels: ['big-feature'] })
    const plan = planAwards(
      'pull_request',
      payload,
      settings({ githubLogin: 'x', labelPoints: new Map([['big-feature', 40]]) })
    )
    expect(plan.entries.map(e => e.points)).toEqual([40])
  })

  it('github-login naming a bot (type from the payload) or an ignored user is skipped', () => {
    const payload = mergedPullRequest({ author: { login: 'helper', id: 5, type: 'Bot' } })
    expect(
      verdicts(planAwards('pull_request', payload, settings({ githubLogin: 'helper' })))
    ).toEqual({ helper: 'bot account' })
    expect(
      verdicts(planAwards('workflow_dispatch', {}, settings({ githubLogin: 'someone[bot]' })))
    ).toEqual({ 'someone[bot]': 'bot account' })
    expect(
      verdicts(
        planAwards(
          'workflow_dispatch',
          {},
          settings({ githubLogin: 'Teacher', ignoreUsers: new Set(['teacher']) })
        )
      )
    ).toEqual({ Teacher: 'listed in ignore-users' })
  })

  it('github-login on workflow_dispatch: direct, id taken from the sender', () => {
    const plan = planAwards(
      'workflow_dispatch',
      realExample('workflow_dispatch'),
      settings({ githubLogin: 'octocat' })
    )
    expect(plan).toEqual({
      kind: 'direct',
      subject: null,
      entries: [
        {
          person: { login: 'octocat', id: 25328754, type: 'User' },
          moodleUserId: null,
          points: 10,
          skipReason: null
        }
      ],
      pointsSource: 'points input',
      description: 'workflow_dispatch: direct award to octocat (github-login)'
    })
  })

  it.each([
    ['workflow_dispatch', realExample('workflow_dispatch')],
    ['push', realExample('push')],
    ['schedule', { schedule: '0 8 * * 1' }],
    ['repository_dispatch', null]
  ])('user-id on %s: a direct award to that Moodle user', (event, payload) => {
    const plan = planAwards(event, payload, settings({ userId: 42, points: 25 }))
    expect(plan).toEqual({
      kind: 'direct',
      subject: null,
      entries: [{ person: null, moodleUserId: 42, points: 25, skipReason: null }],
      pointsSource: 'points input',
      description: `${event}: direct award to Moodle user 42 (user-id)`
    })
  })

  it('user-id and github-login together: the person from the login, the Moodle user from user-id', () => {
    const plan = planAwards(
      'push',
      realExample('push'),
      settings({ userId: 42, githubLogin: 'Codertocat' })
    )
    expect(plan.entries).toEqual([
      { person: codertocat, moodleUserId: 42, points: 10, skipReason: null }
    ])
    expect(plan.description).toBe(
      'push: direct award to Codertocat (github-login) as Moodle user 42 (user-id)'
    )
  })

  it('user-id on a pull request by a bot or an ignored user awards nothing', () => {
    const dependabot: PersonSpec = { login: 'dependabot[bot]', id: 49699333, type: 'Bot' }
    const byBot = planAwards(
      'pull_request_target',
      mergedPullRequest({ author: dependabot }),
      settings({ userId: 42 })
    )
    expect(byBot.entries).toEqual([
      {
        person: null,
        moodleUserId: 42,
        points: 10,
        skipReason: "the pull request's dependabot[bot]: bot account"
      }
    ])
    const byTeacher = planAwards(
      'pull_request_target',
      mergedPullRequest({ author: teacher }),
      settings({ userId: 42, ignoreUsers: new Set(['teacher']) })
    )
    expect(byTeacher.entries[0]?.skipReason).toBe(
      "the pull request's teacher: listed in ignore-users"
    )
    const byStudent = planAwards(
      'pull_request_target',
      mergedPullRequest({ author: alice }),
      settings({ userId: 42, ignoreUsers: new Set(['teacher']) })
    )
    expect(byStudent.entries[0]?.skipReason).toBeNull()
  })

  it('user-id on an issue closed by its own author, nobody assigned, awards nothing', () => {
    const selfClosed = planAwards(
      'issues',
      closedIssueCompleted({ author: alice, sender: alice, assignees: [] }),
      settings({ userId: 42 })
    )
    expect(selfClosed.entries[0]?.skipReason).toBe('closed by its own author')
    const assigned = planAwards(
      'issues',
      closedIssueCompleted({ author: alice, sender: alice, assignees: [bob] }),
      settings({ userId: 42 })
    )
    expect(assigned.entries[0]?.skipReason).toBeNull()
  })

  it('user-id on a merged pull request keeps the thread, so the ledger comment goes there', () => {
    const plan = planAwards('pull_request_target', mergedPullRequest(), settings({ userId: 42 }))
    expect(plan.kind).toBe('pr-merged')
    expect(plan.subject?.kind).toBe('pull_request')
    expect(plan.entries).toEqual([{ person: null, moodleUserId: 42, points: 10, skipReason: null }])
  })
})

describe('events that award nobody', () => {
  it.each(['push', 'workflow_dispatch', 'schedule', 'issue_comment'])(
    '%s without user-id or github-login fails, naming the event and both inputs',
    event => {
      const run = () => planAwards(event, {}, settings())
      expect(run).toThrow(PlanError)
      expect(run).toThrow(`Event "${event}" does not award anyone by itself`)
      const message = (() => {
        try {
          run()
        } catch (error) {
          return (error as Error).message
        }
        return ''
      })()
      expect(message).toContain('user-id')
      expect(message).toContain('github-login')
      expect(message).toContain('pull_request / pull_request_target / issues events')
      expect(message).not.toContain('\n')
    }
  )

  it.each([
    ['pull_request', 'opened'],
    ['pull_request_target', 'labeled'],
    ['pull_request', 'synchronize'],
    ['issues', 'opened'],
    ['issues', 'reopened']
  ])('%s %s is ignored without error, also with user-id set', (event, action) => {
    const payload = realExample(event === 'issues' ? 'issues' : 'pull_request', action)
    for (const s of [settings(), settings({ userId: 42 })]) {
      const plan = planAwards(event, payload, s)
      expect(plan.entries).toEqual([])
      expect(plan.subject).toBeNull()
      expect(plan.description).toContain(`${event} action "${action}" is ignored`)
      expect(plan.description).toContain('types: [closed]')
    }
  })
})

describe('the table of earning events', () => {
  const closed: Record<string, () => unknown> = {
    'pr-merged': () => mergedPullRequest(),
    'issue-closed': () => closedIssueCompleted({ sender: teacher })
  }

  it.each(EARNING_EVENTS.map(row => [row.name, row] as const))(
    '%s: its actions plan an award of its kind on the thread',
    (name, row) => {
      expect(earningEvent(name)).toBe(row)
      const sample = closed[row.kind]
      expect(sample).toBeDefined()
      for (const action of row.actions) {
        const payload = { ...(sample?.() as object), action }
        const plan = planAwards(name, payload, settings())
        expect(plan.kind).toBe(row.kind)
        expect(plan.subject).not.toBeNull()
        expect(plan.entries.some(entry => entry.skipReason === null)).toBe(true)
      }
    }
  )

  it('names each event once', () => {
    const names = EARNING_EVENTS.map(row => row.name)
    expect(new Set(names).size).toBe(names.length)
    expect(earningEvent('push')).toBeUndefined()
  })
})

/** The payload with the field at `path` deleted. */
function without(payload: object, ...path: string[]): unknown {
  const parent = path
    .slice(0, -1)
    .reduce((node, key) => (node as Record<string, unknown>)[key] as object, payload)
  delete (parent as Record<string, unknown>)[path.at(-1) ?? '']
  return payload
}

describe('malformed event files', () => {
  it.each([
    ['issues', { action: 'closed', repository: { full_name: 'o/r' } }, '"issue"'],
    ['pull_request', { action: 'closed', repository: { full_name: 'o/r' } }, '"pull_request"'],
    [
      'pull_request_target',
      without(mergedPullRequest(), 'pull_request', 'user'),
      '"pull_request.user"'
    ],
    ['issues', without(closedIssueCompleted(), 'sender'), '"sender"'],
    ['issues', without(closedIssueCompleted(), 'repository'), '"repository.full_name"'],
    ['pull_request', { pull_request: {} }, '"action"'],
    ['issues', null, 'not a JSON object']
  ])('%s event file without the field: PlanError naming it (%#)', (event, payload, field) => {
    const run = () => planAwards(event, payload, settings())
    expect(run).toThrow(PlanError)
    expect(run).toThrow(field)
    expect(run).toThrow('GITHUB_EVENT_PATH')
  })
})

describe('untrusted text', () => {
  it('the description is one line of plain text; the subject keeps the raw title', () => {
    const title = 'Fix\n::error::x\r\n::add-mask::y\u2028z\u001b[31m\u202Eevil'
    const payload = mergedPullRequest({ title, labels: ['big\n::warning::l'] })
    const plan = planAwards(
      'pull_request',
      payload,
      settings({ labelPoints: new Map([['big\n::warning::l', 9]]) })
    )
    expect(plan.subject?.title).toBe(title)
    for (const text of [plan.description, plan.pointsSource]) {
      // eslint-disable-next-line no-control-regex
      expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/)
    }
    expect(plan.description).toContain('"Fix ::error::x ::add-mask::y z [31m evil"')
    expect(plan.pointsSource).toBe("label 'big ::warning::l'")
  })

  it('plainLine cuts long text with an ellipsis, counting characters not UTF-16 units', () => {
    expect(plainLine('a'.repeat(300)).length).toBe(200)
    expect(plainLine('😀'.repeat(5), 3)).toBe('😀😀…')
    expect(plainLine('  short  ')).toBe('short')
  })
})
