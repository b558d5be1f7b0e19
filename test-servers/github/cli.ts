/**
 * Runs the GitHub API stand-in with a demo GitHub Classroom course until SIGINT/SIGTERM:
 *   npx tsx test-servers/github/cli.ts [--port N] [--students N] [--since ISO-date]
 * The organisation `classroom` holds one repository per student (`hw1-<login>`) with merged,
 * unmerged and self-merged pull requests, issues completed and not planned, a bot's pull
 * request; the teacher's repository `classroom/course-xp` is where a sync would run.
 * Prints `GITHUB_API_URL=...`, the repository and the tokens on stdout, then one line per
 * request on stderr.
 */
import { parseArgs } from 'node:util'
import { classroom, mixedHistory } from './classroom.js'
import { GITHUB_ACTIONS, start, type FakeToken, type LoggedRequest } from './server.js'

/** The teacher's repository of the demo course, where sync mode runs. */
export const DEMO_REPOSITORY = 'classroom/course-xp'

export const DEMO_TOKENS: FakeToken[] = [
  // GITHUB_TOKEN of a workflow in the teacher's repository: it sees that repository only.
  { token: 'ghs_default', identity: GITHUB_ACTIONS, installation: true, repos: [DEMO_REPOSITORY] },
  // A GitHub App installed on the organisation: reads the course, writes the ledger branch.
  {
    token: 'ghs_app',
    identity: { login: 'course-xp[bot]', id: 900001, type: 'Bot' },
    installation: true
  },
  { token: 'ghs_readonly', identity: GITHUB_ACTIONS, installation: true, readOnly: true }
]

function fail(message: string): never {
  console.error(message)
  process.exit(2)
}

function describe(r: LoggedRequest): string {
  return `[github] ${r.method} ${r.path} -> ${r.status}`
}

async function main(): Promise<void> {
  let values: { port?: string; students?: string; since?: string }
  try {
    ;({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        students: { type: 'string' },
        since: { type: 'string' }
      },
      strict: true
    }))
  } catch (err) {
    fail(`${(err as Error).message}. Usage: cli.ts [--port N] [--students N] [--since ISO-date]`)
  }
  const port = values.port === undefined ? 0 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`--port must be an integer from 0 to 65535 (0 = any free port), got ${values.port}`)
  const students = values.students === undefined ? 30 : Number(values.students)
  if (!Number.isInteger(students) || students < 1 || students > 5000)
    fail(`--students must be an integer from 1 to 5000, got ${values.students}`)
  const since = values.since ?? new Date(Date.now() - 14 * 86400_000).toISOString()
  if (Number.isNaN(Date.parse(since))) fail(`--since must be an ISO date, got ${since}`)

  const { fake, apiUrl } = await start(DEMO_TOKENS, port)
  fake.world.organization('classroom')
  fake.world.repository(DEMO_REPOSITORY, { at: since })
  const course = classroom(fake.world, { students, at: since })
  const items = mixedHistory(fake, course, new Date(since).toISOString())
  console.log(`GITHUB_API_URL=${apiUrl}`)
  console.log(`GITHUB_REPOSITORY=${DEMO_REPOSITORY}`)
  console.log(`SYNC_REPOSITORIES=classroom/hw1-*`)
  console.log(`SYNC_SINCE=${since}`)
  console.log(`GITHUB_APP_TOKEN=ghs_app`)
  console.log(`GITHUB_TOKEN=ghs_default`)
  console.error(
    `[github] ${course.repositories.length} student repositories, ${items.length} merged pull requests and closed issues since ${since}`
  )
  let shown = 0
  const timer = setInterval(() => {
    while (shown < fake.requests.length && fake.requests[shown]!.status !== 0)
      console.error(describe(fake.requests[shown++]!))
  }, 100)
  const shutdown = () => {
    clearInterval(timer)
    void fake.stop().then(() => process.exit(0))
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

if (process.argv[1] && import.meta.filename === process.argv[1]) void main()
