/**
 * End to end, the direct path: `user-id` on events that name nobody (workflow_dispatch, push,
 * schedule). The bundle runs as a child process, as the runner starts it, against the
 * Moodle-compatible server; every assertion about Moodle is checked on the server's side too.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import {
  ALL_FUNCTIONS,
  AWARD_FUNCTION,
  defaultMoodleConfig,
  MoodleServer,
  LEVELS_INFO_FUNCTION
} from '../../../test-servers/moodle/server.js'
import {
  type ActionResult,
  runAction,
  visibleOutput
} from '../../../test-servers/runner/run-action.js'
import { realExample } from '../../fixtures/events.js'

/** Distinctive, so that any leak of it into captured output is unmistakable. */
const TOKEN = 'e2e-direct-Secret-9c4f7a1e3b8d'

const RESULT_KEYS = [
  'github',
  'githubId',
  'moodleUserId',
  'points',
  'xp',
  'status',
  'reason',
  'level'
]

let server: MoodleServer
let sitewide: MoodleServer

function tokens() {
  return [
    ...defaultMoodleConfig().tokens,
    { token: TOKEN, userId: 100, functions: [...ALL_FUNCTIONS] }
  ]
}

beforeAll(async () => {
  server = new MoodleServer({ tokens: tokens() })
  sitewide = new MoodleServer({ sitewide: true, tokens: tokens() })
  await Promise.all([server.start(), sitewide.start()])
})

afterAll(async () => {
  await Promise.all([server.stop(), sitewide.stop()])
})

beforeEach(() => {
  server.reset()
  sitewide.reset()
})

function inputs(overrides: Record<string, string> = {}): Record<string, string> {
  return { 'moodle-url': server.url, 'moodle-token': TOKEN, ...overrides }
}

/** The token is masked first and never shows anywhere a person or a later step can read. */
function expectTokenHidden(result: ActionResult): void {
  expect(result.stdout.split('\n')[0]).toBe(`::add-mask::${TOKEN}`)
  expect(visibleOutput(result)).not.toContain(TOKEN)
  expect(result.summary).not.toContain(TOKEN)
  expect(JSON.stringify(result.outputs)).not.toContain(TOKEN)
}

/** The summary table's data rows, as cells. */
function summaryRows(summary: string): string[][] {
  return summary
    .split('\n')
    .filter(line => line.startsWith('| ') && !line.startsWith('| GitHub user'))
    .filter(line => !line.startsWith('| ---'))
    .map(line =>
      line
        .slice(2, -2)
        .split(' | ')
        .map(cell => cell.trim())
    )
}

