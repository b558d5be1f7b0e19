import { describe, expect, it } from '@jest/globals'
import { advanceCursor, changedSince, CURSOR_OVERLAP_MS } from '../../../src/sync/cursor.js'

const SINCE = '2026-09-01T00:00:00.000Z'

describe('sync cursor', () => {
  it('a repository never read is read from since', () => {
    expect(changedSince({}, 'classroom/hw1-alice', SINCE)).toBe(SINCE)
  })

  it('a repository read before is read from then, less the overlap', () => {
    const cursor = advanceCursor({}, ['Classroom/HW1-Alice'], '2026-10-01T12:00:00Z', SINCE)
    const from = Date.parse('2026-10-01T12:00:00Z') - CURSOR_OVERLAP_MS
    expect(changedSince(cursor, 'classroom/hw1-alice', SINCE)).toBe(new Date(from).toISOString())
    expect(changedSince(cursor, 'classroom/hw1-alice', SINCE, 0)).toBe('2026-10-01T12:00:00.000Z')
  })

  it('never before since, when since moved later', () => {
    const cursor = advanceCursor({}, ['classroom/hw1-alice'], '2026-10-01T12:00:00Z', SINCE)
    expect(changedSince(cursor, 'classroom/hw1-alice', '2026-11-01T00:00:00Z')).toBe(
      '2026-11-01T00:00:00.000Z'
    )
  })

  it('since moved back for a catch-up: the whole window is read again', () => {
    const cursor = advanceCursor({}, ['classroom/hw1-alice'], '2026-10-01T12:00:00Z', SINCE)
    expect(changedSince(cursor, 'classroom/hw1-alice', '2026-01-01T00:00:00Z')).toBe(
      '2026-01-01T00:00:00.000Z'
    )
  })

  it('advancing records the repositories read and keeps the others, without changing the old cursor', () => {
    const first = advanceCursor({}, ['a/x', 'a/y'], '2026-10-01T00:00:00Z', SINCE)
    const second = advanceCursor(first, ['A/Y'], '2026-10-02T00:00:00Z', SINCE)
    expect(second).toEqual({
      'a/x': { at: '2026-10-01T00:00:00.000Z', since: SINCE },
      'a/y': { at: '2026-10-02T00:00:00.000Z', since: SINCE }
    })
    expect(first['a/y']?.at).toBe('2026-10-01T00:00:00.000Z')
  })
})
