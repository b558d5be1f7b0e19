import path from 'node:path'
import { INLINE_MAPPING_FILE, RosterPathError } from './errors.js'
import { parseCsvRoster } from './parse-csv.js'
import { parseYamlRoster } from './parse-yaml.js'
import type { ParsedRoster, Roster } from './types.js'

export type RosterFormat = 'yaml' | 'json' | 'csv'

export { INLINE_MAPPING_FILE }

/** A file format the roster can be written in. See CONTRIBUTING.md, "Add a roster format". */
interface RosterFormatSpec {
  format: RosterFormat
  /** Lower-case file extensions, with the dot. */
  extensions: readonly string[]
  /** Parses and validates the file's text; throws RosterError (file, line, fix). */
  parse(text: string, file: string): ParsedRoster
}

/** The roster formats, by file extension (the format follows the extension). */
export const ROSTER_FORMATS: readonly RosterFormatSpec[] = [
  {
    format: 'yaml',
    extensions: ['.yml', '.yaml'],
    parse: (text, file) => parseYamlRoster(text, file, 'yaml')
  },
  {
    format: 'json',
    extensions: ['.json'],
    parse: (text, file) => parseYamlRoster(text, file, 'json')
  },
  { format: 'csv', extensions: ['.csv'], parse: parseCsvRoster }
]

/** `.yml, .yaml, .json or .csv` */
function extensionList(): string {
  const all = ROSTER_FORMATS.flatMap(spec => spec.extensions)
  return `${all.slice(0, -1).join(', ')} or ${all.at(-1) ?? ''}`
}

function formatOf(file: string): RosterFormatSpec {
  const extension = path.extname(file).toLowerCase()
  const spec = ROSTER_FORMATS.find(candidate => candidate.extensions.includes(extension))
  if (!spec) {
    throw new RosterPathError(
      `input mapping-file "${file}" has an unsupported extension; name the file ${extensionList()} (the format follows the extension)`
    )
  }
  return spec
}

/** The format a roster file is read in, from its extension. */
export function rosterFormat(file: string): RosterFormat {
  return formatOf(file).format
}

/**
 * Parses and validates a roster file's text. `file` (workspace-relative) names the format by its
 * extension and appears in errors. Throws RosterError (file, line, fix) or RosterPathError.
 */
export function parseRoster(text: string, file: string): ParsedRoster {
  return formatOf(file).parse(text, file)
}

/** Parses the inline `mapping` input: `github-login: moodle-user-id` lines, `#` comments. */
export function parseInlineMapping(text: string): Roster {
  return parseYamlRoster(text, INLINE_MAPPING_FILE, 'inline').roster
}
