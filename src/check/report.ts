/** Check mode's checklist as the run's report: job summary, log lines, problems. Pure. */
import { outputsFrom } from '../report/outcome.js'
import type { Problem, RunReport } from '../report/run-report.js'
import type { RecipientResult } from '../report/status.js'
import { markdown } from '../report/text.js'
import type { CheckItem, CheckStatus } from './items.js'

const MARK: Record<CheckStatus, string> = {
  passed: '✅',
  failed: '❌',
  'not-verified': '⚠️',
  absent: '➖'
}

/** Words before the detail: a reader must never take an unverified item for a pass. */
const PREFIX: Record<CheckStatus, string> = {
  passed: '',
  failed: '',
  'not-verified': 'not verified: ',
  absent: ''
}

/** One line per failed item (or the item's own problems): what is wrong and how to fix it. */
export function problemsOf(items: readonly CheckItem[]): Problem[] {
  return items
    .filter(item => item.status === 'failed')
    .flatMap(
      item =>
        item.problems ?? [
          { message: `${item.name}: ${item.detail}${item.fix ? `; ${item.fix}` : ''}` }
        ]
    )
}

function text(item: CheckItem): string {
  const fix = item.fix ? `. Fix: ${item.fix}` : ''
  return `${item.name}: ${PREFIX[item.status]}${item.detail}${fix}`
}

/** The log: one plain line per item, then its entries indented (log.info makes them safe). */
export function logLines(items: readonly CheckItem[]): string[] {
  return items.flatMap(item => [
    `${MARK[item.status]} ${text(item)}`,
    ...(item.entries ?? []).map(entry => `    - ${entry}`)
  ])
}

/**
 * The verdict in one line, for the log and the summary. `testAward`: the test award that was
 * sent, if any (whatever its outcome, it is the one award check mode may make).
 */
export function verdict(items: readonly CheckItem[], testAward: RecipientResult | null): string {
  const failed = items.filter(item => item.status === 'failed').length
  const unverified = items.filter(item => item.status === 'not-verified').length
  const rest = unverified > 0 ? `; ${unverified} not verified (⚠️)` : ''
  const head = failed === 0 ? `All checks passed${rest}` : `${failed} check(s) failed${rest}`
  const test = `the test award of 1 point to Moodle user ${testAward?.moodleUserId ?? '?'}`
  const awarded =
    testAward === null
      ? 'Nothing was awarded (mode: check).'
      : testAward.status === 'awarded'
        ? `Only ${test} was made (check-award-user-id).`
        : testAward.status === 'unknown'
          ? `Nothing else was sent; ${test} has an unknown outcome (see above).`
          : `Nothing was awarded: ${test} failed.`
  return `${head}. ${awarded}`
}

/** The job summary: a checklist; every server- or roster-derived text is escaped. */
export function checkSummary(items: readonly CheckItem[], closing: string): string {
  const lines = ['## Moodle Level Up XP: set-up check', '']
  for (const item of items) {
    const prefix = PREFIX[item.status] === '' ? '' : ` ${PREFIX[item.status].trim()}`
    const fix = item.fix ? `<br>Fix: ${markdown(item.fix)}` : ''
    lines.push(
      `- ${MARK[item.status]}${prefix} **${markdown(item.name)}**: ${markdown(item.detail)}${fix}`
    )
    for (const entry of item.entries ?? []) lines.push(`  - ${markdown(entry)}`)
  }
  lines.push('', markdown(closing))
  return `${lines.join('\n')}\n`
}

/** Check mode's report: the test award (if any) is the only result in the outputs. */
export function checkReport(
  items: readonly CheckItem[],
  testAward: RecipientResult | null
): RunReport {
  const closing = verdict(items, testAward)
  return {
    outputs: outputsFrom(testAward === null ? [] : [testAward]),
    summary: checkSummary(items, closing),
    log: [...logLines(items), closing],
    warnings: [],
    problems: problemsOf(items)
  }
}
