/**
 * The mistakes a teacher typically makes when setting the action up for the first time, each
 * with the one line the action must answer with: a line that names the fix. The end-to-end test
 * (first-run.test.ts) runs each against the bundle and the Moodle-compatible server;
 * docs/troubleshooting.md lists each one (a docs test keeps the two equal).
 *
 * Each mistake starts from a working set-up: the demo site (course 30, students alice..dave),
 * its manager token, `course-id: 30` and a roster naming alice by email and bob by id.
 */
import {
  DEMO_TOKEN,
  defaultMoodleConfig,
  type Fault,
  MoodleServer,
  type MoodleServerConfig,
  type MoodleTokenConfig,
  SITE_INFO_FUNCTION
} from '../../../test-servers/moodle/server.js'
import { type ActionResult, runAction } from '../../../test-servers/runner/run-action.js'
import { mergedPullRequest, realExample, unmergedPullRequest } from '../../fixtures/events.js'

export const ROSTER_PATH = '.github/moodle-users.yml'
export const GOOD_ROSTER =
  'users:\n  - github: alice-gh\n    email: alice@example.edu\n  - github: bob-gh\n    moodle_id: 3\n'

/** A token of the demo site's manager whose service holds only these functions. */
const serviceWith = (token: string, functions: string[]): MoodleTokenConfig => ({
  token,
  userId: 100,
  functions
})

/** Where the mistake is made: the headings of docs/troubleshooting.md. */
export type Topic = 'The workflow' | 'The token' | 'The Moodle side' | 'The course' | 'The roster'

export interface FirstRunMistake {
  /** The mistake, as docs/troubleshooting.md names it. */
  mistake: string
  topic: Topic
  mode: 'check' | 'award'
  /** Inputs changed from the working set-up (`''` empties one); `url` is the site root. */
  inputs?: (url: string) => Record<string, string>
  /** The roster file, when it differs from the working one. */
  roster?: string
  /** The site, changed from the demo site. */
  site?: MoodleServerConfig
  /** A token added to the site and passed as moodle-token. */
  token?: MoodleTokenConfig
  /** A fault for the site info request (the first request of check mode). */
  fault?: Fault
  /** The event (default workflow_dispatch). */
  event?: { name: string; payload: () => unknown }
  /** The line that names the fix. */
  says: RegExp
  /** `warning` when the mistake does not fail the step (default `error`). */
  level?: 'error' | 'warning'
}

const fromFork = () => {
  const payload = unmergedPullRequest()
  const head = payload.pull_request.head.repo
  if (head) head.full_name = 'student/Hello-World'
  return payload
}

