import { PlanError } from './errors.js'
import { plainLine } from '../report/text.js'
import type { GitHubPerson, Subject } from './types.js'

/**
 * Reads the few fields the planner needs from a webhook payload. The payload is plain JSON
 * from `GITHUB_EVENT_PATH`: every field is checked here, so the planner works on typed data.
 */

export type JsonObject = Record<string, unknown>

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A user object as webhooks carry it (`{login, id, type, ...}`), or null when it is not one. */
export function readPerson(value: unknown): GitHubPerson | null {
  if (!isObject(value) || typeof value.login !== 'string' || value.login.trim() === '') return null
  const id = typeof value.id === 'number' && Number.isSafeInteger(value.id) ? value.id : null
  const person: GitHubPerson = { login: value.login, id }
  if (typeof value.type === 'string') person.type = value.type
  return person
}

/** Same account: by numeric id when both sides have one (logins can be renamed), else login. */
export function samePerson(a: GitHubPerson, b: GitHubPerson): boolean {
  if (a.id !== null && b.id !== null) return a.id === b.id
  return a.login.toLowerCase() === b.login.toLowerCase()
}

/** Appends the people not already in `list` (each person at most once). */
export function addPeople(list: GitHubPerson[], people: GitHubPerson[]): GitHubPerson[] {
  for (const person of people) {
    if (!list.some(known => samePerson(known, person))) list.push(person)
  }
  return list
}

/** The closed pull request or issue, as the planner needs it. */
export interface Thread {
  subject: Subject
  author: GitHubPerson
  /** `assignees`, or the lone legacy `assignee` when the list is absent or empty. */
  assignees: GitHubPerson[]
  /** Label names as written on the thread (raw, untrusted). */
  labels: string[]
  /** Whoever triggered the event; null when the payload does not say. */
  sender: GitHubPerson | null
}

export interface ClosedPullRequest extends Thread {
  merged: boolean
}

export interface ClosedIssue extends Thread {
  /** `state_reason` as sent; null when absent or null (older payloads). */
  stateReason: string | null
}

function missing(eventName: string, field: string, what: string): PlanError {
  return new PlanError(
    `The ${plainLine(eventName, 60)} event file has no valid "${field}" (${what}): run this action ` +
      'on a real GitHub event, or fix the JSON file that GITHUB_EVENT_PATH names.'
  )
}

function readAssignees(thread: JsonObject): GitHubPerson[] {
  const list = Array.isArray(thread.assignees) ? thread.assignees : []
  const people = list.map(readPerson).filter((p): p is GitHubPerson => p !== null)
  if (people.length === 0) {
    const single = readPerson(thread.assignee)
    if (single) people.push(single)
  }
  return addPeople([], people)
}

function readLabels(thread: JsonObject): string[] {
  if (!Array.isArray(thread.labels)) return []
  const names: string[] = []
  for (const label of thread.labels) {
    if (typeof label === 'string') names.push(label)
    else if (isObject(label) && typeof label.name === 'string') names.push(label.name)
  }
  return names
}

function readThread(
  eventName: string,
  payload: JsonObject,
  field: 'pull_request' | 'issue'
): Thread & { raw: JsonObject } {
  const raw = payload[field]
  const what = field === 'pull_request' ? 'the pull request' : 'the issue'
  if (!isObject(raw)) throw missing(eventName, field, what)
  const author = readPerson(raw.user)
  if (!author) throw missing(eventName, `${field}.user`, `the author of ${what}`)
  const number = typeof raw.number === 'number' ? raw.number : payload.number
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) {
    throw missing(eventName, `${field}.number`, `the number of ${what}`)
  }
  const repository = isObject(payload.repository) ? payload.repository.full_name : undefined
  if (typeof repository !== 'string' || !repository.includes('/')) {
    throw missing(eventName, 'repository.full_name', 'owner/name of the repository')
  }
  return {
    raw,
    subject: {
      kind: field,
      repository,
      number,
      title: typeof raw.title === 'string' ? raw.title : '',
      url: typeof raw.html_url === 'string' ? raw.html_url : ''
    },
    author,
    assignees: readAssignees(raw),
    labels: readLabels(raw),
    sender: readPerson(payload.sender)
  }
}

export function readClosedPullRequest(eventName: string, payload: JsonObject): ClosedPullRequest {
  const { raw, ...thread } = readThread(eventName, payload, 'pull_request')
  return { ...thread, merged: raw.merged === true }
}

export function readClosedIssue(eventName: string, payload: JsonObject): ClosedIssue {
  const { raw, ...thread } = readThread(eventName, payload, 'issue')
  // The self-close rule compares the sender with the author: without a sender it cannot be
  // applied, and guessing either way would be wrong.
  if (!thread.sender) throw missing(eventName, 'sender', 'who closed the issue')
  const reason = raw.state_reason
  return { ...thread, stateReason: typeof reason === 'string' && reason !== '' ? reason : null }
}

/**
 * Every account the payload names in the usual places (author, assignees, merged_by, sender),
 * for the `github-login` lookup, on any event.
 */
export function peopleInPayload(payload: JsonObject): GitHubPerson[] {
  const people: GitHubPerson[] = []
  const add = (value: unknown): void => {
    const person = readPerson(value)
    if (person) addPeople(people, [person])
  }
  for (const field of ['pull_request', 'issue', 'comment', 'review']) {
    const thread = payload[field]
    if (!isObject(thread)) continue
    add(thread.user)
    if (Array.isArray(thread.assignees)) thread.assignees.forEach(add)
    add(thread.assignee)
    add(thread.merged_by)
  }
  add(payload.sender)
  return people
}
