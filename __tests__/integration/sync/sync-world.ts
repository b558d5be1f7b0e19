/**
 * What sync mode's end-to-end tests share: a GitHub Classroom course on the GitHub stand-in (an
 * organisation with one repository per student, the teacher's repository that runs the
 * workflow, a GitHub App token), a Moodle site with the students enrolled, and a runner for the
 * bundle in sync mode. Each run gets its own workflow run id, which the stand-in reports as in
 * progress while the bundle runs and completed afterwards, as GitHub does.
 */
import { afterEach, beforeEach } from '@jest/globals'
import { decodeRecordValue, recordKeyFrom, type LedgerRecord } from '../../../src/ledger/records.js'
import { decodeLedgerFile, ledgerPath } from '../../../src/sync/files.js'
import { classroom, type Classroom } from '../../../test-servers/github/classroom.js'
import {
  GITHUB_ACTIONS,
  start as startGitHub,
  type GitHubFake
} from '../../../test-servers/github/server.js'
import type { WorldItem } from '../../../test-servers/github/world.js'
import {
  AWARD_FUNCTION,
  DEMO_TOKEN,
  defaultMoodleConfig,
  MoodleServer
} from '../../../test-servers/moodle/server.js'
import {
  runAction,
  type ActionResult,
  type ActionRun
} from '../../../test-servers/runner/run-action.js'

export const COURSE = 30
export const TEACHER_REPO = 'classroom/course-xp'
export const BRANCH = 'moodle-xp-ledger'
/** The GitHub App the course installs: reads the course, writes the teacher's repository. */
export const APP = { login: 'course-xp[bot]', id: 900001, type: 'Bot' as const }
export const RECORD_KEY = recordKeyFrom(DEMO_TOKEN)
const DAY = 24 * 3600_000

/** Moodle user id of the i-th student (0-based). */
export const moodleIdOf = (i: number) => 1000 + i

export interface SyncWorld {
  moodle: MoodleServer
  github: GitHubFake
  apiUrl: string
  course: Classroom
  /** `since` for the runs: 30 days before the start of the test. */
  since: string
  /** Inline roster: every student but those listed in `unmapped`. */
  roster(unmapped?: string[]): string
  /** Runs the bundle in sync mode from the teacher's repository. */
  sync(inputs?: Record<string, string>, extra?: Partial<ActionRun>): Promise<ActionResult>
  /** A fresh workflow run id. */
  runId(): string
  /** Moves GitHub's clock forward (items merged "now" become old enough to take). */
  advance(ms: number): void
  /** Days ago, on GitHub's clock. */
  ago(days: number): Date
  /** Award requests Moodle applied. */
  applied(): number
  awardRequests(): number
  /** Commit headlines on the ledger branch, oldest first. */
  commits(): string[]
  /** The text of a file on the ledger branch; null when absent (or no branch). */
  branchFile(path: string): string | null
  /**
   * Changes a file on the ledger branch as a teacher does in GitHub's web view (one commit);
   * `edit` returns the new text, or null to delete the file.
   */
  editBranchFile(path: string, edit: (text: string | null) => string | null, message?: string): void
  /** The records of a source repository's ledger file. */
  records(repository: string): LedgerRecord[]
  /** Comments holding ledger records on an item. */
  ledgerComments(repository: string, number: number): ReturnType<GitHubFake['comments']>
}

