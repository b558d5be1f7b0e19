import type { MoodleClient } from '../moodle/client.js'
import type { RunContext } from '../runner/context.js'
import type { Settings } from '../settings/settings.js'

/** Check mode: verifies the set-up and awards nothing. */
export async function runCheck(
  _settings: Settings,
  _context: RunContext,
  _moodle: MoodleClient
): Promise<void> {
  throw new Error('mode: check is not implemented yet')
}
