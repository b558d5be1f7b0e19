/**
 * End to end, on the bundle: neither token reaches anything the action writes (log lines,
 * annotations, outputs, the job summary), whatever shape a server echoes it in. The runner masks
 * a secret only where it appears verbatim in the log; these tests read the raw output, so every
 * copy found here would be one the runner's mask could miss.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { MIN_PIECE } from '../../../src/report/redact.js'
import { markdown } from '../../../src/report/text.js'
import {
  GITHUB_ACTIONS,
  start as startGitHub,
  type GitHubFake
} from '../../../test-servers/github/server.js'
import {
  ALL_FUNCTIONS,
  AWARD_FUNCTION,
  defaultMoodleConfig,
  MoodleServer
} from '../../../test-servers/moodle/server.js'
import { type ActionResult, runAction } from '../../../test-servers/runner/run-action.js'
import { mergedPullRequest, type ThreadOverrides } from '../../fixtures/events.js'

/** A Moodle token as Moodle makes them: 32 hex digits. */
const MOODLE_TOKEN = '7c3e9a1f5b2d8e4a6c0f3b9d1e7a5c2f'
/** A GitHub token with underscores, which Markdown escaping changes. */
const GITHUB_TOKEN = 'ghs_Echoed_Secret_Token_4f8a2b9c1d7e'

let moodle: MoodleServer
let github: GitHubFake
let apiUrl: string

beforeAll(async () => {
  moodle = new MoodleServer({
    tokens: [
      ...defaultMoodleConfig().tokens,
      { token: MOODLE_TOKEN, userId: 100, functions: [...ALL_FUNCTIONS] }
    ]
  })
  await moodle.start()
  ;({ fake: github, apiUrl } = await startGitHub([
    { token: GITHUB_TOKEN, identity: GITHUB_ACTIONS, installation: true }
  ]))
})

afterAll(async () => {
  await moodle?.stop()
  await github?.stop()
})

beforeEach(() => {
  moodle.reset()
  github.resetLog()
})

/** Everything the action wrote that a person or a later step reads. */
function written(result: ActionResult): string {
  const log = (result.stdout + '\n' + result.stderr)
    .split('\n')
    .filter(line => !line.startsWith('::add-mask::'))
    .join('\n')
  return [log, result.summary, ...Object.values(result.outputs)].join('\n')
}

/** No piece of the token of MIN_PIECE characters, in any letter case, in `text`. */
function expectNoPiece(text: string, token: string): void {
  const seen = text.toLowerCase()
  for (let i = 0; i + MIN_PIECE <= token.length; i++) {
    expect(seen).not.toContain(token.slice(i, i + MIN_PIECE).toLowerCase())
  }
}

/** The action on a merged pull request by Codertocat (Moodle user 3), with the ledger on. */
function onMergedPullRequest(thread: ThreadOverrides): Promise<ActionResult> {
  return runAction({
    eventName: 'pull_request_target',
    payload: mergedPullRequest(thread),
    apiUrl,
    inputs: {
      'moodle-url': moodle.url,
      'moodle-token': MOODLE_TOKEN,
      'course-id': '30',
      mapping: 'Codertocat: 3',
      'github-token': GITHUB_TOKEN
    }
  })
}

describe('the github-token echoed by GitHub', () => {
  it('reaches neither the ::error line, nor results, nor the summary (Markdown-escaped included)', async () => {
    github.fault({
      status: 401,
      times: 1,
      method: 'GET',
      message: 'Bad credentials',
      echoToken: true
    })
    const result = await onMergedPullRequest({ number: 901 })

    // The ledger could not be read: nothing sent, the step failed and says why.
    expect(result.code).toBe(1)
    expect(moodle.requestsFor(AWARD_FUNCTION)).toHaveLength(0)
    expect(result.results[0]).toMatchObject({ status: 'failed' })
    expect(result.errors).toHaveLength(1)
    // GitHub's answer is still quoted, the token replaced.
    expect(result.errors[0]).toContain('HTTP 401: Bad credentials (token ***)')
    expect(String(result.results[0]?.reason)).toContain('Bad credentials (token ***)')
    expect(result.summary).toContain('Bad credentials (token \\*\\*\\*)')
    for (const text of [written(result), result.errors[0] ?? '', result.outputs.results ?? '']) {
      expect(text).not.toContain(GITHUB_TOKEN)
      expect(text).not.toContain(markdown(GITHUB_TOKEN))
      expectNoPiece(text, GITHUB_TOKEN)
      expectNoPiece(text, markdown(GITHUB_TOKEN))
    }
  })
})

