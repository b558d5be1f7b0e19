import type { StudentLevel } from '../level/level.js'

/** Outcome of one recipient (the words are part of the action's interface, see action.yml). */
export type Status =
  'awarded' | 'already-awarded' | 'dry-run' | 'skipped' | 'unmapped' | 'failed' | 'unknown'

/** One element of the `results` output. Field names are part of the interface. */
export interface RecipientResult {
  github: string | null
  githubId: number | null
  moodleUserId: number | null
  points: number
  xp: number | null
  status: Status
  reason: string
  /**
   * After an award, the level its total reached, when the course's levels are known (in the
   * output: null otherwise).
   */
  level?: StudentLevel
}