/** Starts the servers before each test (a fresh course of `students`) and stops them after. */
export function useSyncWorld(students: number): SyncWorld {
  let offset = 0
  let nextRun = 7000
  const w = {} as SyncWorld
  beforeEach(async () => {
    offset = 0
    const ids = Array.from({ length: students }, (_, i) => moodleIdOf(i))
    const base = defaultMoodleConfig()
    w.moodle = new MoodleServer({
      users: [
        ...base.users,
        ...ids.map((id, i) => ({
          id,
          username: `student${String(i + 1).padStart(3, '0')}`,
          email: `s${i + 1}@example.edu`
        }))
      ],
      courses: base.courses.map(c =>
        c.id === COURSE ? { ...c, enrolled: [...(c.enrolled ?? []), ...ids] } : c
      )
    })
    await w.moodle.start()
    const started = await startGitHub([
      { token: 'ghs_app', identity: APP, installation: true },
      { token: 'ghs_default', identity: GITHUB_ACTIONS, installation: true }
    ])
    w.github = started.fake
    w.apiUrl = started.apiUrl
    w.github.world.now = () => new Date(Date.now() + offset)
    w.course = classroom(w.github.world, { students, at: w.ago(60).toISOString() })
    w.github.world.repository(TEACHER_REPO, { at: w.ago(60).toISOString() })
    w.since = new Date(w.ago(30).getTime()).toISOString()
  })
  afterEach(async () => {
    await w.moodle?.stop()
    await w.github?.stop()
  })
  w.advance = ms => (offset += ms)
  w.ago = days => new Date(Date.now() + offset - days * DAY)
  w.runId = () => String(nextRun++)
  w.roster = (unmapped = []) =>
    w.course.students
      .map((login, i) => (unmapped.includes(login) ? '' : `${login}: ${moodleIdOf(i)}`))
      .filter(Boolean)
      .join('\n')
  w.applied = () => w.moodle.awardsApplied()
  w.awardRequests = () => w.moodle.requestsFor(AWARD_FUNCTION).length
  w.sync = async (inputs = {}, extra = {}) => {
    const runId = extra.runId ?? w.runId()
    const repository = extra.env?.['GITHUB_REPOSITORY'] ?? TEACHER_REPO
    w.github.world.workflowRun(repository, runId, 'in_progress')
    try {
      return await runAction({
        eventName: 'schedule',
        apiUrl: w.apiUrl,
        runId,
        ...extra,
        env: {
          GITHUB_REPOSITORY: TEACHER_REPO,
          XP_ACTION_WAIT_SCALE: '0.001',
          ...extra.env
        },
        inputs: {
          mode: 'sync',
          'moodle-url': w.moodle.url,
          'moodle-token': DEMO_TOKEN,
          'course-id': String(COURSE),
          'github-token': 'ghs_app',
          repositories: 'classroom/hw1-*',
          since: w.since,
          mapping: w.roster(),
          'ignore-users': w.course.teacher,
          'timeout-seconds': '5',
          ...inputs
        }
      })
    } finally {
      w.github.world.workflowRun(repository, runId, 'completed')
    }
  }
  const branchTree = () => {
    const repo = w.github.world.find(TEACHER_REPO)!
    const head = repo.ref(`refs/heads/${BRANCH}`)
    return head ? { repo, head } : null
  }
  w.commits = () => {
    const found = branchTree()
    if (!found) return []
    const out: string[] = []
    for (let oid: string | undefined = found.head; oid;) {
      const c: { message: string; parents: string[] } = found.repo.git.commit(oid)!
      out.unshift(c.message.split('\n')[0]!)
      oid = c.parents[0]
    }
    return out
  }
  w.branchFile = path => {
    const found = branchTree()
    if (!found) return null
    const files = found.repo.git.files(found.repo.git.commit(found.head)!.tree)
    const oid = files.get(path)
    return oid ? found.repo.git.blob(oid)!.content.toString('utf8') : null
  }
  w.editBranchFile = (path, edit, message = `Update ${path}`) => {
    const found = branchTree()
    if (!found) throw new Error('no ledger branch')
    const git = found.repo.git
    const files = git.files(git.commit(found.head)!.tree)
    const before = files.get(path)
    const text = edit(before ? git.blob(before)!.content.toString('utf8') : null)
    if (text === null) files.delete(path)
    else files.set(path, git.writeBlob(text))
    const who = { name: 'teacher', email: 'teacher@example.edu', date: w.ago(0).toISOString() }
    const oid = git.writeCommit({
      tree: git.writeFiles(files),
      parents: [found.head],
      message,
      author: who,
      committer: who
    })
    found.repo.refs.set(`refs/heads/${BRANCH}`, oid)
  }
  w.records = repository => {
    const text = w.branchFile(ledgerPath(repository))
    if (text === null) return []
    return decodeLedgerFile(ledgerPath(repository), text).records.flatMap(
      r => decodeRecordValue(r, RECORD_KEY)?.record ?? []
    )
  }
  w.ledgerComments = (repository, number) =>
    w.github.comments(repository, number).filter(c => c.body.includes('<!-- moodle-xp-ledger '))
  return w
}

