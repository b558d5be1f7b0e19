/**
 * The ledger comment's body: friendly visible text for the students, then the hidden records.
 * Pure. Every string that comes from the event (titles, logins) goes through `escapeText`.
 */
import type { Subject } from '../events/types.js'
import { levelNext, levelPhrase, levelTitle, type StudentLevel } from '../level/level.js'
import { encodeRecord, type LedgerRecord } from './records.js'

/** Outcome of one recipient as the comment shows it. */
export type TextState = 'pending' | 'done' | 'failed' | 'unknown'

export interface TextEntry {
  login: string | null
  moodleUserId: number
  points: number
  xp: number | null
  state: TextState
  /** The level a done award's total reached; absent when the course's levels are not known. */
  level?: StudentLevel
}

// Characters that Markdown or HTML could read as syntax, plus `@` (mentions, e.g. a team),
// `:` (emoji codes, `::error::`-like text) and `#` (issue references). A numeric character
// reference renders as the character itself and never as syntax.
const SPECIAL = /[\\`*_{}[\]()#+\-.!|~<>&"'@:=$%^]/g

/** Text safe to place anywhere in a Markdown paragraph (one line, no markup, no mentions). */
export function escapeText(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
      .replace(SPECIAL, c => `&#${c.charCodeAt(0)};`)
      // GitHub turns `&#64;team` and `&#35;12` back into mentions and references: a zero-width
      // space after them keeps event text from notifying anyone or linking anything.
      .replace(/&#(64|35);/g, '&#$1;\u200b')
  )
}

const LOGIN_RE = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/

/** `@login` when it is a valid GitHub login (so the student is notified), else escaped text. */
export function mention(login: string | null, moodleUserId: number): string {
  if (login === null) return `Moodle user ${moodleUserId}`
  return LOGIN_RE.test(login) ? `@${login}` : escapeText(login)
}

function what(subject: Subject): string {
  return subject.kind === 'pull_request' ? 'pull request' : 'issue'
}

/** What follows the total: the level (the teacher's name for it escaped), a level-up said so. */
function levelText(level: StudentLevel | undefined): string {
  if (!level) return ''
  return level.levelUp
    ? `. ⬆️ New level: **${levelTitle(level, escapeText)}**; ${levelNext(level)}`
    : ` (${levelPhrase(level, escapeText)})`
}

function line(e: TextEntry, subject: Subject): string {
  const who = mention(e.login, e.moodleUserId)
  switch (e.state) {
    case 'done': {
      const earned = `- 🎉 ${who} earned **${e.points} XP** for this ${what(subject)}`
      if (e.xp === null) return `${earned}. Well done!`
      return `${earned} and now has **${e.xp} XP** in total${levelText(e.level)}. Well done!`
    }
    case 'failed':
      return `- ${who}: the ${e.points} XP could not be awarded this time. Your teacher can see why in the workflow run.`
    case 'unknown':
      return `- ${who}: it is not certain that the ${e.points} XP reached Moodle, so your teacher will check before trying again.`
    case 'pending':
      return `- ${who}: awarding ${e.points} XP in Moodle...`
  }
}

export interface BodyInput {
  /** The `comment` input: false leaves only a neutral line and the hidden records. */
  comment: boolean
  subject: Subject
  entries: TextEntry[]
  records: LedgerRecord[]
}

/** The whole comment body. */
export function commentBody(o: BodyInput): string {
  const hidden = o.records.map(encodeRecord)
  if (!o.comment) return ['<sub>Moodle XP award record</sub>', '', ...hidden].join('\n')
  const title = escapeText(o.subject.title)
  // Mentions are in the first version of the comment too: GitHub notifies on creation.
  const head = o.entries.every(e => e.state === 'pending')
    ? `⏳ Awarding XP in Moodle for this ${what(o.subject)}: “${title}”`
    : `**Moodle XP** for this ${what(o.subject)}: “${title}”`
  const lines = o.entries.map(e => line(e, o.subject))
  return [head, '', ...lines, '', ...hidden].join('\n')
}

export interface UnmappedBodyInput {
  subject: Subject
  /** GitHub logins of the students to tell, as the event names them. */
  logins: string[]
  /** The hidden markers that say who was told (one line each). */
  hidden: string[]
}

/**
 * The comment for students who earned but are not in the roster: that no XP came, why, and
 * that their teacher can fix it. Only each student's own login: no Moodle user, no roster
 * content (a "did you mean" would show another student's login).
 */
export function unmappedBody(o: UnmappedBodyInput): string {
  const thing = what(o.subject)
  const lines = o.logins.map(
    login =>
      `- 👋 ${mention(login, 0)}: this ${thing} earns XP, but your GitHub account is not in the course roster yet (the list that links each student's GitHub account to their Moodle account), so no XP could be awarded. Ask your teacher to add you to the roster; they can then award the XP for this ${thing}.`
  )
  const head = `**Moodle XP** for this ${thing}: “${escapeText(o.subject.title)}”`
  return [head, '', ...lines, '', ...o.hidden].join('\n')
}
