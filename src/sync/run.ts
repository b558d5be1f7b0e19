/**
 * Sync mode, top to bottom: the repositories and this job's shard -> the cursor on the ledger
 * branch -> discovery (what changed in each repository since its cursor) -> the event planner on
 * each item, with require-approval and the freshness rule -> Moodle users -> the ledger (the
 * branch, and event mode's records in the items' comments) -> max-awards -> (a dry run stops
 * here) -> claim (one commit) -> award (`concurrency` at a time) -> the course's levels (one
 * read) -> congratulate -> the leaderboard, when on (`leaderboard/`) -> settle (the outcomes, the
 * cursor, the notices and the leaderboard's snapshot: one commit) -> report.
 */
import { resolveCandidates } from '../award/resolve.js'
import { resultFor, secondAccounts } from '../award/recipients.js'
import { heldBack, sendAward } from '../award/send.js'
import { planAwards } from '../events/plan.js'
import type { AwardKind, Plan, PlanEntry } from '../events/types.js'
import { openClient, type GitHubClient } from '../github/client.js'
import { commentApi } from '../ledger/github.js'
import {
  keyId,
  Ledger,
  LedgerError,
  ledgerKey,
  type ClaimResult,
  type LedgerRecipient,
  type Outcome,
  type RunState
} from '../ledger/ledger.js'
import { recordKeyFrom, type SignedRecord } from '../ledger/records.js'
import { publishLeaderboard, type LeaderboardOutcome } from '../leaderboard/publish.js'
import { levelAfterAward, type StudentLevel } from '../level/level.js'
import type { LevelsReader } from '../level/reader.js'
import type { MoodleClient } from '../moodle/client.js'
import type { RunReport } from '../report/run-report.js'
import { readRoster } from '../roster/read.js'
import type { Roster } from '../roster/types.js'
import type { Logger } from '../runner/actions.js'
import type { RunContext } from '../runner/context.js'
import type { Settings, SyncSettings } from '../settings/settings.js'
import { BranchStore, branchWebUrl } from './branch-store.js'
import { ItemCommentSource } from './comment-source.js'
import { advanceCursor, changedSince, type SyncCursor } from './cursor.js'
import { discover, DiscoveryError, type Discovery } from './discovery.js'
import { SyncError } from './errors.js'
import {
  CURSOR_PATH,
  decodeCursorFile,
  decodeNoticesFile,
  encodeCursorFile,
  encodeNoticesFile,
  leaderboardPath,
  NOTICES_PATH,
  StoreFormatError,
  type Notice,
  type StoredRecord
} from './files.js'
import { GitHubError, syncApi, type SyncGitHub } from './github.js'
import { itemText, type DiscoveredItem } from './items.js'
import { notify, NOTICE_SPACING_MS, NOTICES_PER_RUN, type Notified } from './notify.js'
import { itemKey, syncReport, type ItemInfo, type SyncResult } from './report.js'
import { describeSpec } from './repositories.js'
import { configFingerprint, freshReason, tooFresh, withApprovalRule } from './rules.js'
import { CentralStore, StoreError } from './store.js'

export interface SyncDeps {
  settings: Settings
  context: RunContext
  moodle: MoodleClient
  log: Logger
  /** The course's levels, for the congratulations and `results`; none: no levels. */
  levels?: LevelsReader
  /** Called once an award request may go out (from then on a failure may follow awards). */
  onAwarding?: () => void
}

/** How a teacher resolves an unknown outcome in sync mode (there is no `force`). */
export const SYNC_UNKNOWN_ADVICE =
  'check the student\'s XP log in Moodle (Level Up XP > Log); if the points arrived, change "pending" to "done" in that record on the ledger branch, otherwise delete the record\'s line and the next run pays it (see "Unknown outcomes" in the action\'s docs/sync.md)'

/** Wait before reading the items' comments again after the claim: GitHub's lists may lag. */
const RECHECK_DELAY_MS = 3000

