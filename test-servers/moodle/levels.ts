/**
 * Level Up XP's levels and user states as its read functions serialise them, for the test
 * server's XP+ read functions. Pure.
 *
 * The default levels follow block_xp's `algo_levels_info` (github.com/FMCorz/moodle-block_xp,
 * classes/local/xp/algo_levels_info.php): 10 levels, the "relative" method with base 120 and
 * coefficient 1.3, so level 1 at 0, level 2 at 120, then each level at
 * base + round(previous * coef). A user's state follows its `user_state` class.
 */

/** One level of a course, as a test configures it. */
export interface MoodleLevelConfig {
  /** Points needed to reach it; the first level needs 0. */
  xprequired: number
  name?: string
  description?: string
}

/** A level as `local_xp` serialises it (`serialize_level`). */
export interface SerializedLevel {
  level: number
  xprequired: number
  badgeurl: string | null
  description: string | null
  name: string | null
}

/** A user's state as `local_xp` serialises it (`serialize_state`). */
export interface SerializedState {
  id: number
  level: SerializedLevel
  ratioinlevel: number
  totalxpinlevel: number
  xp: number
  xpinlevel: number
}

const DEFAULT_COUNT = 10
const DEFAULT_BASE = 120
const DEFAULT_COEF = 1.3

/** Level Up XP's default levels (see the header). */
export function defaultLevels(): MoodleLevelConfig[] {
  const xp: number[] = []
  for (let i = 1; i <= DEFAULT_COUNT; i++) {
    const previous = xp[i - 2] ?? 0
    xp.push(
      i === 1 ? 0 : i === 2 ? DEFAULT_BASE : DEFAULT_BASE + Math.round(previous * DEFAULT_COEF)
    )
  }
  return xp.map(xprequired => ({ xprequired }))
}

export function serializeLevels(levels: readonly MoodleLevelConfig[]): SerializedLevel[] {
  return levels.map((l, index) => ({
    level: index + 1,
    xprequired: l.xprequired,
    badgeurl: null,
    description: l.description ?? null,
    name: l.name ?? null
  }))
}

/** `user_state`: the highest level reached, and the progress towards the next one. */
export function userState(
  userId: number,
  xp: number,
  levels: readonly MoodleLevelConfig[]
): SerializedState {
  const all = serializeLevels(levels)
  const reached = all.filter(l => l.xprequired <= xp)
  const level = reached.at(-1) ?? all[0]
  if (level === undefined) throw new Error('a course needs at least one level')
  const next = all[level.level]
  const xpinlevel = xp - level.xprequired
  const totalxpinlevel = next === undefined ? xpinlevel : next.xprequired - level.xprequired
  return {
    id: userId,
    level,
    ratioinlevel: totalxpinlevel <= 0 ? 1 : xpinlevel / totalxpinlevel,
    totalxpinlevel,
    xp,
    xpinlevel
  }
}
