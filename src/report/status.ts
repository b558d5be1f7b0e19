/** Outcome of one recipient, as the spec names it (the words are part of the interface). */
export type Status =
  'awarded' | 'already-awarded' | 'dry-run' | 'skipped' | 'unmapped' | 'failed' | 'unknown'

/** One element of the `results` output. Field names are fixed by the spec. */
export interface RecipientResult {
  github: string | null
  githubId: number | null
  moodleUserId: number | null
  points: number
  xp: number | null
  status: Status
  reason: string
}
