/**
 * CONTRIBUTING.md stays true: every file it names exists, every npm script it runs is declared,
 * and every name a recipe tells the reader to edit is in the file the recipe names.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const guide = readFileSync(join(ROOT, 'CONTRIBUTING.md'), 'utf8')
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')

/** Code spans that name a path in the repository (`src/...`, `__tests__/...`, `action.yml`). */
const paths = [...guide.matchAll(/`([^`\s]+)`/g)]
  .map(m => m[1] as string)
  .filter(span => /^(\.?[\w-]+\/|[\w-]+\.(ts|js|yml|json|md)$)/.test(span))
  .filter(span => !span.includes('<') && !span.includes('*'))

describe('CONTRIBUTING.md', () => {
  it('names files and folders that exist', () => {
    expect(paths.length).toBeGreaterThan(30)
    expect(paths.filter(path => !existsSync(join(ROOT, path)))).toEqual([])
  })

  it('runs only npm scripts that package.json declares', () => {
    const scripts = Object.keys(
      (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts
    )
    const used = [...guide.matchAll(/npm run ([\w:-]+)/g)].map(m => m[1] as string)
    expect(used.length).toBeGreaterThan(5)
    expect([...new Set(used)].filter(name => !scripts.includes(name))).toEqual([])
  })

  // The names each recipe tells the reader to edit, and where they must be.
  it.each([
    ['src/moodle/error-codes.ts', 'MOODLE_ERROR_CODES'],
    ['test-servers/moodle/site.ts', 'moodleException('],
    ['__tests__/integration/e2e/moodle-replies.test.ts', 'const cases'],
    ['src/events/plan.ts', 'EARNING_EVENTS'],
    ['src/events/payload.ts', 'readClosedPullRequest'],
    ['src/events/payload.ts', 'readClosedIssue'],
    ['__tests__/unit/events/planner.test.ts', 'const closed'],
    ['src/roster/parse.ts', 'ROSTER_FORMATS'],
    ['src/roster/parse.ts', 'RosterFormat'],
    ['__tests__/unit/roster/parse-formats.test.ts', 'const samples'],
    ['__tests__/integration/e2e/roster.test.ts', 'it.each(cases)'],
    ['src/settings/inputs.ts', 'INPUT_DEFAULTS'],
    ['src/settings/settings.ts', 'parseSettings'],
    ['src/settings/settings.ts', 'InputError'],
    ['test-servers/moodle/server.ts', "'reply-after-apply'"],
    ['test-servers/github/server.ts', 'echoToken'],
    ['test-servers/github/cli.ts', 'readOptions(']
  ])('%s has %s', (path, name) => {
    expect(guide).toContain(`\`${path}\``)
    expect(read(path)).toContain(name)
  })
})
