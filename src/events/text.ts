/**
 * Event text (titles, labels, logins) is written by whoever opened the pull request or issue.
 * A newline in it would let the rest of the line start a workflow command (`::error::`,
 * `::add-mask::`...) when logged, so anything built for the log is flattened to one line.
 */

// C0/C1 controls (CR, LF, ESC, NUL...), Unicode line/paragraph separators, and bidi
// overrides/isolates (which can make a log line read differently from what it contains).
const UNSAFE = /[\p{Cc}\p{Zl}\p{Zp}\u200E\u200F\u202A-\u202E\u2066-\u2069]+/gu

/**
 * One line of plain text: each run of control characters becomes a single space, the ends are
 * trimmed, and text longer than `maxLength` code points is cut with an ellipsis. Not escaped for
 * Markdown or HTML: that is the writer's job.
 */
export function plainLine(text: string, maxLength = 200): string {
  const flat = text.replace(UNSAFE, ' ').trim()
  const chars = Array.from(flat)
  return chars.length <= maxLength ? flat : `${chars.slice(0, maxLength - 1).join('')}…`
}
