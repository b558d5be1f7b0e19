import { PlanError } from './errors.js'
import {
  addPeople,
  isObject,
  peopleInPayload,
  readClosedIssue,
  readClosedPullRequest,
  samePerson,
  type JsonObject,
  type Thread
} from './payload.js'
import { plainLine } from '../report/text.js'
import type { AwardKind, GitHubPerson, Plan, PlanEntry } from './types.js'

export { PlanError } from './errors.js'

export interface PlannerSettings {
  points: number
  /** Label name -> points; matched trimmed and case-insensitively. */
  labelPoints: Map<string, number>
  recipients: 'auto' | Array<'author' | 'assignees'>
  /** Issue `state_reason`s that earn, e.g. {'completed'}; matched case-insensitively. */
  issueCloseReasons: Set<string>
  /** Logins that never earn; matched case-insensitively. */
  ignoreUsers: Set<string>
  /** The `user-id` input: award this Moodle user directly. */
  userId: number | null
  /** The `github-login` input: award this GitHub user instead of the people the event names. */
  githubLogin: string | null
}

/** What a thread's closing means, read from the payload by an event's reader. */
interface ClosedThread {
  thread: Thread
  /** The thread's state for the description, e.g. `merged`, `closed as completed`. */
  state: string
  /** Why nobody earns from this event (closed without merge...), or null. */
  eventSkip: string | null
  /** Who earns under `recipients: auto`. */
  auto: GitHubPerson[]
}

/** An event that awards the people of a pull request or issue. */
export interface EarningEvent {
  /** The webhook event name (`GITHUB_EVENT_NAME`). */
  name: string
  /** Actions that can earn; the others give a plan without entries. */
  actions: readonly string[]
  /** What earns: part of the ledger key. */
  kind: AwardKind
  /** The thread, its state and who earns by default. Throws PlanError for a malformed payload. */
  read: (event: string, payload: JsonObject, settings: PlannerSettings) => ClosedThread
  /** Rules that need the whole plan (the entries after `user-id` / `github-login`). */
  finish?: (plan: Plan, closed: ClosedThread, settings: PlannerSettings) => void
}

function readPullRequest(event: string, payload: JsonObject): ClosedThread {
  const pr = readClosedPullRequest(event, payload)
  return {
    thread: pr,
    state: pr.merged ? 'merged' : 'closed without merging',
    eventSkip: pr.merged ? null : SKIP.unmerged,
    auto: [pr.author]
  }
}

function readIssue(event: string, payload: JsonObject, settings: PlannerSettings): ClosedThread {
  const issue = readClosedIssue(event, payload)
  const reason = issue.stateReason ?? 'completed'
  const counted = lowerSet(settings.issueCloseReasons).has(reason.toLowerCase())
  return {
    thread: issue,
    state:
      issue.stateReason === null
        ? 'closed (no state_reason: counts as completed)'
        : `closed as ${reason}`,
    eventSkip: counted
      ? null
      : `closed as ${plainLine(reason, 40)}; issue-close-reasons is ` +
        ([...settings.issueCloseReasons].join(', ') || '(empty)'),
    auto: issue.assignees.length > 0 ? [...issue.assignees] : [issue.author]
  }
}

/**
 * Anyone who can read a repository can open and close an issue, so that alone earns nothing.
 * Only when the author earns as the fallback for "nobody assigned": an assignee was chosen by
 * someone with triage rights and earns however the issue was closed. Not for `github-login`:
 * there the teacher named the person. With `user-id` alone the award stands in for the
 * author's, so the same rule applies.
 */
function skipSelfClosedIssue(plan: Plan, closed: ClosedThread, settings: PlannerSettings): void {
  const { sender, author, assignees } = closed.thread
  const selfClosed = sender !== null && samePerson(sender, author)
  if (!selfClosed || assignees.length > 0 || settings.githubLogin !== null) return
  for (const entry of plan.entries) {
    const forAuthor = entry.person ? samePerson(entry.person, author) : true
    if (entry.skipReason === null && forAuthor) entry.skipReason = SKIP.selfClosed
  }
}

/**
 * The events that award by themselves, one row each. Any other event awards only the person
 * `user-id` or `github-login` names. See CONTRIBUTING.md, "Add an event".
 */
