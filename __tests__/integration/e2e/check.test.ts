/**
 * `mode: check` end to end: the bundle against the Moodle-compatible server. Nothing may ever be
 * awarded; the only award-function request allowed is the probe Moodle rejects before running.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import {
  ALL_FUNCTIONS,
  AWARD_FUNCTION,
  DEMO_NO_AWARD_TOKEN,
  DEMO_TOKEN,
  defaultMoodleConfig,
  DEMO_STUDENT_TOKEN,
  ENROLLED_USERS_FUNCTION,
  MoodleServer,
  SITE_INFO_FUNCTION,
  USERS_BY_FIELD_FUNCTION,
  XP_READ_FUNCTIONS
} from '../../../test-servers/moodle/server.js'
import {
  type ActionResult,
  runAction,
  visibleOutput
} from '../../../test-servers/runner/run-action.js'
import { unmergedPullRequest } from '../../fixtures/events.js'

const ROSTER = '.github/moodle-users.yml'
const NO_SITE_INFO_TOKEN = 'no-site-info-token-7a1f0c'
const EXPIRED_TOKEN = 'expired-token-3b9e44'
const NO_LOOKUP_TOKEN = 'no-lookup-token-55c2d1'
const CORE_ONLY_TOKEN = 'core-only-token-9e0b17'

let server: MoodleServer

beforeAll(async () => {
  server = new MoodleServer({
    tokens: [
      ...defaultMoodleConfig().tokens,
      {
        token: NO_SITE_INFO_TOKEN,
        userId: 100,
        functions: [AWARD_FUNCTION, USERS_BY_FIELD_FUNCTION]
      }
    ]
  })
  await server.start()
})

afterAll(async () => {
  await server.stop()
})

afterEach(() => {
  server.reset()
  server.config.installedFunctions = [...ALL_FUNCTIONS]
})

function check(inputs: Record<string, string>, files?: Record<string, string>) {
  return runAction({
    inputs: {
      'moodle-url': server.url,
      'moodle-token': DEMO_TOKEN,
      'course-id': '30',
      mode: 'check',
      'timeout-seconds': '5',
      ...inputs
    },
    eventName: 'workflow_dispatch',
    ...(files ? { files } : {})
  })
}

/** Nothing awarded, and check mode's outputs. */
function expectNothingAwarded(result: ActionResult): void {
  expect(server.awardsApplied()).toBe(0)
  for (const request of server.requestsFor(AWARD_FUNCTION)) {
    // Only the probe: a non-numeric userid that Moodle rejects before running anything.
    expect(request.params).toEqual({ userid: 'check-mode-probe' })
    expect(request.applied).toBe(false)
  }
  expect(result.outputs['awarded-points']).toBe('0')
  expect(result.outputs.results).toBe('[]')
  expect(result.outputs.xp).toBe('')
  expect(result.outputs['moodle-user-id']).toBe('')
}

const HEALTHY_ROSTER = [
  'users:',
  '  - github: alice-gh',
  '    email: alice@example.edu',
  '  - github: bob-gh',
  '    moodle_id: 3',
  '  - github: carol-gh',
  '    username: Carol',
  '  - github: dave-gh',
  '    moodle_id: 5',
  ''
].join('\n')

