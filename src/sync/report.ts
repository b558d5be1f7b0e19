/**
 * What a sync run reports: the outputs (`awarded-points`, `results` with each award's repository
 * and number), and a job summary grouped per student, every item linked. Pure; every text from
 * GitHub goes through `markdown()`.
 */
import { failuresOf, outputsFrom, warningsOf } from '../report/outcome.js'
import type { RunReport } from '../report/run-report.js'
import type { RecipientResult, Status } from '../report/status.js'
import { STATUS_LABEL } from '../report/summary.js'
import { markdown } from '../report/text.js'

/** One award considered: a person for a pull request or issue. */
export type SyncResult = RecipientResult & { repository: string; number: number }

/** What the summary shows of an item. */
export interface ItemInfo {
  title: string
  url: string
}

export interface SyncReportInput {
  /** One line on what was read, plain text (escaped here). */
  scope: string
  results: SyncResult[]
  /** By `owner/name#number`, lower-cased. */
  items: Map<string, ItemInfo>
  /** Lines under the tables (escaped here). */
  notes: string[]
  failOnUnmapped: boolean
  /** Lines that fail the step besides the results' (escaped by the writer). */
  problems: string[]
}

export function itemKey(repository: string, number: number): string {
  return `${repository.toLowerCase()}#${number}`
}

/** Statuses that make a student's section open in the summary. */
const NEWS: ReadonlySet<Status> = new Set(['awarded', 'dry-run', 'failed', 'unknown', 'unmapped'])

function who(r: SyncResult): string {
  return r.github !== null ? r.github : `Moodle user ${r.moodleUserId ?? '?'}`
}

function link(r: SyncResult, info: ItemInfo | undefined): string {
  const name = markdown(`${r.repository}#${r.number}`)
  const title = info ? ` ${markdown(info.title)}` : ''
  // A link only to an address GitHub gave (https, nothing that could end the link).
  const url = info?.url ?? ''
  return /^https:\/\/[^\s()<>[\]]+$/.test(url) ? `[${name}](${url})${title}` : `${name}${title}`
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`
}

function studentSection(results: SyncResult[], items: Map<string, ItemInfo>): string[] {
  const first = results[0]!
  const earned = results.filter(r => r.status === 'awarded').reduce((s, r) => s + r.points, 0)
  const totals = results.filter(r => r.status === 'awarded' && r.xp !== null)
  const total = totals.at(-1)?.xp
  const moodle = results.find(r => r.moodleUserId !== null)?.moodleUserId
  const head = [
    `### ${markdown(who(first))}`,
    moodle != null && first.github !== null ? ` (Moodle user ${moodle})` : '',
    earned > 0 ? `: +${earned} XP` : '',
    total != null ? `, now ${total} XP` : ''
  ].join('')
  const lines = [
    head,
    '',
    row(['Item', 'Points', 'Status', 'Reason']),
    '| --- | ---: | --- | --- |'
  ]
  for (const r of results) {
    const info = items.get(itemKey(r.repository, r.number))
    const reason = r.status === 'awarded' ? '' : markdown(r.reason)
    lines.push(row([link(r, info), String(r.points), STATUS_LABEL[r.status], reason]))
  }
  return [...lines, '']
}

function counts(results: SyncResult[]): string {
  const by = new Map<Status, number>()
  for (const r of results) by.set(r.status, (by.get(r.status) ?? 0) + 1)
  const order: Status[] = [
    'awarded',
    'dry-run',
    'already-awarded',
    'skipped',
    'unmapped',
    'failed',
    'unknown'
  ]
  return order
    .filter(s => by.has(s))
    .map(s => `${by.get(s)} ${s}`)
    .join(', ')
}

/** The job summary: the scope, totals, a section per student with news, the rest folded. */
export function syncSummary(o: SyncReportInput): string {
  const awarded = o.results.filter(r => r.status === 'awarded')
  const points = awarded.reduce((s, r) => s + r.points, 0)
  const students = new Set(awarded.map(r => r.moodleUserId))
  const lines = ['## Moodle Level Up XP: sync', '', markdown(o.scope), '']
  if (o.results.length === 0) lines.push('Nothing new to award in this run.', '')
  else
    lines.push(
      `**${points} points** awarded to **${students.size}** student${students.size === 1 ? '' : 's'}. Awards considered: ${counts(o.results)}.`,
      ''
    )
  const people = new Map<string, SyncResult[]>()
  for (const r of o.results) {
    const key = r.github !== null ? `gh:${r.github.toLowerCase()}` : `moodle:${r.moodleUserId}`
    people.set(key, [...(people.get(key) ?? []), r])
  }
  const sorted = [...people.values()].sort((a, b) => who(a[0]!).localeCompare(who(b[0]!)))
  const quiet: SyncResult[] = []
  for (const results of sorted) {
    if (results.some(r => NEWS.has(r.status))) lines.push(...studentSection(results, o.items))
    else quiet.push(...results)
  }
  if (quiet.length > 0) {
    const n = new Set(quiet.map(who)).size
    lines.push(
      `<details><summary>${n} more ${n === 1 ? 'person' : 'people'} with nothing new (already awarded, or not eligible)</summary>`,
      '',
      row(['GitHub user', 'Item', 'Points', 'Status', 'Reason']),
      '| --- | --- | ---: | --- | --- |'
    )
    for (const r of quiet) {
      const info = o.items.get(itemKey(r.repository, r.number))
      const cells = [markdown(who(r)), link(r, info), String(r.points), STATUS_LABEL[r.status]]
      lines.push(row([...cells, markdown(r.reason)]))
    }
    lines.push('', '</details>', '')
  }
  if (o.notes.length > 0) lines.push(...o.notes.map(note => `- ${markdown(note)}`), '')
  return `${lines.join('\n').trimEnd()}\n`
}

/**
 * The whole report. `xp` and `moodle-user-id` describe one recipient, which a sync run over many
 * students does not have: they are empty.
 */
export function syncReport(o: SyncReportInput): RunReport {
  // One student's xp, level or id would stand for nobody in particular among many.
  const outputs = { ...outputsFrom(o.results), xp: '', level: '', 'moodle-user-id': '' }
  const about = (r: SyncResult) => ` for ${r.repository}#${r.number}`
  const problems = [...o.problems, ...failuresOf(o.results, o.failOnUnmapped, about)]
  return {
    outputs,
    log: [],
    summary: syncSummary(o),
    warnings: warningsOf(o.results, o.failOnUnmapped, about),
    problems: problems.map(message => ({ message }))
  }
}
