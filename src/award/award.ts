import type { Plan } from '../events/types.js'
import type { Ledger, LedgerRecipient, Outcome } from '../ledger/ledger.js'
import { keyId, LedgerError, ledgerKey, openLedger } from '../ledger/ledger.js'
import { checkMoodleAdvice } from '../ledger/records.js'
import { MoodleError } from '../moodle/errors.js'
import type { MoodleClient } from '../moodle/client.js'
import type { RecipientResult } from '../report/status.js'
import type { Logger } from '../runner/actions.js'
import type { RunContext } from '../runner/context.js'
import { InputError, type Settings } from '../settings/settings.js'
import { type Candidate, resultFor } from './recipients.js'

export interface AwardDeps {
  settings: Settings
  context: RunContext
  moodle: Pick<MoodleClient, 'awardPoints'>
  log: Logger
}

interface Eligible {
  index: number
  candidate: Candidate & { moodleUserId: number }
  recipient: LedgerRecipient
}

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
  const eligible: Eligible[] = []
  candidates.forEach((candidate, index) => {
    if (candidate.settled !== null || candidate.moodleUserId === null) return
    const person = candidate.entry.person
    const recipient: LedgerRecipient = {
      key: ledgerKey(
        {
          subject: plan.subject ?? placeholderSubject(deps.context),
          courseId: settings.courseId,
          kind: plan.kind
        },
        { id: person?.id ?? null, login: person?.login ?? null },
        candidate.moodleUserId
      ),
      login: person?.login ?? null,
      points: candidate.entry.points,
      moodleUserId: candidate.moodleUserId
    }
    eligible.push({ index, candidate: candidate as Eligible['candidate'], recipient })
  })
  const settle = (
    item: Eligible,
    status: RecipientResult['status'],
    reason: string,
    xp: number | null = null
  ) => {
    results[item.index] = resultFor(
      item.candidate.entry,
      item.candidate.moodleUserId,
      status,
      reason,
      xp
    )
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
    if (ledger) log.info(`GitHub requests for the ledger: ${ledger.requestCount()}.`)
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
  ledger: Ledger | null,
  deps: AwardDeps,
  settle: (
    item: Eligible,
    status: RecipientResult['status'],
    reason: string,
    xp?: number | null
  ) => void
): Promise<void> {
  const { settings, moodle, log } = deps
  const decisions = ledger ? await ledger.consult(eligible.map(e => e.recipient)) : null
  const toAward: Eligible[] = []
  for (const item of eligible) {
    const decision = decisions?.get(keyId(item.recipient.key)) ?? {
      action: 'award' as const,
      reason: ''
    }
    if (decision.action === 'already-awarded')
      settle(item, 'already-awarded', decision.reason, decision.xp)
    else if (decision.action === 'unknown') settle(item, 'unknown', decision.reason)
    else if (decision.action === 'in-progress') settle(item, 'skipped', decision.reason)
    else toAward.push(item)
  }
  if (settings.dryRun) {
    for (const item of toAward)
      settle(item, 'dry-run', `would award ${item.recipient.points} points (${plan.pointsSource})`)
    return
  }
  const claims = ledger ? await ledger.claim(toAward.map(e => e.recipient)) : null
  const outcomes: Outcome[] = []
  for (const item of toAward) {
    const claim = claims?.get(keyId(item.recipient.key)) ?? { go: true as const }
    if (!claim.go) {
      settle(item, claim.status, claim.reason)
      continue
    }
    const who =
      item.recipient.login !== null
        ? `@${item.recipient.login} (Moodle user ${item.recipient.moodleUserId})`
        : `Moodle user ${item.recipient.moodleUserId}`
    try {
      const { xp } = await moodle.awardPoints({
        userId: item.recipient.moodleUserId,
        points: item.recipient.points,
        courseId: settings.courseId
      })
      settle(item, 'awarded', `${item.recipient.points} points (${plan.pointsSource})`, xp)
      log.info(`Awarded ${item.recipient.points} points to ${who}; new total ${xp}.`)
      outcomes.push({ recipient: item.recipient, state: 'done', xp })
    } catch (error) {
      if (!(error instanceof MoodleError)) throw error
      const status = error.outcome === 'unknown' ? 'unknown' : 'failed'
      const advice =
        status === 'unknown' && ledger ? `; then ${checkMoodleAdvice(`${deps.context.runId}`)}` : ''
      settle(item, status, `${error.message}${advice}`)
      outcomes.push({
        recipient: item.recipient,
        state: status === 'unknown' ? 'unknown' : 'failed',
        xp: null,
        reason: error.message
      })
    }
  }
  if (ledger && outcomes.length > 0) await ledger.settle(outcomes)
}

/** The ledger for this event's pull request or issue, or null when there is none to keep. */
async function openLedgerFor(plan: Plan, deps: AwardDeps, notes: string[]): Promise<Ledger | null> {
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
  return openLedger({
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
}

/** Ledger keys need a subject; events without one never reach the ledger, so any value works. */
function placeholderSubject(context: RunContext): NonNullable<Plan['subject']> {
  return { kind: 'issue', repository: context.repository, number: 0, title: '', url: '' }
}
