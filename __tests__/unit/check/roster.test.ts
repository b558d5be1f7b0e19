import { describe, expect, it } from '@jest/globals'
import {
  annotationPlace,
  foundUsers,
  idsToVerify,
  MAX_LISTED,
  type Resolution,
  rosterItem,
  studentsItem,
  userIdItem,
  usersFunctionNeed
} from '../../../src/check/roster.js'
import type { MoodleUser } from '../../../src/moodle/types.js'
import type { LookupResult, Roster, RosterRecord } from '../../../src/roster/types.js'

const FILE = '.github/moodle-users.yml'

function byId(github: string, moodleId: number, line = 2): RosterRecord {
  return { github, githubId: null, moodleId, lookup: null, source: { file: FILE, line } }
}

function byField(
  github: string,
  field: 'email' | 'username' | 'idnumber',
  value: string,
  line = 2,
  file = FILE
): RosterRecord {
  return {
    github,
    githubId: null,
    moodleId: null,
    lookup: { field, value },
    source: { file, line }
  }
}

function resolution(
  lookups: [RosterRecord, LookupResult][] = [],
  users: MoodleUser[] = [],
  failed: Resolution['failed'] = new Map()
): Resolution {
  return { lookups: new Map(lookups), usersById: new Map(users.map(u => [u.id, u])), failed }
}

describe('usersFunctionNeed and idsToVerify', () => {
  it('requires the look-up function when the roster names students by email/username/idnumber', () => {
    const roster: Roster = { records: [byId('a', 2), byField('b', 'email', 'b@x.edu')] }
    expect(usersFunctionNeed(roster, null)).toBe('required')
  })

  it('only wants it to verify ids otherwise', () => {
    expect(usersFunctionNeed({ records: [byId('a', 2)] }, null)).toBe('optional')
    expect(usersFunctionNeed(null, 5)).toBe('optional')
    expect(usersFunctionNeed(null, null)).toBeNull()
    expect(usersFunctionNeed({ records: [] }, null)).toBeNull()
  })

  it('collects each id once, user-id included, sorted', () => {
    const roster: Roster = { records: [byId('a', 9), byId('b', 3), byId('c', 9)] }
    expect(idsToVerify(roster, 5)).toEqual([3, 5, 9])
    expect(idsToVerify(null, null)).toEqual([])
  })
})

describe('annotationPlace', () => {
  it('annotates file lines, not the inline mapping input', () => {
    expect(annotationPlace({ file: FILE, line: 4 })).toEqual({ file: FILE, line: 4 })
    expect(annotationPlace({ file: 'mapping', line: 1 })).toBeUndefined()
    expect(annotationPlace(null)).toBeUndefined()
  })
})

describe('rosterItem', () => {
  it('with no roster, passes only when user-id names who earns, and says what that means', () => {
    expect(rosterItem({ kind: 'none' }, null).detail).toContain('every student would be unmapped')
    expect(rosterItem({ kind: 'none' }, 5).detail).toContain('awards go to user-id 5')
    expect(rosterItem({ kind: 'none' }, null).status).toBe('not-verified')
    expect(rosterItem({ kind: 'none' }, 5).status).toBe('passed')
  })

  it('fails a broken file with an annotation on its line', () => {
    const item = rosterItem(
      { kind: 'broken', message: `${FILE} line 5: bad`, where: { file: FILE, line: 5 } },
      null
    )
    expect(item.status).toBe('failed')
    expect(item.problems).toEqual([
      { message: `${FILE} line 5: bad`, where: { file: FILE, line: 5 } }
    ])
  })

  it('fails a broken inline roster (mapping input) without an annotation place', () => {
    const item = rosterItem(
      { kind: 'broken', message: 'mapping line 1: bad', where: { file: 'mapping', line: 1 } },
      null
    )
    expect(item.problems).toEqual([{ message: 'mapping line 1: bad' }])
  })

  it('counts the students and how they are named', () => {
    const roster: Roster = {
      records: [byId('a', 2), byField('b', 'email', 'b@x.edu'), byField('c', 'email', 'c@x.edu')]
    }
    const item = rosterItem({ kind: 'loaded', roster, sources: [FILE] }, null)
    expect(item).toMatchObject({ status: 'passed' })
    expect(item.detail).toBe(`${FILE} parses: 3 student(s) (1 by moodle_id, 2 by email)`)
  })
})

