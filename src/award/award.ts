import type { Plan, PlanEntry, Subject } from '../events/types.js'
import type { Ledger, LedgerRecipient, Outcome } from '../ledger/ledger.js'
import { keyId, LedgerError, ledgerKey, openLedger } from '../ledger/ledger.js'
import { MoodleError } from '../moodle/errors.js'
import type { MoodleClient } from '../moodle/client.js'
import type { RecipientResult } from '../report/status.js'
import type { Logger } from '../runner/actions.js'
import type { RunContext } from '../runner/context.js'
import { InputError, type Settings } from '../settings/settings.js'
import { type Candidate, resultFor } from './recipients.js'
import { unknownAwardReason } from './unknown.js'

export interface AwardDeps {
  settings: Settings
  context: RunContext
  moodle: Pick<MoodleClient, 'awardPoints'>
  log: Logger
}

/** A candidate who would receive points, with its place in the results. */
interface Eligible {
  index: number
  entry: PlanEntry
  moodleUserId: number
}

type Settle = (
  item: Eligible,
  status: RecipientResult['status'],
  reason: string,
  xp?: number | null
) => void

/**
 * Consults the ledger, awards every eligible candidate that has not been awarded before, and
 * records the outcome. Each recipient is awarded independently: one failure does not stop the
 * others. Returns one result per candidate, in plan order, and notes for the summary.
 */
export async function awardAll(
  plan: Plan,
  candidates: Candidate[],
  deps: AwardDeps
): Promise<{ results: RecipientResult[]; notes: string[] }> {
  const { settings, log } = deps
  const results: (RecipientResult | null)[] = candidates.map(c => c.settled)
  const notes: string[] = []
  const eligible = candidates.flatMap((c, index): Eligible[] =>
    c.settled === null && c.moodleUserId !== null
      ? [{ index, entry: c.entry, moodleUserId: c.moodleUserId }]
      : []
  )
  const settle: Settle = (item, status, reason, xp = null) => {
    results[item.index] = resultFor(item.entry, item.moodleUserId, status, reason, xp)
  }

  if (eligible.length > 0) {
    const ledger = await openLedgerFor(plan, deps, notes)
    try {
      await awardEligible(plan, eligible, ledger, deps, settle)
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error
      // The ledger could not be read or written before anything was sent: nothing was awarded.
      for (const item of eligible) {
        if (results[item.index] === null)
          settle(item, 'failed', `${error.message} Nothing was sent to Moodle.`)
      }
    }
    if (ledger) log.info(`GitHub requests for the ledger: ${ledger.book.requestCount()}.`)
  }
  if (settings.dryRun) notes.push('Dry run: nothing was awarded and nothing was written.')
  log.info(
    `${results.filter(r => r?.status === 'awarded').length} of ${results.length} recipients awarded.`
  )
  return { results: results as RecipientResult[], notes }
}

async function awardEligible(
  plan: Plan,
  eligible: Eligible[],
  ledger: OpenLedger | null,
  deps: AwardDeps,
  settle: Settle
): Promise<void> {
  const { settings, moodle, log } = deps
  // Each candidate as the ledger knows it (its key names the thread, so only with a ledger).
  const recipients = new Map(
    ledger
      ? eligible.map(item => [item, ledgerRecipient(ledger.subject, plan, settings, item)])
      : []
  )
  const idOf = (item: Eligible) => {
    const recipient = recipients.get(item)
    return recipient ? keyId(recipient.key) : ''
  }
  const listed = (items: Eligible[]) => items.flatMap(item => recipients.get(item) ?? [])

  const decisions = ledger ? await ledger.book.consult(listed(eligible)) : null
  const toAward: Eligible[] = []
  for (const item of eligible) {
    const decision = decisions?.get(idOf(item)) ?? { action: 'award' as const, reason: '' }
    if (decision.action === 'already-awarded')
      settle(item, 'already-awarded', decision.reason, decision.xp)
    else if (decision.action === 'unknown') settle(item, 'unknown', decision.reason)
    else if (decision.action === 'in-progress') settle(item, 'skipped', decision.reason)
    else toAward.push(item)
  }
  if (settings.dryRun) {
    for (const item of toAward)
      settle(item, 'dry-run', `would award ${item.entry.points} points (${plan.pointsSource})`)
    return
  }
  const claims = ledger ? await ledger.book.claim(listed(toAward)) : null
  const outcomes: Outcome[] = []
  for (const item of toAward) {
    const claim = claims?.get(idOf(item)) ?? { go: true as const }
    if (!claim.go) {
      settle(item, claim.status, claim.reason)
      continue
    }
    const { points } = item.entry
    const login = item.entry.person?.login
    const who = login
      ? `@${login} (Moodle user ${item.moodleUserId})`
      : `Moodle user ${item.moodleUserId}`
    const recipient = recipients.get(item)
    try {
      const { xp } = await moodle.awardPoints({
        userId: item.moodleUserId,
        points,
        courseId: settings.courseId
      })
      settle(item, 'awarded', `${points} points (${plan.pointsSource})`, xp)
      log.info(`Awarded ${points} points to ${who}; new total ${xp}.`)
      if (recipient) outcomes.push({ recipient, state: 'done', xp })
    } catch (error) {
      if (!(error instanceof MoodleError)) throw error
      const status = error.outcome === 'unknown' ? 'unknown' : 'failed'
      const reason =
        status === 'unknown' && ledger
          ? unknownAwardReason(error.message, deps.context.runId)
          : error.message
      settle(item, status, reason)
      if (recipient) outcomes.push({ recipient, state: status, xp: null, reason: error.message })
    }
  }
  if (ledger && outcomes.length > 0) await ledger.book.settle(outcomes)
}

function ledgerRecipient(
  subject: Subject,
  plan: Plan,
  settings: Settings,
  item: Eligible
): LedgerRecipient {
  const person = item.entry.person
  return {
    key: ledgerKey(
      { subject, courseId: settings.courseId, kind: plan.kind },
      { id: person?.id ?? null, login: person?.login ?? null },
      item.moodleUserId
    ),
    login: person?.login ?? null,
    points: item.entry.points,
    moodleUserId: item.moodleUserId
  }
}

/** An open ledger and the pull request or issue it keeps its records on. */
interface OpenLedger {
  book: Ledger
  subject: Subject
}

/** The ledger for this event's pull request or issue, or null when there is none to keep. */
async function openLedgerFor(
  plan: Plan,
  deps: AwardDeps,
  notes: string[]
): Promise<OpenLedger | null> {
  const { settings, context, log } = deps
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
  const book = await openLedger({
    token: settings.githubToken,
    apiUrl: context.apiUrl,
    subject: plan.subject,
    courseId: settings.courseId,
    runId: context.runId,
    runAttempt: context.runAttempt,
    comment: settings.comment,
    dryRun: settings.dryRun,
    force: settings.force,
    logger: log
  })
  return { book, subject: plan.subject }
}
