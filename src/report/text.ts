/**
 * Text from the event (titles, labels, logins) and from servers is untrusted. These helpers make
 * it safe for the two places the action writes to: the log, where the runner reads lines that
 * start with `::` as workflow commands, and Markdown (job summary, comments).
 */

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * One line of plain text for the log: control characters (newlines included) and bidi
 * overrides become visible escapes, so a value can never start a new line (and so never a
 * workflow command) nor reorder what the teacher reads.
 */
export function plain(text: string): string {
  return text.replace(CONTROL, char => {
    if (char === '\n') return '\\n'
    if (char === '\r') return '\\r'
    if (char === '\t') return ' '
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
  })
}

/**
 * Text for Markdown that renders as the same text: HTML and Markdown syntax are escaped, so a
 * title can add no link, image, mention, HTML or table cell. One line.
 */
export function markdown(text: string): string {
  return plain(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[\\`*_[\]|~!]/g, '\\$&')
    .replace(/@/g, '@\u200b')
}

// C0/C1 controls (CR, LF, ESC, NUL...), Unicode line/paragraph separators, and bidi
// overrides/isolates (which can make a log line read differently from what it contains).
const UNSAFE = /[\p{Cc}\p{Zl}\p{Zp}\u200E\u200F\u202A-\u202E\u2066-\u2069]+/gu

/**
 * One short line of plain text, for text built into descriptions and messages (event titles,
 * server replies): each run of control characters becomes a single space, the ends are
 * trimmed, and text longer than `maxLength` code points is cut with an ellipsis. Not escaped
 * for Markdown or HTML: that is the writer's job.
 */
export function plainLine(text: string, maxLength = 200): string {
  const flat = text.replace(UNSAFE, ' ').trim()
  const chars = Array.from(flat)
  return chars.length <= maxLength ? flat : `${chars.slice(0, maxLength - 1).join('')}…`
}
