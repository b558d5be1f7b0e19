import { checkMoodleAdvice } from '../ledger/decide.js'
import { AWARD_FUNCTION, unknownOutcomeAdvice } from '../moodle/errors.js'

/**
 * The reason of an award whose outcome is unknown, when a ledger records it: the cause Moodle
 * or the network gave, then one piece of advice, the ledger's (check the XP log, force only if
 * the points are missing), in place of the client's general advice rather than after it.
 */
export function unknownAwardReason(message: string, run: string): string {
  const general = unknownOutcomeAdvice(AWARD_FUNCTION)
  const cause = message.endsWith(general)
    ? message.slice(0, -general.length).replace(/[\s;,:]+$/, '')
    : message
  return `${cause}; the points may have been added: ${checkMoodleAdvice(run)}`
}
