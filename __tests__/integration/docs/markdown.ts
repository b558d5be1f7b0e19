/**
 * Reading the project's Markdown as the docs tests need it: fenced code blocks, headings as
 * GitHub anchors them, links, and sections.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export const ROOT = join(import.meta.dirname, '..', '..', '..')

export const readDoc = (path: string) => readFileSync(join(ROOT, path), 'utf8')

/** Fenced code blocks of a language (unindented), in `text`. */
export function blocks(text: string, lang: string): string[] {
  return [...text.matchAll(new RegExp('^( *)```' + lang + '\\n([\\s\\S]*?)^\\1```$', 'gm'))].map(
    m =>
      (m[2] as string)
        .split('\n')
        .map(line => line.slice((m[1] as string).length))
        .join('\n')
  )
}

/** The part of `text` from the heading `## title` to the next heading of that level or above. */
export function section(text: string, title: string): string {
  const start = text.indexOf(`\n## ${title}\n`)
  if (start < 0) throw new Error(`no section "## ${title}"`)
  const next = text.slice(start + 1).search(/\n#{1,2} /)
  return next < 0 ? text.slice(start) : text.slice(start, start + 1 + next)
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
export function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

/** The anchors of every heading in `text` (code blocks left out). */
export function anchors(text: string): Set<string> {
  const prose = text.replace(/^( *)```[\s\S]*?^\1```$/gm, '')
  return new Set([...prose.matchAll(/^#{1,6} (.+)$/gm)].map(m => anchor(m[1] as string)))
}

/** The targets of the Markdown links in `text` (code blocks and code spans left out). */
export function links(text: string): string[] {
  const prose = text.replace(/^( *)```[\s\S]*?^\1```$/gm, '').replace(/`[^`\n]*`/g, '')
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map(m => m[1] as string)
}
