/**
 * Event mode and sync mode over one repository (a course repository that runs both the event
 * workflow and a scheduled sync): whichever pays first, the other sees it, in either order.
 */
import { describe, expect, it } from '@jest/globals'
import { mergedPullRequest } from '../../fixtures/events.js'
import { decodeRecords, encodeRecord, signRecord } from '../../../src/ledger/records.js'
import { EXAMPLE_OWNER, EXAMPLE_REPOSITORY } from '../../../test-servers/github/server.js'
import { DEMO_TOKEN } from '../../../test-servers/moodle/server.js'
import { runAction } from '../../../test-servers/runner/run-action.js'
import { APP, COURSE, mergedPr, RECORD_KEY, useSyncWorld } from './sync-world.js'

const w = useSyncWorld(1)
/** Bob, enrolled in the course, is the example payloads' author. */
const MOODLE_ID = 3
const ROSTER = `${EXAMPLE_OWNER.login}: ${MOODLE_ID}`

/** A pull request of the example repository, merged days ago on GitHub. */
function merged(): number {
  return mergedPr(w, EXAMPLE_REPOSITORY, {
    author: EXAMPLE_OWNER.login,
    by: EXAMPLE_OWNER.login,
    daysAgo: 2
  }).number
}

/** Event mode in the repository, on the pull request's "closed" event (or a re-run of it). */
function event(number: number, runId = w.runId(), inputs: Record<string, string> = {}) {
  const payload = mergedPullRequest()
  payload.number = number
  payload.pull_request.number = number
  return runAction({
    eventName: 'pull_request_target',
    payload,
    apiUrl: w.apiUrl,
    runId,
    env: { GITHUB_REPOSITORY: EXAMPLE_REPOSITORY },
    inputs: {
      'moodle-url': w.moodle.url,
      'moodle-token': DEMO_TOKEN,
      'course-id': String(COURSE),
      mapping: ROSTER,
      'github-token': 'ghs_default',
      'timeout-seconds': '5',
      ...inputs
    }
  })
}

/** Sync mode over the running repository (the default `repositories`). */
function sync(inputs: Record<string, string> = {}) {
  return w.sync(
    { repositories: '', mapping: ROSTER, ...inputs },
    { env: { GITHUB_REPOSITORY: EXAMPLE_REPOSITORY } }
  )
}

const only = (r: Awaited<ReturnType<typeof sync>>) => {
  expect(r.results).toHaveLength(1)
  return r.results[0]!
}

describe('event mode and sync mode over one repository: paid once, in either order', () => {
  it('event mode first, then sync: sync finds the record in the comments', async () => {
    const number = merged()
    const first = await event(number)
    expect(only(first)).toMatchObject({ status: 'awarded' })
    const later = await sync()
    expect(later.code).toBe(0)
    expect(only(later)).toMatchObject({
      repository: EXAMPLE_REPOSITORY,
      number,
      status: 'already-awarded',
      reason: expect.stringContaining('ledger comment')
    })
    expect(w.applied()).toBe(1)
    expect(w.moodle.xp(COURSE, MOODLE_ID)).toBe(10)
  })

  it('event mode tells a student not in the roster; once the roster has them, sync pays them', async () => {
    const number = merged()
    const first = await event(number, w.runId(), { mapping: 'someone-else: 5' })
    expect(only(first)).toMatchObject({ status: 'unmapped' })
    const [notice, ...more] = w.github.comments(EXAMPLE_REPOSITORY, number)
    expect(more).toEqual([])
    expect(notice?.body).toContain('not in the course roster yet')
    // The notice is no record: sync, with the student in the roster, pays them.
    const later = await sync()
    expect(later.code).toBe(0)
    expect(only(later)).toMatchObject({ number, status: 'awarded' })
    expect(w.applied()).toBe(1)
    expect(w.moodle.xp(COURSE, MOODLE_ID)).toBe(10)
  })

  it('sync first (from the teacher repository), then a re-run of the event: event mode finds the record in the congratulation', async () => {
    const number = merged()
    // The ledger branch is the teacher repository's, which event mode here does not read.
    const first = await w.sync({ repositories: EXAMPLE_REPOSITORY, mapping: ROSTER })
    expect(only(first)).toMatchObject({ status: 'awarded', number })
    const [note] = w.ledgerComments(EXAMPLE_REPOSITORY, number)
    expect(note?.user.login).toBe(APP.login)
    const rerun = await event(number)
    expect(rerun.code).toBe(0)
    expect(only(rerun)).toMatchObject({
      status: 'already-awarded',
      reason: expect.stringContaining(`ledger comment ${note!.id}`)
    })
    expect(w.applied()).toBe(1)
  })

  it('sync first, its congratulation not written: event mode finds the award on the ledger branch', async () => {
    const number = merged()
    // With comment: false the congratulation is the record alone.
    const first = await sync({ comment: 'false' })
    expect(only(first)).toMatchObject({ status: 'awarded' })
    const [note] = w.ledgerComments(EXAMPLE_REPOSITORY, number)
    expect(note?.body.split('\n')[0]).toBe('<sub>Moodle XP award record</sub>')
    expect(decodeRecords(note!.body, RECORD_KEY)[0]?.record.state).toBe('done')
    // As if the notification were still queued: no record in the comments at all.
    w.github.editComment(note!.id, 'Nice work!')
    const rerun = await event(number)
    expect(rerun.code).toBe(0)
    expect(only(rerun)).toMatchObject({
      status: 'already-awarded',
      reason: expect.stringContaining('moodle-xp-ledger: ledger/codertocat/hello-world.json')
    })
    expect(w.applied()).toBe(1)
  })

  it('sync leaves an item that event mode is awarding, and takes its outcome later', async () => {
    const number = merged()
    const student = `gh:${EXAMPLE_OWNER.id}`
    const claim = (state: 'pending' | 'done') =>
      encodeRecord(
        signRecord(
          {
            v: 1,
            key: {
              course: COURSE,
              repository: EXAMPLE_REPOSITORY,
              number,
              kind: 'pr-merged',
              recipient: student
            },
            state,
            points: 10,
            xp: state === 'done' ? 10 : null,
            moodleUserId: MOODLE_ID,
            run: '8888/1',
            at: new Date().toISOString(),
            nonce: 'event-claim'
          },
          RECORD_KEY
        )
      )
    const comment = w.github.addComment(EXAMPLE_REPOSITORY, number, {
      user: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
      body: claim('pending')
    })
    const during = await sync()
    expect(during.code).toBe(0)
    expect(only(during)).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('another run (8888/1) started this award')
    })
    // Event mode records its award; the next sync reads the item again and finds it.
    w.github.editComment(comment.id, claim('done'))
    const after = await sync()
    expect(only(after)).toMatchObject({ status: 'already-awarded', xp: 10 })
    expect(w.awardRequests()).toBe(0)
  })
})
