/**
 * The README says what the code does: its usage block is generated from `action.yml` (and says
 * what action.yml says), its outputs and statuses are the action's, its workflow and roster
 * snippets pass the same checks as real ones, the student's comment is the captured one, the
 * common errors are those the first-run test runs, and every example is explained.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { parse } from 'yaml'
import { parseRoster } from '../../../src/roster/parse.js'
import { type Workflow, workflowProblems } from '../../../scripts/actionlint.js'
import { currentUsage, usageBlock } from '../../../scripts/render-usage.js'
import { FIRST_RUN_MISTAKES } from '../e2e/first-run-mistakes.js'
import { blocks, readDoc, ROOT, section } from './markdown.js'
import { ACTION_REF, workflowRuleProblems } from './workflow-rules.js'

const readme = readDoc('README.md')
const actionYml = readDoc('action.yml')
const action = parse(actionYml) as {
  inputs: Record<string, { required?: boolean; default?: string }>
  outputs: Record<string, unknown>
}

/** The `` `name` `` that starts each list item of a README section. */
const listed = (title: string) =>
  [...section(readme, title).matchAll(/^- `([\w-]+)`:/gm)].map(m => m[1] as string)

describe('README usage block', () => {
  const usage = currentUsage(readme)

  it('is the block scripts/render-usage.ts generates from action.yml (run it after changing action.yml)', () => {
    expect(usage).toBe(usageBlock(actionYml))
  })

  it('lists every input of action.yml in its order, with "Required." or its default', () => {
    const yaml = blocks(usage ?? '', 'yaml')[0] ?? ''
    const step = (parse(yaml) as Array<{ uses: string; with: Record<string, string> }>)[0]
    expect(step?.uses).toMatch(ACTION_REF)
    expect(Object.keys(step?.with ?? {})).toEqual(Object.keys(action.inputs))
    const marks = (entry: (name: string) => string | null) =>
      Object.keys(action.inputs).map(name => ({ name, mark: entry(name) }))
    const shown = marks(name => {
      const comment = new RegExp(`((?:    # .*\\n)+)    ${name}: ''`).exec(yaml)?.[1] ?? ''
      const last = comment.trimEnd().split('\n').at(-1)?.trim() ?? ''
      return /^# (Required\.|Default: .*)$/.test(last) ? last : null
    })
    const declared = marks(name => {
      const input = action.inputs[name]
      if (input?.required === true) return '# Required.'
      return (input?.default ?? '') === '' ? null : `# Default: ${input?.default}`
    })
    expect(shown).toEqual(declared)
  })
})

describe('README outputs and statuses', () => {
  it('lists every output of action.yml, in the same order', () => {
    const outputs = listed('Outputs and statuses').filter(name => name in action.outputs)
    expect(outputs).toEqual(Object.keys(action.outputs))
  })

  it('explains every status word of the results output, in order', () => {
    const statuses = listed('Outputs and statuses').filter(name => !(name in action.outputs))
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

describe('README examples, errors and the student’s comment', () => {
  const examples = readdirSync(join(ROOT, 'examples')).filter(name => name.endsWith('.yml'))

  it('mentions every file in examples/', () => {
    expect(examples.length).toBeGreaterThan(0)
    for (const name of examples) expect(readme).toContain(`(examples/${name})`)
  })

  it('names ten common errors, each one the first-run test runs (docs/troubleshooting.md)', () => {
    const named = [...section(readme, 'The ten most common errors').matchAll(/^- \*\*(.+?)\*\*:/gm)]
    const mistakes = named.map(m => m[1] as string)
    expect(mistakes).toHaveLength(10)
    const known = FIRST_RUN_MISTAKES.map(m => m.mistake)
    expect(mistakes.filter(m => !known.includes(m))).toEqual([])
  })

  it('shows the comment captured in docs/ledger-comment.md', () => {
    const quoted = section(readme, 'What the student sees')
      .split('\n')
      .filter(line => line.startsWith('> '))
    expect(quoted.length).toBeGreaterThan(1)
    const captured = readDoc('docs/ledger-comment.md').split('\n')
    expect(quoted.filter(line => !captured.includes(line))).toEqual([])
  })

  it('names the two developer commands', () => {
    expect(readme).toContain('npm ci && npm test')
    expect(readme).toContain('npm ci && npm run demo')
  })
})

describe('README snippets work as written', () => {
  it('the quick-start workflow passes actionlint, GitHub’s parser and the examples’ rules', async () => {
    const workflows = blocks(section(readme, 'Quick start'), 'yaml').filter(b =>
      b.includes('jobs:')
    )
    expect(workflows.length).toBe(1)
    const text = workflows[0] as string
    expect(await workflowProblems(text, '.github/workflows/xp.yml')).toEqual([])
    const workflow = parse(text) as Workflow
    expect(workflowRuleProblems(workflow)).toEqual([])
    const step = workflow.jobs.xp?.steps.find(s => ACTION_REF.test(s.uses ?? ''))
    expect(Object.keys(step?.with ?? {}).filter(input => !(input in action.inputs))).toEqual([])
  })

  it('the quick-start roster parses with the action’s own roster parser', () => {
    const rosters = blocks(section(readme, 'Quick start'), 'yaml').filter(b => !b.includes('jobs:'))
    expect(rosters.length).toBe(1)
    expect(parseRoster(rosters[0] as string, 'roster.yml').roster.records.length).toBe(2)
  })

  it('the permissions shown are the quick start’s', () => {
    const shown = parse(blocks(section(readme, 'Permissions'), 'yaml')[0] ?? '') as object
    const quickStart = blocks(section(readme, 'Quick start'), 'yaml').find(b => b.includes('jobs:'))
    expect(shown).toEqual({ permissions: (parse(quickStart ?? '') as Workflow).permissions })
  })
})
