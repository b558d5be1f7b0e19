import type { RecipientResult, Status } from './status.js'
import { markdown } from './text.js'

export const STATUS_LABEL: Record<Status, string> = {
  awarded: '✅ awarded',
  'already-awarded': '☑️ already awarded',
  'dry-run': '🧪 dry run',
  skipped: '⏭️ skipped',
  unmapped: '❓ unmapped',
  failed: '❌ failed',
  unknown: '⚠️ unknown'
}

export interface SummaryInput {
  /** Plain-text description of the event (escaped here). */
  event: string
  /** Where the points went, e.g. "course 30" (escaped here). */
  target: string
  results: RecipientResult[]
  /** Lines to add below the table (escaped here). */
  notes: string[]
}

/** The job summary: a heading, the event, one table row per recipient, then notes. */
export function awardSummary(input: SummaryInput): string {
  const lines = [
    '## Moodle Level Up XP',
    '',
    `${markdown(input.event)} → ${markdown(input.target)}`,
    ''
  ]
  if (input.results.length === 0) {
    lines.push('Nobody was eligible for XP in this run.')
  } else {
    lines.push('| GitHub user | Moodle user | Points | New total | Status | Reason |')
    lines.push('| --- | --- | ---: | ---: | --- | --- |')
    for (const r of input.results) {
      const cells = [
        r.github === null ? '—' : markdown(r.github),
        r.moodleUserId === null ? '—' : String(r.moodleUserId),
        String(r.points),
        r.xp === null ? '—' : String(r.xp),
        STATUS_LABEL[r.status],
        r.reason === '' ? '' : markdown(r.reason)
      ]
      lines.push(`| ${cells.join(' | ')} |`)
    }
  }
  if (input.notes.length > 0) lines.push('', ...input.notes.map(note => `- ${markdown(note)}`))
  return `${lines.join('\n')}\n`
}
