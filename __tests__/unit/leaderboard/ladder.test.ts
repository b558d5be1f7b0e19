import { describe, expect, it } from '@jest/globals'
import {
  LADDER_FUNCTION,
  LadderMissing,
  parseLadder,
  readLadder
} from '../../../src/leaderboard/ladder.js'
import type { MoodleClient } from '../../../src/moodle/client.js'
import { MoodleError } from '../../../src/moodle/errors.js'

/** A ranking entry as Level Up XP+ serialises it (the test server's shape). */
function entry(rank: number, id: number, fullname: string, xp: number, level = 2) {
  return {
    rank,
    state: {
      id,
      level: { level, xprequired: 120, badgeurl: null, description: null, name: 'Apprentice' },
      ratioinlevel: 0.5,
      totalxpinlevel: 156,
      xp,
      xpinlevel: 78,
      user: { id, fullname, profileimageurl: '' }
    }
  }
}

const reply = (ranking: unknown[], o: Record<string, unknown> = {}) => ({
  columns: ['rank', 'fullname', 'level', 'xp', 'progress'],
  page: 1,
  total: 12,
  ranking,
  identitymode: 1,
  rankmode: 1,
  neighbours: 0,
  ...o
})

describe('parseLadder', () => {
  it('reads rank, person, XP and level with its name', () => {
    expect(parseLadder(reply([entry(1, 2, 'Alice Anders', 198)]))).toEqual({
      total: 12,
      ranksHidden: false,
      rows: [
        { rank: 1, userId: 2, name: 'Alice Anders', xp: 198, level: 2, levelName: 'Apprentice' }
      ]
    })
  })

  it('keeps a person Moodle hides hidden (id 0), with the name Moodle gives', () => {
    const [row] = (parseLadder(reply([entry(1, 0, 'Someone else', 198)])) as { rows: unknown[] })
      .rows
    expect(row).toMatchObject({ userId: null, name: 'Someone else' })
  })

  it('on a ladder that says it is anonymous, shows no name Moodle gives anyway, and tracks nobody', () => {
    const ladder = parseLadder(
      reply([entry(1, 2, 'Alice Anders', 198), entry(2, 0, 'Someone else', 100)], {
        identitymode: 0
      })
    )
    expect(ladder).toMatchObject({
      rows: [
        { userId: null, name: null },
        { userId: null, name: 'Someone else' }
      ]
    })
  })

  it('notes a course that shows no ranks; a level without a name is null', () => {
    const e = entry(1, 2, 'Alice', 10)
    const ladder = parseLadder(
      reply([{ ...e, state: { ...e.state, level: { ...e.state.level, name: null } } }], {
        rankmode: 0
      })
    )
    expect(ladder).toMatchObject({ ranksHidden: true, rows: [{ levelName: null }] })
  })

  it('says what is wrong with a reply that is not a ladder', () => {
    expect(parseLadder({ total: 1, ranking: [{ rank: 1, state: { id: 2 } }] })).toEqual({
      problem: expect.stringMatching(/^ranking\.0\.state\.xp: /)
    })
    expect(parseLadder(null)).toEqual({ problem: expect.stringContaining('reply') })
  })
})

describe('readLadder', () => {
  const moodle = (answer: () => unknown) => {
    const calls: Array<[string, unknown]> = []
    const client = {
      call: async (fn: string, params: unknown) => {
        calls.push([fn, params])
        return answer()
      }
    } as unknown as MoodleClient
    return { client, calls }
  }
  const refused = (errorcode: string, category: MoodleError['category'] = 'permission') =>
    new MoodleError(`Moodle ${LADDER_FUNCTION}: ${errorcode}`, {
      outcome: 'not-applied',
      category,
      retryable: false,
      errorcode
    })

  it('asks for the first page of the given size', async () => {
    const m = moodle(() => reply([entry(1, 2, 'Alice', 10)]))
    const ladder = await readLadder(m.client, 30, 10)
    expect(ladder.rows).toHaveLength(1)
    expect(m.calls).toEqual([[LADDER_FUNCTION, { courseid: 30, page: 1, perpage: 10 }]])
  })

  it('a function not in the service, or not installed, is LadderMissing naming what to do', async () => {
    const notInService = readLadder(
      moodle(() => Promise.reject(refused('accessexception'))).client,
      30,
      10
    )
    await expect(notInService).rejects.toThrow(LadderMissing)
    await expect(notInService).rejects.toThrow(
      `${LADDER_FUNCTION} is not in the token's external service: add it`
    )
    const notInstalled = readLadder(
      moodle(() => Promise.reject(refused('invalidrecordunknown', 'service'))).client,
      30,
      10
    )
    await expect(notInstalled).rejects.toThrow('is not installed on the Moodle site')
  })

  it('any other refusal, and a reply that is not a ladder, is a MoodleError', async () => {
    const off = readLadder(moodle(() => Promise.reject(refused('nopermissions'))).client, 30, 10)
    await expect(off).rejects.toThrow(MoodleError)
    await expect(off).rejects.not.toThrow(LadderMissing)
    const odd = readLadder(moodle(() => ({ total: 'many' })).client, 30, 10)
    await expect(odd).rejects.toThrow(`Moodle ${LADDER_FUNCTION}: unexpected reply (total: `)
  })
})
