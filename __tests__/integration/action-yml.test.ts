/**
 * `action.yml` as GitHub reads it: parsed with GitHub's own `@actions/workflow-parser`, and
 * compared with the action's documented interface (inputs, defaults, outputs, as the README
 * lists them) and with the defaults the action applies itself.
 *
 * The parser is loaded through scripts/workflow-parser.ts (bundled once, see there).
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from '@jest/globals'
import {
  type ActionTemplate,
  loadWorkflowParser,
  type WorkflowParser
} from '../../scripts/workflow-parser.js'
import { INPUT_DEFAULTS, INPUT_NAMES } from '../../src/settings/inputs.js'

const ROOT = resolve(import.meta.dirname, '../..')
const ACTION_YML = readFileSync(join(ROOT, 'action.yml'), 'utf8')

/** The action's inputs, in their documented order: default, or `required`. */
const DOCUMENTED_INPUTS: Array<[string, string | { required: true }]> = [
  ['moodle-url', { required: true }],
  ['moodle-token', { required: true }],
  ['course-id', { required: true }],
  ['points', '10'],
  ['label-points', ''],
  ['user-id', ''],
  ['github-login', ''],
  ['mapping-file', ''],
  ['mapping', ''],
  ['recipients', 'auto'],
  ['issue-close-reasons', 'completed'],
  ['ignore-users', ''],
  ['fail-on-unmapped', 'false'],
  ['dry-run', 'false'],
  ['mode', 'award'],
  // Not a workflow's usual input: check mode's test award of 1 point (empty: none).
  ['check-award-user-id', ''],
  ['github-token', '${{ github.token }}'],
  ['ledger', 'comment'],
  ['comment', 'true'],
  ['force', 'false'],
  ['timeout-seconds', '30'],
  ['allow-http', 'false'],
  // Sync mode.
  ['repositories', ''],
  ['since', ''],
  ['ledger-branch', 'moodle-xp-ledger'],
  ['concurrency', '4'],
  ['max-awards', '500'],
  ['require-approval', 'false'],
  ['shard', ''],
  ['leaderboard', 'off']
]
const DOCUMENTED_OUTPUTS = ['xp', 'level', 'awarded-points', 'moodle-user-id', 'results']

let parser: WorkflowParser

beforeAll(async () => {
  parser = await loadWorkflowParser()
}, 60_000)

function parse(content: string): { errors: string[]; template: ActionTemplate | undefined } {
  return parser.parseAction('action.yml', content)
}

describe('action.yml', () => {
  it('parses with GitHub’s parser without errors', () => {
    const { errors, template } = parse(ACTION_YML)
    expect(errors).toEqual([])
    expect(template).toBeDefined()
  })

  it('the parser does report mistakes (so the check above means something)', () => {
    const broken = parse(ACTION_YML.replace('using: node24', 'using: node99') + '\nbogus: 1\n')
    expect(broken.errors).toEqual([
      expect.stringContaining("Unexpected value 'node99'"),
      expect.stringContaining("Unexpected value 'bogus'")
    ])
  })

  it('runs dist/index.js on node24 and has a name, description and branding', () => {
    const { template } = parse(ACTION_YML)
    expect(template?.runs).toMatchObject({ using: 'node24', main: 'dist/index.js' })
    expect(template?.name).not.toBe('')
    expect(template?.description).not.toBe('')
    expect(template?.branding?.icon).toBeTruthy()
    expect(template?.branding?.color).toBeTruthy()
  })

  it('declares exactly the documented inputs, with their defaults, each with a one-line description', () => {
    const inputs = parse(ACTION_YML).template?.inputs ?? []
    expect(inputs.map(i => i.id).sort()).toEqual(DOCUMENTED_INPUTS.map(([name]) => name).sort())
    for (const [name, spec] of DOCUMENTED_INPUTS) {
      const input = inputs.find(i => i.id === name)
      const declared = {
        required: input?.required === true,
        default: input?.default?.toString()
      }
      expect({ name, ...declared }).toEqual(
        typeof spec === 'string'
          ? { name, required: false, default: spec }
          : { name, required: true, default: undefined }
      )
      expect(input?.description ?? '').toMatch(/^[^\n]+$/)
    }
  })

  it('declares exactly the documented outputs, each with a one-line description', () => {
    const outputs = parse(ACTION_YML).template?.outputs ?? []
    expect(outputs.map(o => o.id).sort()).toEqual([...DOCUMENTED_OUTPUTS].sort())
    for (const output of outputs) expect(output.description ?? '').toMatch(/^[^\n]+$/)
  })

  it('matches the defaults the action applies itself (INPUT_DEFAULTS)', () => {
    expect([...INPUT_NAMES].sort()).toEqual(DOCUMENTED_INPUTS.map(([name]) => name).sort())
    for (const [name, spec] of DOCUMENTED_INPUTS) {
      const own = INPUT_DEFAULTS[name as keyof typeof INPUT_DEFAULTS]
      // Required inputs have no default; github-token's default is an expression only the
      // runner can evaluate, so outside it the action has none.
      const expected = typeof spec !== 'string' || name === 'github-token' ? '' : spec
      expect({ name, default: own }).toEqual({ name, default: expected })
    }
  })
})
