import type { Plan, PlanEntry } from '../events/types.js'
import type { Outcome } from '../ledger/ledger.js'
import { keyId } from '../ledger/records.js'
import { LedgerError } from '../ledger/store.js'
import { levelAfterAward, type StudentLevel } from '../level/level.js'
import type { LevelsReader } from '../level/reader.js'
import type { MoodleClient } from '../moodle/client.js'
import type { RecipientResult } from '../report/status.js'
import type { Logger } from '../runner/actions.js'
import type { RunContext } from '../runner/context.js'
import { InputError, type Settings } from '../settings/settings.js'
import type { OpenLedger } from './ledger-path.js'
import { type Candidate, resultFor, secondAccounts } from './recipients.js'
import { heldBack, sendAward } from './send.js'

export interface AwardDeps {
  settings: Settings
  context: RunContext
  moodle: Pick<MoodleClient, 'awardPoints'>
  log: Logger
  /** The course's levels, for the students' levels in the comment and outputs; none: no levels. */
  levels?: LevelsReader
}

/** A candidate who would receive points, with its place in the results. */
export interface Eligible {
  index: number
  entry: PlanEntry
  moodleUserId: number
}

export type Settle = (
  item: Eligible,
  status: RecipientResult['status'],
  reason: string,
  xp?: number | null,
  level?: StudentLevel
) => void

/**
 * Consults the ledger, awards every eligible candidate that has not been awarded before, and
 * records the outcome. Each recipient is awarded independently: one failure does not stop the
 * others. One award per Moodle user and event: a second GitHub account that maps to the same
 * Moodle user is skipped. Returns one result per candidate, in plan order, and notes for the
 * summary.
 */
export async function awardAll(
  plan: Plan,
  candidates: Candidate[],
  deps: AwardDeps
): Promise<{ results: RecipientResult[]; notes: string[] }> {
  const { settings, log } = deps
  const results: (RecipientResult | null)[] = candidates.map(c => c.settled)
  const notes: string[] = []
  const settle: Settle = (item, status, reason, xp = null, level) => {
    const result = resultFor(item.entry, item.moodleUserId, status, reason, xp)
    results[item.index] = level === undefined ? result : { ...result, level }
  }
  const seconds = secondAccounts(candidates)
  const eligible = candidates.flatMap((c, index): Eligible[] => {
    if (c.settled !== null || c.moodleUserId === null) return []
    const item = { index, entry: c.entry, moodleUserId: c.moodleUserId }
    const second = seconds.get(index)
    if (second === undefined) return [item]
    settle(item, 'skipped', second)
    return []
  })

  let ledger: OpenLedger | null = null
  if (eligible.length > 0) {
    ledger = await openLedgerFor(plan, deps, notes)
    try {
      await awardEligible(plan, eligible, ledger, deps, settle)
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error
      // The ledger could not be read or written before anything was sent: nothing was awarded.
      for (const item of eligible) {
        if (results[item.index] === null) settle(item, 'failed', error.message)
      }
    }
    if (ledger) log.info(`GitHub requests for the ledger: ${ledger.github.requests()}.`)
  }
  const settled = results.filter((r): r is RecipientResult => r !== null)
  await tellUnmappedStudents(plan, settled, ledger, deps, notes)
  if (settings.dryRun) notes.push('Dry run: nothing was awarded and nothing was written.')
  log.info(
    `${results.filter(r => r?.status === 'awarded').length} of ${results.length} recipients awarded.`
  )
  return { results: results as RecipientResult[], notes }
}

