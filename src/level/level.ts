/**
 * A student's Level Up XP level after an award, as the comment and the `results` output show
 * it: the course's levels (`local_xp_get_levels_info`) applied to the total the award's reply
 * gave, as Level Up XP does (the highest level whose threshold the total reaches). Pure.
 *
 * The total of the award's own reply, not the student's state read afterwards: each line of a
 * comment says "now has N XP", and its level must be that of N, also when a sync run awards the
 * same student several times or other points arrive in between.
 */
import { plainLine } from '../report/text.js'

/** One level of the course, as `local_xp_get_levels_info` lists it. */
export interface CourseLevel {
  level: number
  /** Points needed to reach it (0 for the first level). */
  xprequired: number
  /** The teacher's name for it; null when it has none. */
  name: string | null
}

/** One entry's `level` in the `results` output (field names are part of the interface). */
export interface StudentLevel {
  /** The level number, 1 for the first level. */
  number: number
  /** The level's name as the teacher set it in Level Up XP; null when it has none. */
  name: string | null
  /** Points still needed for the next level; null at the top level. */
  xpToNext: number | null
  /** This award took the student to this level (the total before it was on a lower one). */
  levelUp: boolean
}

/** Level names are the teacher's text: shown on one line, at most this many characters. */
const NAME_LENGTH = 60

/** The highest level `xp` reaches; undefined below every threshold. `levels` in level order. */
function levelAt(levels: readonly CourseLevel[], xp: number): CourseLevel | undefined {
  return levels.findLast(l => l.xprequired <= xp)
}

/**
 * The level of the award's new total `xp`, how far the next level is from it, and whether the
 * total before the award (`xp - points`) was on a lower level. Undefined when the course lists
 * no level the total reaches.
 */
export function levelAfterAward(
  levels: readonly CourseLevel[],
  award: { xp: number; points: number }
): StudentLevel | undefined {
  const ordered = [...levels].sort((a, b) => a.level - b.level)
  const reached = levelAt(ordered, award.xp)
  if (reached === undefined) return undefined
  const next = ordered.find(l => l.level > reached.level)
  const before = levelAt(ordered, award.xp - award.points)
  return {
    number: reached.level,
    name: reached.name,
    xpToNext: next === undefined ? null : next.xprequired - award.xp,
    levelUp: before === undefined || before.level < reached.level
  }
}

/** `level 3, Rising star` (`level 3` without a name). `text` makes the teacher's name safe. */
export function levelTitle(level: StudentLevel, text: (name: string) => string): string {
  const name = level.name === null ? '' : plainLine(level.name, NAME_LENGTH)
  return name === '' ? `level ${level.number}` : `level ${level.number}, ${text(name)}`
}

/** `40 XP to level 4`, or `the top level`. */
export function levelNext(level: StudentLevel): string {
  return level.xpToNext === null
    ? 'the top level'
    : `${level.xpToNext} XP to level ${level.number + 1}`
}

/**
 * `level 3, Rising star; 40 XP to level 4` (`level 10, Legend; the top level`). `text` makes the
 * teacher's level name safe where the phrase goes (Markdown, the log).
 */
export function levelPhrase(level: StudentLevel, text: (name: string) => string): string {
  return `${levelTitle(level, text)}; ${levelNext(level)}`
}