describe('studentsItem', () => {
  it('passes when every student resolves', () => {
    const a = byId('a', 2)
    const b = byField('b', 'email', 'b@x.edu')
    const item = studentsItem([a, b], resolution([[b, { moodleId: 3 }]], [{ id: 2 }]))
    expect(item).toEqual({
      name: 'Students in Moodle',
      status: 'passed',
      detail: 'all 2 student(s) match a Moodle user'
    })
  })

  it('names each student that does not resolve, by login and the value that failed', () => {
    const ok = byField('alice', 'email', 'alice@x.edu', 2)
    const typo = byField('octocat', 'email', 'octocat@typo.edu', 4)
    const shared = byField('twin', 'email', 'twins@x.edu', 6)
    const ghost = byId('ghost', 999, 8)
    const item = studentsItem(
      [ok, typo, shared, ghost],
      resolution([
        [ok, { moodleId: 2 }],
        [typo, { notFound: true }],
        [shared, { notFound: true, ambiguousIds: [4, 5] }]
      ])
    )
    expect(item.status).toBe('failed')
    expect(item.detail).toBe('3 of 4 student(s) match no Moodle user')
    expect(item.entries).toEqual([
      `octocat (${FILE} line 4): email "octocat@typo.edu" matches no Moodle user`,
      `twin (${FILE} line 6): email "twins@x.edu" is shared by Moodle users 4, 5`,
      `ghost (${FILE} line 8): moodle_id 999 matches no Moodle user`
    ])
    expect(item.problems?.map(p => p.where)).toEqual([
      { file: FILE, line: 4 },
      { file: FILE, line: 6 },
      { file: FILE, line: 8 }
    ])
    expect(item.problems?.[0]?.message).toContain('correct the email in the roster or in Moodle')
    expect(item.problems?.[1]?.message).toContain('name the student by moodle_id or username')
  })

  it('caps the list and counts the rest', () => {
    const records = Array.from({ length: MAX_LISTED + 7 }, (_, i) =>
      byField(`s${i}`, 'email', `s${i}@x.edu`, i + 2)
    )
    const item = studentsItem(
      records,
      resolution(records.map(r => [r, { notFound: true }] as [RosterRecord, LookupResult]))
    )
    expect(item.entries).toHaveLength(MAX_LISTED + 1)
    expect(item.entries?.at(-1)).toBe('... and 7 more')
    expect(item.problems).toHaveLength(MAX_LISTED + 1)
    expect(item.problems?.at(-1)?.message).toContain('7 more student(s)')
  })

  it('reports a failed look-up request once, and does not call its students unknown', () => {
    const a = byField('a', 'email', 'a@x.edu')
    const b = byId('b', 3)
    const item = studentsItem(
      [a, b],
      resolution([[a, { notFound: true }]], [{ id: 3 }], new Map([['email', 'Moodle said no']]))
    )
    expect(item.status).toBe('failed')
    expect(item.entries).toEqual([])
    expect(item.problems).toEqual([
      {
        message:
          'Roster: looking students up by email failed (1 student(s) not verified): Moodle said no'
      }
    ])
  })

  it('points at usernames Moodle refuses when the username look-up failed', () => {
    const bad = byField('a', 'username', 'ali!ce', 3)
    const fine = byField('b', 'username', 'bob', 5)
    const item = studentsItem(
      [bad, fine],
      resolution([], [], new Map([['username', 'invalidparameter']]))
    )
    expect(item.entries).toEqual([
      `a (${FILE} line 3): username "ali!ce" has characters Moodle refuses in a look-up, so the look-up by username failed`
    ])
    expect(item.problems?.[0]?.where).toEqual({ file: FILE, line: 3 })
  })

  it('does not annotate students from the inline mapping input', () => {
    const inline: RosterRecord = {
      github: 'octocat',
      githubId: null,
      moodleId: 77,
      lookup: null,
      source: { file: 'mapping', line: 1 }
    }
    const item = studentsItem([inline], resolution())
    expect(item.entries).toEqual(['octocat (input mapping): moodle_id 77 matches no Moodle user'])
    expect(item.problems?.[0]?.where).toBeUndefined()
  })
})

describe('userIdItem', () => {
  it('names the Moodle user of user-id', () => {
    const item = userIdItem(5, resolution([], [{ id: 5, username: 'dave', fullname: 'Dave Dunn' }]))
    expect(item).toMatchObject({
      status: 'passed',
      detail: 'user-id 5 is Moodle user dave (Dave Dunn)'
    })
  })

  it('fails an unknown user-id with the fix', () => {
    const item = userIdItem(555, resolution())
    expect(item.status).toBe('failed')
    expect(item.detail).toBe('user-id 555 matches no Moodle user')
    expect(item.fix).toContain('Moodle profile URL')
  })
})

describe('foundUsers', () => {
  it('keeps those who matched one Moodle user, with their line, and user-id', () => {
    const alice = byField('alice-gh', 'email', 'alice@x.edu', 2)
    const ghost = byField('ghost', 'email', 'ghost@x.edu', 4)
    const bob = byId('bob-gh', 3, 6)
    const gone = byId('gone', 99, 8)
    const inline = byId('carol', 4, 1)
    inline.source = { file: 'mapping', line: 1 }
    const found = foundUsers(
      [alice, ghost, bob, gone, inline],
      resolution(
        [
          [alice, { moodleId: 2 }],
          [ghost, { notFound: true }]
        ],
        [{ id: 3 }, { id: 4 }, { id: 5 }]
      ),
      5
    )
    expect(found).toEqual([
      { label: `alice-gh (${FILE} line 2)`, moodleUserId: 2, where: { file: FILE, line: 2 } },
      { label: `bob-gh (${FILE} line 6)`, moodleUserId: 3, where: { file: FILE, line: 6 } },
      { label: 'carol (input mapping)', moodleUserId: 4, where: null },
      { label: 'user-id 5', moodleUserId: 5, where: null }
    ])
  })
})
