import { describe, expect, it } from '@jest/globals'
import {
  CURSOR_PATH,
  decodeCursorFile,
  decodeLedgerFile,
  encodeCursorFile,
  encodeLedgerFile,
  ledgerPath,
  StoreFormatError
} from '../../../src/sync/files.js'

describe('central store files', () => {
  it('one file per repository, lower-cased', () => {
    expect(ledgerPath('Classroom/HW1-Alice')).toBe('ledger/classroom/hw1-alice.json')
  })

  it('a ledger file holds opaque records, one per line, and reads back the same', () => {
    const file = {
      repository: 'Classroom/HW1-Alice',
      records: [
        { key: { number: 1 }, state: 'done', note: 'a "quoted" </script>' },
        { key: { number: 2 }, state: 'pending' }
      ]
    }
    const text = encodeLedgerFile(file)
    expect(text.split('\n')).toEqual([
      '{',
      '  "repository": "Classroom/HW1-Alice",',
      '  "records": [',
      `    ${JSON.stringify(file.records[0])},`,
      `    ${JSON.stringify(file.records[1])}`,
      '  ]',
      '}',
      ''
    ])
    expect(decodeLedgerFile('ledger/x.json', text)).toEqual(file)
    const empty = encodeLedgerFile({ repository: 'a/b', records: [] })
    expect(decodeLedgerFile('ledger/a/b.json', empty)).toEqual({ repository: 'a/b', records: [] })
  })

  it.each([
    ['{', /is not valid JSON/],
    ['[]', /does not hold a JSON object/],
    ['{"repository":"a/b"}', /has no "repository" name and "records" list/],
    ['{"repository":"a/b","records":[1]}', /has a record that is not a JSON object/]
  ])('a damaged ledger file %j is refused with the fix', (text, why) => {
    expect(() => decodeLedgerFile('ledger/a/b.json', text)).toThrow(StoreFormatError)
    expect(() => decodeLedgerFile('ledger/a/b.json', text)).toThrow(why)
    expect(() => decodeLedgerFile('ledger/a/b.json', text)).toThrow(
      /^ledger\/a\/b\.json on the ledger branch .*: restore it from the branch's history/
    )
  })

  it('the cursor file lists repositories in name order and reads back', () => {
    const cursor = {
      'b/y': { at: '2026-10-02T00:00:00.000Z', since: '2026-09-01T00:00:00.000Z' },
      'a/x': { at: '2026-10-01T00:00:00.000Z', since: '2026-09-01T00:00:00.000Z' }
    }
    const text = encodeCursorFile(cursor)
    expect(text.indexOf('"a/x"')).toBeLessThan(text.indexOf('"b/y"'))
    expect(decodeCursorFile(text)).toEqual(cursor)
    expect(decodeCursorFile(encodeCursorFile({}))).toEqual({})
  })

  it('a damaged cursor file is refused', () => {
    expect(() => decodeCursorFile('{"repositories":{"a/x":{"at":"soon"}}}')).toThrow(
      `${CURSOR_PATH} on the ledger branch has no valid "at" and "since" times for a/x`
    )
    expect(() => decodeCursorFile('{}')).toThrow(/has no "repositories" object/)
  })
})
