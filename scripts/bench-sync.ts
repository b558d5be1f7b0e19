/**
 * `npm run bench:sync`: sync mode over a large GitHub Classroom course, against the stand-ins.
 * 1,000 repositories with 3 merged pull requests each (3,000 awards), Moodle answering each
 * award in 50 ms (the Moodle server's delay fault): the first catch-up with `concurrency: 1`
 * and with `concurrency: 8` (each on a fresh course), then a run with nothing new. Prints the
 * GitHub requests, the commits on the ledger branch, the time the awards took and the wall time
 * of each run. Runs a fresh build of the sources (`scripts/build.ts`), as `npm run bench` does.
 * Numbers, not assertions: the tests never time anything.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { classroom, mergedHistory } from '../test-servers/github/classroom.js'
import { start as startGitHub } from '../test-servers/github/server.js'
import {
  AWARD_FUNCTION,
  defaultMoodleConfig,
  DEMO_TOKEN,
  MoodleServer
} from '../test-servers/moodle/server.js'
import { runAction, type ActionResult } from '../test-servers/runner/run-action.js'
import { build } from './build.js'

const REPOSITORIES = Number(process.env.BENCH_SYNC_REPOSITORIES ?? 1000)
const PER_REPOSITORY = 3
const MOODLE_MS = 50
const TEACHER_REPO = 'classroom/course-xp'
const APP = { login: 'course-xp[bot]', id: 900001, type: 'Bot' as const }
const DAY = 24 * 3600_000

interface Measured {
  wall: number
  awardsSeconds: number | null
  awarded: number
  github: number
  commits: number
  comments: number
}

/** A fresh course on fresh servers: the stand-in's world and a Moodle site with the students. */
async function course() {
  const students = Array.from({ length: REPOSITORIES }, (_, i) => 1000 + i)
  const base = defaultMoodleConfig()
  const moodle = new MoodleServer({
    users: [
      ...base.users,
      ...students.map((id, i) => ({ id, username: `student${i + 1}`, email: `s${i + 1}@x.edu` }))
    ],
    courses: base.courses.map(c => (c.id === 30 ? { ...c, enrolled: students } : c))
  })
  await moodle.start()
  const { fake, apiUrl } = await startGitHub([
    { token: 'ghs_app', identity: APP, installation: true }
  ])
  const c = classroom(fake.world, {
    students: REPOSITORIES,
    at: new Date(Date.now() - 60 * DAY).toISOString()
  })
  fake.world.repository(TEACHER_REPO)
  mergedHistory(fake.world, c, PER_REPOSITORY, new Date(Date.now() - 20 * DAY).toISOString())
  const roster = c.students.map((login, i) => `${login}: ${students[i]}`).join('\n')
  return { moodle, fake, apiUrl, roster }
}

type Course = Awaited<ReturnType<typeof course>>

async function sync(k: Course, runId: string, concurrency: number): Promise<Measured> {
  for (let i = 0; i < REPOSITORIES * PER_REPOSITORY; i++)
    k.moodle.queueFault({ type: 'delay', ms: MOODLE_MS }, { wsfunction: AWARD_FUNCTION })
  const requests = k.fake.count()
  const awardsBefore = k.moodle.requestsFor(AWARD_FUNCTION).length
  const commentsBefore = k.fake.requests.filter(r => r.path.endsWith('/comments')).length
  k.fake.world.workflowRun(TEACHER_REPO, runId, 'in_progress')
  const started = performance.now()
  const r: ActionResult = await runAction({
    dist: DIST,
    eventName: 'schedule',
    apiUrl: k.apiUrl,
    runId,
    env: { GITHUB_REPOSITORY: TEACHER_REPO },
    inputs: {
      mode: 'sync',
      'moodle-url': k.moodle.url,
      'moodle-token': DEMO_TOKEN,
      'course-id': '30',
      'github-token': 'ghs_app',
      repositories: 'classroom/hw1-*',
      since: new Date(Date.now() - 30 * DAY).toISOString().slice(0, 10),
      mapping: k.roster,
      'ignore-users': 'teacher',
      'max-awards': String(REPOSITORIES * PER_REPOSITORY),
      concurrency: String(concurrency)
    }
  })
  const wall = (performance.now() - started) / 1000
  k.fake.world.workflowRun(TEACHER_REPO, runId, 'completed')
  k.moodle.reset()
  if (r.code !== 0) throw new Error(`the run failed:\n${r.stdout}\n${r.stderr}`)
  const awards = /Moodle: \d+ of \d+ awards made in ([\d.]+) s/.exec(r.stdout)
  const commits = /commits on the ledger branch: (\d+)/.exec(r.stdout)
  return {
    wall,
    awardsSeconds: awards ? Number(awards[1]) : null,
    awarded: k.moodle.requestsFor(AWARD_FUNCTION).length - awardsBefore,
    github: k.fake.count() - requests,
    commits: Number(commits?.[1] ?? NaN),
    comments: k.fake.requests.filter(r => r.path.endsWith('/comments')).length - commentsBefore
  }
}

const line = (label: string, m: Measured) =>
  `${label.padEnd(30)} ${String(m.github).padStart(5)} GitHub requests, ${m.commits} commits, ` +
  `${m.comments} comments; awards ${m.awardsSeconds === null ? '-' : `${m.awardsSeconds.toFixed(1)} s`}; ` +
  `wall ${m.wall.toFixed(1)} s`

async function stop(k: Course) {
  await k.moodle.stop()
  await k.fake.stop()
}

const out = mkdtempSync(join(tmpdir(), 'xp-action-bench-sync-'))
const DIST = join(out, 'dist', 'index.js')
await build(dirname(DIST))
console.log(
  `Sync mode, ${REPOSITORIES} repositories × ${PER_REPOSITORY} merged pull requests, Moodle answering in ${MOODLE_MS} ms (${DIST}):`
)
const results: Record<number, Measured> = {}
for (const concurrency of [1, 8]) {
  const k = await course()
  try {
    const first = await sync(k, `${9000 + concurrency}`, concurrency)
    results[concurrency] = first
    console.log(line(`first catch-up, concurrency ${concurrency}`, first))
    if (concurrency === 8) {
      const quiet = await sync(k, '9100', concurrency)
      console.log(line('next run, nothing new', quiet))
    }
  } finally {
    await stop(k)
  }
}
const [one, eight] = [results[1]?.awardsSeconds, results[8]?.awardsSeconds]
if (one && eight)
  console.log(
    `Awards with concurrency 8: ${(one / eight).toFixed(1)} times faster than one at a time.`
  )
rmSync(out, { recursive: true, force: true })