describe('mode: check', () => {
  it('passes a healthy set-up, names the site and the token user, and awards nothing', async () => {
    const result = await check({ 'mapping-file': ROSTER }, { [ROSTER]: HEALTHY_ROSTER })
    expect(result.errors).toEqual([])
    expect(result.code).toBe(0)
    expectNothingAwarded(result)
    expect(server.requestsFor(AWARD_FUNCTION)).toHaveLength(0)
    expect(result.summary).toContain('## Moodle Level Up XP: set-up check')
    expect(result.summary).toContain('Demo Moodle')
    expect(result.summary).toContain('4.5.3')
    expect(result.summary).toMatch(
      /✅ \*\*Token\*\*: valid: belongs to xpbot \(XP Bot\), Moodle user id 100/
    )
    expect(result.summary).toMatch(/✅ \*\*local\\_xp\\_award\\_points\*\*/)
    expect(result.summary).toMatch(/✅ \*\*Students in Moodle\*\*: all 4 student\(s\) match/)
    // Verified without awarding: the permission to award, and that every student may earn.
    expect(result.summary).toMatch(
      /✅ \*\*Course\*\*: the token's user may manage Level Up XP in course 30: it read the points of alice-gh/
    )
    expect(result.summary).toMatch(
      /✅ \*\*Students in course 30\*\*: the 4 student\(s\) found in Moodle are all enrolled and may earn points/
    )
    // Only a real award proves the award itself: said, not claimed.
    expect(result.summary).toMatch(/⚠️ not verified: \*\*Test award\*\*: only a real award proves/)
    expect(result.summary).not.toContain('❌')
    expect(result.stdout).toContain('All checks passed; 1 not verified (⚠️). Nothing was awarded')
    // One look-up request per field used, never one per student.
    const lookups = server.requestsFor(USERS_BY_FIELD_FUNCTION)
    expect(lookups.map(r => (r.params as { field: string }).field).sort()).toEqual([
      'email',
      'id',
      'username'
    ])
    const byId = lookups.find(r => (r.params as { field: string }).field === 'id')
    expect((byId?.params as { values: string[] }).values).toEqual(['3', '5'])
    // One request lists who may earn in the course, never one per student.
    expect(server.requestsFor(ENROLLED_USERS_FUNCTION)).toHaveLength(1)
  })

  it('fails naming local_xp_award_points when the service lacks it', async () => {
    const result = await check({ 'moodle-token': DEMO_NO_AWARD_TOKEN })
    expect(result.code).toBe(1)
    expectNothingAwarded(result)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toContain(AWARD_FUNCTION)
    expect(result.errors[0]).toContain("is not in the token's external service")
    expect(result.errors[0]).toContain('External services > Functions')
    expect(result.summary).toMatch(/❌ \*\*local\\_xp\\_award\\_points\*\*/)
    // The token and site still check out.
    expect(result.summary).toMatch(/✅ \*\*Token\*\*/)
  })

  it('says Level Up XP+ is needed when the function is not installed', async () => {
    server.config.installedFunctions = [SITE_INFO_FUNCTION, USERS_BY_FIELD_FUNCTION]
    const result = await check({})
    expect(result.code).toBe(1)
    expectNothingAwarded(result)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toContain('not installed')
    expect(result.errors[0]).toContain('Level Up XP+ (local_xp)')
    expect(server.requestsFor(AWARD_FUNCTION)[0]?.errorcode).toBe('invalidrecordunknown')
  })

  it('fails on a bad token, speaks of the token, and never prints it', async () => {
    const token = 'wrong-token-0123456789abcdef'
    const result = await check({ 'moodle-token': token })
    expect(result.code).toBe(1)
    expectNothingAwarded(result)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toMatch(/token/i)
    expect(result.errors[0]).toContain('invalidtoken')
    expect(visibleOutput(result)).not.toContain(token)
    expect(result.summary).not.toContain(token)
    expect(result.summary).toMatch(/✅ \*\*Moodle site\*\*/)
    expect(result.summary).toMatch(/❌ \*\*Token\*\*/)
    expect(result.summary).toMatch(/⚠️ not verified: \*\*local\\_xp\\_award\\_points\*\*/)
    // Nothing else is tried with a refused token.
    expect(server.requests.map(r => r.wsfunction)).toEqual([SITE_INFO_FUNCTION])
  })

  it('reports a token that expired (accessexception once, then deleted) as a token problem', async () => {
    server.config.tokens.push({
      token: EXPIRED_TOKEN,
      userId: 100,
      functions: [...ALL_FUNCTIONS],
      expired: true
    })
    const result = await check({ 'moodle-token': EXPIRED_TOKEN })
    expect(result.code).toBe(1)
    expectNothingAwarded(result)
    const tokenError = result.errors.find(line =>
      line.includes('the token has most likely expired')
    )
    expect(tokenError).toBeDefined()
    expect(visibleOutput(result)).not.toContain(EXPIRED_TOKEN)
  })

  it('names the student and the email that match no Moodle user, on the roster line', async () => {
    const roster = [
      'users:',
      '  - github: alice-gh',
      '    email: alice@example.edu',
      '  - github: octocat',
      '    email: octocat@students.example.edu',
      ''
    ].join('\n')
    const result = await check({ 'mapping-file': ROSTER }, { [ROSTER]: roster })
    expect(result.code).toBe(1)
    expectNothingAwarded(result)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toContain(`file=${ROSTER},line=4`)
    expect(result.errors[0]).toContain('octocat')
    expect(result.errors[0]).toContain('octocat@students.example.edu')
    expect(result.summary).toContain('1 of 2 student(s) match no Moodle user')
    expect(result.summary).toContain('octocat@​students.example.edu')
    expect(server.requestsFor(USERS_BY_FIELD_FUNCTION)).toHaveLength(1)
  })

  it('reports moodle_ids that match no Moodle user (unknown and deleted)', async () => {
    const roster =
      'users:\n  - github: ghost\n    moodle_id: 999\n  - github: frank-gh\n    moodle_id: 7\n  - github: bob-gh\n    moodle_id: 3\n'
    const result = await check({ 'mapping-file': ROSTER }, { [ROSTER]: roster })
    expect(result.code).toBe(1)
    expect(result.errors).toHaveLength(2)
    expect(result.errors[0]).toContain('ghost')
    expect(result.errors[0]).toContain('moodle_id 999 matches no Moodle user')
    expect(result.errors[0]).toContain(`file=${ROSTER},line=2`)
    expect(result.errors[1]).toContain('moodle_id 7')
    expect(server.requestsFor(USERS_BY_FIELD_FUNCTION)).toHaveLength(1)
  })

  it('fails a broken roster with a file and line annotation, and still checks the site', async () => {
    const broken = readFileSync(
      join(import.meta.dirname, '../../fixtures/rosters/broken-syntax.yml'),
      'utf8'
    )
    const result = await check({ 'mapping-file': ROSTER }, { [ROSTER]: broken })
    expect(result.code).toBe(1)
    expectNothingAwarded(result)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toMatch(new RegExp(`^::error title=Moodle XP,file=${ROSTER},line=5::`))
    expect(result.errors[0]).toContain(ROSTER)
    expect(result.summary).toMatch(/❌ \*\*Roster\*\*/)
    expect(result.summary).toMatch(/✅ \*\*Token\*\*/)
  })

  it('reports a broken inline roster (the mapping input) without a file annotation', async () => {
    const result = await check({ mapping: 'octocat: not-a-number' })
    expect(result.code).toBe(1)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).not.toContain('file=')
    expect(result.errors[0]).toContain('mapping line 1')
  })

  it('reports a service without core_webservice_get_site_info with the advice, and probes the rest', async () => {
    const result = await check(
      { 'moodle-token': NO_SITE_INFO_TOKEN, 'mapping-file': ROSTER },
      { [ROSTER]: HEALTHY_ROSTER }
    )
    expect(result.code).toBe(1)
    expectNothingAwarded(result)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toContain(`add ${SITE_INFO_FUNCTION} to the token's external service`)
    // The award function is found by the probe, which Moodle rejects before running it.
    const probes = server.requestsFor(AWARD_FUNCTION)
    expect(probes).toHaveLength(1)
    expect(probes[0]?.errorcode).toBe('invalidparameter')
    expect(result.summary).toMatch(
      /✅ \*\*local\\_xp\\_award\\_points\*\*: in the token's external service/
    )
    expect(result.summary).toMatch(/✅ \*\*Token\*\*: valid \(Moodle accepted it\)/)
    // The roster is still verified.
    expect(result.summary).toMatch(/✅ \*\*Students in Moodle\*\*: all 4 student\(s\) match/)
    // The award probe got past the token checks: another accessexception means "not in the
    // service", said as such for the optional functions.
    expect(result.summary).toMatch(
      /➖ \*\*local\\_xp\\_get\\_user\\_state\*\*: not in the token's external service \(optional\)/
    )
  })

  it('fails when the roster needs look-ups and the service lacks core_user_get_users_by_field', async () => {
    server.config.tokens.push({
      token: NO_LOOKUP_TOKEN,
      userId: 100,
      functions: [SITE_INFO_FUNCTION, AWARD_FUNCTION]
    })
    const withEmails = await check(
      { 'moodle-token': NO_LOOKUP_TOKEN, 'mapping-file': ROSTER },
      { [ROSTER]: HEALTHY_ROSTER }
    )
    expect(withEmails.code).toBe(1)
    expectNothingAwarded(withEmails)
    expect(withEmails.errors).toHaveLength(1)
    expect(withEmails.errors[0]).toContain(
      `${USERS_BY_FIELD_FUNCTION}: is not in the token's external service (needed to look students up`
    )
    expect(withEmails.summary).toMatch(/⚠️ not verified: \*\*Students in Moodle\*\*/)

    // With ids only, awards do not need it: reported, not failed.
    server.reset()
    const idsOnly = await check(
      { 'moodle-token': NO_LOOKUP_TOKEN, 'mapping-file': ROSTER },
      { [ROSTER]: 'users:\n  - github: bob-gh\n    moodle_id: 3\n' }
    )
    expect(idsOnly.errors).toEqual([])
    expect(idsOnly.code).toBe(0)
    expect(idsOnly.summary).toMatch(
      /⚠️ not verified: \*\*core\\_user\\_get\\_users\\_by\\_field\*\*/
    )
  })

  it('fails when Moodle does not answer and marks the rest not checked', async () => {
    const result = await check(
      { 'moodle-url': 'http://127.0.0.1:9', 'mapping-file': ROSTER },
      { [ROSTER]: HEALTHY_ROSTER }
    )
    expect(result.code).toBe(1)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toContain('refused the connection')
    expect(result.summary).toMatch(/❌ \*\*Moodle site\*\*/)
    expect(result.summary).toMatch(/⚠️ not verified: \*\*Students in Moodle\*\*/)
    expect(result.summary).toMatch(/✅ \*\*Roster\*\*/)
  })

  it('verifies user-id without a roster', async () => {
    const good = await check({ 'user-id': '5' })
    expect(good.errors).toEqual([])
    expect(good.code).toBe(0)
    expect(good.summary).toContain('user-id 5 is Moodle user dave (Dave Dunn)')
    expect(good.summary).toContain('no roster configured')
    server.reset()
    const bad = await check({ 'user-id': '555' })
    expect(bad.code).toBe(1)
    expect(bad.errors).toHaveLength(1)
    expect(bad.errors[0]).toContain('user-id 555 matches no Moodle user')
  })

  it('says what course-id 1 means, and that sitewide mode cannot be seen', async () => {
    const result = await check({ 'course-id': '1' })
    expect(result.code).toBe(0)
    expect(result.summary).toMatch(
      /⚠️ not verified: \*\*Sitewide XP\*\*: course-id 1 sends awards to the site course: they count only when Level Up XP is in sitewide mode/
    )
  })

  it('fails a student who exists but may not earn in the course, on the roster line', async () => {
    const roster = HEALTHY_ROSTER + '  - github: erin-gh\n    moodle_id: 6\n'
    const result = await check({ 'mapping-file': ROSTER }, { [ROSTER]: roster })
    expect(result.code).toBe(1)
    expectNothingAwarded(result)
    expect(result.errors).toEqual([
      `::error title=Moodle XP,file=${ROSTER},line=10::erin-gh (${ROSTER} line 10): Moodle user 6 is not enrolled in course 30, or may not earn points there; enrol them in course 30 with the Student role (which holds block/xp:earnxp)`
    ])
    expect(result.summary).toMatch(/✅ \*\*Students in Moodle\*\*: all 5 student\(s\) match/)
    expect(result.summary).toMatch(/❌ \*\*Students in course 30\*\*: 1 of 5 may not earn points/)
  })

  it('fails a token whose user may not manage XP in the course (no block/xp:manage)', async () => {
    const result = await check(
      { 'moodle-token': DEMO_STUDENT_TOKEN, 'mapping-file': ROSTER },
      { [ROSTER]: HEALTHY_ROSTER }
    )
    expect(result.code).toBe(1)
    expectNothingAwarded(result)
    expect(result.errors).toEqual([
      "::error::Course: the token's user may not manage Level Up XP in course 30 (nopermissions), so every award would be refused; give the token's user a role with block/xp:manage in course 30 (e.g. Teacher), or a system role with it"
    ])
    // Listing who may earn needs moodle/role:review, which a student lacks: not verified.
    expect(result.summary).toMatch(
      /⚠️ not verified: \*\*Students in course 30\*\*: listing who may earn/
    )
  })

  it('lists the optional functions a service lacks, with what each costs, and does not fail', async () => {
    server.config.tokens.push({
      token: CORE_ONLY_TOKEN,
      userId: 100,
      functions: [SITE_INFO_FUNCTION, AWARD_FUNCTION, USERS_BY_FIELD_FUNCTION]
    })
    const result = await check(
      { 'moodle-token': CORE_ONLY_TOKEN, 'mapping-file': ROSTER },
      { [ROSTER]: HEALTHY_ROSTER }
    )
    expect(result.errors).toEqual([])
    expect(result.code).toBe(0)
    expectNothingAwarded(result)
    for (const name of XP_READ_FUNCTIONS) {
      expect(result.summary).toContain(
        `➖ **${name.replace(/_/g, '\\_')}**: not in the token's external service (optional): without it`
      )
    }
    expect(result.summary).toContain("the students' comments cannot show their level")
    expect(result.summary).toContain('there is no leaderboard')
    // What could not be verified says which function would let check mode go further.
    expect(result.summary).toMatch(
      /⚠️ not verified: \*\*Course\*\*: .*local\\_xp\\_get\\_user\\_state is not in the token's service: add local\\_xp\\_get\\_user\\_state/
    )
    expect(result.summary).toMatch(
      /⚠️ not verified: \*\*Students in course 30\*\*: core\\_enrol\\_get\\_enrolled\\_users is not in the token's service/
    )
    expect(result.stdout).toContain('All checks passed; 3 not verified (⚠️)')
  })
})

