import { describe, expect, it } from '@jest/globals'
import { INPUT_DEFAULTS, type RawInputs } from '../../../src/settings/inputs.js'
import { isBranchName } from '../../../src/settings/sync.js'
import { InputError, parseSettings } from '../../../src/settings/settings.js'

const base: RawInputs = {
  ...INPUT_DEFAULTS,
  'moodle-url': 'https://moodle.example.edu/',
  'moodle-token': 'abc123',
  'course-id': '30',
  mode: 'sync',
  since: '2026-09-01',
  mapping: 'alice: 2',
  'github-token': 'ghs_app'
}
const hints = { forkPullRequest: false, repository: 'school/course-xp' }

const parse = (inputs: Partial<RawInputs>) => parseSettings({ ...base, ...inputs }, hints)

function failure(inputs: Partial<RawInputs>): InputError {
  try {
    parse(inputs)
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError')
}

describe('sync mode settings', () => {
  it('has the documented defaults; repositories default to the running repository', () => {
    const s = parse({})
    expect(s.mode).toBe('sync')
    expect(s.ledgerBranch).toBe('moodle-xp-ledger')
    expect(s.sync).toEqual({
      repositories: [{ kind: 'name', owner: 'school', name: 'course-xp' }],
      since: '2026-09-01T00:00:00.000Z',
      concurrency: 4,
      maxAwards: 500,
      requireApproval: false,
      shard: null,
      leaderboard: 'off'
    })
  })

  it('reads every sync input', () => {
    const s = parse({
      repositories: 'school/hw1-*\nschool/extra',
      since: '2026-09-01T08:30:00+02:00',
      'ledger-branch': 'xp/ledger',
      concurrency: '16',
      'max-awards': '3000',
      'require-approval': 'true',
      shard: '2/4',
      leaderboard: 'Issue'
    })
    expect(s.ledgerBranch).toBe('xp/ledger')
    expect(s.sync).toMatchObject({
      repositories: [
        { kind: 'pattern', owner: 'school', prefix: 'hw1-' },
        { kind: 'name', owner: 'school', name: 'extra' }
      ],
      since: '2026-09-01T06:30:00.000Z',
      concurrency: 16,
      maxAwards: 3000,
      requireApproval: true,
      shard: { index: 2, count: 4 },
      leaderboard: 'issue'
    })
  })

  it.each([['2026-9-1'], ['2026-13-01'], ['2026-02-29'], ['2026-09-01T10:00'], ['yesterday']])(
    'since %j is refused with the format',
    since => {
      expect(failure({ since }).message).toMatch(
        /^Input "since" is ".*", which is not a date; write YYYY-MM-DD/
      )
    }
  )

  it('other modes have no sync settings, and refuse sync-only inputs', () => {
    expect(parseSettings({ ...base, mode: 'award', since: '' }, hints).sync).toBeNull()
    expect(failure({ mode: 'award', since: '2026-09-01' }).message).toBe(
      'Input "since" is used only with mode: sync; remove it, or set mode: sync.'
    )
  })
})

describe('the leaderboard input', () => {
  it('is off, summary or issue; anything else is refused with the choices', () => {
    expect(parse({ leaderboard: 'summary' }).sync?.leaderboard).toBe('summary')
    expect(failure({ leaderboard: 'top10' }).message).toBe(
      'Input "leaderboard" must be one of off, summary, issue, got "top10": summary shows the course\'s leaderboard in the job summary, issue keeps it in an issue of this repository (see docs/sync.md).'
    )
  })

  it('is refused outside sync mode unless off, since only sync reads the course after its awards', () => {
    const award = { mode: 'award', since: '' }
    expect(parseSettings({ ...base, ...award, leaderboard: 'OFF' }, hints).sync).toBeNull()
    expect(failure({ ...award, leaderboard: 'issue' }).message).toBe(
      'Input "leaderboard" is shown only by sync mode, which reads the course after its awards; remove it, or set mode: sync.'
    )
    expect(failure({ ...award, leaderboard: 'nope' }).message).toMatch(
      /^Input "leaderboard" must be one of off, summary, issue/
    )
  })
})

describe('isBranchName', () => {
  it.each(['moodle-xp-ledger', 'xp/ledger', 'a.b', 'v1_ledger', 'Ledger-2026'])(
    'accepts %j',
    name => {
      expect(isBranchName(name)).toBe(true)
    }
  )

  it.each([
    '',
    '@',
    'has space',
    'a..b',
    'a//b',
    '/a',
    'a/',
    'a.',
    '.a',
    'a/.b',
    'a.lock',
    'a@{1}',
    'a~1',
    'a^',
    'a:b',
    'a?',
    'a*',
    'a[b',
    'a\\b',
    '-a',
    'refs/heads/a',
    'tab\there'
  ])('refuses %j', name => {
    expect(isBranchName(name)).toBe(false)
  })
})
