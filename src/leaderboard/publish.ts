/**
 * The leaderboard of a sync run (input `leaderboard`), loaded only when it is on: the ladder read
 * from Moodle after the awards, each student's gain counted from the snapshot on the ledger
 * branch, shown in the job summary or written into the course's issue, and the snapshot to save
 * with the run's record commit.
 *
 * Optional and harmless: a missing ladder function is one notice; anything else that goes wrong
 * is one warning. Nothing here changes an award, a result or an output.
 */
import type { GitHubClient } from '../github/client.js'
import { MoodleError } from '../moodle/errors.js'
import type { MoodleClient } from '../moodle/client.js'
import { markdown } from '../report/text.js'
import type { Logger } from '../runner/actions.js'
import type { LeaderboardSetting } from '../settings/sync.js'
import { leaderboardPath } from '../sync/files.js'
import {
  buildBoard,
  decodeSnapshot,
  encodeSnapshot,
  ISSUE_TITLE,
  issueBody,
  issueMarker,
  LEADERBOARD_SIZE,
  link,
  sameSnapshot,
  shortTime,
  SnapshotFormatError,
  snapshotOf,
  summarySection,
  type Snapshot
} from './board.js'
import { issueApi, LeaderboardIssueError, publishIssue, type IssueApi } from './issue.js'
import { LadderMissing, readLadder } from './ladder.js'

export interface LeaderboardRun {
  setting: Exclude<LeaderboardSetting, 'off'>
  courseId: number
  dryRun: boolean
  moodle: MoodleClient
  /** The snapshot file's text on the ledger branch when the run began; null: none. */
  previous: string | null
  client: GitHubClient
  /** The running repository, `owner/name`: where the issue lives. */
  repository: string
  /** GitHub's web address (`https://github.com`), for links. */
  serverUrl: string
  /** This workflow run's id, linked from the issue. */
  runId: string
  log: Logger
  /** Tests pass an in-memory API. */
  issues?: IssueApi
  now?: () => Date
}

export interface LeaderboardOutcome {
  /** The leaderboard's section of the job summary (Markdown). */
  summary: string
  /** The snapshot to save with the run's record commit; null when nothing changed. */
  file: { path: string; content: string } | null
}

const HEADING = '## XP leaderboard'

function issueUrl(r: LeaderboardRun, number: number): string {
  return `${r.serverUrl}/${r.repository}/issues/${number}`
}

function runUrl(r: LeaderboardRun): string {
  return `${r.serverUrl}/${r.repository}/actions/runs/${encodeURIComponent(r.runId)}`
}

function section(lines: string[]): string {
  return `${[HEADING, '', ...lines].join('\n').trimEnd()}\n`
}

/** Makes the run's leaderboard; never throws for what GitHub or Moodle answer. */
export async function publishLeaderboard(r: LeaderboardRun): Promise<LeaderboardOutcome> {
  const path = leaderboardPath(r.courseId)
  const problems: string[] = []
  const warn = () => {
    if (problems.length > 0)
      r.log.warning(`Leaderboard: ${problems.join(' Also: ')} The awards are not affected.`)
  }
  let previous: Snapshot | null = null
  try {
    previous = r.previous === null ? null : decodeSnapshot(path, r.previous)
  } catch (e) {
    if (!(e instanceof SnapshotFormatError)) throw e
    problems.push(`${e.message}; this leaderboard counts no gains, and replaces it.`)
  }

  let ladder
  try {
    ladder = await readLadder(r.moodle, r.courseId, LEADERBOARD_SIZE)
  } catch (e) {
    if (e instanceof LadderMissing) {
      const line = `No leaderboard: ${e.message}.`
      if (r.log.notice) r.log.notice(line)
      else r.log.info(line)
      warn()
      return { summary: section([`Not shown: ${markdown(e.message)}.`]), file: null }
    }
    if (!(e instanceof MoodleError)) throw e
    problems.push(`the course's ladder could not be read (${e.message}).`)
    warn()
    return { summary: section([`Not shown: ${markdown(problems.at(-1)!)}`]), file: null }
  }

  const board = buildBoard(ladder, previous, {
    course: r.courseId,
    at: (r.now?.() ?? new Date()).toISOString()
  })
  let issue = previous?.course === r.courseId ? previous.issue : null
  let summary: string
  let shown = true
  if (r.dryRun) {
    const what =
      r.setting === 'issue'
        ? 'Dry run: the leaderboard issue was not written; this is what it would show.'
        : 'Dry run: this leaderboard was not saved; the next run counts gains from the previous one.'
    summary = summarySection(board, [what])
  } else if (r.setting === 'summary') {
    summary = summarySection(board)
  } else if (previous && issue !== null && sameSnapshot(previous, snapshotOf(board, issue))) {
    // Nothing moved: the issue keeps showing the last gains, still true, and nothing is sent.
    summary = section([
      `The course's ladder has not changed since ${shortTime(previous.at)}: the leaderboard issue ${link(`#${issue}`, issueUrl(r, issue))} stays as it is.`
    ])
  } else {
    try {
      const published = await publishIssue(r.issues ?? issueApi(r.client, r.repository), {
        repository: r.repository,
        title: ISSUE_TITLE,
        marker: issueMarker(r.courseId),
        body: issueBody(board, runUrl(r)),
        known: issue
      })
      issue = published.number
      if (published.pinProblem) problems.push(published.pinProblem)
      summary = section([
        `${published.action === 'created' ? 'Opened' : 'Updated'} the leaderboard issue ${link(`#${published.number}`, published.url)}: the top ${board.rows.length} of ${board.total} on the course's ladder.`
      ])
    } catch (e) {
      if (!(e instanceof LeaderboardIssueError)) throw e
      problems.push(e.message)
      shown = false
      summary = summarySection(board, [
        'The leaderboard issue could not be written (see the warning); this is what it would show.'
      ])
    }
  }
  warn()
  // A board nobody saw is not saved: the next one counts the gains from the last one shown.
  const snapshot = snapshotOf(board, issue)
  const save = !r.dryRun && shown && !sameSnapshot(previous, snapshot)
  return { summary, file: save ? { path, content: encodeSnapshot(snapshot) } : null }
}
