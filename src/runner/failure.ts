import { PlanError } from '../events/errors.js'
import { MoodleError } from '../moodle/errors.js'
import { plain } from '../report/text.js'
import { RosterError, RosterPathError } from '../roster/errors.js'
import { InputError } from '../settings/settings.js'
import { SyncError } from '../sync/errors.js'
import { RunContextError } from './context.js'

/** A failure of the whole step, as one line and, for a roster, the line to annotate. */
export interface StepFailure {
  message: string
  where?: { file: string; line: number }
}

/**
 * Turns what stopped the run into the one line the teacher reads. The known error types already
 * carry a message that says what to fix; anything else is a bug and says so.
 */
export function describeFailure(error: unknown): StepFailure {
  if (error instanceof RosterError) {
    return { message: error.message, where: { file: error.file, line: error.line } }
  }
  if (
    error instanceof InputError ||
    error instanceof RosterPathError ||
    error instanceof PlanError ||
    error instanceof MoodleError ||
    error instanceof RunContextError ||
    error instanceof SyncError
  ) {
    return { message: plain(error.message) }
  }
  const detail = error instanceof Error ? error.message : String(error)
  return {
    message: plain(
      `Unexpected error (please report it with this line): ${detail}. Nothing was awarded after this point.`
    )
  }
}
