/**
 * End to end, on the bundle: the roster in every format, look-ups
 * in Moodle batched per field, renamed logins, broken files and unsafe paths.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { closedIssueCompleted, mergedPullRequest } from '../../fixtures/events.js'
import {
  AWARD_FUNCTION,
  DEMO_TOKEN,
  MoodleServer,
  SITE_INFO_FUNCTION,
  USERS_BY_FIELD_FUNCTION
} from '../../../test-servers/moodle/server.js'
import { type ActionRun, runAction } from '../../../test-servers/runner/run-action.js'
import {
  classSite,
  CODERTOCAT,
  COURSE,
  HUBOT,
  MONALISA,
  OCTOCAT,
  rosterFixture
} from './students.js'

/** A token whose service lacks core_user_get_users_by_field. */
const NO_LOOKUP_TOKEN = 'e2e-roster-no-lookup-4b7d2e9a'

let moodle: MoodleServer

beforeAll(async () => {
  const site = classSite()
  moodle = new MoodleServer(site)
  moodle.config.tokens.push({
    token: NO_LOOKUP_TOKEN,
    userId: 100,
    functions: [AWARD_FUNCTION, SITE_INFO_FUNCTION]
  })
  await moodle.start()
})

afterAll(async () => {
  await moodle.stop()
})

beforeEach(() => {
  moodle.reset()
})

/** A run with the ledger off (not the point here) and the given roster files. */
function run(payload: unknown, inputs: Record<string, string>, extra: Partial<ActionRun> = {}) {
  return runAction({
    eventName: payload && 'issue' in (payload as object) ? 'issues' : 'pull_request_target',
    payload,
    inputs: {
      'moodle-url': moodle.url,
      'moodle-token': DEMO_TOKEN,
      'course-id': String(COURSE),
      ledger: 'off',
      ...inputs
    },
    ...extra
  })
}

const awardedUsers = () =>
  moodle
    .requestsFor(AWARD_FUNCTION)
    .map(r => Number(r.params.userid))
    .sort((a, b) => a - b)
const lookups = () =>
  moodle
    .requestsFor(USERS_BY_FIELD_FUNCTION)
    .map(r => r.params as { field: string; values: unknown })

/** An issue completed by the whole class (each assignee earns). */
const wholeClass = () =>
  closedIssueCompleted({ assignees: [OCTOCAT, CODERTOCAT, HUBOT, MONALISA], sender: OCTOCAT })

describe('each roster format resolves the whole class', () => {
  const cases: Array<[string, string, string[]]> = [
    // file, path in the repository, the look-up fields it needs
    ['moodle-users.yml', '.github/moodle-users.yml', ['email']],
    ['moodle-users-flat.yml', '.github/moodle-users.yaml', []],
    ['moodle-users.json', 'roster/moodle-users.json', ['username', 'email']],
    ['moodle-users-flat.json', 'moodle-users.json', []],
    ['moodle-users.csv', '.github/moodle-users.csv', ['email']],
    ['classroom_roster.csv', 'classroom_roster.csv', ['email']],
    ['classroom_roster_usernames.csv', 'classroom_roster.csv', ['username']],
    ['classroom_roster_moodle_id.csv', 'classroom_roster.csv', []]
  ]

  it.each(cases)('%s (as %s)', async (fixture, path, fields) => {
    const r = await run(
      wholeClass(),
      { 'mapping-file': path },
      {
        files: { [path]: rosterFixture(fixture) }
      }
    )

    expect(r.errors).toEqual([])
    expect(r.code).toBe(0)
    expect(r.results.map(x => [x.github, x.moodleUserId, x.status])).toEqual([
      ['octocat', 2, 'awarded'],
      ['Codertocat', 3, 'awarded'],
      ['hubot', 4, 'awarded'],
      ['monalisa', 5, 'awarded']
    ])
    expect(awardedUsers()).toEqual([2, 3, 4, 5])
    // At most one look-up per field, never one per student.
    expect(lookups().map(l => l.field)).toEqual(fields)
  })

  it('the inline mapping input', async () => {
    const r = await run(wholeClass(), {
      mapping: '# login: Moodle id\nOctocat: 2\ncodertocat: 3\n\nhubot: 4\nmonalisa: 5\n'
    })

    expect(r.code).toBe(0)
    expect(r.results.map(x => [x.github, x.moodleUserId, x.status])).toEqual([
      ['octocat', 2, 'awarded'],
      ['Codertocat', 3, 'awarded'],
      ['hubot', 4, 'awarded'],
      ['monalisa', 5, 'awarded']
    ])
    expect(lookups()).toEqual([])
  })

  it('the inline roster (mapping) wins over the file on conflict; the file still serves the others', async () => {
    const path = '.github/moodle-users.yml'
    const r = await run(
      closedIssueCompleted({ assignees: [CODERTOCAT, HUBOT], sender: OCTOCAT }),
      { 'mapping-file': path, mapping: 'Codertocat: 5' },
      { files: { [path]: rosterFixture('moodle-users-flat.yml') } }
    )

    expect(r.code).toBe(0)
    expect(r.results.map(x => [x.github, x.moodleUserId, x.status])).toEqual([
      ['Codertocat', 5, 'awarded'],
      ['hubot', 4, 'awarded']
    ])
    expect(awardedUsers()).toEqual([4, 5])
  })
})

