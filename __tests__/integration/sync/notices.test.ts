import { describe, expect, it } from '@jest/globals'
import { NOTICES_PER_RUN } from '../../../src/sync/notify.js'
import { decodeNoticesFile, NOTICES_PATH } from '../../../src/sync/files.js'
import { mergedPr, useSyncWorld } from './sync-world.js'

const STUDENTS = NOTICES_PER_RUN + 3
const w = useSyncWorld(STUDENTS)

const congratulated = () =>
  w.course.repositories.filter(repo => w.ledgerComments(repo, 1).length > 0)

describe('sync mode congratulations', () => {
  it(`a run writes at most ${NOTICES_PER_RUN} comments, oldest awards first; later runs write the rest`, async () => {
    // Student i merged an hour after student i-1: the first repository holds the oldest award.
    w.course.repositories.forEach((repo, i) =>
      mergedPr(w, repo, {
        author: w.course.students[i]!,
        by: w.course.teacher,
        daysAgo: 3 + (STUDENTS - i) / 24
      })
    )
    // A locked conversation takes no comment: that student is not congratulated (not tried).
    w.github.lock(w.course.repositories[STUDENTS - 1]!, 1)
    const first = await w.sync({ 'max-awards': String(STUDENTS) })
    expect(first.code).toBe(0)
    expect(w.applied()).toBe(STUDENTS)
    expect(congratulated()).toHaveLength(NOTICES_PER_RUN)
    const posts = w.github.requests.filter(r => r.method === 'POST' && r.path.endsWith('/comments'))
    expect(posts).toHaveLength(NOTICES_PER_RUN)
    // The newest two (but the locked one) are left for later, marked on the ledger branch.
    const due = decodeNoticesFile(w.branchFile(NOTICES_PATH)!)
    expect(due.map(n => n.repository)).toEqual(w.course.repositories.slice(-3, -1))

    const second = await w.sync()
    expect(second.code).toBe(0)
    expect(w.applied()).toBe(STUDENTS)
    expect(congratulated()).toHaveLength(NOTICES_PER_RUN + 2)
    expect(congratulated()).not.toContain(w.course.repositories[STUDENTS - 1])
    expect(decodeNoticesFile(w.branchFile(NOTICES_PATH)!)).toEqual([])
    const [note] = w.ledgerComments(w.course.repositories[0]!, 1)
    expect(note?.body).toContain(`@${w.course.students[0]} earned **10 XP** for this pull request`)
  })
})