export const EARNING_EVENTS: readonly EarningEvent[] = [
  { name: 'pull_request', actions: ['closed'], kind: 'pr-merged', read: readPullRequest },
  { name: 'pull_request_target', actions: ['closed'], kind: 'pr-merged', read: readPullRequest },
  {
    name: 'issues',
    actions: ['closed'],
    kind: 'issue-closed',
    read: readIssue,
    finish: skipSelfClosedIssue
  }
]

/** The table's row for an event name, if it awards by itself. */
export function earningEvent(eventName: string): EarningEvent | undefined {
  return EARNING_EVENTS.find(row => row.name === eventName)
}

export const SKIP = {
  unmerged: 'closed without merging',
  selfClosed: 'closed by its own author',
  bot: 'bot account',
  ignored: 'listed in ignore-users'
} as const

/**
 * Decides who earns what for one event. Pure: reads only its arguments.
 *
 * - `pull_request` / `pull_request_target` and `issues` award only on action `closed`; other
 *   actions give a plan with no entries (the workflow triggers on more types than it needs).
 * - `user-id` / `github-login` replace *who* earns, not *when*: on a closed pull request or
 *   issue the merge and close-reason rules still apply and the subject is kept (the ledger
 *   comment goes on that thread); on any other event the award is `direct` with no subject.
 * - Text in the plan (titles, labels, logins) is raw, except `description` and `pointsSource`,
 *   which are single lines without control characters (still to be escaped for Markdown).
 *
 * @throws PlanError for an unsupported event without an override, or a malformed event file.
 */
export function planAwards(eventName: string, payload: unknown, settings: PlannerSettings): Plan {
  const event = plainLine(eventName, 60)
  const row = earningEvent(eventName)
  if (row) {
    if (!isObject(payload)) {
      throw new PlanError(
        `The ${event} event file is not a JSON object: run this action on a real GitHub event, ` +
          'or fix the JSON file that GITHUB_EVENT_PATH names.'
      )
    }
    const action = payload.action
    if (typeof action !== 'string') {
      throw new PlanError(
        `The ${event} event file has no valid "action": run this action on a real GitHub ` +
          'event, or fix the JSON file that GITHUB_EVENT_PATH names.'
      )
    }
    if (!row.actions.includes(action)) return ignoredAction(event, action, row)
    const closed = row.read(event, payload, settings)
    const recipients =
      settings.recipients === 'auto'
        ? closed.auto
        : listedRecipients(closed.thread, settings.recipients)
    const plan = planThread(row.kind, event, closed, recipients, payload, settings)
    row.finish?.(plan, closed, settings)
    return plan
  }
  if (settings.userId !== null || settings.githubLogin !== null) {
    return planDirect(event, isObject(payload) ? payload : {}, settings)
  }
  throw new PlanError(
    `Event "${event}" does not award anyone by itself: set the input user-id (a Moodle user id) ` +
      'or github-login (a GitHub login from the roster) to award one person, or run this ' +
      `action on ${earningEventNames()} events of type "closed".`
  )
}

/** `pull_request / pull_request_target / issues`, for messages. */
function earningEventNames(): string {
  return EARNING_EVENTS.map(row => row.name).join(' / ')
}

/** What the thread is called in messages. */
function noun(kind: AwardKind): string {
  return kind === 'pr-merged' ? 'pull request' : 'issue'
}

function ignoredAction(event: string, action: string, row: EarningEvent): Plan {
  const actions = row.actions.join(', ')
  return {
    kind: row.kind,
    subject: null,
    entries: [],
    pointsSource: 'points input',
    description:
      `${event} action "${plainLine(action, 40)}" is ignored: only ${actions} ${noun(row.kind)}s earn points ` +
      `(limit the workflow trigger to "types: [${actions}]" to skip these runs)`
  }
}

/**
 * The list form of `recipients`: the union of the author and the assignees, each person once,
 * in the order the list names them (the first recipient's total becomes the `xp` output).
 */
function listedRecipients(thread: Thread, kinds: Array<'author' | 'assignees'>): GitHubPerson[] {
  const people: GitHubPerson[] = []
  for (const kind of kinds)
    addPeople(people, kind === 'author' ? [thread.author] : thread.assignees)
  return people
}

