/**
 * What the ledger's end-to-end tests share: the Moodle-compatible server, the GitHub stand-in
 * with the tokens a course meets (the default token, a read-only one, a teacher's personal
 * token whose organisation membership is private), and a runner for the bundle with the
 * teacher's usual inputs. Each test uses its own pull request / issue number: the stand-in keeps
 * comments.
 */
import { afterAll, beforeAll, beforeEach, expect } from '@jest/globals'
import {
  closedIssueCompleted,
  mergedPullRequest,
  type ThreadOverrides
} from '../../fixtures/events.js'
import { decodeRecords, recordKeyFrom, type LedgerRecord } from '../../../src/ledger/records.js'
import {
  GITHUB_ACTIONS,
  start as startGitHub,
  type FakeComment,
  type FakeIdentity,
  type GitHubFake
} from '../../../test-servers/github/server.js'
import { AWARD_FUNCTION, DEMO_TOKEN, MoodleServer } from '../../../test-servers/moodle/server.js'
import {
  type ActionResult,
  type ActionRun,
  runAction
} from '../../../test-servers/runner/run-action.js'

export const REPO = 'Codertocat/Hello-World'
export const COURSE = 30
/** The author of the example payloads, mapped to Moodle user 3 (bob, enrolled in course 30). */
export const STUDENT = { login: 'Codertocat', id: 21031067, moodleId: 3 }
export const MALLORY: FakeIdentity = { login: 'mallory', id: 666666, type: 'User' }
/** A teacher in an organisation with private membership: GitHub shows no write access. */
export const TEACHER: FakeIdentity = {
  login: 'teacher',
  id: 900900,
  type: 'User',
  association: 'CONTRIBUTOR'
}
/** The key that signs the records of runs with the demo Moodle token. */
export const RECORD_KEY = recordKeyFrom(DEMO_TOKEN)

const RECORD_RE = /<!-- moodle-xp-ledger \{.*?\} -->/g

export interface LedgerWorld {
  moodle: MoodleServer
  github: GitHubFake
  apiUrl: string
  /** Runs the bundle on `payload` (a pull request unless `extra.eventName` says otherwise). */
  run(
    payload: unknown,
    inputs?: Record<string, string>,
    extra?: Partial<ActionRun>
  ): Promise<ActionResult>
  /** Moodle awards that took effect. */
  applied(): number
}

/** Starts the servers for the test file (and stops them), resetting them before each test. */
export function useLedgerWorld(): LedgerWorld {
  const world = {
    run: (payload, inputs = {}, extra = {}) => runIn(world, payload, inputs, extra),
    applied: () => world.moodle.awardsApplied()
  } as LedgerWorld
  beforeAll(async () => {
    world.moodle = new MoodleServer()
    await world.moodle.start()
    const started = await startGitHub([
      { token: 'ghs_default', identity: GITHUB_ACTIONS, installation: true },
      { token: 'ghs_readonly', identity: GITHUB_ACTIONS, installation: true, readOnly: true },
      { token: 'ghs_elsewhere', identity: GITHUB_ACTIONS, installation: true, repos: ['x/y'] },
      { token: 'ghp_teacher', identity: TEACHER }
    ])
    world.github = started.fake
    world.apiUrl = started.apiUrl
  })
  afterAll(async () => {
    await world.moodle?.stop()
    await world.github?.stop()
  })
  beforeEach(() => {
    world.moodle.reset()
    world.github.resetLog()
    world.github.clearFaults()
    world.github.listLagMs = 0
    world.github.latency = 0
  })
  return world
}

/** A merged pull request of the example repository, renumbered. */
export function pr(number: number, overrides: ThreadOverrides = {}) {
  const payload = mergedPullRequest(overrides)
  payload.number = number
  payload.pull_request.number = number
  return payload
}

/** A closed (completed) issue of the example repository, renumbered. */
export function issue(number: number, overrides: ThreadOverrides = {}) {
  const payload = closedIssueCompleted(overrides)
  payload.issue.number = number
  return payload
}

function runIn(
  world: LedgerWorld,
  payload: unknown,
  inputs: Record<string, string> = {},
  extra: Partial<ActionRun> = {}
): Promise<ActionResult> {
  return runAction({
    eventName: 'pull_request_target',
    payload,
    apiUrl: world.apiUrl,
    inputs: {
      'moodle-url': world.moodle.url,
      'moodle-token': DEMO_TOKEN,
      'course-id': String(COURSE),
      mapping: `${STUDENT.login}: ${STUDENT.moodleId}`,
      'github-token': 'ghs_default',
      'timeout-seconds': '5',
      ...inputs
    },
    ...extra
  })
}

export function only(r: ActionResult): Record<string, unknown> {
  expect(r.results).toHaveLength(1)
  return r.results[0]!
}

export function statusOf(r: ActionResult): unknown {
  return only(r)['status']
}

export function ledgerComments(world: LedgerWorld, number: number): FakeComment[] {
  return world.github.comments(REPO, number).filter(c => c.body.includes('<!-- moodle-xp-ledger '))
}

/** The records of a comment, read with the demo Moodle token's key. */
export function recordsOf(body: string): LedgerRecord[] {
  return decodeRecords(body, RECORD_KEY).map(d => d.record)
}

/** The comment text without its hidden records. */
export function visible(body: string): string {
  return body.replace(RECORD_RE, '')
}

export { AWARD_FUNCTION, DEMO_TOKEN, GITHUB_ACTIONS }