describe('mode: check with a test award (check-award-user-id)', () => {
  it('awards exactly 1 point to the test account, says it was a real award, and reports it in the outputs', async () => {
    server.setXp(30, 5, 40)
    const result = await check({ 'check-award-user-id': '5' })
    expect(result.errors).toEqual([])
    expect(result.code).toBe(0)
    expect(server.xp(30, 5)).toBe(41)
    expect(server.awardsApplied()).toBe(1)
    const awards = server.requestsFor(AWARD_FUNCTION)
    expect(awards.map(r => r.params)).toEqual([{ userid: '5', points: '1', courseid: '30' }])
    expect(result.stdout).toContain(
      'Test award (check-award-user-id): sending 1 point to Moodle user 5 in course 30. This is a real award.'
    )
    expect(result.summary).toMatch(
      /✅ \*\*Test award\*\*: awarded 1 point to Moodle user 5 in course 30; Moodle answered their new total, 41 XP\. This was a real award/
    )
    expect(result.summary).toContain(
      'Only the test award of 1 point to Moodle user 5 was made (check-award-user-id).'
    )
    expect(result.outputs['awarded-points']).toBe('1')
    expect(result.outputs.xp).toBe('41')
    expect(result.results).toEqual([
      {
        github: null,
        githubId: null,
        moodleUserId: 5,
        points: 1,
        xp: 41,
        status: 'awarded',
        reason: 'test award of check mode (check-award-user-id)',
        // Check mode reads no level.
        level: null
      }
    ])
  })

  it('fails with Moodle’s reason when the test account may not receive points', async () => {
    const result = await check({ 'check-award-user-id': '6' })
    expect(result.code).toBe(1)
    expect(server.awardsApplied()).toBe(0)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toContain(
      'Test award: the award of 1 point to Moodle user 6 failed: Moodle local_xp_award_points:'
    )
    expect(result.results[0]).toMatchObject({ moodleUserId: 6, status: 'failed', xp: null })
    expect(result.outputs['awarded-points']).toBe('0')
  })

  it('sends no test award when the service lacks the award function', async () => {
    const result = await check({
      'moodle-token': DEMO_NO_AWARD_TOKEN,
      'check-award-user-id': '5'
    })
    expect(result.code).toBe(1)
    expectNothingAwarded(result)
    expect(result.summary).toMatch(
      /⚠️ not verified: \*\*Test award\*\*: not sent to Moodle user 5: local\\_xp\\_award\\_points is not available/
    )
  })
})

