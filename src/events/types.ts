/** A GitHub account as the event payload names it. */
export interface GitHubPerson {
  login: string
  /** Numeric account id; null when only a login is known (the `github-login` input). */
  id: number | null
  /** `User`, `Bot`, `Organization`... as GitHub reports it, when known. */
  type?: string
}

/** The pull request or issue an award is for: where the ledger comment lives. */
export interface Subject {
  kind: 'pull_request' | 'issue'
  /** `owner/name` */
  repository: string
  number: number
  title: string
  url: string
}

/**
 * What earns: the event kind is part of the ledger key, so a pull request merged and an issue
 * completed with the same number never collide. The one list of kinds: the ledger reads back
 * only records whose kind is in it.
 */
export const AWARD_KINDS = ['pr-merged', 'issue-closed', 'direct'] as const

export type AwardKind = (typeof AWARD_KINDS)[number]

export function isAwardKind(x: unknown): x is AwardKind {
  return (AWARD_KINDS as readonly unknown[]).includes(x)
}

/** One person the event names, with the planner's verdict. */
export interface PlanEntry {
  /** Null only for a bare `user-id` award (no GitHub account involved). */
  person: GitHubPerson | null
  /** Set when the `user-id` input names the Moodle user directly (no roster). */
  moodleUserId: number | null
  points: number
  /** Null when eligible; otherwise why not (becomes status `skipped`). */
  skipReason: string | null
}

export interface Plan {
  kind: AwardKind
  /** Null for events that have no pull request or issue (workflow_dispatch, push, ...). */
  subject: Subject | null
  entries: PlanEntry[]
  /** A one-line description of the event for the log and summary (already plain text). */
  description: string
  /**
   * Where `points` came from, for the summary: `points input` or `label 'big-feature'`.
   * One line of plain text (control characters replaced), but the label is raw otherwise:
   * escape it for Markdown/HTML at output.
   */
  pointsSource: string
}
