import { describe, expect, it } from '@jest/globals'
import { awardAll, type AwardDeps } from '../../../src/award/award.js'
import { type Candidate, resultFor } from '../../../src/award/recipients.js'
import type { Plan, PlanEntry } from '../../../src/events/types.js'
import { MoodleError, type MoodleOutcome } from '../../../src/moodle/errors.js'
import type { RunContext } from '../../../src/runner/context.js'
import { InputError, type Settings } from '../../../src/settings/settings.js'

function settings(over: Partial<Settings> = {}): Settings {
  return {
    moodleEndpoint: 'https://moodle.example.edu/webservice/rest/server.php',
    moodleToken: 'not-a-real-token',
    courseId: 30,
    points: 10,
    labelPoints: new Map(),
    userId: null,
    githubLogin: null,
    mappingFile: null,
    mapping: null,
    recipients: 'auto',
    issueCloseReasons: new Set(['completed']),
    ignoreUsers: new Set(),
    failOnUnmapped: false,
    dryRun: false,
    mode: 'award',
    checkAwardUserId: null,
    githubToken: null,
    ledger: 'off',
    comment: true,
    force: false,
    timeoutMs: 5000,
    allowHttp: false,
    ledgerBranch: 'moodle-xp-ledger',
    sync: null,
    ...over
  }
}

const context: RunContext = {
  eventName: 'pull_request',
  payload: {},
  workspace: '/tmp/workspace',
  repository: 'octo-org/course',
  runId: '1234',
  runAttempt: 1,
  apiUrl: 'http://127.0.0.1:1',
  serverUrl: 'https://github.com',
  waitScale: 1
}

const subject: NonNullable<Plan['subject']> = {
  kind: 'pull_request',
  repository: 'octo-org/course',
  number: 12,
  title: 'Fix it',
  url: 'https://github.com/octo-org/course/pull/12'
}

function plan(entries: PlanEntry[], over: Partial<Plan> = {}): Plan {
  return {
    kind: 'pr-merged',
    subject,
    entries,
    description: 'Pull request #12 merged',
    pointsSource: 'points input',
    ...over
  }
}

function person(login: string, id: number, points = 10): PlanEntry {
  return { person: { login, id }, moodleUserId: null, points, skipReason: null }
}

/** A candidate ready for Moodle. */
function ready(entry: PlanEntry, moodleUserId: number): Candidate {
  return { entry, moodleUserId, settled: null }
}

type Award = { userId: number; points: number; courseId: number }

/** A fake Moodle: `answer` decides per user id; every call is recorded. */
function fakeMoodle(answer: (a: Award) => number | Error) {
  const calls: Award[] = []
  const moodle: AwardDeps['moodle'] = {
    awardPoints: a => {
      calls.push(a)
      const outcome = answer(a)
      return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve({ xp: outcome })
    }
  }
  return { moodle, calls }
}

function deps(moodle: AwardDeps['moodle'], over: Partial<Settings> = {}) {
  const lines: string[] = []
  const log = {
    info: (m: string) => lines.push(`info: ${m}`),
    warning: (m: string) => lines.push(`warning: ${m}`)
  }
  return { deps: { settings: settings(over), context, moodle, log }, lines }
}

function moodleError(outcome: MoodleOutcome, message: string): MoodleError {
  return new MoodleError(message, {
    outcome,
    category: outcome === 'unknown' ? 'unknown-outcome' : 'recipient',
    retryable: false
  })
}

const octocat = person('octocat', 583231)
const hubot = person('hubot', 7, 25)
const monalisa = person('monalisa', 9, 5)

