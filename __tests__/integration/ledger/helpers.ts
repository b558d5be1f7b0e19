import type { Subject } from '../../../src/events/types.js'
import {
  ledgerKey,
  openCommentLedger,
  type CommentLedgerOptions,
  type LedgerRecipient
} from '../../../src/ledger/ledger.js'

import { PR } from '../../fixtures/subjects.js'

export { PR }

export const MOODLE_TOKEN = 'moodle-token-of-the-course'

/** Retries and rate-limit waits in milliseconds instead of seconds. */
export const FAST = {
  retryBaseMs: 1,
  throttle: { retryAfterBaseValue: 1 }
}

export interface Captured {
  infos: string[]
  warnings: string[]
  info(m: string): void
  warning(m: string): void
}

export function logger(): Captured {
  const c: Captured = {
    infos: [],
    warnings: [],
    info: m => void c.infos.push(m),
    warning: m => void c.warnings.push(m)
  }
  return c
}

export function recipient(
  login: string,
  githubId: number | null,
  moodleUserId: number,
  points = 10,
  subject: Subject = PR
): LedgerRecipient {
  return {
    key: ledgerKey(
      {
        subject,
        courseId: 30,
        kind: subject.kind === 'pull_request' ? 'pr-merged' : 'issue-closed'
      },
      { id: githubId, login },
      moodleUserId
    ),
    login,
    points,
    moodleUserId
  }
}

/** The event-mode ledger over HTTP, against the GitHub stand-in at `apiUrl`. */
export function open(apiUrl: string, over: Partial<CommentLedgerOptions> = {}) {
  const log = over.logger ? (over.logger as Captured) : logger()
  const options: CommentLedgerOptions = {
    token: 'ghs_default',
    apiUrl,
    subject: PR,
    moodleToken: MOODLE_TOKEN,
    runId: '1001',
    runAttempt: 1,
    comment: true,
    dryRun: false,
    force: false,
    client: FAST,
    delays: { visibilityMs: [20, 40, 80, 160, 320, 640], viewerMs: [1, 1], updateMs: [1, 1] },
    ...over,
    logger: log
  }
  return { log, opened: openCommentLedger(options) }
}