describe('look-ups in Moodle', () => {
  const classroom = { 'classroom_roster.csv': rosterFixture('classroom_roster.csv') }

  it('a Classroom export is resolved by email in exactly one request for two recipients', async () => {
    const r = await run(
      closedIssueCompleted({ assignees: [OCTOCAT, MONALISA], sender: HUBOT }),
      { 'mapping-file': 'classroom_roster.csv' },
      { files: classroom }
    )

    expect(r.code).toBe(0)
    expect(r.results.map(x => [x.github, x.moodleUserId, x.status])).toEqual([
      ['octocat', 2, 'awarded'],
      ['monalisa', 5, 'awarded']
    ])
    expect(lookups()).toHaveLength(1)
    const [lookup] = lookups()
    expect(lookup?.field).toBe('email')
    expect(Object.values(lookup?.values as object).sort()).toEqual([
      'monalisa@students.example.edu',
      'octocat@students.example.edu'
    ])
  })

  it('core_user_get_users_by_field missing from the service: fails naming it, nothing awarded', async () => {
    const r = await run(
      closedIssueCompleted({ assignees: [OCTOCAT, MONALISA], sender: HUBOT }),
      { 'mapping-file': 'classroom_roster.csv', 'moodle-token': NO_LOOKUP_TOKEN },
      { files: classroom }
    )

    expect(r.code).toBe(1)
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toContain('core_user_get_users_by_field')
    expect(moodle.requestsFor(AWARD_FUNCTION)).toEqual([])
    expect(moodle.awardsApplied()).toBe(0)
    expect(r.outputs['awarded-points'] ?? '0').toBe('0')
  })

  it('a renamed login is matched by github_id', async () => {
    const renamed = { login: 'Codertocat-2025', id: CODERTOCAT.id }
    const path = '.github/moodle-users.yml'
    const r = await run(
      mergedPullRequest({ author: renamed, sender: OCTOCAT }),
      { 'mapping-file': path },
      { files: { [path]: rosterFixture('moodle-users.yml') } }
    )

    expect(r.code).toBe(0)
    expect(r.results).toEqual([
      expect.objectContaining({
        github: 'Codertocat-2025',
        githubId: 21031067,
        moodleUserId: 3,
        status: 'awarded'
      })
    ])
    expect(awardedUsers()).toEqual([3])
  })
})

/** The properties and message of an `::error k=v,...::message` line. */
function parseAnnotation(line: string): { props: Record<string, string>; message: string } {
  const match = /^::error(?: ([^:]*))?::(.*)$/.exec(line)
  if (!match) throw new Error(`not an error annotation: ${line}`)
  const props = Object.fromEntries(
    (match[1] ?? '')
      .split(',')
      .filter(Boolean)
      .map(kv => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])
  )
  return { props, message: match[2] ?? '' }
}

describe('a broken roster fails before anything is sent, annotating the line', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['broken-syntax.yml', 5, /YAML syntax error/],
    ['broken-duplicate.yml', 6, /listed twice with different Moodle users/],
    ['broken-moodle-id.csv', 3, /moodle_id "abc" is not a positive whole number/],
    ['broken-typo-column.csv', 1, /did you mean "moodle_id"/],
    ['broken-typo-key.yml', 4, /did you mean "github"/],
    ['broken-empty.yml', 1, /no students/],
    ['broken-shape.json', 1, /the file is a list/]
  ]

  it.each(cases)('%s: line %d', async (fixture, line, what) => {
    const path = `.github/${fixture}`
    const r = await run(
      mergedPullRequest(),
      { 'mapping-file': path },
      {
        files: { [path]: rosterFixture(fixture) }
      }
    )

    expect(r.code).toBe(1)
    expect(r.errors).toHaveLength(1)
    const { props, message } = parseAnnotation(r.errors[0] ?? '')
    expect(props.file).toBe(path)
    expect(props.line).toBe(String(line))
    expect(message).toMatch(what)
    expect(moodle.requests).toEqual([])
  })
})

describe('mapping-file must stay inside the workspace', () => {
  const outsideYaml = resolve(import.meta.dirname, '../../fixtures/rosters/moodle-users-flat.yml')

  async function expectRefused(r: Awaited<ReturnType<typeof run>>, what: RegExp) {
    expect(r.code).toBe(1)
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toContain('mapping-file')
    expect(r.errors[0]).toMatch(what)
    expect(moodle.requests).toEqual([])
  }

  it('a relative path climbing out (../x.yml)', async () => {
    const r = await run(
      mergedPullRequest(),
      { 'mapping-file': '../x.yml' },
      {
        // Exists, next to the workspace: refused for where it is, not for being missing.
        files: { '../x.yml': 'Codertocat: 3\n' }
      }
    )
    await expectRefused(r, /outside the workspace/)
  })

  it('an absolute path outside (/etc/passwd, and a real roster elsewhere)', async () => {
    await expectRefused(
      await run(mergedPullRequest(), { 'mapping-file': '/etc/passwd' }),
      /outside the workspace/
    )
    moodle.reset()
    await expectRefused(
      await run(mergedPullRequest(), { 'mapping-file': outsideYaml }),
      /outside the workspace/
    )
  })

  it('a symbolic link leading out', async () => {
    const workspace = join(mkdtempSync(join(tmpdir(), 'xp-e2e-roster-')), 'workspace')
    mkdirSync(join(workspace, '.github'), { recursive: true })
    symlinkSync(outsideYaml, join(workspace, '.github/moodle-users.yml'))
    const r = await run(
      mergedPullRequest(),
      { 'mapping-file': '.github/moodle-users.yml' },
      {
        workspace
      }
    )
    await expectRefused(r, /symbolic link/)
  })

  it('a missing file says so and names the input', async () => {
    const workspace = join(mkdtempSync(join(tmpdir(), 'xp-e2e-roster-')), 'workspace')
    mkdirSync(workspace)
    writeFileSync(join(workspace, 'README.md'), '# course\n')
    const r = await run(
      mergedPullRequest(),
      { 'mapping-file': '.github/moodle-users.yml' },
      {
        workspace
      }
    )
    await expectRefused(r, /does not exist/)
  })
})