/** One person considered for one pull request or issue, on the way to a result. */
interface Considered {
  item: DiscoveredItem
  kind: AwardKind
  pointsSource: string
  entry: PlanEntry
  moodleUserId: number | null
  result: SyncResult | null
  /** Left for a later run: the repository's cursor stops before the item. */
  open: boolean
  recipient: LedgerRecipient | null
}

/** What the run found on the ledger branch before discovery. */
interface BranchState {
  cursor: SyncCursor
  notices: Notice[]
  /** The text of the leaderboard's snapshot (read only when this job shows the leaderboard). */
  leaderboard: string | null
}

export async function runSync(d: SyncDeps): Promise<RunReport> {
  const { settings, context, log } = d
  const sync = settings.sync!
  const scale = context.waitScale
  const started = Date.now()
  const roster = await readRoster(settings, context.workspace, log)
  const client = await openClient({
    token: settings.githubToken!,
    apiUrl: context.apiUrl,
    logger: log,
    purpose: 'sync',
    retryBaseMs: 1000 * scale,
    throttle: { retryAfterBaseValue: 1000 * scale }
  })
  const api = syncApi(client)
  const recordKey = recordKeyFrom(settings.moodleToken!)
  const run = `${context.runId}/${context.runAttempt}`
  const central = new CentralStore(api, context.repository, settings.ledgerBranch)
  const store = new BranchStore({
    central,
    recordKey,
    webUrl: branchWebUrl(context.serverUrl, context.repository, settings.ledgerBranch),
    run,
    retryBaseMs: 500 * scale
  })

  const board = showsLeaderboard(sync) ? leaderboardPath(settings.courseId) : null
  const state = await readBranchState(central, board)
  const config = configFingerprint(settings, roster, sync.requireApproval)
  const found = await discoverWork(api, sync, state.cursor, config)
  log.info(
    `Read ${count(found.repositories.length, 'repository', 'repositories')} in ${found.requests} GitHub requests: ${count(found.items.length, 'merged pull request or closed issue', 'merged pull requests and closed issues')} to look at.`
  )
  const considered = await considerAll(found, roster, d)
  const problems = found.unresolved.map(
    u =>
      `Input "repositories" names ${u.entry}: ${u.reason}; correct the entry or give github-token access to it.`
  )
  const notes: string[] = []
  let leaderboard: LeaderboardOutcome | null = null
  const finish = () => {
    const r = report(settings, sync, found, considered, notes, problems, {
      client,
      store,
      started,
      log
    })
    if (leaderboard) r.summary = `${r.summary}\n${leaderboard.summary}`
    return r
  }

  const comments = new ItemCommentSource({
    items: found.items,
    api,
    identity: commentApi(client),
    recordKey
  })
  const ledger = new Ledger({
    store,
    sources: [comments],
    sourceRecheckDelayMs: RECHECK_DELAY_MS * scale,
    recordKey,
    runId: context.runId,
    runAttempt: context.runAttempt,
    force: false,
    dryRun: settings.dryRun,
    logger: log,
    runStates: ids => runStates(api, context.repository, ids),
    unknownAdvice: SYNC_UNKNOWN_ADVICE,
    updateDelaysMs: [2000 * scale, 8000 * scale]
  })

  const toAward = await consult(ledger, considered)
  if (toAward === null) return finish()

  if (settings.dryRun) {
    for (const c of toAward)
      conclude(c, 'dry-run', `would award ${c.entry.points} points (${c.pointsSource})`)
    notes.push('Dry run: nothing was awarded and nothing was written (no commit, no comment).')
    if (toAward.length > sync.maxAwards)
      notes.push(maxAwardsLine(toAward.length, sync.maxAwards).replace('This run', 'A real run'))
    leaderboard = await makeLeaderboard(d, client, state.leaderboard)
    return finish()
  }
  if (toAward.length > sync.maxAwards) {
    for (const c of toAward)
      conclude(
        c,
        'skipped',
        `would award ${c.entry.points} points (${c.pointsSource}), but this run stopped before awarding: more than max-awards (${sync.maxAwards})`
      )
    problems.push(maxAwardsLine(toAward.length, sync.maxAwards))
    return finish()
  }

  const going = await claim(ledger, toAward)
  if (going === null) return finish()
  d.onAwarding?.()
  const outcomes = await awardAll(going, d)
  const levels = await levelsOf(outcomes, d.levels)
  // A shard writes the notices of its own repositories: no two shards write the same comment.
  const mine = new Set(found.repositories.map(r => r.toLowerCase()))
  const earlier = state.notices.filter(n => mine.has(n.repository.toLowerCase()))
  const notified = await congratulate(ledger, store, outcomes, earlier, settings, client, {
    scale,
    levels
  })
  for (const warning of notified.warnings) log.warning(warning)
  leaderboard = await makeLeaderboard(d, client, state.leaderboard)

  const snapshot = leaderboard?.file ?? null
  store.settleWith(settlement(found, considered, sync, config, notified, run, snapshot))
  await ledger.settle(outcomes.map(o => o.outcome))
  if (found.items.length > 0 || notified.done.length > 0 || snapshot !== null) {
    try {
      await store.commitSettlement()
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e
      log.warning(
        `The cursor could not be saved on the ledger branch (${e.message}); the next run reads these repositories again and finds the awards in the ledger.`
      )
    }
  }
  return finish()
}

