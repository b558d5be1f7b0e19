/**
 * What both modes do the same way around one award: the request to Moodle and what its answer
 * means for the ledger (done, failed, or unknown: the points may have been added), and the
 * result of an award the ledger holds back.
 */
import type { Decision } from '../ledger/ledger.js'
import type { MoodleClient } from '../moodle/client.js'
import { MoodleError } from '../moodle/errors.js'
import type { Status } from '../report/status.js'

export interface AwardRequest {
  userId: number
  points: number
  courseId: number
}

/** What became of one award request. `unknown`: the points may have been added. */
export type Sent =
  { state: 'done'; xp: number } | { state: 'failed' | 'unknown'; error: MoodleError }

/** Sends one award. Throws only for bugs: every Moodle failure is a `Sent`. */
export async function sendAward(
  moodle: Pick<MoodleClient, 'awardPoints'>,
  request: AwardRequest
): Promise<Sent> {
  try {
    const { xp } = await moodle.awardPoints(request)
    return { state: 'done', xp }
  } catch (error) {
    if (!(error instanceof MoodleError)) throw error
    return { state: error.outcome === 'unknown' ? 'unknown' : 'failed', error }
  }
}

/** The result of an award the ledger says not to make; null when it says to award. */
export function heldBack(
  decision: Decision
): { status: Status; reason: string; xp: number | null } | null {
  switch (decision.action) {
    case 'award':
      return null
    case 'already-awarded':
      return { status: 'already-awarded', reason: decision.reason, xp: decision.xp }
    case 'unknown':
      return { status: 'unknown', reason: decision.reason, xp: null }
    case 'in-progress':
      return { status: 'skipped', reason: decision.reason, xp: null }
  }
}
