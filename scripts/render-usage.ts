/**
 * `npx tsx scripts/render-usage.ts`: writes the README's usage block, every input of
 * `action.yml` as commented YAML in its order, between the markers `<!-- usage start -->` and
 * `<!-- usage end -->` (as actions/checkout's README does). The README test compares the block
 * with `usageBlock(action.yml)`, so an input added to action.yml without re-running this fails.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse } from 'yaml'

export const USAGE_START = '<!-- usage start -->'
export const USAGE_END = '<!-- usage end -->'

/** Comment lines stay inside the README's code width (the block is indented by four). */
const WIDTH = 96 - '    # '.length

interface ActionInput {
  description?: string
  required?: boolean
  default?: string
}

/** Words joined into lines of at most WIDTH characters (a longer word keeps its own line). */
function wrap(text: string): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.trim().split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > WIDTH) {
      lines.push(line)
      line = word
    } else {
      line = line === '' ? word : `${line} ${word}`
    }
  }
  if (line !== '') lines.push(line)
  return lines
}

/** The fenced YAML block: one commented entry per input of `actionYml`, in its order. */
export function usageBlock(actionYml: string): string {
  const inputs = (parse(actionYml) as { inputs: Record<string, ActionInput> }).inputs
  const entries = Object.entries(inputs).map(([name, input]) => {
    const comments = wrap(input.description ?? '')
    if (input.required === true) comments.push('Required.')
    else if ((input.default ?? '') !== '') comments.push(`Default: ${input.default}`)
    return [...comments.map(line => `    # ${line}`), `    ${name}: ''`].join('\n')
  })
  return ['```yaml', '- uses: OWNER/REPO@v1', '  with:', entries.join('\n\n'), '```'].join('\n')
}

/** The block currently between the markers of `readme`, or null when the markers are missing. */
export function currentUsage(readme: string): string | null {
  const start = readme.indexOf(USAGE_START)
  const end = readme.indexOf(USAGE_END)
  if (start < 0 || end < start) return null
  return readme.slice(start + USAGE_START.length, end).trim()
}

/** `readme` with the block between the markers replaced by `block`. */
export function withUsage(readme: string, block: string): string {
  const start = readme.indexOf(USAGE_START)
  const end = readme.indexOf(USAGE_END)
  if (start < 0 || end < start) {
    throw new Error(`README.md needs the markers ${USAGE_START} and ${USAGE_END}, in that order`)
  }
  return `${readme.slice(0, start + USAGE_START.length)}\n\n${block}\n\n${readme.slice(end)}`
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = join(import.meta.dirname, '..')
  const readmePath = join(root, 'README.md')
  const block = usageBlock(readFileSync(join(root, 'action.yml'), 'utf8'))
  writeFileSync(readmePath, withUsage(readFileSync(readmePath, 'utf8'), block))
  console.log('wrote the usage block of README.md from action.yml')
}
