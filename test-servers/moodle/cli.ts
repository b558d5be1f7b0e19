/**
 * Runs the Moodle test server until SIGINT/SIGTERM:
 *   npx tsx test-servers/moodle/cli.ts [--port N] [--config site.json]
 * Prints `MOODLE_URL=http://127.0.0.1:PORT` and `MOODLE_TOKEN=...` (the first token of the
 * site) on stdout, then one line per request on stderr. The JSON config overrides the demo
 * site key by key (see MoodleServerConfig). `--help` describes the demo site and its tokens.
 */
import { readFileSync } from 'node:fs'
import { fail, portOption, readOptions, stopOnSignal } from '../cli.js'
import {
  ALL_FUNCTIONS,
  defaultMoodleConfig,
  MoodleServer,
  type MoodleServerConfig,
  type RecordedRequest
} from './server.js'

const USAGE = 'Usage: npm run moodle-server -- [--port N] [--config site.json] [--help]'

/** The help text, with the demo site's courses, users and every token, read from the site. */
export function helpText(): string {
  const site = defaultMoodleConfig()
  const user = (id: number) => {
    const found = site.users.find(u => u.id === id)
    return found === undefined ? `user ${id}` : `${found.username} (user ${id})`
  }
  const manages = (id: number) => site.courses.filter(c => c.managers?.includes(id)).map(c => c.id)
  const tokens = site.tokens.map(t => {
    const functions =
      t.functions.length === ALL_FUNCTIONS.length &&
      ALL_FUNCTIONS.every(f => t.functions.includes(f))
        ? 'every function'
        : t.functions.join(', ')
    const managed = manages(t.userId).map(id => (id === 1 ? 'the site (course 1)' : `course ${id}`))
    const role = managed.length
      ? `holds block/xp:manage in ${managed.join(' and ')}`
      : 'may not manage XP (no block/xp:manage)'
    return `  ${t.token}\n      ${user(t.userId)}, ${role}; service: ${functions}`
  })
  const courses = site.courses.map(
    c =>
      `  course ${c.id} "${c.fullname ?? ''}": Level Up XP ${c.xpEnabled === true ? 'on' : 'off'}, ` +
      `enrolled: ${(c.enrolled ?? []).map(user).join(', ') || 'nobody'}`
  )
  const users = site.users.map(
    u =>
      `  ${user(u.id)} ${u.email}${u.idnumber ? ` idnumber ${u.idnumber}` : ''}${u.deleted ? ' (deleted)' : ''}`
  )
  return [
    USAGE,
    '',
    "Runs the project's Moodle-compatible test server (not a real Moodle) on 127.0.0.1 until",
    'Ctrl-C. Prints MOODLE_URL and MOODLE_TOKEN (the first token below) on stdout, then one line',
    'per request on stderr.',
    '',
    'Options:',
    '  --port N       the port to listen on (default 0: any free port)',
    '  --config FILE  a JSON file that replaces the demo site key by key (MoodleServerConfig in',
    '                 test-servers/moodle/site.ts), e.g. {"debug": true} or {"sitewide": true}',
    '  --help         this text',
    '',
    `The demo site "${site.siteName}" (Moodle ${site.release}):`,
    ...courses,
    '',
    'Users:',
    ...users,
    '',
    'Tokens (pass one as moodle-token):',
    ...tokens,
    ''
  ].join('\n')
}

function readConfig(path: string | undefined): MoodleServerConfig {
  if (path === undefined) return {}
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    fail(`Cannot read --config ${path}: ${(err as Error).message}. Give the path of a JSON file.`)
  }
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      fail(`--config ${path} must hold a JSON object (MoodleServerConfig), not ${typeof parsed}.`)
    }
    return parsed as MoodleServerConfig
  } catch (err) {
    fail(`--config ${path} is not valid JSON (${(err as Error).message}): fix the file.`)
  }
}

function describe(r: RecordedRequest): string {
  const outcome =
    r.status === 0 ? 'no answer' : `${r.status}${r.errorcode ? ` ${r.errorcode}` : ''}`
  const extras = [r.applied ? 'applied' : '', r.fault ? `fault ${r.fault}` : ''].filter(Boolean)
  return `[moodle] ${r.method} ${r.path} ${r.wsfunction ?? '-'} -> ${outcome}${extras.length ? ` (${extras.join(', ')})` : ''}`
}

async function main(): Promise<void> {
  const values = readOptions(['config'], USAGE, helpText)
  if (values === null) return
  const port = portOption(values.port)
  const server = new MoodleServer(readConfig(values.config))
  server.onRequest = r => console.error(describe(r))
  const url = await server.start(port).catch((err: Error) => fail(err.message))
  console.log(`MOODLE_URL=${url}`)
  console.log(`MOODLE_TOKEN=${server.config.tokens[0]?.token ?? ''}`)
  stopOnSignal(() => server.stop())
}

void main()
