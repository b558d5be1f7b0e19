/**
 * The course's ladder as Level Up XP+ shows it (`local_xp_get_course_world_ladder`): the
 * course's anonymity and neighbour settings are applied by Moodle, so what comes back is all the
 * leaderboard may show. A row whose person Moodle hides (id 0) stays hidden: nothing here looks
 * a name up anywhere else.
 */
import { en } from 'zod/locales'
import * as z from 'zod/mini'
import { functionUnavailable, MoodleError, oneLine } from '../moodle/errors.js'
import type { MoodleClient } from '../moodle/client.js'

export const LADDER_FUNCTION = 'local_xp_get_course_world_ladder'

/** One place on the ladder. */
export interface LadderRow {
  rank: number
  /** The Moodle user; null when the ladder hides who it is. Never shown. */
  userId: number | null
  /** The name as the ladder shows it (e.g. "Someone else" for a hidden person); null: none. */
  name: string | null
  xp: number
  level: number
  /** The level's name in the course; null when the teacher gave it none. */
  levelName: string | null
}

export interface Ladder {
  /** People on the whole ladder. */
  total: number
  rows: LadderRow[]
  /** The course shows no ranks (Level Up XP's rank mode "hidden"): none are shown here either. */
  ranksHidden: boolean
}

/** The ladder function is not in the token's service (or not on the site): nothing to show. */
export class LadderMissing extends Error {
  constructor(readonly installed: boolean) {
    super(
      installed
        ? `${LADDER_FUNCTION} is not in the token's external service: add it (Site administration > Server > Web services > External services > the token's service > Functions) to show the leaderboard`
        : `${LADDER_FUNCTION} is not installed on the Moodle site (it comes with Level Up XP+): there is no leaderboard without it`
    )
    this.name = 'LadderMissing'
  }
}

const nullableText = z.pipe(
  z.nullish(z.string()),
  z.transform((text: string | null | undefined) => text ?? null)
)

const ladderReply = z.object({
  total: z.int(),
  /** 0: the ladder hides who is who (Level Up XP's "anonymity"); 1: names shown. */
  identitymode: z.optional(z.int()),
  /** 0: no ranks shown; 1: ranks; 2: relative to the viewer. */
  rankmode: z.optional(z.int()),
  ranking: z.array(
    z.object({
      rank: z.int(),
      state: z.object({
        id: z.int(),
        xp: z.int(),
        level: z.object({ level: z.int(), name: nullableText }),
        user: z.nullish(z.object({ id: z.optional(z.int()), fullname: nullableText }))
      })
    })
  )
})

/**
 * The rows of a ladder reply, or a message saying what was wrong with it. Pure. A person counts
 * as hidden when the state or its user has id 0 (how Level Up XP anonymises others), and every
 * person does on a ladder that says it is anonymous: a name Moodle gives there anyway (the
 * token's own row, or a manager's view) is not shown, so the leaderboard never shows more than
 * the course shows its students.
 */
export function parseLadder(data: unknown): Ladder | { problem: string } {
  const parsed = ladderReply.safeParse(data, { error: en().localeError })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue ? `${issue.path.join('.') || 'reply'}: ${issue.message}` : 'unexpected'
    return { problem: oneLine(where, 120) }
  }
  const anonymous = parsed.data.identitymode === 0
  return {
    total: parsed.data.total,
    ranksHidden: parsed.data.rankmode === 0,
    rows: parsed.data.ranking.map(({ rank, state }) => {
      const hiddenByMoodle = state.id <= 0 || (state.user?.id !== undefined && state.user.id <= 0)
      const hidden = hiddenByMoodle || anonymous
      return {
        rank,
        userId: hidden ? null : state.id,
        name: hidden && !hiddenByMoodle ? null : (state.user?.fullname ?? null),
        xp: state.xp,
        level: state.level.level,
        levelName: state.level.name
      }
    })
  }
}

/**
 * The first `size` places of the ladder (page 1: the top; Level Up XP reads page 0 as "the page
 * of the token's own user").
 *
 * @throws LadderMissing when the function is not available to the token; MoodleError otherwise
 */
export async function readLadder(
  moodle: MoodleClient,
  courseId: number,
  size: number
): Promise<Ladder> {
  let data: unknown
  try {
    data = await moodle.call(
      LADDER_FUNCTION,
      { courseid: courseId, page: 1, perpage: size },
      { readOnly: true }
    )
  } catch (e) {
    const unavailable = functionUnavailable(e)
    if (unavailable !== null) throw new LadderMissing(unavailable === 'not-in-service')
    throw e
  }
  const ladder = parseLadder(data)
  if ('problem' in ladder)
    throw new MoodleError(`Moodle ${LADDER_FUNCTION}: unexpected reply (${ladder.problem})`, {
      outcome: 'not-applied',
      category: 'not-moodle',
      retryable: false,
      httpStatus: 200
    })
  return ladder
}