/** A pull request by `author`, merged by `by` (approved first by `approver`), days ago. */
export function mergedPr(
  w: SyncWorld,
  repository: string,
  o: { author: string; by: string; approver?: string; daysAgo?: number; title?: string }
): WorldItem {
  const world = w.github.world
  const days = o.daysAgo ?? 5
  const pr = world.openPullRequest(repository, {
    author: o.author,
    title: o.title ?? 'Solution',
    at: w.ago(days + 1)
  })
  if (o.approver) world.review(pr, { author: o.approver, at: w.ago(days + 0.5) })
  return world.merge(pr, { by: o.by, at: w.ago(days) })
}

/** An award a run must make: who earns for which item. */
export interface Expected {
  repository: string
  number: number
  login: string
  moodleUserId: number
}

/**
 * Every case sync must sort out, spread over the students (student i gets case i mod 6): a
 * solution approved and merged by the teacher (everyone); a second pull request self-merged
 * without approval, self-merged with the teacher's approval, closed unmerged, by a bot; an
 * issue assigned to the student and completed, an issue closed as not planned. Every fifth
 * student also closed an issue of their own (earns nothing), every seventh had a pull request
 * by the teacher (in ignore-users) merged. The last student is missing from the roster.
 * Returns the awards a run must make, with and without `require-approval`.
 */
export function classroomHistory(w: SyncWorld): { all: Expected[]; approved: Expected[] } {
  const world = w.github.world
  const { course } = w
  const dependabot = world.bot('dependabot', 49699333)
  const all: Expected[] = []
  const approved: Expected[] = []
  const last = course.students.length - 1
  course.repositories.forEach((repo, i) => {
    const student = course.students[i]!
    const earns = (item: WorldItem, needsApproval = false) => {
      if (i === last) return
      const e = {
        repository: repo,
        number: item.number,
        login: student,
        moodleUserId: moodleIdOf(i)
      }
      all.push(e)
      if (!needsApproval) approved.push(e)
    }
    const t = course.teacher
    earns(mergedPr(w, repo, { author: student, by: t, approver: t, daysAgo: 20 }))
    if (i % 6 === 0) earns(mergedPr(w, repo, { author: student, by: student, daysAgo: 10 }), true)
    if (i % 6 === 1)
      earns(mergedPr(w, repo, { author: student, by: student, approver: t, daysAgo: 10 }))
    if (i % 6 === 2) {
      const pr = world.openPullRequest(repo, { author: student, at: w.ago(12) })
      world.close(pr, { by: student, at: w.ago(11) })
    }
    if (i % 6 === 3) mergedPr(w, repo, { author: dependabot.login, by: student, daysAgo: 10 })
    if (i % 6 === 4) {
      const task = world.openIssue(repo, { author: t, assignees: [student], at: w.ago(15) })
      earns(world.close(task, { by: student, at: w.ago(9) }))
    }
    if (i % 6 === 5) {
      const idea = world.openIssue(repo, { author: student, at: w.ago(15) })
      world.close(idea, { by: t, reason: 'NOT_PLANNED', at: w.ago(9) })
    }
    if (i % 5 === 0) {
      const own = world.openIssue(repo, { author: student, at: w.ago(8) })
      world.close(own, { by: student, at: w.ago(7) })
    }
    if (i % 7 === 0) mergedPr(w, repo, { author: t, by: t, daysAgo: 6 })
  })
  return { all, approved }
}

/** `owner/name#number login` of each awarded result, sorted. */
export function awardedIn(r: ActionResult): string[] {
  return r.results
    .filter(x => x['status'] === 'awarded')
    .map(x => `${String(x['repository'])}#${String(x['number'])} ${String(x['github'])}`)
    .sort()
}

export function named(list: Expected[]): string[] {
  return list.map(e => `${e.repository}#${e.number} ${e.login}`).sort()
}
