/**
 * `npx tsx scripts/bench-ledger.ts`: what other people's comments cost the ledger. Times
 * `consult` over a pull request with 100 comments of 64 KB each written by students (text built
 * to be slow for a backtracking scan: ledger markers that never close, or close far away), against
 * the same with 100 short comments, in process (no HTTP: the list comes from memory). Prints the
 * medians and the difference, the time those comments add to a run.
 */
import { performance } from 'node:perf_hooks'
import { CommentStore } from '../src/ledger/comment-store.js'
import type { GitHubApi, GitHubComment } from '../src/ledger/github.js'
import { Ledger, ledgerKey, type LedgerRecipient } from '../src/ledger/ledger.js'
import { recordKeyFrom } from '../src/ledger/records.js'
import type { Subject } from '../src/events/types.js'

const SUBJECT: Subject = {
  kind: 'pull_request',
  repository: 'school/course',
  number: 7,
  title: 'Fix typo',
  url: 'https://github.com/school/course/pull/7'
}
const SIZE = 64 * 1024
const COMMENTS = 100
const ROUNDS = 15

const MARKER = '<!-- moodle-xp-ledger {'
const bodies = [
  // Markers that never close.
  MARKER.repeat(Math.ceil(SIZE / MARKER.length)).slice(0, SIZE),
  // Markers whose close is at the very end.
  `${MARKER}${'"x":"'.repeat(Math.ceil(SIZE / 5))}`.slice(0, SIZE - 5) + '} -->',
  // Prose with a stray marker in every paragraph.
  `${'Looks good to me. '.repeat(60)}${MARKER}\n`.repeat(Math.ceil(SIZE / 1100)).slice(0, SIZE)
]

function comments(long: boolean): GitHubComment[] {
  return Array.from({ length: COMMENTS }, (_, i) => ({
    id: 1000 + i,
    author: { login: `student${i}`, id: 5000 + i, type: 'User' },
    body: long ? bodies[i % bodies.length]! : `Comment ${i}: nice work`,
    url: null
  }))
}

function api(list: GitHubComment[]): GitHubApi {
  return {
    listComments: () => Promise.resolve(list),
    createComment: () => Promise.reject(new Error('not in this benchmark')),
    updateComment: () => Promise.resolve(),
    deleteComment: () => Promise.resolve(),
    viewer: () => Promise.resolve({ login: 'github-actions[bot]', id: 41898282 }),
    userId: () => Promise.resolve(null),
    requests: () => 0
  }
}

const recordKey = recordKeyFrom('moodle-token')
const alice: LedgerRecipient = {
  key: ledgerKey(
    { subject: SUBJECT, courseId: 30, kind: 'pr-merged' },
    { id: 501, login: 'alice' },
    42
  ),
  login: 'alice',
  points: 10,
  moodleUserId: 42
}

async function consultMs(list: GitHubComment[]): Promise<number> {
  const logger = { info: () => {}, warning: () => {} }
  const store = new CommentStore({
    api: api(list),
    subjects: [SUBJECT],
    recordKey,
    comment: true,
    logger
  })
  const ledger = new Ledger({
    store,
    recordKey,
    runId: '1',
    runAttempt: 1,
    force: false,
    dryRun: false,
    logger
  })
  const start = performance.now()
  await ledger.consult([alice])
  return performance.now() - start
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

const short = comments(false)
const long = comments(true)
await consultMs(long) // warm up
const shortMs: number[] = []
const longMs: number[] = []
for (let i = 0; i < ROUNDS; i++) {
  shortMs.push(await consultMs(short))
  longMs.push(await consultMs(long))
}
const fmt = (ms: number) => `${ms.toFixed(1)} ms`
console.log(`consult, ${COMMENTS} short student comments:        ${fmt(median(shortMs))}`)
console.log(`consult, ${COMMENTS} student comments of 64 KB each: ${fmt(median(longMs))}`)
console.log(
  `added by the long comments (median of ${ROUNDS}):     ${fmt(median(longMs) - median(shortMs))}`
)
