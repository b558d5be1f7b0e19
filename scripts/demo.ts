/**
 * `npm run demo`: the action as a teacher would see it, on this machine. Starts the project's
 * Moodle-compatible server and a GitHub API fake on loopback, then runs the committed bundle
 * (`dist/index.js`) exactly as the runner would, on a merged pull request with a roster file:
 * prints the outputs, the job summary and the ledger comment. Then runs the same event again to
 * show that the ledger stops a second award, and a scheduled sync over the same repository to
 * show that sync mode sees event mode's award too.
 */
import { mergedPullRequest } from '../__tests__/fixtures/events.js'
import { requireBundle, ROSTER, ROSTER_PATH, startDemoCourse } from '../test-servers/demo-course.js'
import { runAction, type ActionResult } from '../test-servers/runner/run-action.js'

function section(title: string, body: string): void {
  console.log(`\n\x1b[1m── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}\x1b[0m`)
  console.log(body.trimEnd())
}

function show(run: ActionResult): void {
  section('Action log (stdout)', run.stdout)
  section(
    'Step outputs (GITHUB_OUTPUT)',
    Object.entries(run.outputs)
      .map(([name, value]) => `${name} = ${value}`)
      .join('\n')
  )
  section('Job summary (GITHUB_STEP_SUMMARY)', run.summary)
  console.log(`\nexit code: ${run.code}`)
}

requireBundle()

const course = await startDemoCourse()
const { moodle, github, apiUrl, inputs, files } = course
try {
  console.log(`Moodle-compatible server: ${inputs['moodle-url']} (course 30, Level Up XP on)`)
  console.log(`GitHub API fake:          ${apiUrl}`)
  const payload = mergedPullRequest()
  const run = (workspace?: string) =>
    runAction({ eventName: 'pull_request_target', payload, apiUrl, workspace, files, inputs })

  section(`Roster (${ROSTER_PATH})`, ROSTER)
  console.log('\n\x1b[1m### Run 1: pull request Codertocat/Hello-World#2 merged\x1b[0m')
  const first = await run()
  show(first)
  const comments = github.comments('Codertocat/Hello-World', 2)
  section('Ledger comment on the pull request', comments.map(c => c.body).join('\n---\n'))

  console.log('\n\x1b[1m### Run 2: the same event again (a re-run, or a duplicate delivery)\x1b[0m')
  const second = await run(first.workspace)
  show(second)

  console.log('\n\x1b[1m### Run 3: sync mode, a scheduled run over the same repository\x1b[0m')
  // The repository's history as GitHub holds it: pull request #2, merged by its author.
  const day = 24 * 3600_000
  const repo = 'Codertocat/Hello-World'
  github.world.openPullRequest(repo, { author: 'Codertocat', at: new Date(Date.now() - 3 * day) })
  const pr = github.world.openPullRequest(repo, {
    author: 'Codertocat',
    title: payload.pull_request.title,
    labels: ['bug'],
    at: new Date(Date.now() - 2 * day)
  })
  github.world.merge(pr, { by: 'Codertocat', at: new Date(Date.now() - day) })
  const sync = await runAction({
    eventName: 'schedule',
    apiUrl,
    files,
    inputs: {
      ...inputs,
      mode: 'sync',
      since: new Date(Date.now() - 30 * day).toISOString().slice(0, 10)
    }
  })
  show(sync)
  console.log(
    `\nMoodle applied ${moodle.awardsApplied()} award(s) in all; the student's XP in course 30 is ${moodle.xp(30, 3)}.`
  )
  if (first.code !== 0 || second.code !== 0 || sync.code !== 0 || moodle.awardsApplied() !== 1)
    process.exitCode = 1
} finally {
  await course.stop()
}