/**
 * `cursor.json` and `notices.json` at the branch head (none yet: empty), and the leaderboard's
 * snapshot at `leaderboard` (its path, when this job shows the leaderboard).
 */
async function readBranchState(
  central: CentralStore,
  leaderboard: string | null
): Promise<BranchState> {
  try {
    const snap = await central.read([
      CURSOR_PATH,
      NOTICES_PATH,
      ...(leaderboard ? [leaderboard] : [])
    ])
    const cursor = snap.files.get(CURSOR_PATH)
    const notices = snap.files.get(NOTICES_PATH)
    return {
      cursor: cursor ? decodeCursorFile(cursor) : {},
      notices: notices ? decodeNoticesFile(notices) : [],
      leaderboard: leaderboard ? (snap.files.get(leaderboard) ?? null) : null
    }
  } catch (e) {
    if (e instanceof StoreError || e instanceof StoreFormatError)
      throw new SyncError(`${e.message} Nothing was awarded.`)
    if (e instanceof GitHubError)
      throw new SyncError(
        `The ledger branch ${central.branch} of ${central.repository} could not be read (${e.detail}). Nothing was awarded; run the workflow again once GitHub answers.`
      )
    throw e
  }
}

async function discoverWork(
  api: SyncGitHub,
  sync: SyncSettings,
  cursor: SyncCursor,
  config: string
): Promise<Discovery> {
  try {
    return await discover(api, {
      repositories: sync.repositories,
      since: sync.since,
      shard: sync.shard,
      changedSince: r => changedSince(cursor, r, { since: sync.since, config })
    })
  } catch (e) {
    if (e instanceof DiscoveryError)
      throw new SyncError(`${e.message}. Nothing was awarded; check repositories and github-token.`)
    if (e instanceof GitHubError)
      throw new SyncError(
        `The course repositories could not be read (${e.detail}). Nothing was awarded; run the workflow again once GitHub answers.`
      )
    throw e
  }
}

/** `1 repository`, `2 repositories`. */
function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

function result(
  c: Considered,
  status: SyncResult['status'],
  reason: string,
  xp: number | null = null
) {
  const r = resultFor(c.entry, c.moodleUserId, status, reason, xp)
  return { ...r, repository: c.item.repository, number: c.item.number }
}

/**
 * Sets a person's result; `open` leaves the item for a later run (read again, with the roster
 * and ledger as they are then). An unknown outcome stays open too: every run reports it until a
 * teacher resolves it on the ledger branch, and the run after that sees the resolution.
 */
