import { describe, expect, it } from '@jest/globals'
import { advanceCursor, changedSince, CURSOR_OVERLAP_MS } from '../../../src/sync/cursor.js'

const SINCE = '2026-09-01T00:00:00.000Z'

describe('sync cursor', () => {
  it('a repository never read is read from since', () => {
    expect(changedSince({}, 'classroom/hw1-alice', { since: SINCE })).toBe(SINCE)
  })

  it('a repository read before is read from then, less the overlap', () => {
    const cursor = advanceCursor({}, ['Classroom/HW1-Alice'], {
      at: '2026-10-01T12:00:00Z',
      since: SINCE
    })
    const from = Date.parse('2026-10-01T12:00:00Z') - CURSOR_OVERLAP_MS
    expect(changedSince(cursor, 'classroom/hw1-alice', { since: SINCE })).toBe(
      new Date(from).toISOString()
    )
    expect(changedSince(cursor, 'classroom/hw1-alice', { since: SINCE, overlapMs: 0 })).toBe(
      '2026-10-01T12:00:00.000Z'
    )
  })

  it('never before since, when since moved later', () => {
    const cursor = advanceCursor({}, ['classroom/hw1-alice'], {
      at: '2026-10-01T12:00:00Z',
      since: SINCE
    })
    expect(changedSince(cursor, 'classroom/hw1-alice', { since: '2026-11-01T00:00:00Z' })).toBe(
      '2026-11-01T00:00:00.000Z'
    )
  })

  it('since moved back for a catch-up: the whole window is read again', () => {
    const cursor = advanceCursor({}, ['classroom/hw1-alice'], {
      at: '2026-10-01T12:00:00Z',
      since: SINCE
    })
    expect(changedSince(cursor, 'classroom/hw1-alice', { since: '2026-01-01T00:00:00Z' })).toBe(
      '2026-01-01T00:00:00.000Z'
    )
  })

  it('advancing records the repositories read and keeps the others, without changing the old cursor', () => {
    const first = advanceCursor({}, ['a/x', 'a/y'], { at: '2026-10-01T00:00:00Z', since: SINCE })
    const second = advanceCursor(first, ['A/Y'], { at: '2026-10-02T00:00:00Z', since: SINCE })
    expect(second).toEqual({
      'a/x': { at: '2026-10-01T00:00:00.000Z', since: SINCE },
      'a/y': { at: '2026-10-02T00:00:00.000Z', since: SINCE }
    })
    expect(first['a/y']?.at).toBe('2026-10-01T00:00:00.000Z')
  })

  it('a repository read under another configuration is read again from since', () => {
    const cursor = advanceCursor({}, ['a/x'], {
      at: '2026-10-01T12:00:00Z',
      since: SINCE,
      config: 'c1'
    })
    expect(cursor['a/x']).toEqual({ at: '2026-10-01T12:00:00.000Z', since: SINCE, config: 'c1' })
    const from = new Date(Date.parse('2026-10-01T12:00:00Z') - CURSOR_OVERLAP_MS).toISOString()
    expect(changedSince(cursor, 'a/x', { since: SINCE, config: 'c1' })).toBe(from)
    expect(changedSince(cursor, 'a/x', { since: SINCE, config: 'c2' })).toBe(SINCE)
    // An entry written before configurations were kept does not hold either.
    const old = advanceCursor({}, ['a/x'], { at: '2026-10-01T12:00:00Z', since: SINCE })
    expect(changedSince(old, 'a/x', { since: SINCE, config: 'c1' })).toBe(SINCE)
  })

  it('a repository with an item left open stops at that item, so the next run reads it again', () => {
    const held = new Map([['a/x', '2026-09-20T08:00:00Z']])
    const cursor = advanceCursor({}, ['A/X', 'a/y'], {
      at: '2026-10-01T12:00:00Z',
      since: SINCE,
      held
    })
    expect(cursor['a/x']?.at).toBe('2026-09-20T08:00:00.000Z')
    expect(cursor['a/y']?.at).toBe('2026-10-01T12:00:00.000Z')
    // The item's last change is inside the next window.
    expect(Date.parse(changedSince(cursor, 'a/x', { since: SINCE }))).toBeLessThan(
      Date.parse('2026-09-20T08:00:00Z')
    )
    // A hold later than the read changes nothing.
    const later = new Map([['a/x', '2026-10-02T00:00:00Z']])
    expect(
      advanceCursor({}, ['a/x'], { at: '2026-10-01T12:00:00Z', since: SINCE, held: later })['a/x']
        ?.at
    ).toBe('2026-10-01T12:00:00.000Z')
  })
})
