import { describe, expect, it } from '@jest/globals'
import {
  courseItem,
  courseNotVerifiable,
  enrolmentItem,
  enrolmentNotVerifiable,
  type Subject,
  testAwardItem,
  XP_READ_FUNCTIONS,
  xpReadFunctionItem
} from '../../../src/check/course.js'
import type { MoodleFailure } from '../../../src/check/items.js'
import type { FoundUser } from '../../../src/check/roster.js'
import type { XpUserState } from '../../../src/moodle/client.js'

const alice: Subject = { label: 'alice-gh (roster.yml line 2)', moodleUserId: 2, known: true }
const state: XpUserState = {
  id: 2,
  xp: 130,
  level: { level: 2, xprequired: 120, name: 'Apprentice' },
  xpinlevel: 10,
  totalxpinlevel: 156
}
const refused = (errorcode: string, message = `Moodle x: ${errorcode}`) => ({
  ok: false as const,
  error: { errorcode, message, category: 'permission' } satisfies MoodleFailure
})

describe('courseItem', () => {
  it('passes only when another user’s XP was read: that needs block/xp:manage, as the award does', () => {
    const item = courseItem(30, {
      kind: 'read',
      subject: alice,
      result: { ok: true, value: state }
    })
    expect(item.status).toBe('passed')
    expect(item.detail).toBe(
      'the token\'s user may manage Level Up XP in course 30: it read the points of alice-gh (roster.yml line 2) (130 XP, level 2 "Apprentice") with local_xp_get_user_state, which needs block/xp:manage as the award does'
    )
  })

  it('does not pass on reading the token’s own XP, which proves access only', () => {
    const item = courseItem(30, { kind: 'read', subject: null, result: { ok: true, value: state } })
    expect(item.status).toBe('not-verified')
    expect(item.detail).toContain('needs a student')
  })

  it('is not verified without the read, saying which function would verify it', () => {
    const reason = courseNotVerifiable({ state: 'not-in-service' })
    expect(reason).toContain('add local_xp_get_user_state to the token')
    expect(reason).toContain('check-award-user-id')
    expect(courseItem(30, { kind: 'not-made', reason })).toMatchObject({ status: 'not-verified' })
    expect(courseNotVerifiable({ state: 'not-checked', reason: 'Moodle did not answer' })).toBe(
      'Moodle did not answer'
    )
  })

  it.each([
    ['nopermissions', /may not manage Level Up XP in course 30/, /block\/xp:manage in course 30/],
    ['requireloginerror', /cannot open course 30/, /enrol the token's user in course 30/],
    ['invalidrecordunknown', /^course 30 does not exist/, /check course-id/]
  ])('fails on %s with the fix', (code, detail, fix) => {
    const item = courseItem(30, { kind: 'read', subject: alice, result: refused(code) })
    expect(item.status).toBe('failed')
    expect(item.detail).toMatch(detail)
    expect(item.fix).toMatch(fix)
  })

  it('names the system level for sitewide XP', () => {
    const item = courseItem(1, { kind: 'read', subject: alice, result: refused('nopermissions') })
    expect(item.detail).toContain('at site level (sitewide XP, course-id 1)')
    expect(item.fix).toContain('system role')
  })

  it('does not blame the course alone when the user read was not known to exist', () => {
    const item = courseItem(30, {
      kind: 'read',
      subject: { ...alice, known: false },
      result: refused('invalidrecordunknown')
    })
    expect(item.detail).toMatch(/^course 30, or Moodle user 2, does not exist/)
  })

  it('reports other errors as not verified', () => {
    const item = courseItem(30, { kind: 'read', subject: alice, result: refused('x', 'boom') })
    expect(item).toMatchObject({ status: 'not-verified' })
    expect(item.detail).toContain('boom')
  })
})

describe('enrolmentItem', () => {
  const people: FoundUser[] = [
    { label: 'alice-gh (r.yml line 2)', moodleUserId: 2, where: { file: 'r.yml', line: 2 } },
    { label: 'user-id 6', moodleUserId: 6, where: null }
  ]

  it('passes when everyone may earn', () => {
    const item = enrolmentItem(30, people, {
      kind: 'listed',
      result: { ok: true, value: new Set([2, 6, 9]) }
    })
    expect(item).toMatchObject({ name: 'Students in course 30', status: 'passed' })
  })

  it('fails with one annotation per student who may not earn, on the roster line', () => {
    const item = enrolmentItem(30, people, {
      kind: 'listed',
      result: { ok: true, value: new Set([2]) }
    })
    expect(item.status).toBe('failed')
    expect(item.entries).toEqual([
      'user-id 6: Moodle user 6 is not enrolled in course 30, or may not earn points there'
    ])
    expect(item.problems).toEqual([
      {
        message:
          'user-id 6: Moodle user 6 is not enrolled in course 30, or may not earn points there; enrol them in course 30 with the Student role (which holds block/xp:earnxp)'
      }
    ])
  })

  it('is not verified when the listing is refused, with the capabilities it needs', () => {
    const item = enrolmentItem(30, people, { kind: 'listed', result: refused('nopermissions') })
    expect(item.status).toBe('not-verified')
    expect(item.detail).toContain('moodle/role:review')
  })

  it('says which function would verify enrolment', () => {
    expect(enrolmentNotVerifiable({ state: 'not-in-service' })).toContain(
      'add core_enrol_get_enrolled_users to the token'
    )
  })
})

describe('testAwardItem', () => {
  it('says only a real award proves the award, when none was asked for', () => {
    const item = testAwardItem(30, { kind: 'not-set' })
    expect(item.status).toBe('not-verified')
    expect(item.detail).toContain('set check-award-user-id')
  })

  it('says a made test award was real', () => {
    const item = testAwardItem(30, {
      kind: 'sent',
      userId: 6,
      result: { ok: true, value: { xp: 41 } }
    })
    expect(item.status).toBe('passed')
    expect(item.detail).toContain('This was a real award')
  })

  it('says when the outcome of the test award is unknown', () => {
    const unknown = refused('x', 'no reply within 30 s')
    const item = testAwardItem(30, {
      kind: 'sent',
      userId: 6,
      result: { ok: false, error: { ...unknown.error, outcome: 'unknown' } }
    })
    expect(item).toMatchObject({ status: 'failed' })
    expect(item.detail).toBe(
      'whether the award of 1 point to Moodle user 6 was made is unknown: no reply within 30 s'
    )
  })

  it('fails with Moodle’s message', () => {
    const item = testAwardItem(30, {
      kind: 'sent',
      userId: 6,
      result: refused('x', 'Moodle said no')
    })
    expect(item).toMatchObject({ status: 'failed' })
    expect(item.detail).toContain('Moodle said no')
  })
})

describe('xpReadFunctionItem', () => {
  const [userState, levelsInfo, ladder] = XP_READ_FUNCTIONS

  it('lists a present function with what it gives, and the course’s levels when read', () => {
    expect(xpReadFunctionItem(userState, { state: 'present', probed: false }).status).toBe('passed')
    const levels = xpReadFunctionItem(
      levelsInfo,
      { state: 'present', probed: false },
      {
        ok: true,
        value: {
          count: 10,
          levels: [
            { level: 1, xprequired: 0, name: null },
            { level: 2, xprequired: 120, name: null }
          ]
        }
      }
    )
    expect(levels.detail).toContain('this course has 10 levels, level 2 from 120 XP')
  })

  it('lists an absent function as optional, with what the teacher loses', () => {
    const item = xpReadFunctionItem(ladder, { state: 'not-in-service' })
    expect(item.status).toBe('absent')
    expect(item.detail).toContain('without it there is no leaderboard')
    expect(item.detail).toContain('add local_xp_get_course_world_ladder to the token')
  })
})