function conclude(
  c: Considered,
  status: SyncResult['status'],
  reason: string,
  xp: number | null = null,
  open = false
): void {
  c.result = result(c, status, reason, xp)
  c.open = open || status === 'unknown'
}

/**
 * Each item through the event planner (and `require-approval`); items merged or closed moments
 * ago are left for the next run. Every recipient's Moodle user is resolved in one go (one
 * request per look-up field for the whole run).
 */
async function considerAll(found: Discovery, roster: Roster | null, d: SyncDeps) {
  const { settings, moodle } = d
  const sync = settings.sync!
  const planned = found.items.map(item => {
    const plan = planAwards(item.event.name, item.event.payload, settings)
    return { item, plan: withApprovalRule(plan, item, sync.requireApproval) }
  })
  const ready = planned.filter(p => tooFresh(p.item, found.readAt) === null)
  const all: Plan | null = ready[0]
    ? { ...ready[0].plan, entries: ready.flatMap(p => p.plan.entries) }
    : null
  const candidates = all ? await resolveCandidates(all, roster, moodle) : []
  const out: Considered[] = []
  let next = 0
  for (const { item, plan } of planned) {
    const base = { item, kind: plan.kind, pointsSource: plan.pointsSource, recipient: null }
    const fresh = tooFresh(item, found.readAt)
    if (fresh !== null) {
      for (const entry of plan.entries) {
        const c: Considered = { ...base, entry, moodleUserId: null, result: null, open: false }
        if (entry.skipReason !== null) conclude(c, 'skipped', entry.skipReason)
        else conclude(c, 'skipped', freshReason(fresh), null, true)
        out.push(c)
      }
      continue
    }
    const mine = candidates.slice(next, next + plan.entries.length)
    next += plan.entries.length
    const seconds = secondAccounts(mine)
    mine.forEach((candidate, i) => {
      const c: Considered = {
        ...base,
        entry: candidate.entry,
        moodleUserId: candidate.moodleUserId,
        result: null,
        open: false
      }
      if (candidate.settled !== null) {
        c.result = { ...candidate.settled, repository: item.repository, number: item.number }
        c.open = candidate.settled.status === 'unmapped'
      } else if (seconds.has(i)) conclude(c, 'skipped', seconds.get(i)!)
      else c.recipient = recipientOf(c, settings.courseId)
      out.push(c)
    })
  }
  return out
}

function recipientOf(c: Considered, courseId: number): LedgerRecipient {
  const person = c.entry.person
  return {
    key: ledgerKey(
      { subject: { repository: c.item.repository, number: c.item.number }, courseId, kind: c.kind },
      { id: person?.id ?? null, login: person?.login ?? null },
      c.moodleUserId!
    ),
    login: person?.login ?? null,
    points: c.entry.points,
    moodleUserId: c.moodleUserId!
  }
}

/**
 * What the ledger says of each eligible person; returns those to award, or null when the ledger
 * could not be read (then nothing may be sent, and every one of them failed).
 */
async function consult(ledger: Ledger, considered: Considered[]): Promise<Considered[] | null> {
  const eligible = considered.filter(c => c.recipient !== null)
  if (eligible.length === 0) return []
  let decisions: Awaited<ReturnType<Ledger['consult']>>
  try {
    decisions = await ledger.consult(eligible.map(c => c.recipient!))
  } catch (e) {
    if (!(e instanceof LedgerError)) throw e
    for (const c of eligible) conclude(c, 'failed', e.message, null, true)
    return null
  }
  return eligible.filter(c => {
    const decision = decisions.get(keyId(c.recipient!.key))
    const held = decision ? heldBack(decision) : null
    // Another run still at it: its outcome is not known yet, so the item is read again.
    if (held) conclude(c, held.status, held.reason, held.xp, decision?.action === 'in-progress')
    return held === null
  })
}

