/**
 * The edge to the runner (`@actions/core`): log lines, annotations, outputs, the job summary.
 * Everything written here is plain text already made safe by the caller, or escaped here.
 */
import * as core from '@actions/core'
import type { Outputs } from '../report/outcome.js'
import { plain } from '../report/text.js'

export interface Logger {
  info(message: string): void
  warning(message: string): void
}

/** Masks secrets before anything else is logged. */
export function maskSecrets(...secrets: string[]): void {
  for (const secret of secrets) if (secret !== '') core.setSecret(secret)
}

export const log: Logger = {
  info: message => core.info(plain(message)),
  warning: message => core.warning(plain(message))
}

/** An error annotation; with a file and line it marks that line in the pull request. */
export function annotateError(message: string, where?: { file: string; line: number }): void {
  core.error(
    plain(message),
    where ? { file: where.file, startLine: where.line, title: 'Moodle XP' } : undefined
  )
  process.exitCode = 1
}

export function setOutputs(outputs: Outputs): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value)
}

export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  await core.summary.addRaw(markdown).write()
}
