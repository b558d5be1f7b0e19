import { describe, expect, it } from '@jest/globals'
import { parseRoster, planLookups, resolveLookups } from '../../../src/roster/index.js'
import type { MoodleLookupField, RosterRecord } from '../../../src/roster/index.js'
import type { MoodleUser } from '../../../src/moodle/types.js'

const records = (yaml: string): RosterRecord[] =>
  parseRoster(yaml, 'moodle-users.yml').roster.records

/** A fake Moodle that answers like core_user_get_users_by_field and counts its calls. */
function fakeMoodle(users: MoodleUser[]) {
  const calls: { field: MoodleLookupField; values: string[] }[] = []
  const fetchUsers = async (field: MoodleLookupField, values: string[]): Promise<MoodleUser[]> => {
    calls.push({ field, values })
    return users.filter(u => {
      const v = field === 'email' ? u.email : field === 'username' ? u.username : u.idnumber
      // Like MySQL's default collation for email; usernames are stored lower-case.
      return (
        v !== undefined &&
        values.some(x => (field === 'idnumber' ? x === v : x.toLowerCase() === v.toLowerCase()))
      )
    })
  }
  return { calls, fetchUsers }
}

const MOODLE: MoodleUser[] = [
  { id: 2, username: 'octocat', email: 'octocat@students.example.edu', idnumber: 'S-0002' },
  { id: 3, username: 'codertocat', email: 'codertocat@students.example.edu', idnumber: 'S-0003' },
  { id: 4, username: 'hubot', email: 'hubot@students.example.edu', idnumber: '' },
  { id: 5, username: 'monalisa', email: 'monalisa@students.example.edu', idnumber: 'S-0005' }
]

const ROSTER = [
  'users:',
  '  - {github: octocat, email: Octocat@Students.Example.edu}',
  '  - {github: Codertocat, username: CoderTocat}',
  '  - {github: hubot, moodle_id: 4}',
  '  - {github: monalisa, idnumber: S-0005}',
  '  - {github: ghost, email: ghost@students.example.edu}',
  '  - {github: octocat-alt, github_id: 7, email: octocat@students.example.edu}'
].join('\n')

describe('planLookups', () => {
  it('groups unique values by field, usernames lower-cased, emails also lower-cased', () => {
    const plan = planLookups(records(ROSTER))
    expect(Object.fromEntries(plan)).toEqual({
      email: [
        'Octocat@Students.Example.edu',
        'octocat@students.example.edu',
        'ghost@students.example.edu'
      ],
      username: ['codertocat'],
      idnumber: ['S-0005']
    })
  })

  it('plans nothing for records with a moodle_id', () => {
    expect(planLookups(records('octocat: 2\nhubot: 4\n')).size).toBe(0)
  })
})

describe('resolveLookups', () => {
  it('calls Moodle once per field and resolves each record', async () => {
    const recs = records(ROSTER)
    const moodle = fakeMoodle(MOODLE)
    const resolved = await resolveLookups(recs, moodle.fetchUsers)
    expect(moodle.calls.map(c => c.field).sort()).toEqual(['email', 'idnumber', 'username'])
    expect(recs.map(r => resolved.get(r))).toEqual([
      { moodleId: 2 },
      { moodleId: 3 },
      { moodleId: 4 },
      { moodleId: 5 },
      { notFound: true },
      { moodleId: 2 }
    ])
  })

  it('makes no call when nothing needs a look-up', async () => {
    const moodle = fakeMoodle(MOODLE)
    const recs = records('octocat: 2\n')
    const resolved = await resolveLookups(recs, moodle.fetchUsers)
    expect(moodle.calls).toEqual([])
    expect(resolved.get(recs[0] as RosterRecord)).toEqual({ moodleId: 2 })
  })

  it('makes one call for a 2,000-student Classroom roster', async () => {
    const lines = ['identifier,github_username,github_id,name']
    const users: MoodleUser[] = []
    for (let i = 0; i < 2000; i++) {
      lines.push(`s${i}@students.example.edu,student-${i},,`)
      users.push({ id: 100 + i, email: `s${i}@students.example.edu` })
    }
    const recs = parseRoster(lines.join('\n'), 'classroom_roster.csv').roster.records
    const calls: number[] = []
    const resolved = await resolveLookups(recs, async (_field, values) => {
      calls.push(values.length)
      return users // Moodle's answer is unordered: matching must not depend on order
    })
    expect(calls).toEqual([2000])
    expect(resolved.get(recs[1999] as RosterRecord)).toEqual({ moodleId: 2099 })
  })

  it('refuses to guess when several Moodle users share an email', async () => {
    const recs = records('users:\n  - {github: octocat, email: shared@example.edu}\n')
    const resolved = await resolveLookups(recs, async () => [
      { id: 8, email: 'shared@example.edu' },
      { id: 7, email: 'Shared@example.edu' }
    ])
    expect(resolved.get(recs[0] as RosterRecord)).toEqual({ notFound: true, ambiguousIds: [7, 8] })
  })

  it('attributes a user returned without the field when only one value was asked', async () => {
    const recs = records('users:\n  - {github: octocat, email: octocat@students.example.edu}\n')
    const resolved = await resolveLookups(recs, async () => [{ id: 2, username: 'octocat' }])
    expect(resolved.get(recs[0] as RosterRecord)).toEqual({ moodleId: 2 })
  })

  it('does not attribute users without the field when several values were asked', async () => {
    const recs = records(
      'users:\n  - {github: octocat, email: octocat@students.example.edu}\n  - {github: hubot, email: hubot@students.example.edu}\n'
    )
    const resolved = await resolveLookups(recs, async () => [{ id: 2 }, { id: 4 }])
    expect(recs.map(r => resolved.get(r))).toEqual([{ notFound: true }, { notFound: true }])
  })

  it('lets a fetch failure through', async () => {
    const recs = records('users:\n  - {github: octocat, email: octocat@students.example.edu}\n')
    await expect(
      resolveLookups(recs, async () => {
        throw new Error('Moodle is down')
      })
    ).rejects.toThrow('Moodle is down')
  })
})