function maxAwardsLine(count: number, max: number): string {
  return `This run would make ${count} awards, more than max-awards (${max}), so it claimed and awarded nothing (the results list them). If they are right, set max-awards to ${count} or more for one run; or narrow since or repositories.`
}

/** Claims the awards (one commit); returns those that may go to Moodle, or null on failure. */
async function claim(ledger: Ledger, toAward: Considered[]): Promise<Considered[] | null> {
  let claims: Map<string, ClaimResult>
  try {
    claims = await ledger.claim(toAward.map(c => c.recipient!))
  } catch (e) {
    if (!(e instanceof LedgerError)) throw e
    for (const c of toAward) conclude(c, 'failed', e.message, null, true)
    return null
  }
  return toAward.filter(c => {
    const verdict = claims.get(keyId(c.recipient!.key)) ?? { go: true as const }
    if (!verdict.go)
      conclude(c, verdict.status, verdict.reason, verdict.xp, verdict.status === 'skipped')
    return verdict.go
  })
}

interface Sent {
  considered: Considered
  outcome: Outcome
}

/** Sends the awards, at most `concurrency` at a time; each one's result and ledger outcome. */
async function awardAll(going: Considered[], d: SyncDeps): Promise<Sent[]> {
  const { settings, moodle, log } = d
  const started = Date.now()
  const sent: Sent[] = []
  let next = 0
  const worker = async () => {
    for (let c = going[next++]; c !== undefined; c = going[next++]) {
      const outcome = await sendAward(moodle, {
        userId: c.moodleUserId!,
        points: c.entry.points,
        courseId: settings.courseId
      })
      const recipient = c.recipient!
      if (outcome.state === 'done') {
        conclude(c, 'awarded', `${c.entry.points} points (${c.pointsSource})`, outcome.xp)
        sent.push({ considered: c, outcome: { recipient, state: 'done', xp: outcome.xp } })
      } else {
        // An unknown outcome: the ledger's procedure replaces the client's advice.
        const reason =
          outcome.state === 'unknown'
            ? `${outcome.error.diagnosis}: ${SYNC_UNKNOWN_ADVICE}`
            : `${outcome.error.message}; a later run tries again`
        conclude(c, outcome.state, reason, null, outcome.state === 'failed')
        sent.push({
          considered: c,
          outcome: { recipient, state: outcome.state, xp: null, reason: outcome.error.message }
        })
      }
    }
  }
  const workers = Math.min(settings.sync!.concurrency, going.length)
  await Promise.all(Array.from({ length: workers }, worker))
  const done = sent.filter(s => s.outcome.state === 'done').length
  if (going.length > 0)
    log.info(
      `Moodle: ${done} of ${going.length} awards made in ${((Date.now() - started) / 1000).toFixed(1)} s (${workers} at a time).`
    )
  return sent
}

/**
 * The level each award of this run took its student to (the course's levels, read once), by the
 * award's key id; each award's result gets it too. None when the levels are not known.
 */
async function levelsOf(
  sent: Sent[],
  reader: LevelsReader | undefined
): Promise<Map<string, StudentLevel>> {
  const out = new Map<string, StudentLevel>()
  const done = sent.filter(s => s.outcome.state === 'done')
  const levels = reader && done.length > 0 ? await reader.levels() : null
  if (!levels) return out
  for (const { considered: c, outcome } of done) {
    if (outcome.xp === null || !c.result) continue
    const level = levelAfterAward(levels, { xp: outcome.xp, points: c.entry.points })
    if (!level) continue
    c.result = { ...c.result, level }
    out.set(keyId(outcome.recipient.key), level)
  }
  return out
}

function noticeKey(n: Pick<Notice, 'repository' | 'number' | 'nonce'>): string {
  return `${itemKey(n.repository, n.number)} ${n.nonce}`
}

