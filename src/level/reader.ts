/**
 * Reads the course's levels (`local_xp_get_levels_info`) once per run, after the run's awards,
 * for the students' levels in the comment and the outputs. Optional and harmless: the function
 * missing from the token's service, an error or a slow answer only leaves the levels out, with
 * one line in the log. The read never touches an award: the award's status, its `xp` and the
 * ledger come from the award's own reply.
 *
 * Cost: one request per run that awards something, whatever the number of students (a sync run
 * awarding hundreds reads the levels once), with a short timeout and no retry, so a slow Moodle
 * delays a run by that timeout at most.
 */
import { functionUnavailable } from '../moodle/errors.js'
import type { MoodleClient } from '../moodle/client.js'
import type { Logger } from '../runner/actions.js'
import type { CourseLevel } from './level.js'

export const LEVELS_FUNCTION = 'local_xp_get_levels_info'

/** Limit for the levels' read (or `timeout-seconds`, when shorter). */
export const LEVELS_TIMEOUT_MS = 4000

export interface LevelsReader {
  /** The course's levels, read on the first call only; null when they are not known. */
  levels(): Promise<CourseLevel[] | null>
}

export interface LevelsReaderOptions {
  moodle: Pick<MoodleClient, 'getLevelsInfo'>
  courseId: number
  log: Logger
}

/** The log line when the levels could not be read: why they are left out, and the fix if known. */
export function levelsLeftOut(error: unknown): string {
  const after = 'The awards are not affected.'
  if (functionUnavailable(error) === 'not-in-service') {
    return `Student levels are not shown: ${LEVELS_FUNCTION} is not in the token's external service. To show each student's level in the comment and the outputs, add it to the service (see "Levels" in the action's docs/moodle-setup.md). ${after}`
  }
  const why = error instanceof Error ? error.message : String(error)
  return `Student levels are not shown in this run: reading the course's levels failed (${why}). ${after}`
}

export function levelsReader(o: LevelsReaderOptions): LevelsReader {
  let read: Promise<CourseLevel[] | null> | null = null
  const readOnce = async () => {
    try {
      const limits = { timeoutMs: LEVELS_TIMEOUT_MS, attempts: 1 }
      return (await o.moodle.getLevelsInfo(o.courseId, limits)).levels
    } catch (error) {
      o.log.info(levelsLeftOut(error))
      return null
    }
  }
  return {
    levels: () => (read ??= readOnce())
  }
}
