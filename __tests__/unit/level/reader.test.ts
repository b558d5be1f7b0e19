import { describe, expect, it } from '@jest/globals'
import { levelsLeftOut, levelsReader } from '../../../src/level/reader.js'
import { MoodleError } from '../../../src/moodle/errors.js'

const LEVELS = [
  { level: 1, xprequired: 0, name: 'Newcomer' },
  { level: 2, xprequired: 120, name: null }
]

const accessException = () =>
  new MoodleError('Moodle local_xp_get_levels_info: access denied (accessexception)', {
    outcome: 'not-applied',
    category: 'permission',
    retryable: false,
    errorcode: 'accessexception'
  })

/** A fake Moodle that answers with the levels, or throws `error`; records the reads. */
function world(error: unknown = null) {
  const reads: number[] = []
  const lines: string[] = []
  const reader = levelsReader({
    courseId: 30,
    log: { info: m => lines.push(m), warning: m => lines.push(`warning: ${m}`) },
    moodle: {
      async getLevelsInfo(courseId) {
        reads.push(courseId)
        await new Promise(resolve => setImmediate(resolve))
        if (error !== null) throw error
        return { count: LEVELS.length, levels: LEVELS }
      }
    }
  })
  return { reader, reads, lines }
}

describe('levelsReader', () => {
  it("reads the course's levels once per run, however often and however concurrently asked", async () => {
    const w = world()
    const [a, b] = await Promise.all([w.reader.levels(), w.reader.levels()])
    expect(a).toEqual(LEVELS)
    expect(b).toEqual(LEVELS)
    expect(await w.reader.levels()).toEqual(LEVELS)
    expect(w.reads).toEqual([30])
    expect(w.lines).toEqual([])
  })

  it('gives null on a failure, says so once in the log, and does not read again', async () => {
    const w = world(new Error('no reply within 4 s'))
    expect(await w.reader.levels()).toBeNull()
    expect(await w.reader.levels()).toBeNull()
    expect(w.reads).toEqual([30])
    expect(w.lines).toEqual([
      "Student levels are not shown in this run: reading the course's levels failed (no reply within 4 s). The awards are not affected."
    ])
  })
})

describe('levelsLeftOut', () => {
  it('names the function to add when the service lacks it', () => {
    expect(levelsLeftOut(accessException())).toBe(
      "Student levels are not shown: local_xp_get_levels_info is not in the token's external service. To show each student's level in the comment and the outputs, add it to the service (see \"Levels\" in the action's docs/moodle-setup.md). The awards are not affected."
    )
  })

  it('quotes any other failure, whatever was thrown', () => {
    expect(levelsLeftOut('odd')).toBe(
      "Student levels are not shown in this run: reading the course's levels failed (odd). The awards are not affected."
    )
  })
})