/** Whether a stored record is one of the `done` records a notice's comment carries. */
function noticed(n: Notice, r: StoredRecord): r is StoredRecord & SignedRecord {
  const record = r as Partial<SignedRecord>
  return (
    record.nonce === n.nonce &&
    record.state === 'done' &&
    record.key?.number === n.number &&
    record.key.repository.toLowerCase() === n.repository.toLowerCase() &&
    n.people.some(p => p.recipient === record.key?.recipient)
  )
}

/**
 * The congratulations: those earlier runs left (their records read from the ledger branch),
 * then this run's awards, oldest first, within the run's limit. This run's awards show the
 * students' levels (`levels`, by key id); earlier runs' notices show none.
 */
async function congratulate(
  ledger: Ledger,
  store: BranchStore,
  sent: Sent[],
  earlier: Notice[],
  settings: Settings,
  client: GitHubClient,
  o: { scale: number; levels: Map<string, StudentLevel> }
): Promise<Notified & { fresh: Notice[] }> {
  const settled = ledger.settled(sent.map(s => s.outcome))
  const records = new Map<string, SignedRecord[]>()
  const byItem = new Map<string, Notice>()
  const closed = new Set<string>()
  for (const s of sent) {
    const record = settled.get(keyId(s.outcome.recipient.key))
    if (s.outcome.state !== 'done' || !record) continue
    const { item } = s.considered
    const key = itemKey(item.repository, item.number)
    if (!item.canComment) closed.add(key)
    const notice = byItem.get(key) ?? {
      repository: item.repository,
      number: item.number,
      kind: item.kind,
      ...itemText(item),
      nonce: record.nonce,
      people: []
    }
    notice.people.push({ recipient: record.key.recipient, login: s.outcome.recipient.login })
    byItem.set(key, notice)
    records.set(noticeKey(notice), [...(records.get(noticeKey(notice)) ?? []), record])
  }
  const fresh = [...byItem.values()]
  // Only as many of the earlier notices as a run writes: their repositories' ledger files.
  const waiting = earlier.slice(0, NOTICES_PER_RUN)
  if (waiting.length > 0) {
    try {
      const stored = await store.storedRecords(waiting.map(n => n.repository))
      for (const n of waiting)
        records.set(
          noticeKey(n),
          stored.filter(r => noticed(n, r))
        )
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e
      // Not known in this run: they wait for the next one.
    }
  }
  const notified = await notify([...earlier, ...fresh], {
    api: commentApi(client),
    comment: settings.comment,
    records: n => records.get(noticeKey(n)) ?? null,
    closed: n => closed.has(itemKey(n.repository, n.number)),
    level: r => o.levels.get(keyId(r.key)),
    spacingMs: NOTICE_SPACING_MS * o.scale
  })
  return { ...notified, fresh }
}

/**
 * What the settling commit writes besides the records, computed on the files as they are at
 * each try (another run or shard may have written meanwhile): this run's repositories in the
 * cursor, the notices it wrote taken off the queue, those it left put on, and the leaderboard's
 * new snapshot (`snapshot`, when it changed).
 */