describe('awardAll', () => {
  it('awards each candidate and returns the new totals, in plan order', async () => {
    const { moodle, calls } = fakeMoodle(a => 100 + a.userId)
    const { deps: d, lines } = deps(moodle)
    const { results, notes } = await awardAll(
      plan([octocat, hubot]),
      [ready(octocat, 2), ready(hubot, 4)],
      d
    )
    expect(calls).toEqual([
      { userId: 2, points: 10, courseId: 30 },
      { userId: 4, points: 25, courseId: 30 }
    ])
    expect(results).toEqual([
      resultFor(octocat, 2, 'awarded', '10 points (points input)', 102),
      resultFor(hubot, 4, 'awarded', '25 points (points input)', 104)
    ])
    expect(notes).toEqual(['Ledger off: re-running this workflow awards again.'])
    expect(lines).toContain('info: 2 of 2 recipients awarded.')
    expect(lines).toContain('info: Awarded 10 points to @octocat (Moodle user 2); new total 102.')
  })

  it('pays one award per Moodle user: a second GitHub account of the same user is skipped', async () => {
    const { moodle, calls } = fakeMoodle(() => 70)
    const { results } = await awardAll(
      plan([octocat, hubot, monalisa]),
      [ready(octocat, 2), ready(hubot, 2), ready(monalisa, 5)],
      deps(moodle).deps
    )
    expect(calls.map(c => c.userId)).toEqual([2, 5])
    expect(results.map(r => r.status)).toEqual(['awarded', 'skipped', 'awarded'])
    expect(results[1]?.reason).toBe(
      'Moodle user 2 already earns for this event as GitHub user octocat: one award per person and event'
    )
  })

  it('keeps settled candidates as they are and sends them nothing', async () => {
    const { moodle, calls } = fakeMoodle(() => 50)
    const skipped = resultFor(hubot, null, 'skipped', 'a bot account')
    const { results } = await awardAll(
      plan([hubot, octocat]),
      [{ entry: hubot, moodleUserId: null, settled: skipped }, ready(octocat, 2)],
      deps(moodle).deps
    )
    expect(calls.map(c => c.userId)).toEqual([2])
    expect(results[0]).toBe(skipped)
    expect(results[1]?.status).toBe('awarded')
  })

  it('marks an award whose outcome Moodle cannot tell as unknown', async () => {
    const message = 'Moodle local_xp_award_points: no reply within 5 s; check the XP log'
    const { moodle } = fakeMoodle(() => moodleError('unknown', message))
    const { results } = await awardAll(plan([octocat]), [ready(octocat, 2)], deps(moodle).deps)
    expect(results).toEqual([resultFor(octocat, 2, 'unknown', message)])
  })

  it('marks an award Moodle refused as failed', async () => {
    const message = 'Moodle local_xp_award_points: Moodle has no such user (invaliduser)'
    const { moodle } = fakeMoodle(() => moodleError('not-applied', message))
    const { results } = await awardAll(plan([octocat]), [ready(octocat, 2)], deps(moodle).deps)
    expect(results).toEqual([resultFor(octocat, 2, 'failed', message)])
  })

  it('goes on with the others after one fails', async () => {
    const { moodle, calls } = fakeMoodle(a =>
      a.userId === 2
        ? moodleError('not-applied', 'refused')
        : a.userId === 4
          ? moodleError('unknown', 'lost')
          : 60
    )
    const { deps: d, lines } = deps(moodle)
    const { results } = await awardAll(
      plan([octocat, hubot, monalisa]),
      [ready(octocat, 2), ready(hubot, 4), ready(monalisa, 5)],
      d
    )
    expect(calls.map(c => c.userId)).toEqual([2, 4, 5])
    expect(results.map(r => [r.github, r.status, r.xp])).toEqual([
      ['octocat', 'failed', null],
      ['hubot', 'unknown', null],
      ['monalisa', 'awarded', 60]
    ])
    expect(lines).toContain('info: 1 of 3 recipients awarded.')
  })

  it('in a dry run calls Moodle never and says what it would award', async () => {
    const { moodle, calls } = fakeMoodle(() => 1)
    const { results, notes } = await awardAll(
      plan([octocat, hubot], { pointsSource: "label 'big-feature'" }),
      [ready(octocat, 2), ready(hubot, 4)],
      deps(moodle, { dryRun: true }).deps
    )
    expect(calls).toEqual([])
    expect(results).toEqual([
      resultFor(octocat, 2, 'dry-run', "would award 10 points (label 'big-feature')"),
      resultFor(hubot, 4, 'dry-run', "would award 25 points (label 'big-feature')")
    ])
    expect(notes).toContain('Dry run: nothing was awarded and nothing was written.')
  })

  it('rethrows an error that is not a MoodleError', async () => {
    const bug = new TypeError('cannot read properties of undefined')
    const { moodle } = fakeMoodle(() => bug)
    await expect(awardAll(plan([octocat]), [ready(octocat, 2)], deps(moodle).deps)).rejects.toBe(
      bug
    )
  })

  it('opens no ledger for an event without a pull request or issue, and says so', async () => {
    const { moodle, calls } = fakeMoodle(() => 30)
    const direct: PlanEntry = { person: null, moodleUserId: 3, points: 10, skipReason: null }
    const { results, notes } = await awardAll(
      plan([direct], { kind: 'direct', subject: null }),
      [ready(direct, 3)],
      // Ledger on and no GitHub token: it would throw if it tried to open the ledger.
      deps(moodle, { ledger: 'comment', githubToken: null }).deps
    )
    expect(calls).toHaveLength(1)
    expect(results).toEqual([resultFor(direct, 3, 'awarded', '10 points (points input)', 30)])
    expect(notes).toEqual([
      'No pull request or issue in this event, so no ledger comment: every run awards again.'
    ])
  })

  it('names the Moodle user in the log when there is no GitHub login', async () => {
    const { moodle } = fakeMoodle(() => 30)
    const direct: PlanEntry = { person: null, moodleUserId: 3, points: 10, skipReason: null }
    const { deps: d, lines } = deps(moodle)
    await awardAll(plan([direct], { subject: null }), [ready(direct, 3)], d)
    expect(lines.some(l => l.startsWith('info: Awarded 10 points to Moodle user 3'))).toBe(true)
  })

  it('refuses to award when the ledger is on but there is no GitHub token', async () => {
    const { moodle, calls } = fakeMoodle(() => 30)
    await expect(
      awardAll(
        plan([octocat]),
        [ready(octocat, 2)],
        deps(moodle, { ledger: 'comment', githubToken: null }).deps
      )
    ).rejects.toThrow(InputError)
    expect(calls).toEqual([])
  })

  it('opens no ledger and calls nothing when nobody is eligible', async () => {
    const { moodle, calls } = fakeMoodle(() => 30)
    const skipped = resultFor(octocat, null, 'skipped', 'closed without merge')
    const { results, notes } = await awardAll(
      plan([octocat]),
      [{ entry: octocat, moodleUserId: null, settled: skipped }],
      // A ledger would need a token: none is needed when nobody is eligible.
      deps(moodle, { ledger: 'comment', githubToken: null }).deps
    )
    expect(calls).toEqual([])
    expect(results).toEqual([skipped])
    expect(notes).toEqual([])
  })
})

