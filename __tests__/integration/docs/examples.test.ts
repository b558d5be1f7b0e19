/**
 * The workflows in `examples/` work as written: GitHub's parser and actionlint accept them, and
 * they use the action the way `action.yml` declares it (inputs, outputs), with the permissions
 * its ledger needs and never a checkout of pull request code with secrets.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from '@jest/globals'
import { parse } from 'yaml'
import { lintWorkflow, type Workflow, workflowProblems } from '../../../scripts/actionlint.js'
import { loadWorkflowParser, type WorkflowParser } from '../../../scripts/workflow-parser.js'
import { ACTION_REF, workflowRuleProblems } from './workflow-rules.js'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const EXAMPLES = join(ROOT, 'examples')

interface ActionYml {
  inputs: Record<string, { required?: boolean; default?: string }>
  outputs: Record<string, unknown>
}

const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml
const files = readdirSync(EXAMPLES)
  .filter(name => name.endsWith('.yml'))
  .sort()
const text = (name: string) => readFileSync(join(EXAMPLES, name), 'utf8')
const workflow = (name: string) => parse(text(name)) as Workflow
const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap(job => job.steps)
const actionSteps = (wf: Workflow) => steps(wf).filter(s => ACTION_REF.test(s.uses ?? ''))

let parser: WorkflowParser

beforeAll(async () => {
  parser = await loadWorkflowParser()
})

describe('examples/', () => {
  it('holds the eight documented workflows', () => {
    expect(files).toEqual([
      'classroom-catch-up-preview.yml',
      'classroom-one-student.yml',
      'classroom-sync-shards.yml',
      'classroom-sync.yml',
      'closed-issues.yml',
      'manual-award.yml',
      'merged-pull-requests.yml',
      'roster-check.yml'
    ])
  })

  it('the linters find problems in a broken workflow (they are really running)', async () => {
    const broken =
      'on: push\njobs:\n  a:\n    runs-onn: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.issue.title }}\n'
    expect((await lintWorkflow(broken, 'broken.yml')).length).toBeGreaterThan(0)
    expect(parser.workflowErrors('broken.yml', broken).length).toBeGreaterThan(0)
  })
})

describe.each(files)('examples/%s', name => {
  it('passes actionlint and GitHub’s workflow parser', async () => {
    expect(await workflowProblems(text(name), `.github/workflows/${name}`)).toEqual([])
  })

  it('uses the action as OWNER/REPO@v1 with declared inputs, the required ones included', () => {
    const uses = actionSteps(workflow(name))
    expect(uses.length).toBe(1)
    for (const step of uses) {
      const given = Object.keys(step.with ?? {})
      expect(given.filter(input => !(input in action.inputs))).toEqual([])
      const required = Object.entries(action.inputs)
        .filter(([, spec]) => spec.required === true)
        .map(([input]) => input)
      expect(required.filter(input => !given.includes(input))).toEqual([])
      expect(String(step.with?.['moodle-token'])).toBe('${{ secrets.MOODLE_TOKEN }}')
    }
  })

  it('reads only outputs that action.yml declares (and of other steps, only steps that exist)', () => {
    const wf = workflow(name)
    const ids = new Set(actionSteps(wf).map(s => s.id))
    const all = new Set(steps(wf).map(s => s.id))
    const refs = [...text(name).matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)]
    for (const [, id] of refs) expect(all.has(id)).toBe(true)
    const outputs = refs.filter(([, id]) => ids.has(id)).map(([, , output]) => output)
    for (const output of outputs) expect(Object.keys(action.outputs)).toContain(output)
  })

  it('grants the write permission the ledger comment needs on its events', () => {
    const wf = workflow(name)
    const permissions = { ...wf.permissions, ...Object.values(wf.jobs)[0]?.permissions }
    const ledgerOff = actionSteps(wf).some(s => s.with?.ledger === 'off')
    const awards = actionSteps(wf).some(s => s.with?.mode !== 'check')
    const needed: Record<string, string> = {}
    if (awards && !ledgerOff && ('pull_request' in wf.on || 'pull_request_target' in wf.on)) {
      needed['pull-requests'] = 'write'
    }
    if (awards && !ledgerOff && 'issues' in wf.on) needed.issues = 'write'
    expect(permissions).toMatchObject(needed)
  })

  it('checks out the roster first, and no pull request code where secrets are', () => {
    const wf = workflow(name)
    const all = steps(wf)
    const actionAt = all.findIndex(s => ACTION_REF.test(s.uses ?? ''))
    const mappingFile = all[actionAt]?.with?.['mapping-file']
    const checkout = all
      .slice(0, actionAt)
      .find(s => (s.uses ?? '').startsWith('actions/checkout@'))
    const sparse = checkout?.with?.['sparse-checkout']
    // A roster file comes from a checkout before the action (of that file, when sparse).
    const rosterCheckedOut =
      typeof mappingFile !== 'string' ||
      (checkout !== undefined &&
        (sparse === undefined || String(sparse).split('\n').includes(mappingFile)))
    expect(rosterCheckedOut).toBe(true)
  })

  it('keeps the rules of every workflow shown to teachers (checkout@v7, one file, env:, concurrency)', () => {
    expect(workflowRuleProblems(workflow(name))).toEqual([])
  })
})