async function awardEligible(
  plan: Plan,
  candidates: Eligible[],
  ledger: OpenLedger | null,
  deps: AwardDeps,
  settle: Settle
): Promise<void> {
  const { settings, moodle, log } = deps
  let eligible = candidates
  if (ledger) {
    const found: Eligible[] = []
    for (const item of eligible) {
      const known = await ledger.named(item, settle)
      if (known) found.push(known)
    }
    eligible = found
  }
  // Each candidate as the ledger knows it (its key names the thread, so only with a ledger).
  const recipients = new Map(ledger ? eligible.map(item => [item, ledger.recipientOf(item)]) : [])
  const idOf = (item: Eligible) => {
    const recipient = recipients.get(item)
    return recipient ? keyId(recipient.key) : ''
  }
  const listed = (items: Eligible[]) => items.flatMap(item => recipients.get(item) ?? [])

  const decisions = ledger ? await ledger.ledger.consult(listed(eligible)) : null
  const toAward: Eligible[] = []
  for (const item of eligible) {
    const decision = decisions?.get(idOf(item))
    const held = decision ? heldBack(decision) : null
    if (held) settle(item, held.status, held.reason, held.xp)
    else toAward.push(item)
  }
  if (settings.dryRun) {
    for (const item of toAward)
      settle(item, 'dry-run', `would award ${item.entry.points} points (${plan.pointsSource})`)
    return
  }
  const claims = ledger ? await ledger.ledger.claim(listed(toAward)) : null
  const outcomes: Outcome[] = []
  const done: { item: Eligible; xp: number }[] = []
  for (const item of toAward) {
    const claim = claims?.get(idOf(item)) ?? { go: true as const }
    if (!claim.go) {
      settle(item, claim.status, claim.reason, claim.xp)
      continue
    }
    const { points } = item.entry
    const login = item.entry.person?.login
    const who = login
      ? `@${login} (Moodle user ${item.moodleUserId})`
      : `Moodle user ${item.moodleUserId}`
    const recipient = recipients.get(item)
    const sent = await sendAward(moodle, {
      userId: item.moodleUserId,
      points,
      courseId: settings.courseId
    })
    if (sent.state === 'done') {
      log.info(`Awarded ${points} points to ${who}; new total ${sent.xp}.`)
      done.push({ item, xp: sent.xp })
    } else {
      // With a ledger, its own procedure (check, then force) replaces the client's advice.
      const reason =
        sent.state === 'unknown' && ledger ? ledger.unknownReason(sent.error) : sent.error.message
      settle(item, sent.state, reason)
      if (recipient)
        outcomes.push({ recipient, state: sent.state, xp: null, reason: sent.error.message })
    }
  }
  // Settled once the levels are known; they are read after every award of the run, so a slow
  // read delays no award.
  const levels = done.length > 0 ? await deps.levels?.levels() : null
  for (const { item, xp } of done) {
    const level = levels ? levelAfterAward(levels, { xp, points: item.entry.points }) : undefined
    settle(item, 'awarded', `${item.entry.points} points (${plan.pointsSource})`, xp, level)
    const recipient = recipients.get(item)
    if (recipient) outcomes.push({ recipient, state: 'done', xp, level })
  }
  if (ledger && outcomes.length > 0) await ledger.ledger.settle(outcomes)
}

/** The ledger for this event's pull request or issue, or null when there is none to keep. */
async function openLedgerFor(
  plan: Plan,
  deps: AwardDeps,
  notes: string[]
): Promise<OpenLedger | null> {
  const { settings } = deps
  if (settings.ledger === 'off') {
    notes.push('Ledger off: re-running this workflow awards again.')
    return null
  }
  if (plan.subject === null) {
    notes.push(
      'No pull request or issue in this event, so no ledger comment: every run awards again.'
    )
    return null
  }
  if (settings.githubToken === null) {
    throw new InputError(
      'github-token',
      'is empty, but the ledger (ledger: comment) needs it to record awards; keep its default ${{ github.token }}, or set ledger: off.'
    )
  }
  if (settings.moodleToken === null) throw new Error('the ledger needs the Moodle token') // award mode requires it
  const { openLedger } = await import('./ledger-path.js')
  return openLedger(plan, plan.subject, deps, {
    github: settings.githubToken,
    moodle: settings.moodleToken
  })
}

/**
 * Where the congratulation would be written (a ledger comment with its friendly text, not a dry
 * run), students who earned but are not in the roster are told so, once per (event, person).
 * Never changes a result: a comment GitHub refuses is a warning.
 */
async function tellUnmappedStudents(
  plan: Plan,
  results: RecipientResult[],
  ledger: OpenLedger | null,
  deps: AwardDeps,
  notes: string[]
): Promise<void> {
  const { settings } = deps
  const { subject } = plan
  if (settings.ledger === 'off' || !settings.comment || settings.dryRun) return
  if (subject === null || settings.githubToken === null || settings.moodleToken === null) return
  if (!results.some(r => r.status === 'unmapped' && r.github !== null)) return
  const tokens = { github: settings.githubToken, moodle: settings.moodleToken }
  const ledgerPath = await import('./ledger-path.js')
  await ledgerPath.tellUnmappedStudents(plan, subject, results, ledger, deps, notes, tokens)
}