describe('awardAll with the levels', () => {
  const LEVELS = [
    { level: 1, xprequired: 0, name: 'Newcomer' },
    { level: 2, xprequired: 100, name: 'Apprentice' },
    { level: 3, xprequired: 200, name: null }
  ]

  /** The course's levels, or none (as when they could not be read); counts the reads. */
  function levels(known = true) {
    const reader = {
      reads: 0,
      levels() {
        reader.reads++
        return Promise.resolve(known ? LEVELS : null)
      }
    }
    return reader
  }

  it('reads the levels once, after every award, and adds each award’s level to its result', async () => {
    const order: string[] = []
    const { moodle } = fakeMoodle(a => {
      order.push(`award ${a.userId}`)
      return a.userId === 2 ? 105 : 130
    })
    const reader = levels()
    const { results } = await awardAll(
      plan([octocat, hubot]),
      [ready(octocat, 2), ready(hubot, 4)],
      {
        ...deps(moodle).deps,
        levels: {
          levels: () => {
            order.push('levels')
            return reader.levels()
          }
        }
      }
    )
    expect(order).toEqual(['award 2', 'award 4', 'levels'])
    expect(results).toEqual([
      {
        ...resultFor(octocat, 2, 'awarded', '10 points (points input)', 105),
        level: { number: 2, name: 'Apprentice', xpToNext: 95, levelUp: true }
      },
      {
        ...resultFor(hubot, 4, 'awarded', '25 points (points input)', 130),
        level: { number: 2, name: 'Apprentice', xpToNext: 70, levelUp: false }
      }
    ])
  })

  it('leaves the level out, and the award as it was, when the levels are not known', async () => {
    const { moodle } = fakeMoodle(() => 105)
    const { results } = await awardAll(plan([octocat]), [ready(octocat, 2)], {
      ...deps(moodle).deps,
      levels: levels(false)
    })
    expect(results).toEqual([resultFor(octocat, 2, 'awarded', '10 points (points input)', 105)])
  })

  it('reads no levels when nothing was awarded: failed, unknown, dry run', async () => {
    const { moodle } = fakeMoodle(a =>
      a.userId === 2 ? moodleError('not-applied', 'refused') : moodleError('unknown', 'lost')
    )
    const reader = levels()
    await awardAll(plan([octocat, hubot]), [ready(octocat, 2), ready(hubot, 4)], {
      ...deps(moodle).deps,
      levels: reader
    })
    await awardAll(plan([octocat]), [ready(octocat, 2)], {
      ...deps(fakeMoodle(() => 1).moodle, { dryRun: true }).deps,
      levels: reader
    })
    expect(reader.reads).toBe(0)
  })
})
