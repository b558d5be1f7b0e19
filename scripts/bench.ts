/**
 * `npm run bench`: measures what a teacher pays for on every run, on the committed bundle.
 * - size of dist/ (what loads at start, what loads only with the ledger);
 * - wall time of whole runs, as the runner starts them (median of N), against `node -e 0`;
 * - resolving a 2,000-student GitHub Classroom roster: time and Moodle requests, in check mode
 *   (whole roster) and in award mode (only the recipients are looked up).
 * Numbers, not assertions: the tests never time anything.
 */
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { closedIssueCompleted } from '../__tests__/fixtures/events.js'
import { start as startGitHub } from '../test-servers/github/server.js'
import { defaultMoodleConfig, DEMO_TOKEN, MoodleServer } from '../test-servers/moodle/server.js'
import { DIST, runAction } from '../test-servers/runner/run-action.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 15)
const STUDENTS = 2000

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}
const ms = (value: number) => `${value.toFixed(0)} ms`

async function timeIt(task: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await task()
  return performance.now() - started
}

async function nodeBaseline(): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    times.push(
      await timeIt(
        () =>
          new Promise(done =>
            spawn(process.execPath, ['-e', '0'], { env: { PATH: process.env.PATH } }).on(
              'close',
              done
            )
          )
      )
    )
  }
  return median(times)
}

function bundleSizes(): string[] {
  const dir = join(import.meta.dirname, '..', 'dist')
  return readdirSync(dir)
    .filter(file => file.endsWith('.js'))
    .map(file => `  ${file.padEnd(14)} ${(statSync(join(dir, file)).size / 1024).toFixed(0)} KiB`)
}

/** A Classroom export and the matching Moodle users. */
function classroomRoster(count: number) {
  const lines = ['identifier,github_username,github_id,name']
  const users = defaultMoodleConfig().users
  for (let i = 0; i < count; i++) {
    const id = 1000 + i
    lines.push(`student${i}@uni.example.edu,student-${i},${5_000_000 + i},Student ${i}`)
    users.push({ id, username: `student${i}`, email: `student${i}@uni.example.edu` })
  }
  const enrolled = users.map(u => u.id)
  const courses = defaultMoodleConfig().courses.map(c => (c.id === 30 ? { ...c, enrolled } : c))
  return { csv: `${lines.join('\n')}\n`, users, courses }
}

const moodle = new MoodleServer()
const moodleUrl = await moodle.start()
const { fake: github, apiUrl } = await startGitHub()
const base = { 'moodle-url': moodleUrl, 'moodle-token': DEMO_TOKEN, 'course-id': '30' }

try {
  console.log(`Node ${process.version}. Bundle (${DIST}):`)
  console.log(bundleSizes().join('\n'))

  const baseline = await nodeBaseline()
  const scenarios: Array<[string, () => Promise<unknown>]> = [
    [
      'invalid input (fails before any request)',
      () => runAction({ inputs: { ...base, points: '0' } })
    ],
    [
      'direct award, user-id (no ledger: Octokit never loads)',
      () => runAction({ inputs: { ...base, 'user-id': '2' } })
    ],
    [
      'closed issue, two assignees, ledger comment (loads Octokit)',
      () => {
        github.resetLog()
        return runAction({
          eventName: 'issues',
          apiUrl,
          payload: closedIssueCompleted({
            assignees: [
              { login: 'octocat', id: 583231 },
              { login: 'hubot', id: 1000 + Math.floor(Math.random() * 1e9) }
            ]
          }),
          inputs: { ...base, mapping: 'octocat: 2\nhubot: 4', 'github-token': 'ghs_default' }
        })
      }
    ]
  ]
  console.log(`\nWhole runs, median of ${RUNS} (node -e 0: ${ms(baseline)}):`)
  for (const [name, task] of scenarios) {
    const times: number[] = []
    for (let i = 0; i < RUNS; i++) times.push(await timeIt(task))
    const m = median(times)
    console.log(`  ${name}: ${ms(m)} (${(m / baseline).toFixed(1)}x node -e 0)`)
  }

  const roster = classroomRoster(STUDENTS)
  await moodle.stop()
  const big = new MoodleServer({ users: roster.users, courses: roster.courses })
  const bigUrl = await big.start()
  try {
    const files = { '.github/classroom_roster.csv': roster.csv }
    const inputs = { ...base, 'moodle-url': bigUrl, 'mapping-file': '.github/classroom_roster.csv' }
    console.log(`\nRoster of ${STUDENTS} students (GitHub Classroom export, looked up by email):`)
    big.reset()
    let result = await runAction({ inputs: { ...inputs, mode: 'check' }, files })
    const checkTime = await timeIt(() => runAction({ inputs: { ...inputs, mode: 'check' }, files }))
    const perFunction = (fn: string) => big.requestsFor(fn).length / 2
    console.log(
      `  check mode (whole roster): ${ms(checkTime)}, exit ${result.code}; Moodle requests per run: ` +
        `${perFunction('core_user_get_users_by_field')} look-up, ` +
        `${perFunction('core_webservice_get_site_info')} site info, ` +
        `${perFunction('local_xp_award_points')} award`
    )
    big.reset()
    const payload = closedIssueCompleted({
      assignees: [
        { login: 'student-7', id: 5_000_007 },
        { login: 'student-1999', id: 5_001_999 }
      ]
    })
    result = await runAction({
      eventName: 'issues',
      payload,
      inputs: { ...inputs, ledger: 'off' },
      files
    })
    const lookups = big.requestsFor('core_user_get_users_by_field')
    const awards = big.requestsFor('local_xp_award_points').length
    const awardTime = await timeIt(() =>
      runAction({ eventName: 'issues', payload, inputs: { ...inputs, ledger: 'off' }, files })
    )
    console.log(
      `  award mode (2 recipients): ${ms(awardTime)}, exit ${result.code}; Moodle requests per run: ` +
        `${lookups.length} look-up (values ${JSON.stringify(lookups[0]?.params.values ?? [])}), ` +
        `${awards} award`
    )
  } finally {
    await big.stop()
  }
} finally {
  await moodle.stop().catch(() => undefined)
  await github.stop()
}
