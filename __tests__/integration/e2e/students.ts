/**
 * The class the event and roster end-to-end tests share: four GitHub students (the accounts the
 * roster fixtures name) and their Moodle accounts on a MoodleServer, enrolled in course 30.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { PersonSpec } from '../../fixtures/events.js'
import {
  defaultMoodleConfig,
  type MoodleServerConfig,
  type MoodleUserConfig
} from '../../../test-servers/moodle/server.js'

/** GitHub accounts; Codertocat's id is the one in the real webhook examples. */
export const OCTOCAT: PersonSpec = { login: 'octocat', id: 583231 }
export const CODERTOCAT: PersonSpec = { login: 'Codertocat', id: 21031067 }
export const HUBOT: PersonSpec = { login: 'hubot', id: 480938 }
export const MONALISA: PersonSpec = { login: 'monalisa', id: 2331 }
export const STRANGER: PersonSpec = { login: 'stranger-danger', id: 99999901 }
export const DEPENDABOT: PersonSpec = { login: 'dependabot[bot]', id: 49699333, type: 'Bot' }

/** The Moodle user id each student has (as in the roster fixtures). */
export const MOODLE_ID: Record<string, number> = {
  octocat: 2,
  Codertocat: 3,
  hubot: 4,
  monalisa: 5
}

export const COURSE = 30

/** The demo site with the students 2..5 renamed to the GitHub class (emails the fixtures use). */
export function classSite(): MoodleServerConfig {
  const base = defaultMoodleConfig()
  const student = (id: number, login: string, firstname: string): MoodleUserConfig => ({
    id,
    username: login.toLowerCase(),
    email: `${login.toLowerCase()}@students.example.edu`,
    firstname,
    lastname: 'Student'
  })
  const users = [
    student(2, 'octocat', 'Octo'),
    student(3, 'Codertocat', 'Coder'),
    student(4, 'hubot', 'Hu'),
    student(5, 'monalisa', 'Mona'),
    ...base.users.filter(u => u.id > 5)
  ]
  const courses = base.courses.map(c => (c.id === COURSE ? { ...c, enrolled: [2, 3, 4, 5] } : c))
  return { users, courses }
}

/** The text of a roster fixture (`__tests__/fixtures/rosters/<name>`). */
export function rosterFixture(name: string): string {
  return readFileSync(resolve(import.meta.dirname, '../../fixtures/rosters', name), 'utf8')
}

/**
 * Every stdout line the runner would read as a workflow command (`::name ...::`) that is not one
 * the action may legitimately issue: masks for the given secrets, annotations, groups, debug.
 */
export function foreignCommands(stdout: string, secrets: string[]): string[] {
  const own = /^::(error|warning|notice|debug|group|endgroup)( [^:]*)?::/
  return stdout
    .split('\n')
    .filter(line => line.startsWith('::'))
    .filter(line => {
      if (line.startsWith('::add-mask::')) return !secrets.includes(line.slice(12))
      return !own.test(line)
    })
}
