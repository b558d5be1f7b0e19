/**
 * What a run reports, in either mode: the step outputs, the job summary, log lines, warnings,
 * and the problems that fail the step. Built by pure functions (`awardReport` here, the check
 * report in `check/`); `runner/actions.ts` writes it.
 */
import { failuresOf, type Outputs, outputsFrom, warningsOf } from './outcome.js'
import { awardSummary, type SummaryInput } from './summary.js'

/** A line that fails the step, as an `::error::` annotation; on a file's line when it has one. */
export interface Problem {
  message: string
  where?: { file: string; line: number }
}

export interface RunReport {
  outputs: Outputs
  /** Markdown for the job summary. */
  summary: string
  /** Plain lines for the log, in order. */
  log: string[]
  /** Problems that do not fail the step. */
  warnings: string[]
  /** Problems that fail the step, one annotation each. */
  problems: Problem[]
}

/** Award mode's report: the results as outputs, a table, and what fails or warns. */
export function awardReport(input: SummaryInput & { failOnUnmapped: boolean }): RunReport {
  return {
    outputs: outputsFrom(input.results),
    summary: awardSummary(input),
    log: [],
    warnings: warningsOf(input.results, input.failOnUnmapped),
    problems: failuresOf(input.results, input.failOnUnmapped).map(message => ({ message }))
  }
}
