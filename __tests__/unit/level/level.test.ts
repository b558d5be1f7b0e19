import { describe, expect, it } from '@jest/globals'
import {
  levelAfterAward,
  levelPhrase,
  type CourseLevel,
  type StudentLevel
} from '../../../src/level/level.js'
import { escapeText } from '../../../src/ledger/text.js'

/** Level Up XP's first default levels, with names on some of them. */
const LEVELS: CourseLevel[] = [
  { level: 1, xprequired: 0, name: 'Newcomer' },
  { level: 2, xprequired: 120, name: null },
  { level: 3, xprequired: 276, name: 'Rising star' },
  { level: 4, xprequired: 479, name: 'Contributor' }
]

describe('levelAfterAward', () => {
  it('gives the level of the new total, its name and the points to the next level', () => {
    expect(levelAfterAward(LEVELS, { xp: 300, points: 10 })).toEqual({
      number: 3,
      name: 'Rising star',
      xpToNext: 179,
      levelUp: false
    })
    expect(levelAfterAward(LEVELS, { xp: 10, points: 10 })).toEqual({
      number: 1,
      name: 'Newcomer',
      xpToNext: 110,
      levelUp: false
    })
  })

  it('is a level-up when the total before the award was on a lower level', () => {
    expect(levelAfterAward(LEVELS, { xp: 280, points: 10 })).toMatchObject({
      number: 3,
      levelUp: true
    })
    // Reaching the threshold exactly counts; having been on it before does not.
    expect(levelAfterAward(LEVELS, { xp: 276, points: 1 })?.levelUp).toBe(true)
    expect(levelAfterAward(LEVELS, { xp: 286, points: 10 })?.levelUp).toBe(false)
    // Over several levels at once: the level reached.
    expect(levelAfterAward(LEVELS, { xp: 500, points: 400 })).toMatchObject({
      number: 4,
      levelUp: true
    })
  })

  it('has nothing to the next level at the top', () => {
    expect(levelAfterAward(LEVELS, { xp: 479, points: 9 })).toEqual({
      number: 4,
      name: 'Contributor',
      xpToNext: null,
      levelUp: true
    })
    expect(levelAfterAward(LEVELS, { xp: 9000, points: 10 })?.xpToNext).toBeNull()
  })

  it('takes the levels in level order, whatever order Moodle lists them in', () => {
    const shuffled = [LEVELS[2]!, LEVELS[0]!, LEVELS[3]!, LEVELS[1]!]
    expect(levelAfterAward(shuffled, { xp: 130, points: 20 })).toEqual({
      number: 2,
      name: null,
      xpToNext: 146,
      levelUp: true
    })
  })

  it('is undefined when no level is reached, or the course lists none', () => {
    const late = [{ level: 1, xprequired: 50, name: null }]
    expect(levelAfterAward(late, { xp: 40, points: 10 })).toBeUndefined()
    expect(levelAfterAward(late, { xp: 55, points: 10 })).toMatchObject({ levelUp: true })
    expect(levelAfterAward([], { xp: 40, points: 10 })).toBeUndefined()
  })
})

describe('levelPhrase', () => {
  const level = (over: Partial<StudentLevel>): StudentLevel => ({
    number: 3,
    name: 'Rising star',
    xpToNext: 40,
    levelUp: false,
    ...over
  })
  const same = (name: string) => name

  it('says the level, its name and the points to the next one', () => {
    expect(levelPhrase(level({}), same)).toBe('level 3, Rising star; 40 XP to level 4')
  })

  it('says the top level has no next, and leaves out a missing or blank name', () => {
    expect(levelPhrase(level({ number: 10, name: 'Legend', xpToNext: null }), same)).toBe(
      'level 10, Legend; the top level'
    )
    expect(levelPhrase(level({ name: null }), same)).toBe('level 3; 40 XP to level 4')
    expect(levelPhrase(level({ name: ' \n ' }), same)).toBe('level 3; 40 XP to level 4')
  })

  it("passes the teacher's name through the writer's escaping, on one line and cut", () => {
    const name = '**Boss** <b>@everyone</b>\n::error::x'
    const phrase = levelPhrase(level({ name }), escapeText)
    expect(phrase).not.toMatch(/[*<>@\n]|::/)
    expect(phrase).toMatch(/^level 3, .+; 40 XP to level 4$/)
    const long = levelPhrase(level({ name: 'x'.repeat(500) }), same)
    expect(long).toBe(`level 3, ${'x'.repeat(59)}…; 40 XP to level 4`)
  })
})
