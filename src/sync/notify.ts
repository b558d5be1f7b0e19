/**
 * Sync mode's congratulations: the comment event mode writes (its text, `ledger/text.ts`), with
 * the signed `done` records, so that event mode in that repository sees sync's award too. Never
 * changes an award's outcome.
 *
 * GitHub allows about 80 content-creating requests a minute and 500 an hour, so a run writes at
 * most `NOTICES_PER_RUN`, oldest awards first, spaced `NOTICE_SPACING_MS` apart; the rest stay in
 * `notices.json` on the ledger branch for later runs. A repository that refuses a comment
 * (403, 404) is not tried again in the run; a rate-limit answer stops the notifications.
 */
import type { StudentLevel } from '../level/level.js'
import type { GitHubApi } from '../ledger/github.js'
import { GitHubError } from '../ledger/github.js'
import type { LedgerRecord, SignedRecord } from '../ledger/records.js'
import { commentBody } from '../ledger/text.js'
import type { Notice } from './files.js'

export const NOTICES_PER_RUN = 50
export const NOTICE_SPACING_MS = 1000

export interface NotifyOptions {
  api: Pick<GitHubApi, 'createComment'>
  /**
   * The signed `done` records a notice's comment carries: none, the notice is dropped (they were
   * undone); null, not known in this run (it stays for a later one).
   */
  records: (n: Notice) => SignedRecord[] | null
  /** The `comment` input: the friendly text, or only the records. */
  comment: boolean
  /** The student's level after the award a record holds, when known (this run's awards). */
  level?: (r: LedgerRecord) => StudentLevel | undefined
  /** Comments GitHub will not take, known beforehand (locked, archived), by notice. */
  closed?: (n: Notice) => boolean
  limit?: number
  spacingMs?: number
  sleep?: (ms: number) => Promise<void>
}

export interface Notified {
  /** Written, or given up for good (the student will not be told): off the queue. */
  done: Notice[]
  /** Still to write, by later runs. */
  left: Notice[]
  written: number
  /** One line per problem, for the log. */
  warnings: string[]
}

function noticeId(n: Pick<Notice, 'repository' | 'number'>): string {
  return `${n.repository.toLowerCase()}#${n.number}`
}

/** The comment for a notice: each student's line (with their level when known), then the records. */
export function noticeBody(
  n: Notice,
  records: SignedRecord[],
  comment: boolean,
  levelOf: (r: LedgerRecord) => StudentLevel | undefined = () => undefined
): string {
  const login = (r: LedgerRecord) =>
    n.people.find(p => p.recipient === r.key.recipient)?.login ?? null
  return commentBody({
    comment,
    subject: {
      kind: n.kind,
      repository: n.repository,
      number: n.number,
      title: n.title,
      url: n.url
    },
    entries: records.map(r => {
      const level = levelOf(r)
      return {
        login: login(r),
        moodleUserId: r.moodleUserId,
        points: r.points,
        xp: r.xp,
        state: 'done' as const,
        ...(level ? { level } : {})
      }
    }),
    records
  })
}

/** Writes the oldest notices of `queue` (it is in order), within the run's limit. */
export async function notify(queue: Notice[], o: NotifyOptions): Promise<Notified> {
  const limit = o.limit ?? NOTICES_PER_RUN
  const spacing = o.spacingMs ?? NOTICE_SPACING_MS
  const sleep = o.sleep ?? (ms => new Promise<void>(resolve => setTimeout(resolve, ms)))
  const out: Notified = { done: [], left: [], written: 0, warnings: [] }
  const refused = new Set<string>()
  let stopped: string | null = null
  let sent = 0
  for (const n of queue) {
    const repo = n.repository.toLowerCase()
    const records = o.records(n)
    if (o.closed?.(n) || records?.length === 0 || refused.has(repo)) {
      out.done.push(n)
      continue
    }
    if (records === null || stopped !== null || sent >= limit) {
      out.left.push(n)
      continue
    }
    if (sent > 0) await sleep(spacing)
    sent++
    try {
      await o.api.createComment(n.repository, n.number, noticeBody(n, records, o.comment, o.level))
      out.written++
      out.done.push(n)
    } catch (e) {
      if (!(e instanceof GitHubError)) throw e
      if (e.rateLimited) {
        stopped = e.detail
        out.left.push(n)
        out.warnings.push(
          `GitHub's rate limit stopped the congratulations (${e.detail}); the rest are written by later runs.`
        )
      } else if (e.status === 403 || e.status === 404) {
        refused.add(repo)
        out.done.push(n)
        out.warnings.push(
          `No congratulation in ${n.repository} (${e.detail}): the github-token may not comment there (it needs "Issues: write" and "Pull requests: write", and the conversation must not be locked). The awards stand.`
        )
      } else {
        // No clear answer: the comment may exist; writing it again could post it twice.
        out.done.push(n)
        out.warnings.push(
          `The congratulation on ${noticeId(n)} may not have been written (${e.detail}). The award stands.`
        )
      }
    }
  }
  return out
}
