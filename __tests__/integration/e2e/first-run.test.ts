/**
 * A first run that cannot go wrong, end to end: each typical mistake of a teacher setting the
 * action up (first-run-mistakes.ts) gives one line that names the fix, awards nothing, and
 * never shows the token. Then the two messages of an award whose outcome is unknown: the
 * teacher's reason and the student's comment each read as one sentence.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { start as startGitHub, type GitHubFake } from '../../../test-servers/github/server.js'
import { AWARD_FUNCTION, DEMO_TOKEN, MoodleServer } from '../../../test-servers/moodle/server.js'
import { runAction, visibleOutput } from '../../../test-servers/runner/run-action.js'
import { mergedPullRequest } from '../../fixtures/events.js'
import {
  FIRST_RUN_MISTAKES,
  type FirstRunMistake,
  ROSTER_PATH,
  runMistake
} from './first-run-mistakes.js'

let moodle: MoodleServer | undefined

afterEach(async () => {
  await moodle?.stop()
  moodle = undefined
})

async function run(m: FirstRunMistake) {
  const ran = await runMistake(m)
  moodle = ran.moodle
  return ran.result
}

describe('the typical first-run mistakes', () => {
  it('start from a set-up that works: check mode passes it', async () => {
    const result = await run({ mistake: 'none', topic: 'The workflow', mode: 'check', says: /./ })
    expect(result.errors).toEqual([])
    expect(result.code).toBe(0)
  })

  it.each(FIRST_RUN_MISTAKES)('$mistake: one line names the fix', async mistake => {
    const result = await run(mistake)
    // A warning lets the step succeed; anything else fails it with exactly one error.
    const warned = mistake.level === 'warning'
    expect(result.code).toBe(warned ? 0 : 1)
    expect(result.errors).toHaveLength(warned ? 0 : 1)
    const lines = warned ? result.warnings : result.errors
    expect(lines.filter(line => mistake.says.test(line))).toHaveLength(1)
    expect(moodle?.awardsApplied()).toBe(0)
    for (const token of [DEMO_TOKEN, mistake.token?.token ?? DEMO_TOKEN]) {
      expect(visibleOutput(result)).not.toContain(token)
      expect(result.summary).not.toContain(token)
    }
  })
})

describe('an award whose outcome is unknown', () => {
  let github: GitHubFake
  let apiUrl: string

  beforeAll(async () => {
    ;({ fake: github, apiUrl } = await startGitHub())
  })

  afterAll(async () => {
    await github.stop()
  })

  it('tells the teacher the cause and what to do in one sentence, and the student no more than is known', async () => {
    moodle = new MoodleServer()
    const url = await moodle.start()
    // Moodle answers with an error the client does not know: it may come after the points
    // were added, so the outcome is unknown (and Moodle did answer).
    const payload = mergedPullRequest()
    const result = await runAction({
      eventName: 'pull_request_target',
      payload,
      apiUrl,
      files: { [ROSTER_PATH]: 'users:\n  - github: Codertocat\n    moodle_id: 3\n' },
      inputs: {
        'moodle-url': url,
        'moodle-token': DEMO_TOKEN,
        'course-id': '31',
        'mapping-file': ROSTER_PATH,
        'github-token': 'ghs_default'
      }
    })
    expect(result.code).toBe(1)
    expect(moodle.requestsFor(AWARD_FUNCTION).map(r => r.errorcode)).toEqual(['xpnotenabled'])
    const reason = String(result.results[0]?.reason)
    expect(result.results[0]?.status).toBe('unknown')
    expect(reason).toContain(
      'Moodle raised "xpnotenabled" (Level Up XP is not enabled in this course), an error code not known to come before the points are added; the points may have been added: check the student\'s XP log in Moodle (Level Up XP > Log); only if the points are missing, set the repository variable MOODLE_XP_FORCE_RUN to 4242'
    )
    expect(reason.match(/check the student's XP log/g)).toHaveLength(1)

    const comment = github.comments('Codertocat/Hello-World', payload.pull_request.number).at(-1)
    expect(comment?.body).toContain(
      'it is not certain that the 10 XP reached Moodle, so your teacher will check before trying again.'
    )
    expect(comment?.body).not.toContain('no answer came back')
  })
})