function settlement(
  found: Discovery,
  considered: Considered[],
  sync: SyncSettings,
  config: string,
  notified: Notified & { fresh: Notice[] },
  run: string,
  snapshot: { path: string; content: string } | null
) {
  const held = new Map<string, string>()
  for (const c of considered) {
    if (!c.open) continue
    const repo = c.item.repository.toLowerCase()
    const before = held.get(repo)
    if (before === undefined || Date.parse(c.item.updatedAt) < Date.parse(before))
      held.set(repo, c.item.updatedAt)
  }
  const gone = new Set(notified.done.map(noticeKey))
  const added = notified.left.filter(n => notified.fresh.includes(n))
  return {
    paths: [CURSOR_PATH, NOTICES_PATH, ...(snapshot ? [snapshot.path] : [])],
    headline: `Read ${count(found.repositories.length, 'repository', 'repositories')} (run ${run})`,
    changes(files: Map<string, string | null>) {
      const cursorText = files.get(CURSOR_PATH) ?? null
      const cursor = advanceCursor(
        cursorText ? decodeCursorFile(cursorText) : {},
        found.repositories,
        { at: found.readAt, since: sync.since, config, held }
      )
      const noticesText = files.get(NOTICES_PATH) ?? null
      const queue = noticesText ? decodeNoticesFile(noticesText) : []
      const kept = queue.filter(n => !gone.has(noticeKey(n)))
      const known = new Set(kept.map(noticeKey))
      const notices = [...kept, ...added.filter(n => !known.has(noticeKey(n)))]
      const changes = [{ path: CURSOR_PATH, content: encodeCursorFile(cursor) }]
      if (notices.length > 0 || noticesText !== null)
        changes.push({ path: NOTICES_PATH, content: encodeNoticesFile(notices) })
      if (snapshot) changes.push(snapshot)
      return changes.filter(c => c.content !== files.get(c.path))
    }
  }
}

/**
 * Whether this job shows the leaderboard: the ladder is the whole course's, so of a shard matrix
 * only the first job shows it (each would otherwise count the others' gains again).
 */
function showsLeaderboard(sync: SyncSettings): boolean {
  return sync.leaderboard !== 'off' && (sync.shard === null || sync.shard.index === 1)
}

/**
 * The leaderboard after the awards. Its code is part of the sync chunk (about 11 KB): a lazy
 * chunk of its own made esbuild split the shared chunks again, and every award run loaded three
 * more files. Optional and harmless: whatever
 * goes wrong is one warning, and no award, result or output changes.
 */
async function makeLeaderboard(
  d: SyncDeps,
  client: GitHubClient,
  previous: string | null
): Promise<LeaderboardOutcome | null> {
  const { settings, context, log } = d
  const setting = settings.sync!.leaderboard
  if (!showsLeaderboard(settings.sync!) || setting === 'off') return null
  try {
    return await publishLeaderboard({
      setting,
      courseId: settings.courseId,
      dryRun: settings.dryRun,
      moodle: d.moodle,
      previous,
      client,
      repository: context.repository,
      serverUrl: context.serverUrl,
      runId: context.runId,
      log
    })
  } catch (e) {
    log.warning(
      `Leaderboard: not made (${e instanceof Error ? e.message : String(e)}). The awards are not affected.`
    )
    return null
  }
}

/** GitHub's word on the runs of the running repository that wrote pending records. */
async function runStates(
  api: SyncGitHub,
  repository: string,
  ids: string[]
): Promise<Map<string, RunState>> {
  const states = new Map<string, RunState>()
  for (const id of ids) states.set(id, await api.workflowRun(repository, id))
  return states
}

function report(
  settings: Settings,
  sync: SyncSettings,
  found: Discovery,
  considered: Considered[],
  notes: string[],
  problems: string[],
  o: {
    client: { requests(): number }
    store: BranchStore
    started: number
    log: Logger
  }
): RunReport {
  const items = new Map<string, ItemInfo>(
    found.items.map(item => [itemKey(item.repository, item.number), itemText(item)])
  )
  const shard = sync.shard ? `, shard ${sync.shard.index}/${sync.shard.count}` : ''
  const target = settings.courseId === 1 ? 'sitewide XP (course 1)' : `course ${settings.courseId}`
  const scope = `${count(found.repositories.length, 'repository', 'repositories')} (${sync.repositories.map(describeSpec).join(', ')}${shard}), work since ${sync.since.slice(0, 10)} → ${target}`
  o.log.info(
    `GitHub requests: ${o.client.requests()}; commits on the ledger branch: ${o.store.commits}; ${((Date.now() - o.started) / 1000).toFixed(1)} s in all.`
  )
  return syncReport({
    scope,
    results: considered.map(c => c.result!).filter(Boolean),
    items,
    notes,
    failOnUnmapped: settings.failOnUnmapped,
    problems
  })
}
