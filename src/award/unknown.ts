import { checkMoodleAdvice } from '../ledger/decide.js'
import type { MoodleError } from '../moodle/errors.js'

/**
 * The reason of an award whose outcome is unknown, when a ledger records it: what happened and
 * what it means (the client's diagnosis, which says whether the points may have been added),
 * then one piece of advice, the ledger's (check the XP log, force only if the points are
 * missing), in place of the client's general advice rather than after it.
 */
export function unknownAwardReason(error: Pick<MoodleError, 'diagnosis'>, run: string): string {
  return `${error.diagnosis}: ${checkMoodleAdvice(run)}`
}