function planThread(
  kind: AwardKind,
  event: string,
  closed: ClosedThread,
  recipients: GitHubPerson[],
  payload: JsonObject,
  settings: PlannerSettings
): Plan {
  const { thread, state, eventSkip } = closed
  const { points, pointsSource } = choosePoints(thread.labels, settings)
  const { repository, number, title } = thread.subject
  let description =
    `${event}: ${noun(kind)} ${plainLine(repository, 100)}#${number} ` +
    `"${plainLine(title, 100)}" ${plainLine(state, 60)}`
  let entries: PlanEntry[]
  const override = overrideEntry(payload, settings, points)
  if (override) {
    entries = [override.entry]
    description += `; awarding ${override.label} instead of the event's people`
    // `user-id` alone names no GitHub account: the event's own people still have to be
    // students, so a bot's or a teacher's merged pull request earns nothing.
    const skips = recipients.map(person => personSkip(person, settings))
    const first = recipients[0]
    if (override.entry.person === null && first && skips.every(skip => skip !== null)) {
      override.entry.skipReason = `the ${noun(kind)}'s ${plainLine(first.login, 60)}: ${skips[0]}`
    }
  } else {
    entries = recipients.map(person => ({
      person,
      moodleUserId: null,
      points,
      skipReason: personSkip(person, settings)
    }))
    if (entries.length === 0) description += '; nobody to award (no assignees)'
  }
  if (eventSkip !== null) {
    for (const entry of entries) entry.skipReason = eventSkip
  }
  return { kind, subject: thread.subject, entries, description, pointsSource }
}

function planDirect(event: string, payload: JsonObject, settings: PlannerSettings): Plan {
  const override = overrideEntry(payload, settings, settings.points)
  if (!override) throw new Error('planDirect needs user-id or github-login') // unreachable
  return {
    kind: 'direct',
    subject: null,
    entries: [override.entry],
    pointsSource: 'points input',
    description: `${event}: direct award to ${override.label}`
  }
}

/**
 * The one entry for `user-id` / `github-login`, or null when neither is set. The login's id
 * and type come from the payload when it names that account (so the roster can match by id
 * and bots are recognised), else the id is unknown.
 */
function overrideEntry(
  payload: JsonObject,
  settings: PlannerSettings,
  points: number
): { entry: PlanEntry; label: string } | null {
  const { userId, githubLogin } = settings
  if (userId === null && githubLogin === null) return null
  let person: GitHubPerson | null = null
  if (githubLogin !== null) {
    const wanted: GitHubPerson = { login: githubLogin, id: null }
    const known = peopleInPayload(payload).find(p => samePerson(p, wanted))
    person = known ? { ...known } : wanted
  }
  const label = [
    person ? `${plainLine(person.login, 60)} (github-login)` : '',
    userId !== null ? `Moodle user ${userId} (user-id)` : ''
  ]
    .filter(Boolean)
    .join(' as ')
  const entry: PlanEntry = {
    person,
    moodleUserId: userId,
    points,
    skipReason: person ? personSkip(person, settings) : null
  }
  return { entry, label }
}

function personSkip(person: GitHubPerson, settings: PlannerSettings): string | null {
  if (isBot(person)) return SKIP.bot
  if (lowerSet(settings.ignoreUsers).has(person.login.toLowerCase())) return SKIP.ignored
  return null
}

export function isBot(person: GitHubPerson): boolean {
  return person.type?.toLowerCase() === 'bot' || person.login.toLowerCase().endsWith('[bot]')
}

/** `points`, replaced by the highest `label-points` value among the thread's labels. */
export function choosePoints(
  labels: string[],
  settings: Pick<PlannerSettings, 'points' | 'labelPoints'>
): { points: number; pointsSource: string } {
  const table = new Map<string, number>()
  for (const [name, value] of settings.labelPoints) table.set(name.trim().toLowerCase(), value)
  let best: { points: number; pointsSource: string } | null = null
  for (const label of labels) {
    const value = table.get(label.trim().toLowerCase())
    if (value !== undefined && (best === null || value > best.points)) {
      best = { points: value, pointsSource: `label '${plainLine(label, 60)}'` }
    }
  }
  return best ?? { points: settings.points, pointsSource: 'points input' }
}

function lowerSet(values: Set<string>): Set<string> {
  return new Set([...values].map(v => v.trim().toLowerCase()))
}
