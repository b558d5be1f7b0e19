/**
 * GitHub Classroom courses for the stand-in: an organisation with one repository per student
 * (`<assignment>-<login>`, as Classroom names them), a teacher, and the history sync mode has
 * to sort out. Used by the tests, the command-line server and the benchmark.
 */
import type { GitHubWorld, WorldItem } from './world.js'

export interface ClassroomOptions {
  org?: string
  assignment?: string
  /** Student logins, or how many (`student001`, `student002`...). */
  students: string[] | number
  teacher?: string
  /** When the repositories were created (Classroom creates them on acceptance). */
  at?: string
}

export interface Classroom {
  org: string
  teacher: string
  students: string[]
  /** `org/assignment-login`, in the students' order. */
  repositories: string[]
}

/** What can write comments: the server's REST comment store. */
export interface Commenter {
  world: GitHubWorld
  addComment(
    repo: string,
    number: number,
    c: { user: { login: string; id: number; type: 'User' | 'Bot' }; body: string }
  ): unknown
}

export const GITHUB_ACTIONS_BOT = {
  login: 'github-actions[bot]',
  id: 41898282,
  type: 'Bot' as const
}

export function classroom(world: GitHubWorld, o: ClassroomOptions): Classroom {
  const org = o.org ?? 'classroom'
  const assignment = o.assignment ?? 'hw1'
  const teacher = o.teacher ?? 'teacher'
  const students =
    typeof o.students === 'number'
      ? Array.from({ length: o.students }, (_, i) => `student${String(i + 1).padStart(3, '0')}`)
      : o.students
  world.organization(org)
  world.user(teacher)
  const repositories = students.map(login => {
    world.user(login)
    const name = `${org}/${assignment}-${login}`
    world.repository(name, { at: o.at })
    return name
  })
  return { org, teacher, students, repositories }
}

function hours(from: string, h: number): string {
  return new Date(Date.parse(from) + h * 3600_000).toISOString()
}

/** An item discovery must report, with what it must say about it. */
export interface ExpectedItem {
  repository: string
  number: number
  kind: 'pull_request' | 'issue'
  /** Login (REST form) of who merged or closed it. */
  sender: string
  approvers: string[]
  /** Issues: REST state_reason. */
  stateReason?: string
}

/**
 * Every case sync must sort out, spread over the students (student i gets case i mod k):
 * merged pull requests approved by the teacher, self-merged with and without approval, closed
 * unmerged, still open, by a bot; issues completed for an assignee, not planned, self-closed,
 * reopened; work from before `since` (some changed after it); a ledger record left by event
 * mode; a thread longer than one page of comments. Returns what discovery must find.
 */
export function mixedHistory(fake: Commenter, c: Classroom, since: string): ExpectedItem[] {
  const { world } = fake
  const found: ExpectedItem[] = []
  const dependabot = world.bot('dependabot', 49699333)
  const expect = (item: WorldItem, sender: string, approvers: string[] = []) => {
    found.push({
      repository: item.repository.fullName,
      number: item.number,
      kind: item.kind,
      sender,
      approvers,
      ...(item.kind === 'issue' ? { stateReason: item.stateReason!.toLowerCase() } : {})
    })
  }
  c.repositories.forEach((repo, i) => {
    const student = c.students[i]!
    const t = (h: number) => hours(since, h + i / 60)

    const solution = world.openPullRequest(repo, {
      author: student,
      title: 'Solution',
      at: t(1),
      labels: i % 4 === 0 ? ['bug'] : []
    })
    world.review(solution, { author: c.teacher, at: t(2) })
    world.merge(solution, { by: c.teacher, at: t(3) })
    expect(solution, c.teacher, [c.teacher])
    if (i % 10 === 0) {
      fake.addComment(repo, solution.number, {
        user: GITHUB_ACTIONS_BOT,
        body:
          `@${student} earned **10 XP**.\n\n<!-- moodle-xp-ledger {"v":1,"key":{"course":30,` +
          `"repository":"${repo}","number":${solution.number},"kind":"pr-merged",` +
          `"recipient":"gh:${world.account(student)!.id}"},"state":"done"} -->`
      })
    }
    if (i === 0) {
      for (let n = 0; n < 35; n++)
        fake.addComment(repo, solution.number, {
          user: { ...world.account(student)!, type: 'User' },
          body: `note ${n}`
        })
    }

    const second = world.openPullRequest(repo, {
      author: i % 5 === 4 ? dependabot.login : student,
      title: i % 5 === 4 ? 'Bump a dependency' : 'Extra work',
      at: t(4)
    })
    if (i % 5 === 0) {
      world.merge(second, { by: student, at: t(5) })
      expect(second, student)
    } else if (i % 5 === 1) {
      world.review(second, { author: student, state: 'COMMENTED', at: t(5) })
      world.review(second, { author: c.teacher, at: t(5) })
      world.merge(second, { by: student, at: t(6) })
      expect(second, student, [c.teacher])
    } else if (i % 5 === 2) {
      world.close(second, { by: student, at: t(5) })
    } else if (i % 5 === 4) {
      world.merge(second, { by: student, at: t(5) })
      expect(second, student)
    }

    if (i % 3 === 0) {
      const task = world.openIssue(repo, { author: c.teacher, assignees: [student], at: t(1) })
      world.close(task, { by: student, at: t(7) })
      expect(task, student)
    } else if (i % 3 === 1) {
      const idea = world.openIssue(repo, { author: student, at: t(1) })
      world.close(idea, { by: c.teacher, reason: 'NOT_PLANNED', at: t(7) })
      expect(idea, c.teacher)
    } else {
      const own = world.openIssue(repo, { author: student, at: t(1) })
      world.close(own, { by: student, at: t(7) })
      expect(own, student)
    }

    if (i % 7 === 0) {
      // Merged before `since`, reviewed after it: read, but left out.
      const old = world.openPullRequest(repo, { author: student, at: hours(since, -50) })
      world.merge(old, { by: c.teacher, at: hours(since, -49) })
      world.review(old, { author: c.teacher, state: 'COMMENTED', at: t(8) })
    }
    if (i % 8 === 1) {
      const back = world.openIssue(repo, { author: student, at: t(1) })
      world.close(back, { by: student, at: t(2) })
      world.reopen(back, { by: c.teacher, at: t(3) })
    }
    if (i % 9 === 0) {
      const early = world.openIssue(repo, { author: c.teacher, at: hours(since, -30) })
      world.close(early, { by: c.teacher, at: hours(since, -20) })
    }
  })
  return found
}

/** `perRepository` merged pull requests in each repository, each by its student. */
export function mergedHistory(world: GitHubWorld, c: Classroom, perRepository: number, at: string) {
  c.repositories.forEach((repo, i) => {
    for (let n = 0; n < perRepository; n++) {
      const pr = world.openPullRequest(repo, { author: c.students[i]!, at })
      world.merge(pr, { by: c.teacher, at: hours(at, n + 1) })
    }
  })
}