describe('mode: check without a token (a pull request from a fork gets no secrets)', () => {
  const forkEvent = () => {
    const payload = unmergedPullRequest()
    // Only what makes it a fork's pull request: the head repository differs from the base.
    const head = payload.pull_request.head.repo
    if (head) head.full_name = 'student/Hello-World'
    return payload
  }
  const offline = (files: Record<string, string>) =>
    runAction({
      inputs: {
        'moodle-url': server.url,
        'course-id': '30',
        mode: 'check',
        'mapping-file': ROSTER
      },
      eventName: 'pull_request',
      payload: forkEvent(),
      files
    })

  it('checks the roster file alone and asks Moodle nothing', async () => {
    const result = await offline({ [ROSTER]: HEALTHY_ROSTER })
    expect(result.errors).toEqual([])
    expect(result.code).toBe(0)
    expect(server.requests).toHaveLength(0)
    expect(result.summary).toContain('moodle-token is empty')
    expect(result.summary).toMatch(/✅ \*\*Roster\*\*/)
  })

  it('still requires the token anywhere else: an empty secret is a mistake, not a pass', async () => {
    const result = await runAction({
      inputs: {
        'moodle-url': server.url,
        'course-id': '30',
        mode: 'check',
        'mapping-file': ROSTER
      },
      eventName: 'workflow_dispatch',
      files: { [ROSTER]: HEALTHY_ROSTER }
    })
    expect(result.code).toBe(1)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toMatch(/Input "moodle-token" is required: create a token/)
    expect(server.requests).toHaveLength(0)
  })

  it('annotates a broken roster on its line', async () => {
    const result = await offline({ [ROSTER]: 'users:\n  - github: alice-gh\n    moodle_id: abc\n' })
    expect(result.code).toBe(1)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toMatch(/^::error .*file=\.github\/moodle-users\.yml,line=3::/)
    expect(server.requests).toHaveLength(0)
  })
})