describe('direct award with user-id', () => {
  it('awards on workflow_dispatch and reports the new total, not the amount', async () => {
    server.setXp(30, 3, 100)
    const result = await runAction({
      eventName: 'workflow_dispatch',
      payload: realExample('workflow_dispatch'),
      inputs: inputs({ 'course-id': '30', 'user-id': '3', points: '25' })
    })

    expect(result.errors).toEqual([])
    expect(result.code).toBe(0)
    expect(result.outputs.xp).toBe('125')
    expect(result.outputs['awarded-points']).toBe('25')
    expect(result.outputs['moodle-user-id']).toBe('3')
    expect(result.results).toHaveLength(1)
    expect(Object.keys(result.results[0] ?? {})).toEqual(RESULT_KEYS)
    expect(result.results[0]).toEqual({
      github: null,
      githubId: null,
      moodleUserId: 3,
      points: 25,
      xp: 125,
      status: 'awarded',
      reason: expect.stringContaining('25 points'),
      level: { number: 2, name: 'Apprentice', xpToNext: 151, levelUp: true }
    })

    // The server agrees: one award, form-encoded with the token in the body, then the levels.
    expect(server.xp(30, 3)).toBe(125)
    expect(server.requests.map(r => r.wsfunction)).toEqual([AWARD_FUNCTION, LEVELS_INFO_FUNCTION])
    expect(server.awardsApplied()).toBe(1)
    const [request] = server.requests
    expect(request).toMatchObject({
      method: 'POST',
      wsfunction: AWARD_FUNCTION,
      params: { userid: '3', points: '25', courseid: '30' },
      format: 'json',
      tokenPresent: true,
      tokenInQuery: false,
      contentType: 'application/x-www-form-urlencoded'
    })

    expect(result.summary).toContain('| GitHub user | Moodle user | Points | New total | Status |')
    expect(summaryRows(result.summary)).toEqual([
      ['—', '3', '25', '125', '✅ awarded', expect.stringContaining('25 points')]
    ])
    expect(result.summary).toContain('course 30')
    expectTokenHidden(result)
  })

  it('takes the default points (10) and awards again on a second run: no ledger without a thread', async () => {
    server.setXp(30, 4, 0)
    const first = await runAction({
      eventName: 'workflow_dispatch',
      inputs: inputs({ 'course-id': '30', 'user-id': '4' })
    })
    const second = await runAction({
      eventName: 'workflow_dispatch',
      inputs: inputs({ 'course-id': '30', 'user-id': '4' })
    })

    expect([first.code, second.code]).toEqual([0, 0])
    expect([first.outputs.xp, second.outputs.xp]).toEqual(['10', '20'])
    expect(second.outputs['awarded-points']).toBe('10')
    expect(server.awardsApplied()).toBe(2)
    expect(second.summary).toMatch(/no ledger comment/i)
    expectTokenHidden(second)
  })

  it('awards sitewide with course-id 1 on a sitewide site', async () => {
    sitewide.setXp(1, 6, 40)
    const result = await runAction({
      eventName: 'workflow_dispatch',
      // Erin is enrolled nowhere: sitewide XP does not depend on enrolment.
      inputs: inputs({ 'moodle-url': sitewide.url, 'course-id': '1', 'user-id': '6', points: '5' })
    })

    expect(result.errors).toEqual([])
    expect(result.code).toBe(0)
    expect(result.outputs.xp).toBe('45')
    expect(result.outputs['awarded-points']).toBe('5')
    expect(result.outputs['moodle-user-id']).toBe('6')
    expect(result.results[0]).toMatchObject({ moodleUserId: 6, xp: 45, status: 'awarded' })
    expect(sitewide.xp(1, 6)).toBe(45)
    expect(sitewide.requests.map(r => r.params)).toEqual([
      { userid: '6', points: '5', courseid: '1' },
      // The levels, read after the award.
      { courseid: '1' }
    ])
    expect(result.summary).toContain('sitewide')
    expect(server.requests).toHaveLength(0)
    expectTokenHidden(result)
  })

  it('refuses an empty course-id instead of awarding sitewide, and sends nothing', async () => {
    const result = await runAction({
      eventName: 'workflow_dispatch',
      inputs: inputs({ 'moodle-url': sitewide.url, 'course-id': '', 'user-id': '2' })
    })

    expect(result.code).toBe(1)
    expect(result.errors).toEqual([
      '::error::Input "course-id" is required: give the id= in the course\'s address, e.g. course-id: 30 for https://moodle.example.edu/course/view.php?id=30; sitewide XP is written course-id: 1.'
    ])
    expect(sitewide.requests).toHaveLength(0)
    expect(result.outputs['awarded-points']).toBe('0')
  })

  it.each([
    ['push', () => realExample('push')],
    ['schedule', () => ({ schedule: '17 3 * * 1' })]
  ])('awards with user-id on a %s event', async (eventName, payload) => {
    server.setXp(30, 5, 7)
    const result = await runAction({
      eventName,
      payload: payload(),
      inputs: inputs({ 'course-id': '30', 'user-id': '5', points: '3' })
    })

    expect(result.errors).toEqual([])
    expect(result.code).toBe(0)
    expect(result.outputs.xp).toBe('10')
    expect(result.outputs['awarded-points']).toBe('3')
    expect(result.outputs['moodle-user-id']).toBe('5')
    expect(result.results[0]).toMatchObject({ status: 'awarded', xp: 10, moodleUserId: 5 })
    expect(server.awardsApplied()).toBe(1)
    expect(result.summary).toContain(eventName)
    expectTokenHidden(result)
  })

  it('accepts the full REST endpoint URL and a trailing slash as moodle-url', async () => {
    for (const moodleUrl of [`${server.url}/`, `${server.url}/webservice/rest/server.php`]) {
      const result = await runAction({
        inputs: inputs({ 'moodle-url': moodleUrl, 'course-id': '30', 'user-id': '2' })
      })
      expect(result.code).toBe(0)
    }
    expect(server.requestsFor(AWARD_FUNCTION).map(r => r.path)).toEqual([
      '/webservice/rest/server.php',
      '/webservice/rest/server.php'
    ])
    expect(server.awardsApplied()).toBe(2)
  })
})
