/**
 * The award's ledger side, loaded only when a run keeps a ledger (or tells unmapped students in
 * a comment): the comment ledger and the ledger branch, the GitHub client, the users look-up.
 * A direct award (`ledger: off`, or no pull request or issue) never loads or compiles it.
 */
import type { Plan, Subject } from '../events/types.js'
import { connect, GitHubError, type GitHubApi } from '../ledger/github.js'
import {
  ledgerKey,
  openCommentLedger,
  type Ledger,
  type LedgerRecipient
} from '../ledger/ledger.js'
import { recordKeyFrom } from '../ledger/records.js'
import { tellUnmapped, unmappedPeople } from '../ledger/unmapped.js'
import type { MoodleError } from '../moodle/errors.js'
import type { RecipientResult } from '../report/status.js'
import type { Settings } from '../settings/settings.js'
import { centralLedger } from '../sync/branch-store.js'
import type { AwardDeps, Eligible, Settle } from './award.js'
import { unknownAwardReason } from './unknown.js'

/** An open ledger for one event's pull request or issue, and what the award asks of it. */
export interface OpenLedger {
  ledger: Ledger
  github: GitHubApi
  /** The candidate named by GitHub id (looked up for a login alone); null: settled as failed. */
  named(item: Eligible, settle: Settle): Promise<Eligible | null>
  /** The candidate as the ledger knows it. */
  recipientOf(item: Eligible): LedgerRecipient
  /** The reason of an unknown outcome, with the ledger's procedure as its advice. */
  unknownReason(error: Pick<MoodleError, 'diagnosis'>): string
}

/** Opens the comment ledger of `subject` (with this repository's ledger branch as a source). */
export async function openLedger(
  plan: Plan,
  subject: Subject,
  deps: AwardDeps,
  tokens: { github: string; moodle: string }
): Promise<OpenLedger> {
  const { settings, context, log } = deps
  const { ledger, github } = await openCommentLedger({
    token: tokens.github,
    apiUrl: context.apiUrl,
    // Sync mode's ledger of this repository counts too: one item is never paid by both modes.
    sources: (client, recordKey) =>
      context.repository === ''
        ? []
        : [
            centralLedger(client, {
              repository: context.repository,
              branch: settings.ledgerBranch,
              serverUrl: context.serverUrl,
              recordKey,
              run: `${context.runId}/${context.runAttempt}`
            })
          ],
    subject,
    moodleToken: tokens.moodle,
    runId: context.runId,
    runAttempt: context.runAttempt,
    comment: settings.comment,
    dryRun: settings.dryRun,
    force: settings.force,
    logger: log
  })
  return {
    ledger,
    github,
    named: (item, settle) => withGitHubId(item, github, settle),
    recipientOf: item => ledgerRecipient(subject, plan, settings, item),
    unknownReason: error => unknownAwardReason(error, context.runId)
  }
}

/**
 * The ledger names a GitHub account by its numeric id whenever GitHub knows it, so that the
 * key does not depend on how the person was named: a login alone (`github-login`) is looked up.
 * A look-up that fails settles the candidate as failed (nothing sent); null when it did.
 */
async function withGitHubId(
  item: Eligible,
  github: GitHubApi,
  settle: Settle
): Promise<Eligible | null> {
  const person = item.entry.person
  if (person === null || person.id !== null) return item
  try {
    const id = await github.userId(person.login)
    return id === null ? item : { ...item, entry: { ...item.entry, person: { ...person, id } } }
  } catch (error) {
    if (!(error instanceof GitHubError)) throw error
    settle(
      item,
      'failed',
      `The ledger names each person by their GitHub account id, and looking up ${person.login} failed (${error.detail}). Nothing was sent to Moodle; re-run the workflow once GitHub answers again.`
    )
    return null
  }
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

/**
 * Tells the students of `results` who earned but are not in the roster, once per (event,
 * person), in a comment on `subject` (award.ts decides whether a run may). Never changes a
 * result: a comment GitHub refuses is a warning.
 */
export async function tellUnmappedStudents(
  plan: Plan,
  subject: Subject,
  results: RecipientResult[],
  ledger: OpenLedger | null,
  deps: AwardDeps,
  notes: string[],
  tokens: { github: string; moodle: string }
): Promise<void> {
  const { settings, context, log } = deps
  const people = unmappedPeople(results, { subject, courseId: settings.courseId, kind: plan.kind })
  if (people.length === 0) return
  try {
    const github =
      ledger?.github ??
      (await connect({ token: tokens.github, apiUrl: context.apiUrl, logger: log }))
    const told = await tellUnmapped(github, subject, people, recordKeyFrom(tokens.moodle))
    if (told.length > 0)
      notes.push(
        `Told in a comment that they are not in the roster yet: ${told.map(p => p.login).join(', ')}.`
      )
  } catch (error) {
    // Whatever went wrong, the awards made stand and are reported.
    const detail = error instanceof GitHubError ? error.detail : (error as Error).message
    const refused =
      error instanceof GitHubError &&
      (error.status === 403 || error.status === 404) &&
      !/locked/i.test(detail)
    const permission = subject.kind === 'pull_request' ? 'pull-requests: write' : 'issues: write'
    const fix = refused ? `: add ${permission} under permissions: in the workflow` : ''
    log.warning(
      `No comment could tell ${people.map(p => p.login).join(', ')} that they are not in the roster (${detail})${fix}. The results stand.`
    )
  }
}
