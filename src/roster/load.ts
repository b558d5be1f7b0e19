import fs from 'node:fs'
import path from 'node:path'
import { RosterError, RosterPathError } from './errors.js'
import { mergeRosters } from './merge.js'
import { parseInlineMapping, parseRoster, rosterFormat } from './parse.js'
import type { ParsedRoster, Roster } from './types.js'

const EXAMPLE = '.github/moodle-users.yml'

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target)
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel)
}

function lexicalPath(workspace: string, input: string): { abs: string; rel: string } {
  const trimmed = input.trim()
  if (trimmed === '') {
    throw new RosterPathError(
      `input mapping-file is empty; name the roster file relative to the repository root, e.g. ${EXAMPLE}`
    )
  }
  if (trimmed.includes('\0'))
    throw new RosterPathError('input mapping-file contains a NUL character; write a plain path')
  const ws = path.resolve(workspace)
  const abs = path.resolve(ws, trimmed)
  if (abs === ws) {
    throw new RosterPathError(
      `input mapping-file "${trimmed}" names the workspace folder itself; name the roster file, e.g. ${EXAMPLE}`
    )
  }
  if (!isInside(ws, abs)) {
    throw new RosterPathError(
      `input mapping-file "${trimmed}" points outside the workspace (${ws}); write a path inside the repository, relative to its root, e.g. ${EXAMPLE}`
    )
  }
  return { abs, rel: path.relative(ws, abs).split(path.sep).join('/') }
}

/**
 * The real path of the roster file named by the `mapping-file` input. It must stay inside the
 * workspace both as written and after following symbolic links (a link committed in a pull
 * request must not read files elsewhere on the runner). Throws RosterPathError.
 */
export function resolveRosterPath(workspace: string, input: string): string {
  const { abs } = lexicalPath(workspace, input)
  const shown = input.trim()
  let realWorkspace: string
  try {
    realWorkspace = fs.realpathSync(path.resolve(workspace))
  } catch {
    throw new RosterPathError(
      `the workspace ${path.resolve(workspace)} does not exist, so input mapping-file "${shown}" cannot be read; run the action in a job that checks out the repository (actions/checkout)`
    )
  }
  let real: string
  try {
    real = fs.realpathSync(abs)
  } catch {
    const dangling = (() => {
      try {
        return fs.lstatSync(abs).isSymbolicLink()
      } catch {
        return false
      }
    })()
    throw new RosterPathError(
      dangling
        ? `input mapping-file "${shown}" is a symbolic link to a file that does not exist; commit the roster file itself at that path`
        : `input mapping-file "${shown}" does not exist in the workspace (${path.resolve(workspace)}); check out the repository before this step with actions/checkout (sparse-checkout: ${shown} is enough), or fix the path`
    )
  }
  if (!isInside(realWorkspace, real)) {
    throw new RosterPathError(
      `input mapping-file "${shown}" leads outside the workspace through a symbolic link (to ${real}); commit the roster file itself inside the repository and name it directly`
    )
  }
  if (!fs.statSync(real).isFile()) {
    throw new RosterPathError(
      `input mapping-file "${shown}" is a directory, not a file; name the roster file itself, e.g. ${EXAMPLE}`
    )
  }
  return real
}

/**
 * Reads and validates the roster named by the `mapping-file` input. Errors name the file
 * relative to the workspace (as annotations need it). Throws RosterPathError or RosterError.
 */
export function loadRosterFile(workspace: string, input: string): ParsedRoster {
  const { rel } = lexicalPath(workspace, input)
  rosterFormat(rel) // an unsupported extension is reported before anything is read
  const real = resolveRosterPath(workspace, input)
  const bytes = fs.readFileSync(real)
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new RosterError(
      rel,
      1,
      'the file is saved as UTF-16; save it as UTF-8 (in Excel: "CSV UTF-8")'
    )
  }
  return parseRoster(bytes.toString('utf8'), rel)
}

/**
 * The roster from the `mapping-file` and `mapping` inputs (inline wins on conflict), or null
 * when neither is set. Logs how many Classroom rows were skipped as not yet linked.
 */
export function loadRoster(
  settings: { mappingFile: string | null; mapping: string | null },
  workspace: string,
  log: { info(message: string): void }
): Roster | null {
  if (settings.mappingFile === null && settings.mapping === null) return null
  let file: Roster | null = null
  if (settings.mappingFile !== null) {
    const { roster, skipped } = loadRosterFile(workspace, settings.mappingFile)
    file = roster
    log.info(`Roster file ${settings.mappingFile}: ${roster.records.length} student(s)`)
    if (skipped > 0) {
      log.info(
        `Roster file ${settings.mappingFile}: skipped ${skipped} row(s) without a GitHub username (students who have not joined the GitHub Classroom yet)`
      )
    }
  }
  const inline = settings.mapping === null ? null : parseInlineMapping(settings.mapping)
  return mergeRosters(file, inline)
}
