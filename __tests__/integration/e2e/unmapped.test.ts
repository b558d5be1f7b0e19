/**
 * End to end, on the bundle: a student who earns but is not in the roster is told so in a
 * comment on the pull request or issue, once, where the congratulation would be written; and
 * is paid by the first run that finds them in the roster.
 */
import { describe, expect, it } from '@jest/globals'
import { recordKeyFrom } from '../../../src/ledger/records.js'
import { toldMarker } from '../../../src/ledger/unmapped.js'
import {
  COURSE,
  DEMO_TOKEN,
  issue,
  ledgerComments,
  MALLORY,
  only,
  pr,
  REPO,
  STUDENT,
  useLedgerWorld,
  visible
} from './ledger-world.js'

const world = useLedgerWorld()
const { run } = world

/** A roster without the student of the example payloads. */
const WITHOUT_STUDENT = { mapping: 'octocat: 2' }
const STRANGER = { login: 'stranger-danger', id: 7777777 }
const MARKER_RE = /<!-- moodle-xp-unmapped \{.*?\} -->/g

function comments(number: number) {
  return world.github.comments(REPO, number)
}

/** The notices: comments that hold a marker, with their visible text. */
function notices(number: number) {
  return comments(number)
    .filter(c => c.body.includes('<!-- moodle-xp-unmapped '))
    .map(c => ({ ...c, text: visible(c.body).replace(MARKER_RE, '') }))
}

describe('a student who is not in the roster', () => {
  it('is told once across re-runs, and paid by the first run that finds them in the roster', async () => {
    const payload = pr(300, { title: 'Fix @everyone <img src=x> ::error::x' })
    const first = await run(payload, WITHOUT_STUDENT)
    expect(first.code).toBe(0)
    expect(first.errors).toEqual([])
    expect(only(first)).toMatchObject({ github: STUDENT.login, status: 'unmapped' })
    expect(world.applied()).toBe(0)
    const [notice, ...more] = notices(300)
    expect(more).toEqual([])
    expect(notice!.user.login).toBe('github-actions[bot]')
    expect(notice!.text).toContain(
      `- 👋 @${STUDENT.login}: this pull request earns XP, but your GitHub account is not in the course roster yet`
    )
    expect(notice!.text).toContain('Ask your teacher to add you to the roster')
    // Nothing of the roster or of Moodle: no other login, no Moodle user, no email.
    expect(notice!.text).not.toMatch(/octocat|Moodle user|@example|\b2\b/)
    // The student's title reaches the comment as text only.
    expect(notice!.text).not.toMatch(/@everyone|<img|::error::/)
    // A notice is no ledger record: nothing claims the award.
    expect(ledgerComments(world, 300)).toEqual([])
    expect(first.summary).toContain(
      `Told in a comment that they are not in the roster yet: ${STUDENT.login}.`
    )

    // A re-run (or the same event delivered again): one read of the comments, nothing written.
    world.github.resetLog()
    const again = await run(payload, WITHOUT_STUDENT, { runAttempt: 2 })
    expect(again.code).toBe(0)
    expect(only(again)).toMatchObject({ status: 'unmapped' })
    expect(world.github.requests.map(r => r.method)).toEqual(['GET'])
    expect(comments(300)).toHaveLength(1)
    expect(again.summary).not.toContain('Told in a comment')

    // The teacher adds the student: the next run pays them and congratulates them.
    const paid = await run(payload, {}, { runAttempt: 3 })
    expect(paid.code).toBe(0)
    expect(only(paid)).toMatchObject({ status: 'awarded', points: 10 })
    expect(world.applied()).toBe(1)
    const [congratulation] = ledgerComments(world, 300)
    expect(visible(congratulation!.body)).toContain(`@${STUDENT.login} earned **10 XP**`)
    expect(comments(300)).toHaveLength(2)

    const later = await run(payload, {}, { runAttempt: 4 })
    expect(only(later)).toMatchObject({ status: 'already-awarded' })
    expect(world.applied()).toBe(1)
    expect(comments(300)).toHaveLength(2)
  })

  it.each([
    ['ledger: off', { ledger: 'off' }],
    ['dry-run: true', { 'dry-run': 'true' }],
    ['comment: false', { comment: 'false' }]
  ])('is not told with %s, where no congratulation is written either', async (_, inputs) => {
    const r = await run(pr(310), { ...WITHOUT_STUDENT, ...inputs })
    expect(r.code).toBe(0)
    expect(only(r)).toMatchObject({ status: 'unmapped' })
    expect(world.github.count()).toBe(0)
    expect(comments(310)).toEqual([])
  })

  it('on an issue: the assignee in the roster is congratulated, the other told, each in a comment of their own', async () => {
    const payload = issue(320, { assignees: [STUDENT, STRANGER] })
    const first = await run(payload, {}, { eventName: 'issues' })
    expect(first.code).toBe(0)
    expect(first.results.map(r => [r['github'], r['status']])).toEqual([
      [STUDENT.login, 'awarded'],
      [STRANGER.login, 'unmapped']
    ])
    const [congratulation] = ledgerComments(world, 320)
    expect(visible(congratulation!.body)).not.toContain(STRANGER.login)
    const [notice] = notices(320)
    expect(notice!.text).toContain(`@${STRANGER.login}: this issue earns XP`)
    expect(notice!.text).not.toContain(STUDENT.login)
    expect(comments(320)).toHaveLength(2)

    const again = await run(payload, {}, { eventName: 'issues', runAttempt: 2 })
    expect(again.results.map(r => r['status'])).toEqual(['already-awarded', 'unmapped'])
    expect(comments(320)).toHaveLength(2)
  })

  it('is told even when someone pasted a marker for them that this workflow did not sign', async () => {
    const key = `${COURSE}:${REPO.toLowerCase()}#330:pr-merged:gh:${STUDENT.id}`
    const forged = `<!-- moodle-xp-unmapped {"notice":"unmapped","key":"${key}","mac":"x"} -->`
    world.github.addComment(REPO, 330, { user: MALLORY, body: forged })
    world.github.addComment(REPO, 330, {
      user: MALLORY,
      body: toldMarker(key, recordKeyFrom('another moodle token'))
    })
    const r = await run(pr(330), WITHOUT_STUDENT)
    expect(only(r)).toMatchObject({ status: 'unmapped' })
    const ours = notices(330).filter(c => c.user.login === 'github-actions[bot]')
    expect(ours).toHaveLength(1)
    // The signed marker names the same key: the next run finds it.
    expect(ours[0]!.body).toContain(toldMarker(key, recordKeyFrom(DEMO_TOKEN)))
  })

  it('when GitHub refuses the comment: a warning that names the permission, and the result stands', async () => {
    const r = await run(pr(340), { ...WITHOUT_STUDENT, 'github-token': 'ghs_readonly' })
    expect(r.code).toBe(0)
    expect(r.errors).toEqual([])
    expect(only(r)).toMatchObject({ status: 'unmapped' })
    expect(r.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^::warning::No comment could tell Codertocat that they are not in the roster \(.*403.*\): add pull-requests: write under permissions: in the workflow\. The results stand\.$/
        )
      ])
    )
    expect(comments(340)).toEqual([])
  })
})
