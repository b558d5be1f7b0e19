import type { RecipientResult } from './status.js'

/** The step outputs (see action.yml), computed from the per-recipient results. */
export interface Outputs {
  xp: string
  level: string
  'awarded-points': string
  'moodle-user-id': string
  results: string
}

export function outputsFrom(results: RecipientResult[]): Outputs {
  // On a re-run the ledger's recorded total stands in, so `xp` stays what the award produced.
  const firstAwarded =
    results.find(r => r.status === 'awarded') ??
    results.find(r => r.status === 'already-awarded' && r.xp !== null)
  const awardedPoints = results
    .filter(r => r.status === 'awarded')
    .reduce((sum, r) => sum + r.points, 0)
  return {
    xp: firstAwarded?.xp != null ? String(firstAwarded.xp) : '',
    // Levels are read for this run's awards only: empty on a re-run.
    level: firstAwarded?.level ? String(firstAwarded.level.number) : '',
    'awarded-points': String(awardedPoints),
    'moodle-user-id': results[0]?.moodleUserId != null ? String(results[0].moodleUserId) : '',
    // Every entry has `level`, null when it is not known.
    results: JSON.stringify(results.map(r => ({ ...r, level: r.level ?? null })))
  }
}

/** Where a result belongs, for its line (e.g. ` for owner/repo#3`); nothing by default. */
type About<R> = (r: R) => string

/**
 * Why the step fails, one line per problem (empty when it succeeds): any `failed` or `unknown`
 * recipient, and `unmapped` ones when `fail-on-unmapped` is on.
 */
export function failuresOf<R extends RecipientResult>(
  results: R[],
  failOnUnmapped: boolean,
  about: About<R> = () => ''
): string[] {
  const who = (r: R) =>
    `${r.github !== null ? `@${r.github}` : `Moodle user ${r.moodleUserId ?? '?'}`}${about(r)}`
  const lines: string[] = []
  for (const r of results) {
    if (r.status === 'failed') lines.push(`Award to ${who(r)} failed: ${r.reason}`)
    if (r.status === 'unknown') lines.push(`Award to ${who(r)} has an unknown outcome: ${r.reason}`)
    if (r.status === 'unmapped' && failOnUnmapped) {
      lines.push(`${who(r)} is not in the roster (fail-on-unmapped is true): ${r.reason}`)
    }
  }
  return lines
}

/**
 * Warnings for the log, one line per problem that does not fail the step: `unmapped`
 * recipients when `fail-on-unmapped` is off (the teacher should add them to the roster).
 */
export function warningsOf<R extends RecipientResult>(
  results: R[],
  failOnUnmapped: boolean,
  about: About<R> = () => ''
): string[] {
  if (failOnUnmapped) return []
  return results
    .filter(r => r.status === 'unmapped')
    .map(r => `No XP for @${r.github ?? '?'}${about(r)}: ${r.reason}`)
}
