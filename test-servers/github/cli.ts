/**
 * Runs the GitHub API stand-in with a demo GitHub Classroom course until SIGINT/SIGTERM:
 *   npx tsx test-servers/github/cli.ts [--port N] [--students N] [--since ISO-date] [--help]
 * The organisation `classroom` holds one repository per student (`hw1-<login>`) with merged,
 * unmerged and self-merged pull requests, issues completed and not planned, a bot's pull
 * request; the teacher's repository `classroom/course-xp` is where a sync would run.
 * Prints `GITHUB_API_URL=...`, the repository and the tokens on stdout, then one line per
 * request on stderr. `--help` describes the options, the demo course and its tokens.
 */
import { fail, portOption, readOptions, stopOnSignal } from '../cli.js'
import { classroom, mixedHistory } from './classroom.js'
import { GITHUB_ACTIONS, start, type FakeToken, type LoggedRequest } from './server.js'

/** The teacher's repository of the demo course, where sync mode runs. */
export const DEMO_REPOSITORY = 'classroom/course-xp'
/** The assignment whose repositories (`hw1-<login>`) the demo course holds. */
const DEMO_ASSIGNMENT = 'hw1'

/** The demo course's tokens, each with what it stands for (shown by `--help`). */
export const DEMO_TOKENS: Array<FakeToken & { purpose: string }> = [
  {
    token: 'ghs_default',
    identity: GITHUB_ACTIONS,
    installation: true,
    repos: [DEMO_REPOSITORY],
    purpose: "the GITHUB_TOKEN of a workflow in the teacher's repository"
  },
  {
    token: 'ghs_app',
    identity: { login: 'course-xp[bot]', id: 900001, type: 'Bot' },
    installation: true,
    purpose: 'a GitHub App installed on the organisation: the token for a sync'
  },
  {
    token: 'ghs_readonly',
    identity: GITHUB_ACTIONS,
    installation: true,
    readOnly: true,
    purpose: 'a GITHUB_TOKEN without write permissions'
  }
]

const USAGE =
  'Usage: npm run github-server -- [--port N] [--students N] [--since ISO-date] [--help]'
const DEFAULT_STUDENTS = 30
const DEFAULT_DAYS = 14

/** A demo token: what it stands for, then how the stand-in treats it. */
function tokenLines(t: (typeof DEMO_TOKENS)[number]): string {
  const kind = t.installation ? 'an installation token' : 'a personal token'
  const sees = t.repos ? `sees ${t.repos.join(', ')} only` : 'sees every repository'
  const writes = t.readOnly ? 'writes answer 403' : 'may write'
  return `  ${t.token}\n      ${t.purpose}\n      ${t.identity.login}, ${kind}; ${sees}; ${writes}`
}

/** The help text: the options, the demo course and every token, read from the tokens. */
export function helpText(): string {
  return [
    USAGE,
    '',
    "Runs the project's GitHub API stand-in (not GitHub) on 127.0.0.1 with a demo GitHub",
    'Classroom course until Ctrl-C. Prints GITHUB_API_URL, GITHUB_REPOSITORY, SYNC_REPOSITORIES,',
    'SYNC_SINCE, GITHUB_APP_TOKEN and GITHUB_TOKEN on stdout, then one line per request on stderr.',
    '',
    'Options:',
    '  --port N            the port to listen on (default 0: any free port)',
    `  --students N        students in the course, 1 to 5000 (default ${DEFAULT_STUDENTS})`,
    `  --since ISO-date    when the history starts (default ${DEFAULT_DAYS} days ago)`,
    '  --help              this text',
    '',
    'The demo course:',
    `  the organisation classroom, one repository ${DEMO_ASSIGNMENT}-<login> per student`,
    "  (student001, student002, ...), taught by the account teacher; the teacher's repository",
    `  ${DEMO_REPOSITORY}, where a sync runs (repositories: classroom/${DEMO_ASSIGNMENT}-*).`,
    '  After --since, each repository holds some of: pull requests merged after a review by the',
    '  teacher, merged by the student with and without an approval, closed unmerged, still open,',
    '  by a bot; issues completed by an assignee, closed as not planned, closed by their own',
    '  author, reopened; work from before --since; a ledger record left by event mode; a thread',
    '  longer than one page of comments.',
    '',
    'Tokens (pass one as github-token):',
    ...DEMO_TOKENS.map(tokenLines),
    ''
  ].join('\n')
}

function describe(r: LoggedRequest): string {
  return `[github] ${r.method} ${r.path} -> ${r.status}`
}

async function main(): Promise<void> {
  const values = readOptions(['students', 'since'], USAGE, helpText)
  if (values === null) return
  const port = portOption(values.port)
  const students = values.students === undefined ? DEFAULT_STUDENTS : Number(values.students)
  if (!Number.isInteger(students) || students < 1 || students > 5000)
    fail(`--students must be an integer from 1 to 5000, got ${values.students}`)
  const since = values.since ?? new Date(Date.now() - DEFAULT_DAYS * 86400_000).toISOString()
  if (Number.isNaN(Date.parse(since))) fail(`--since must be an ISO date, got ${since}`)

  const { fake, apiUrl } = await start(DEMO_TOKENS, port)
  fake.world.organization('classroom')
  fake.world.repository(DEMO_REPOSITORY, { at: since })
  const course = classroom(fake.world, { students, assignment: DEMO_ASSIGNMENT, at: since })
  const items = mixedHistory(fake, course, new Date(since).toISOString())
  console.log(`GITHUB_API_URL=${apiUrl}`)
  console.log(`GITHUB_REPOSITORY=${DEMO_REPOSITORY}`)
  console.log(`SYNC_REPOSITORIES=classroom/${DEMO_ASSIGNMENT}-*`)
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
  stopOnSignal(() => {
    clearInterval(timer)
    return fake.stop()
  })
}

if (process.argv[1] && import.meta.filename === process.argv[1]) void main()