export const FIRST_RUN_MISTAKES: FirstRunMistake[] = [
  // The workflow's inputs.
  {
    mistake: 'course-id left out',
    topic: 'The workflow',
    mode: 'check',
    inputs: () => ({ 'course-id': '' }),
    says: /Input "course-id" is required: give the id= .*sitewide XP is written course-id: 1/
  },
  {
    mistake: "course-id is the course's address",
    topic: 'The workflow',
    mode: 'check',
    inputs: () => ({ 'course-id': 'https://moodle.example.edu/course/view.php?id=30' }),
    says: /Input "course-id" is a course address; write only its id: course-id: 30/
  },
  {
    mistake: "course-id is the course's name",
    topic: 'The workflow',
    mode: 'check',
    inputs: () => ({ 'course-id': 'Software Engineering' }),
    says: /Input "course-id" must be the course's id, the id= in the course's address, .*got "Software Engineering"/
  },
  {
    mistake: 'moodle-url left out',
    topic: 'The workflow',
    mode: 'check',
    inputs: () => ({ 'moodle-url': '' }),
    says: /Input "moodle-url" is required: give the root of your Moodle site/
  },
  {
    mistake: 'moodle-url without https://',
    topic: 'The workflow',
    mode: 'check',
    inputs: () => ({ 'moodle-url': 'moodle.example.edu' }),
    says: /Input "moodle-url" is not a URL: give the Moodle site root with https:\/\//
  },
  {
    mistake: 'moodle-url with http:// to a public host',
    topic: 'The workflow',
    mode: 'check',
    inputs: () => ({ 'moodle-url': 'http://moodle.example.edu' }),
    says: /Input "moodle-url" uses plain http .*use https:\/\/, or set allow-http: true/
  },
  {
    mistake: 'moodle-url copied from a course page',
    topic: 'The workflow',
    mode: 'check',
    inputs: () => ({ 'moodle-url': 'https://moodle.example.edu/course/view.php?id=30' }),
    says: /Input "moodle-url" is a course page: use https:\/\/moodle\.example\.edu as moodle-url and course-id: 30/
  },
  {
    mistake: 'moodle-url copied from the login page',
    topic: 'The workflow',
    mode: 'check',
    inputs: () => ({ 'moodle-url': 'https://moodle.example.edu/login/index.php' }),
    says: /Input "moodle-url" is the login page: use the site root https:\/\/moodle\.example\.edu/
  },
  {
    mistake: 'moodle-url copied from the dashboard',
    topic: 'The workflow',
    mode: 'check',
    inputs: () => ({ 'moodle-url': 'https://moodle.example.edu/my/' }),
    says: /Input "moodle-url" is a page of the site, not its root: use https:\/\/moodle\.example\.edu/
  },
  {
    mistake: 'moodle-url with the token in it',
    topic: 'The workflow',
    mode: 'check',
    inputs: () => ({
      'moodle-url': 'https://moodle.example.edu/webservice/rest/server.php?wstoken=0123abcd'
    }),
    says: /Input "moodle-url" must not contain a query \(\?\.\.\.\) or fragment/
  },
  {
    mistake: 'moodle-url below the site root',
    topic: 'The Moodle side',
    mode: 'check',
    inputs: url => ({ 'moodle-url': `${url}/moodle` }),
    says: /there is no Moodle web service at this address; moodle-url must be the Moodle site root/
  },
  {
    mistake: 'moodle-url of a host where nothing answers',
    topic: 'The Moodle side',
    mode: 'check',
    inputs: () => ({ 'moodle-url': 'http://127.0.0.1:9' }),
    says: /refused the connection .*check moodle-url and its port/
  },
  {
    mistake: 'moodle-url answers with a login page (single sign-on in front of Moodle)',
    topic: 'The Moodle side',
    mode: 'check',
    fault: { type: 'html-page' },
    says: /moodle-url answers with a login page instead of Moodle's web service.*let \/webservice\/rest\/server\.php through/
  },
  {
    mistake: 'moodle-token secret missing',
    topic: 'The token',
    mode: 'check',
    inputs: () => ({ 'moodle-token': '' }),
    says: /Input "moodle-token" is required: create a token in Moodle .*secrets\.MOODLE_TOKEN/
  },
  {
    mistake: 'moodle-token secret empty on a pull request from a fork',
    topic: 'The token',
    mode: 'award',
    inputs: () => ({ 'moodle-token': '' }),
    event: { name: 'pull_request', payload: fromFork },
    says: /Input "moodle-token" is empty because GitHub passes no secrets .*from a fork; run the workflow on pull_request_target/
  },
  {
    mistake: 'moodle-token copied with a space or line break',
    topic: 'The token',
    mode: 'check',
    inputs: () => ({ 'moodle-token': 'demo-token 3f9a2c7e' }),
    says: /Input "moodle-token" contains white space; copy the token again/
  },
  {
    mistake: 'moodle-token wrong',
    topic: 'The token',
    mode: 'check',
    inputs: () => ({ 'moodle-token': 'not-the-token-5a1b' }),
    says: /the token is not valid \(invalidtoken\): create or copy the token again/
  },
  {
    mistake: 'moodle-token expired',
    topic: 'The token',
    mode: 'check',
    token: { ...serviceWith('expired-token-1', ['local_xp_award_points']), expired: true },
    says: /the token has most likely expired.*create or copy the token again/
  },
  {
    mistake: "token's user suspended",
    topic: 'The token',
    mode: 'check',
    site: {
      users: [
        { id: 2, username: 'alice', email: 'alice@example.edu' },
        { id: 3, username: 'bob', email: 'bob@example.edu' },
        { id: 100, username: 'xpbot', email: 'xpbot@example.edu', suspended: true }
      ]
    },
    says: /the token's user account is suspended: unsuspend it/
  },
  {
    // Without debugging, Moodle refuses for these causes with one bare message: the line names
    // each of them.
    mistake: 'token restricted to IP addresses that exclude the runner',
    topic: 'The token',
    mode: 'check',
    token: { ...serviceWith('ip-token-1', ['core_webservice_get_site_info']), ipRestricted: true },
    says: /the token as a whole is refused: .*check the IP restriction of the token and of its service/
  },
  {
    mistake: "token's user lacks webservice/rest:use",
    topic: 'The token',
    mode: 'check',
    token: { ...serviceWith('norest-token-1', ['core_webservice_get_site_info']), restUse: false },
    says: /the token as a whole is refused: give the token's user webservice\/rest:use/
  },
  // The Moodle side: web services, the service's functions, the plugin.
  {
    mistake: 'web services or the REST protocol disabled',
    topic: 'The Moodle side',
    mode: 'check',
    site: { webservicesEnabled: false },
    says: /web services or the REST protocol are disabled; enable both under Site administration > Server > Web services > Overview/
  },
  {
    mistake: 'site in maintenance mode',
    topic: 'The Moodle side',
    mode: 'check',
    site: { maintenance: true },
    says: /the site is in maintenance mode \(sitemaintenance\).*run the workflow again once the site is back/
  },
  {
    mistake: 'local_xp_award_points missing from the service',
    topic: 'The Moodle side',
    mode: 'check',
    token: serviceWith('no-award-1', [
      'core_webservice_get_site_info',
      'core_user_get_users_by_field'
    ]),
    says: /local_xp_award_points: is not in the token's external service \(needed to award points\); add local_xp_award_points to the token's external service/
  },
  {
    mistake: 'Level Up XP+ not installed',
    topic: 'The Moodle side',
    mode: 'check',
    site: { installedFunctions: ['core_webservice_get_site_info', 'core_user_get_users_by_field'] },
    says: /is not installed on the site: it comes with the Level Up XP\+ add-on \(local_xp\).*install Level Up XP\+ \(local_xp\) with API support/
  },
  {
    mistake: 'core_webservice_get_site_info missing from the service',
    topic: 'The Moodle side',
    mode: 'check',
    token: serviceWith('no-info-1', ['local_xp_award_points', 'core_user_get_users_by_field']),
    says: /add core_webservice_get_site_info to the token's external service/
  },
  {
    mistake: 'core_user_get_users_by_field missing, with a roster naming students by email',
    topic: 'The Moodle side',
    mode: 'check',
    token: serviceWith('no-lookup-1', ['core_webservice_get_site_info', 'local_xp_award_points']),
    says: /core_user_get_users_by_field: is not in the token's external service \(needed to look students up by email/
  },
  // The course and permissions.
  {
    mistake: "token of a user who may not manage XP (e.g. the teacher's student account)",
    topic: 'The course',
    mode: 'check',
    token: {
      token: 'student-token-1',
      userId: 2,
      functions: [
        'core_webservice_get_site_info',
        'local_xp_award_points',
        'core_user_get_users_by_field',
        'local_xp_get_user_state'
      ]
    },
    says: /may not manage Level Up XP in course 30 \(nopermissions\).*give the token's user a role with block\/xp:manage in course 30/
  },
  {
    mistake: "token's user cannot open the course",
    topic: 'The course',
    mode: 'check',
    token: {
      token: 'erin-token-1',
      userId: 6,
      functions: [
        'core_webservice_get_site_info',
        'local_xp_award_points',
        'core_user_get_users_by_field',
        'local_xp_get_user_state'
      ]
    },
    says: /cannot open course 30 \(requireloginerror\).*enrol the token's user in course 30 as a teacher/
  },
  {
    mistake: 'course-id of a course that does not exist',
    topic: 'The course',
    mode: 'check',
    inputs: () => ({ 'course-id': '999' }),
    says: /course 999 does not exist .*check course-id: the id= in the course's address/
  },
  {
    mistake: 'student not enrolled in the course',
    topic: 'The course',
    mode: 'check',
    roster: `${GOOD_ROSTER}  - github: erin-gh\n    moodle_id: 6\n`,
    says: /Moodle user 6 is not enrolled in course 30, or may not earn points there; enrol them in course 30 with the Student role/
  },
  {
    mistake: 'student not enrolled, found by the first award',
    topic: 'The course',
    mode: 'award',
    inputs: () => ({ 'user-id': '6', 'mapping-file': '' }),
    says: /the course is not accessible \(requireloginerror\).*the student is enrolled/
  },
  {
    mistake: 'test award to an account that may not earn points',
    topic: 'The course',
    mode: 'check',
    inputs: () => ({ 'check-award-user-id': '6' }),
    says: /Test award: the award of 1 point to Moodle user 6 failed: .*requireloginerror/
  },
  // The roster.
  {
    mistake: 'roster file not checked out, or its path misspelt',
    topic: 'The roster',
    mode: 'check',
    inputs: () => ({ 'mapping-file': '.github/moodle-user.yml' }),
    says: /input mapping-file "\.github\/moodle-user\.yml" does not exist in the workspace .*check out the repository before this step with actions\/checkout/
  },
  {
    mistake: 'roster key misspelt',
    topic: 'The roster',
    mode: 'check',
    roster: 'users:\n  - github: alice-gh\n    emial: alice@example.edu\n',
    says: /unknown key "emial"; did you mean "email"\? Rename it to email/
  },
  {
    mistake: 'roster YAML broken',
    topic: 'The roster',
    mode: 'check',
    roster:
      'users:\n  - github: alice-gh\n    email: alice@example.edu\n  - github: bob-gh\n   moodle_id: 3\n',
    says: /file=\.github\/moodle-users\.yml,line=5::.*line 5/
  },
  {
    mistake: 'roster names one login twice with different Moodle users',
    topic: 'The roster',
    mode: 'check',
    roster: `${GOOD_ROSTER}  - github: Alice-GH\n    moodle_id: 4\n`,
    says: /is listed twice with different Moodle users .*keep one record per student/
  },
  {
    mistake: 'roster email with a typo',
    topic: 'The roster',
    mode: 'check',
    roster: 'users:\n  - github: alice-gh\n    email: alice@exmaple.edu\n',
    says: /email "alice@exmaple\.edu" matches no Moodle user; correct the email in the roster or in Moodle/
  },
  {
    mistake: 'roster moodle_id that is no Moodle user',
    topic: 'The roster',
    mode: 'check',
    roster: 'users:\n  - github: alice-gh\n    moodle_id: 999\n',
    says: /moodle_id 999 matches no Moodle user; use the id= of the student's Moodle profile URL/
  },
  {
    mistake: "student's GitHub login misspelt in the roster",
    topic: 'The roster',
    mode: 'award',
    event: { name: 'pull_request_target', payload: () => mergedPullRequest() },
    roster: 'users:\n  - github: Codertocatt\n    moodle_id: 3\n',
    says: /No XP for @Codertocat: Codertocat is not in the roster; did you mean "Codertocatt" \(\.github\/moodle-users\.yml line 2\)\? If that record is this student's, correct its login to Codertocat/,
    level: 'warning'
  },
  // Direct awards and the other inputs.
  {
    mistake: 'user-id together with github-login',
    topic: 'The workflow',
    mode: 'award',
    inputs: () => ({ 'user-id': '3', 'github-login': 'alice-gh' }),
    says: /Input "user-id" and input "github-login" are both set: .*keep user-id .* or github-login/
  },
  {
    mistake: 'check-award-user-id left in an award workflow',
    topic: 'The workflow',
    mode: 'award',
    inputs: () => ({ 'user-id': '3', 'check-award-user-id': '5' }),
    says: /Input "check-award-user-id" is only used with mode: check.*remove it/
  },
  {
    mistake: 'workflow runs on push without user-id or github-login',
    topic: 'The workflow',
    mode: 'award',
    event: { name: 'push', payload: () => realExample('push') },
    says: /"push".*user-id.*github-login/
  },
  {
    mistake: 'points written as a word',
    topic: 'The workflow',
    mode: 'award',
    inputs: () => ({ 'user-id': '3', points: 'ten' }),
    says: /Input "points" must be a whole number from 1 to 1000000/
  },
  {
    mistake: 'mode misspelt',
    topic: 'The workflow',
    mode: 'check',
    inputs: () => ({ mode: 'checks' }),
    says: /Input "mode" must be one of award, check, sync, got "checks"/
  },
  {
    mistake: 'label-points written with "=" instead of ":"',
    topic: 'The workflow',
    mode: 'award',
    inputs: () => ({ 'user-id': '3', 'label-points': 'bug = 5' }),
    says: /Input "label-points" has line 1 "bug = 5", which is not "label: points"/
  }
]

/**
 * Runs the bundle with one mistake, against a Moodle-compatible server of its own (returned:
 * the caller stops it).
 */
export async function runMistake(
  m: FirstRunMistake
): Promise<{ result: ActionResult; moodle: MoodleServer }> {
  const site = { ...m.site }
  if (m.token) site.tokens = [...(site.tokens ?? defaultMoodleConfig().tokens), m.token]
  const moodle = new MoodleServer(site)
  const url = await moodle.start()
  if (m.fault) moodle.queueFault(m.fault, { wsfunction: SITE_INFO_FUNCTION })
  const result = await runAction({
    inputs: {
      'moodle-url': url,
      'moodle-token': m.token?.token ?? DEMO_TOKEN,
      'course-id': '30',
      mode: m.mode,
      'mapping-file': ROSTER_PATH,
      'timeout-seconds': '5',
      // What the runner passes by default (`${{ github.token }}`); no case reaches the ledger.
      'github-token': 'ghs_default',
      ...m.inputs?.(url)
    },
    eventName: m.event?.name ?? 'workflow_dispatch',
    payload: m.event?.payload() ?? {},
    files: { [ROSTER_PATH]: m.roster ?? GOOD_ROSTER }
  })
  return { result, moodle }
}
