import path from 'node:path'
import { INLINE_MAPPING_FILE, RosterPathError } from './errors.js'
import { parseCsvRoster } from './parse-csv.js'
import { parseYamlRoster } from './parse-yaml.js'
import type { ParsedRoster, Roster } from './types.js'

export type RosterFormat = 'yaml' | 'json' | 'csv'

export { INLINE_MAPPING_FILE }

const FORMATS: Record<string, RosterFormat> = {
  '.yml': 'yaml',
  '.yaml': 'yaml',
  '.json': 'json',
  '.csv': 'csv'
}

/** The format a roster file is read in, from its extension. */
export function rosterFormat(file: string): RosterFormat {
  const format = FORMATS[path.extname(file).toLowerCase()]
  if (!format) {
    throw new RosterPathError(
      `input mapping-file "${file}" has an unsupported extension; name the file .yml, .yaml, .json or .csv (the format follows the extension)`
    )
  }
  return format
}

/**
 * Parses and validates a roster file's text. `file` (workspace-relative) names the format by its
 * extension and appears in errors. Throws RosterError (file, line, fix) or RosterPathError.
 */
export function parseRoster(text: string, file: string): ParsedRoster {
  const format = rosterFormat(file)
  return format === 'csv' ? parseCsvRoster(text, file) : parseYamlRoster(text, file, format)
}

/** Parses the inline `mapping` input: `github-login: moodle-user-id` lines, `#` comments. */
export function parseInlineMapping(text: string): Roster {
  return parseYamlRoster(text, INLINE_MAPPING_FILE, 'inline').roster
}
