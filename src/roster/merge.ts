import type { Roster } from './types.js'

/**
 * Combines the roster file and the inline `mapping` input. The inline input wins: a file record
 * for the same login (case-insensitive) or the same github_id is dropped, without an error.
 */
export function mergeRosters(file: Roster | null, inline: Roster | null): Roster {
  if (!inline) return { records: [...(file?.records ?? [])] }
  if (!file) return { records: [...inline.records] }
  const logins = new Set<string>()
  const ids = new Set<number>()
  for (const r of inline.records) {
    if (r.github !== null) logins.add(r.github.toLowerCase())
    if (r.githubId !== null) ids.add(r.githubId)
  }
  const kept = file.records.filter(
    r =>
      !(r.github !== null && logins.has(r.github.toLowerCase())) &&
      !(r.githubId !== null && ids.has(r.githubId))
  )
  // Inline first, so it also comes first wherever the first record for a key wins.
  return { records: [...inline.records, ...kept] }
}
