/** Where a roster record was written, for error messages and annotations. */
export interface SourceLocation {
  /** Path relative to the workspace, or `mapping` for the inline input. */
  file: string
  /** 1-based line number. */
  line: number
}

/** The Moodle fields a roster record may name a student by, besides the numeric id. */
export type MoodleLookupField = 'email' | 'username' | 'idnumber'

/** One student in the roster, after parsing and validation. */
export interface RosterRecord {
  /** GitHub login as written (matched case-insensitively). */
  github: string | null
  githubId: number | null
  /** Exactly one of `moodleId` or `lookup` is set. */
  moodleId: number | null
  lookup: { field: MoodleLookupField; value: string } | null
  source: SourceLocation
}

export interface Roster {
  records: RosterRecord[]
}

/** What parsing one roster source yields. */
export interface ParsedRoster {
  roster: Roster
  /** GitHub Classroom rows skipped because no GitHub account is linked yet (for the log). */
  skipped: number
}

/** Result of looking up one roster record in Moodle. */
export type LookupResult =
  | { moodleId: number }
  /** `ambiguousIds` is set when several Moodle users share the value (e.g. one email). */
  | { notFound: true; ambiguousIds?: number[] }
