/**
 * The edge to the runner (`@actions/core`): log lines, annotations, outputs, the job summary.
 * Everything written here is plain text already made safe by the caller, or escaped here; every
 * copy of a registered secret is replaced first, before escaping or cutting could hide it.
 */
import * as core from '@actions/core'
import type { Outputs } from '../report/outcome.js'
import { REDACTED_MARKDOWN, redactSecrets, registerSecrets } from '../report/redact.js'
import { plain } from '../report/text.js'

export interface Logger {
  info(message: string): void
  warning(message: string): void
  /** A notice annotation: something optional the teacher may want to turn on. */
  notice?(message: string): void
}

/** Masks secrets (the runner's mask, and this edge's redaction) before anything is logged. */
export function maskSecrets(...secrets: string[]): void {
  for (const secret of secrets) if (secret !== '') core.setSecret(secret)
  registerSecrets(...secrets)
}

/** One line for the log: secrets redacted, then control characters escaped. */
const line = (message: string) => plain(redactSecrets(message))

export const log: Logger = {
  info: message => core.info(line(message)),
  warning: message => core.warning(line(message)),
  notice: message => core.notice(line(message))
}

/** An error annotation; with a file and line it marks that line in the pull request. */
export function annotateError(message: string, where?: { file: string; line: number }): void {
  core.error(
    line(message),
    where ? { file: where.file, startLine: where.line, title: 'Moodle XP' } : undefined
  )
  process.exitCode = 1
}

export function setOutputs(outputs: Outputs): void {
  for (const [name, value] of Object.entries(outputs) as Array<[string, string]>) {
    core.setOutput(name, redactSecrets(value))
  }
}

/** The job summary. Its Markdown was escaped by its builder: the redactor knows escaped forms. */
export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  await core.summary.addRaw(redactSecrets(markdown, REDACTED_MARKDOWN)).write()
}
