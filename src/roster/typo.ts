/** Typo hints: which known name an unknown one was probably meant to be. Pure. */

/** Optimal string alignment distance (Levenshtein plus adjacent swaps), for typo hints. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0))
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[]
      const prev = d[i - 1] as number[]
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost
      )
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1)
      }
      row[j] = v
    }
  }
  return (d[a.length] as number[])[b.length] as number
}

/** Lower case, letters and digits only: `GitHub_ID` and `github-id` compare equal. */
export const squash = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '')

/**
 * The known name closest to `name`: the same once case and punctuation are ignored, or a typo
 * away (one edit for short names, two from five characters on). Null when none is that close.
 */
export function closestName(name: string, known: readonly string[]): string | null {
  const s = squash(name)
  const same = known.find(k => squash(k) === s)
  if (same !== undefined) return same
  let best: string | null = null
  let bestDistance = Infinity
  for (const k of known) {
    const dist = editDistance(s, squash(k))
    if (dist < bestDistance) {
      best = k
      bestDistance = dist
    }
  }
  const limit = s.length >= 5 ? 2 : 1
  return bestDistance <= limit ? best : null
}
