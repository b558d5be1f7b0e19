import { describe, expect, it } from '@jest/globals'
import { recordKeyFrom } from '../../../src/ledger/records.js'
import {
  tellUnmapped,
  toldKeys,
  toldMarker,
  unmappedPeople,
  type UnmappedPerson
} from '../../../src/ledger/unmapped.js'
import type { RecipientResult } from '../../../src/report/status.js'
import { PR } from '../../fixtures/subjects.js'
import { ACTIONS_BOT, MemoryGitHub } from './memory-github.js'

const KEY = recordKeyFrom('moodle-token')
const EVENT = { subject: PR, courseId: 30, kind: 'pr-merged' as const }

function result(over: Partial<RecipientResult>): RecipientResult {
  return {
    github: 'alice',
    githubId: 11,
    moodleUserId: null,
    points: 10,
    xp: null,
    status: 'unmapped',
    reason: 'alice is not in the roster',
    ...over
  }
}

describe('unmappedPeople', () => {
  it('keys each unmapped person as their award would be, by GitHub id, else by login', () => {
    expect(
      unmappedPeople(
        [
          result({}),
          result({ github: 'Bob', githubId: null }),
          result({ github: 'carol', githubId: 13, status: 'awarded', moodleUserId: 5 }),
          result({ github: 'dave', githubId: 14, status: 'skipped' }),
          result({ github: null, githubId: null, moodleUserId: 6, status: 'failed' })
        ],
        EVENT
      )
    ).toEqual([
      { login: 'alice', key: '30:school/course#7:pr-merged:gh:11' },
      { login: 'Bob', key: '30:school/course#7:pr-merged:login:bob' }
    ])
  })

  it('names a person once', () => {
    expect(unmappedPeople([result({}), result({ github: 'ALICE' })], EVENT)).toEqual([
      { login: 'alice', key: '30:school/course#7:pr-merged:gh:11' }
    ])
  })
})

describe('toldMarker and toldKeys', () => {
  const key = '30:school/course#7:pr-merged:gh:11'

  it('reads back the keys of the markers this key signed', () => {
    const body = `text\n${toldMarker(key, KEY)}\n${toldMarker('other', KEY)}`
    expect([...toldKeys([body, 'nothing'], KEY)]).toEqual([key, 'other'])
  })

  it('ignores markers signed with another key, forged, changed or damaged', () => {
    const elsewhere = toldMarker(key, recordKeyFrom('another token'))
    const changed = toldMarker(key, KEY).replace('gh:11', 'gh:12')
    const extra = toldMarker(key, KEY).replace('{"notice"', '{"x":1,"notice"')
    const forged = `<!-- moodle-xp-unmapped {"notice":"unmapped","key":"${key}","mac":"x"} -->`
    const damaged = '<!-- moodle-xp-unmapped {"notice": -->'
    expect(toldKeys([elsewhere, changed, extra, forged, damaged], KEY).size).toBe(0)
  })

  it('keeps the marker inside its HTML comment whatever the key holds', () => {
    const marker = toldMarker('a --> <b>&', KEY)
    const inside = /^<!-- moodle-xp-unmapped (.*) -->$/.exec(marker)?.[1]
    expect(inside).not.toMatch(/[<>&]/)
    expect([...toldKeys([marker], KEY)]).toEqual(['a --> <b>&'])
  })
})

describe('tellUnmapped', () => {
  const alice: UnmappedPerson = { login: 'alice', key: '30:school/course#7:pr-merged:gh:11' }
  const bob: UnmappedPerson = { login: 'bob', key: '30:school/course#7:pr-merged:gh:12' }

  it('writes one comment for the people not told yet, and nothing once all were told', async () => {
    const github = new MemoryGitHub()
    const api = github.api('t', ACTIONS_BOT)
    expect(await tellUnmapped(api, PR, [alice], KEY)).toEqual([alice])
    expect(await tellUnmapped(api, PR, [alice, bob], KEY)).toEqual([bob])
    expect(await tellUnmapped(api, PR, [alice, bob], KEY)).toEqual([])
    const bodies = github.comments(PR.repository, PR.number).map(c => c.body)
    expect(bodies).toHaveLength(2)
    expect(bodies[0]).toContain('@alice: this pull request earns XP')
    expect(bodies[1]).toContain('@bob: this pull request earns XP')
    expect(bodies[1]).not.toContain('@alice')
    expect(github.count('createComment')).toBe(2)
  })

  it('asks GitHub nothing when there is nobody to tell', async () => {
    const github = new MemoryGitHub()
    expect(await tellUnmapped(github.api('t', ACTIONS_BOT), PR, [], KEY)).toEqual([])
    expect(github.calls).toEqual([])
  })

  it('lets GitHub refusing the comment through, for the caller to report', async () => {
    const github = new MemoryGitHub()
    const api = github.api('t', ACTIONS_BOT, { readOnly: true })
    await expect(tellUnmapped(api, PR, [alice], KEY)).rejects.toMatchObject({ status: 403 })
  })
})
