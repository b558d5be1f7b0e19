import { describe, expect, it } from '@jest/globals'
import { closestRecord } from '../../../src/roster/match.js'
import {
  buildRosterIndex,
  findRecord,
  mergeRosters,
  parseInlineMapping,
  parseRoster
} from '../../../src/roster/index.js'
import type { Roster } from '../../../src/roster/index.js'

const roster = (yaml: string): Roster => parseRoster(yaml, 'moodle-users.yml').roster

describe('findRecord', () => {
  const index = buildRosterIndex(
    roster(
      [
        'users:',
        '  - {github: Codertocat, github_id: 21031067, moodle_id: 3}',
        '  - {github: octocat, moodle_id: 2}',
        '  - {github_id: 480938, moodle_id: 4}'
      ].join('\n')
    )
  )
  const moodleIdOf = (login: string, id: number | null) =>
    findRecord(index, { login, id })?.moodleId ?? null

  it('matches logins case-insensitively', () => {
    expect(moodleIdOf('OCTOCAT', 1)).toBe(2)
    expect(moodleIdOf('codertocat', 21031067)).toBe(3)
  })

  it('matches by github_id first: a renamed account keeps its record', () => {
    expect(moodleIdOf('coder-renamed', 21031067)).toBe(3)
    expect(moodleIdOf('hubot', 480938)).toBe(4)
  })

  it('does not match by login when the record holds another github_id (login taken over)', () => {
    expect(moodleIdOf('Codertocat', 99)).toBeNull()
  })

  it('matches by login when the person id is unknown (the github-login input)', () => {
    expect(moodleIdOf('Codertocat', null)).toBe(3)
    expect(moodleIdOf('octocat', null)).toBe(2)
  })

  it('returns null for strangers', () => {
    expect(moodleIdOf('monalisa', 7)).toBeNull()
    expect(findRecord(buildRosterIndex({ records: [] }), { login: 'octocat', id: 1 })).toBeNull()
  })

  it('skips a login record with a foreign github_id and takes the next one for that login', () => {
    const idx = buildRosterIndex(
      roster(
        'users:\n  - {github: octocat, github_id: 1, moodle_id: 2}\n  - {github: octocat, github_id: 2, moodle_id: 2}\n'
      )
    )
    expect(findRecord(idx, { login: 'octocat', id: 2 })?.githubId).toBe(2)
  })
})

describe('mergeRosters', () => {
  const file = roster(
    'users:\n  - {github: octocat, moodle_id: 2}\n  - {github: hubot, github_id: 480938, moodle_id: 4}\n  - {github: monalisa, email: monalisa@students.example.edu}\n'
  )

  it('lets the inline roster (mapping) win on the same login, case-insensitively, without an error', () => {
    const merged = mergeRosters(file, parseInlineMapping('OctoCat: 6\n'))
    const idx = buildRosterIndex(merged)
    expect(findRecord(idx, { login: 'octocat', id: 1 })?.moodleId).toBe(6)
    expect(findRecord(idx, { login: 'octocat', id: 1 })?.source.file).toBe('mapping')
    expect(findRecord(idx, { login: 'hubot', id: 480938 })?.moodleId).toBe(4)
    expect(merged.records).toHaveLength(3)
  })

  it('drops a file record with an id whose login the inline roster (mapping) overrides', () => {
    const merged = mergeRosters(file, parseInlineMapping('hubot: 5'))
    expect(findRecord(buildRosterIndex(merged), { login: 'hubot', id: 480938 })?.moodleId).toBe(5)
  })

  it('adds inline logins that the file lacks', () => {
    const merged = mergeRosters(file, parseInlineMapping('Codertocat: 3'))
    expect(merged.records.map(r => r.github)).toEqual([
      'Codertocat',
      'octocat',
      'hubot',
      'monalisa'
    ])
  })

  it('works with either source missing', () => {
    expect(mergeRosters(null, null).records).toEqual([])
    expect(mergeRosters(file, null).records).toEqual(file.records)
    expect(mergeRosters(null, parseInlineMapping('octocat: 2')).records).toHaveLength(1)
  })

  it('does not change its inputs', () => {
    const before = file.records.length
    mergeRosters(file, parseInlineMapping('octocat: 6'))
    expect(file.records).toHaveLength(before)
  })
})

describe('closestRecord', () => {
  const index = buildRosterIndex(
    roster(
      [
        'users:',
        '  - {github: octocat, moodle_id: 2}',
        '  - {github: mona-lisa, moodle_id: 5}',
        '  - {github: bo, moodle_id: 6}'
      ].join('\n')
    )
  )
  const near = (login: string) => closestRecord(index, login)?.github ?? null

  it('finds the login a typo away, or written with other punctuation or case', () => {
    expect(near('octocatt')).toBe('octocat')
    expect(near('ocotcat')).toBe('octocat')
    expect(near('MonaLisa')).toBe('mona-lisa')
    expect(near('bob')).toBe('bo')
  })

  it('finds nothing for a login that is not close', () => {
    expect(near('hubot')).toBeNull()
    expect(near('octodog-the-great')).toBeNull()
  })
})
