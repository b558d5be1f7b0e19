import { describe, expect, it } from '@jest/globals'
import { GitHubError } from '../../../src/ledger/github.js'
import {
  decodeRecords,
  recordKeyFrom,
  signRecord,
  type SignedRecord
} from '../../../src/ledger/records.js'
import type { Notice } from '../../../src/sync/files.js'
import { noticeBody, notify } from '../../../src/sync/notify.js'
import { sampleRecord } from '../../fixtures/ledger-records.js'

const KEY = recordKeyFrom('moodle-token')

function notice(repository: string, number = 1): Notice {
  return {
    repository,
    number,
    kind: 'pull_request',
    title: 'Fix @everyone [link](x)',
    url: `https://github.com/${repository}/pull/${number}`,
    nonce: 'n1',
    people: [{ recipient: 'gh:501', login: 'alice' }]
  }
}

/** The signed done record a notice's comment carries. */
function recordOf(n: Notice): SignedRecord {
  const key = { course: 30, repository: n.repository, number: n.number, kind: 'pr-merged' as const }
  return signRecord(
    sampleRecord({ key: { ...key, recipient: 'gh:501' }, state: 'done', xp: 40, points: 10 }),
    KEY
  )
}

const records = (n: Notice) => [recordOf(n)]

/** Answers each comment with the next outcome (default: written). */
function api(outcomes: Array<Error | null> = []) {
  const calls: Array<{ repository: string; number: number; body: string }> = []
  return {
    calls,
    createComment(repository: string, number: number, body: string) {
      calls.push({ repository, number, body })
      const outcome = outcomes.shift()
      if (outcome) return Promise.reject(outcome)
      return Promise.resolve({ id: calls.length, author: null, body, url: null })
    }
  }
}

const refusal = (status: number, rateLimited = false) =>
  new GitHubError('x', `HTTP ${status}: no`, status, rateLimited)

describe('congratulations', () => {
  it("carry event mode's text and the signed done record; event text is escaped", () => {
    const n = notice('a/b')
    const body = noticeBody(n, records(n), true)
    expect(body).toContain(
      '@alice earned **10 XP** for this pull request and now has **40 XP** in total'
    )
    expect(body).not.toContain('@everyone')
    expect(body).not.toContain('[link](x)')
    expect(decodeRecords(body, KEY)).toEqual([
      { record: expect.objectContaining({ state: 'done' }), verified: true }
    ])
    const bare = noticeBody(n, records(n), false)
    expect(bare.split('\n')[0]).toBe('<sub>Moodle XP award record</sub>')
    expect(decodeRecords(bare, KEY)).toHaveLength(1)
  })

  it("show the student's level when this run read it, and none otherwise", async () => {
    const n = notice('a/b')
    const level = { number: 1, name: 'Newcomer', xpToNext: 80, levelUp: false }
    expect(noticeBody(n, records(n), true, () => level)).toContain(
      'now has **40 XP** in total (level 1, Newcomer; 80 XP to level 2). Well done!'
    )
    const github = api()
    await notify([n, notice('a/c')], {
      api: github,
      records,
      comment: true,
      level: r => (r.key.repository === 'a/b' ? level : undefined),
      sleep: () => Promise.resolve()
    })
    expect(github.calls.map(c => c.body.includes('(level 1, Newcomer'))).toEqual([true, false])
  })

  it('writes at most the limit, in queue order, spaced; the rest are left', async () => {
    const github = api()
    const waits: number[] = []
    const queue = ['a/1', 'a/2', 'a/3', 'a/4'].map(r => notice(r))
    const out = await notify(queue, {
      api: github,
      records,
      comment: true,
      limit: 3,
      spacingMs: 1000,
      sleep: ms => Promise.resolve(void waits.push(ms))
    })
    expect(github.calls.map(c => c.repository)).toEqual(['a/1', 'a/2', 'a/3'])
    expect(waits).toEqual([1000, 1000])
    expect(out.written).toBe(3)
    expect(out.left.map(n => n.repository)).toEqual(['a/4'])
  })

  it('does not try where GitHub takes no comment (locked, archived)', async () => {
    const github = api()
    const queue = [notice('a/1'), notice('a/2')]
    const out = await notify(queue, {
      api: github,
      records,
      comment: true,
      closed: n => n.repository === 'a/1'
    })
    expect(github.calls.map(c => c.repository)).toEqual(['a/2'])
    expect(out.done).toHaveLength(2)
  })

  it('after a refusal (403, 404) skips that repository for the run, and says so once', async () => {
    const github = api([refusal(403)])
    const queue = [notice('a/1', 1), notice('a/1', 2), notice('b/1')]
    const out = await notify(queue, {
      api: github,
      records,
      comment: true,
      sleep: () => Promise.resolve()
    })
    expect(github.calls.map(c => `${c.repository}#${c.number}`)).toEqual(['a/1#1', 'b/1#1'])
    expect(out.done).toHaveLength(3)
    expect(out.left).toEqual([])
    expect(out.warnings).toEqual([
      expect.stringContaining('No congratulation in a/1 (HTTP 403: no)')
    ])
  })

  it('a rate limit stops the run’s congratulations; they are left for later runs', async () => {
    const github = api([null, refusal(403, true)])
    const queue = [notice('a/1'), notice('a/2'), notice('a/3')]
    const out = await notify(queue, {
      api: github,
      records,
      comment: true,
      sleep: () => Promise.resolve()
    })
    expect(github.calls).toHaveLength(2)
    expect(out.written).toBe(1)
    expect(out.left.map(n => n.repository)).toEqual(['a/2', 'a/3'])
  })

  it('a comment whose answer was lost is not written again (it may exist)', async () => {
    const github = api([new GitHubError('x', 'no answer: timeout', null, false)])
    const out = await notify([notice('a/1')], { api: github, records, comment: true })
    expect(out.done).toHaveLength(1)
    expect(out.warnings[0]).toMatch(/may not have been written/)
  })

  it('a notice whose records are not known in this run waits; one whose records are gone is dropped', async () => {
    const github = api()
    const [a, b, c] = [notice('a/1'), notice('a/2'), notice('a/3')]
    const out = await notify([a, b, c], {
      api: github,
      comment: true,
      records: n => (n === a ? null : n === b ? [] : records(n))
    })
    expect(github.calls.map(x => x.repository)).toEqual(['a/3'])
    expect(out.left).toEqual([a])
    expect(out.done).toEqual([b, c])
  })
})
