/**
 * The demo course that `npm run demo` and `scripts/render-docs.ts` run the bundle against: the
 * Moodle-compatible server's demo site (course 30), a GitHub API fake, a roster, and the
 * inputs a teacher's workflow would pass.
 */
import { existsSync } from 'node:fs'
import { start as startGitHub, type GitHubFake } from './github/server.js'
import { DEMO_TOKEN, MoodleServer } from './moodle/server.js'
import { DIST } from './runner/run-action.js'

export const ROSTER_PATH = '.github/moodle-users.yml'

export const ROSTER = `# GitHub user -> Moodle user. github_id survives a renamed login.
users:
  - github: Codertocat
    github_id: 21031067
    email: bob@example.edu      # looked up in Moodle (core_user_get_users_by_field)
  - github: octocat
    moodle_id: 2
`

export interface DemoCourse {
  moodle: MoodleServer
  github: GitHubFake
  apiUrl: string
  /** The action's inputs, as a workflow for course 30 would give them. */
  inputs: Record<string, string>
  /** The workspace files: the roster. */
  files: Record<string, string>
  stop(): Promise<void>
}

/** Exits with a message when the bundle has not been built. */
export function requireBundle(): void {
  if (!existsSync(DIST)) {
    console.error(`${DIST} is missing: run \`npm run build\` first (or set XP_ACTION_DIST).`)
    process.exit(1)
  }
}

export async function startDemoCourse(): Promise<DemoCourse> {
  const moodle = new MoodleServer()
  const moodleUrl = await moodle.start()
  const { fake: github, apiUrl } = await startGitHub()
  return {
    moodle,
    github,
    apiUrl,
    inputs: {
      'moodle-url': moodleUrl,
      'moodle-token': DEMO_TOKEN,
      'course-id': '30',
      points: '10',
      'label-points': 'bug: 25',
      'mapping-file': ROSTER_PATH,
      'github-token': 'ghs_default'
    },
    files: { [ROSTER_PATH]: ROSTER },
    async stop() {
      await moodle.stop()
      await github.stop()
    }
  }
}
