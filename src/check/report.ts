/** Check mode's checklist as the job summary, log lines and problems. Pure. */
import { markdown } from '../report/text.js'
import type { CheckItem, CheckStatus, Problem } from './items.js'

const MARK: Record<CheckStatus, string> = {
  passed: '✅',
  failed: '❌',
  'not-checked': '➖'
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
  const notChecked = item.status === 'not-checked' ? 'not checked: ' : ''
  const fix = item.fix ? `. Fix: ${item.fix}` : ''
  return `${item.name}: ${notChecked}${item.detail}${fix}`
}

/** The log: one plain line per item, then its entries indented (log.info makes them safe). */
export function logLines(items: readonly CheckItem[]): string[] {
  return items.flatMap(item => [
    `${MARK[item.status]} ${text(item)}`,
    ...(item.entries ?? []).map(entry => `    - ${entry}`)
  ])
}

/** The verdict in one line, for the log and the summary. */
export function verdict(items: readonly CheckItem[]): string {
  const failed = items.filter(item => item.status === 'failed').length
  const skipped = items.filter(item => item.status === 'not-checked').length
  const notChecked = skipped > 0 ? ` (${skipped} not checked)` : ''
  return failed === 0
    ? `All checks passed${notChecked}. Nothing was awarded (mode: check).`
    : `${failed} check(s) failed${notChecked}. Nothing was awarded (mode: check).`
}

/** The job summary: a checklist; every server- or roster-derived text is escaped. */
export function checkSummary(items: readonly CheckItem[]): string {
  const lines = ['## Moodle Level Up XP: set-up check', '']
  for (const item of items) {
    const notChecked = item.status === 'not-checked' ? ' not checked:' : ''
    const fix = item.fix ? `<br>Fix: ${markdown(item.fix)}` : ''
    lines.push(
      `- ${MARK[item.status]}${notChecked} **${markdown(item.name)}**: ${markdown(item.detail)}${fix}`
    )
    for (const entry of item.entries ?? []) lines.push(`  - ${markdown(entry)}`)
  }
  lines.push('', markdown(verdict(items)))
  return `${lines.join('\n')}\n`
}