describe('the ledger comment', () => {
  it('holds no copy of a token, even one written into the pull request’s title', async () => {
    const result = await onMergedPullRequest({
      number: 902,
      title: `Leaked ${MOODLE_TOKEN.toUpperCase()}`
    })

    expect(result.code).toBe(0)
    expect(result.results[0]).toMatchObject({ status: 'awarded' })
    const [comment] = github.comments('Codertocat/Hello-World', 902)
    expect(comment?.body).toContain('Leaked ***')
    expectNoPiece(comment?.body ?? '', MOODLE_TOKEN)
    expectNoPiece(written(result), MOODLE_TOKEN)
  })
})

describe('the moodle-token echoed by Moodle in other shapes', () => {
  const request = `wstoken=${MOODLE_TOKEN}&wsfunction=local_xp_award_points`
  const shapes: Array<{ name: string; text: string; hidden: string[] }> = [
    { name: 'upper case', text: MOODLE_TOKEN.toUpperCase(), hidden: [MOODLE_TOKEN] },
    ...[0, 1, 2].map(extra => {
      // The token starts 8 + extra bytes into the request: each of base64's 3 alignments once.
      const start = 'wstoken='.length + extra
      const base64 = Buffer.from(`${'x'.repeat(extra)}${request}`).toString('base64')
      // The characters that encode the token's bytes alone.
      const encodedToken = base64.slice(
        Math.ceil((start * 4) / 3),
        Math.floor(((start + MOODLE_TOKEN.length) * 4) / 3)
      )
      return {
        name: `base64 of the request, the token ${start} bytes in`,
        text: base64,
        hidden: [MOODLE_TOKEN, encodedToken]
      }
    }),
    {
      name: 'cut by the server after 20 characters',
      text: `${MOODLE_TOKEN.slice(0, 20)}...`,
      hidden: [MOODLE_TOKEN.slice(0, 20)]
    },
    {
      name: 'cut by the server, its end only',
      text: `...${MOODLE_TOKEN.slice(-14)}`,
      hidden: [MOODLE_TOKEN.slice(-14)]
    }
  ]

  async function awardWith(body: string, contentType: string): Promise<ActionResult> {
    moodle.queueFault(
      { type: 'http-status', status: 200, contentType, body },
      { wsfunction: AWARD_FUNCTION }
    )
    return runAction({
      eventName: 'workflow_dispatch',
      inputs: {
        'moodle-url': moodle.url,
        'moodle-token': MOODLE_TOKEN,
        'course-id': '30',
        'user-id': '3'
      }
    })
  }

  it.each(shapes)('in a Moodle error message: $name', async ({ text, hidden }) => {
    const body = JSON.stringify({
      exception: 'moodle_exception',
      errorcode: 'somethingodd',
      message: `Refused ${text}`,
      debuginfo: `request ${text}`
    })
    const result = await awardWith(body, 'application/json')

    expect(result.code).toBe(1)
    expect(result.errors[0]).toMatch(/"somethingodd" \(Refused \S*\*\*\*\S* request \S*\*\*\*/)
    for (const secret of hidden) expectNoPiece(written(result), secret)
  })

  it.each(shapes)(
    'at the start of a page that is not Moodle JSON: $name',
    async ({ text, hidden }) => {
      const result = await awardWith(`${text} was refused`, 'text/plain')

      expect(result.code).toBe(1)
      expect(result.errors[0]).toMatch(/HTTP 200 \(text\/plain\): "\S*\*\*\*\S* was refused"/)
      for (const secret of hidden) expectNoPiece(written(result), secret)
    }
  )
})
