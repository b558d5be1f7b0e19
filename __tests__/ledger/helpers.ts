import type { Subject } from '../../src/events/types.js'
import {
  ledgerKey,
  openLedger,
  type LedgerOptions,
  type LedgerRecipient
} from '../../src/ledger/ledger.js'

/** A limiter group that schedules at once: the throttling plugin's write spacing (1 s, 3 s) off. */
const immediate = {
  key: () => ({
    schedule: (_opts: unknown, fn: (...a: unknown[]) => unknown, ...args: unknown[]) =>
      Promise.resolve().then(() => fn(...args))
  })
}

export const FAST = {
  retryBaseMs: 1,
  throttle: { write: immediate, notifications: immediate, retryAfterBaseValue: 1 }
}

export const PR: Subject = {
  kind: 'pull_request',
  repository: 'school/course',
  number: 7,
  title: 'Fix typo',
  url: 'https://github.com/school/course/pull/7'
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

export function open(apiUrl: string, over: Partial<LedgerOptions> = {}) {
  const log = over.logger ? (over.logger as Captured) : logger()
  const options: LedgerOptions = {
    token: 'ghs_default',
    apiUrl,
    subject: PR,
    courseId: 30,
    runId: '1001',
    runAttempt: 1,
    comment: true,
    dryRun: false,
    force: false,
    client: FAST,
    ...over,
    logger: log
  }
  return { log, ledger: openLedger(options) }
}
