import { describe, expect, it } from '@jest/globals'
import { AWARD_KINDS } from '../../../src/events/types.js'
import {
  canonicalJson,
  decodeRecords,
  encodeRecord,
  keyId,
  newNonce,
  recipientId,
  recordKeyFrom,
  signRecord
} from '../../../src/ledger/records.js'
import { SAMPLE_KEY, sampleRecord } from '../../fixtures/ledger-records.js'

const KEY = recordKeyFrom('moodle-token')

const key = SAMPLE_KEY
const rec = sampleRecord

describe('keys', () => {
  it('prefers the numeric GitHub id, then the login, then the Moodle id', () => {
    expect(recipientId(501, 'Alice', 42)).toBe('gh:501')
    expect(recipientId(null, 'Alice', 42)).toBe('login:alice')
    expect(recipientId(null, null, 42)).toBe('moodle:42')
  })

  it('compares repositories case-insensitively and keeps every part of the key apart', () => {
    expect(keyId(key)).toBe(keyId({ ...key, repository: 'school/course' }))
    expect(keyId(key)).not.toBe(keyId({ ...key, kind: 'issue-closed' }))
    expect(keyId(key)).not.toBe(keyId({ ...key, course: 31 }))
    expect(keyId(key)).not.toBe(keyId({ ...key, number: 8 }))
    expect(keyId(key)).not.toBe(keyId({ ...key, recipient: 'gh:502' }))
  })
})

describe('encoding', () => {
  it('round-trips records, one per line, among other text', () => {
    const a = signRecord(rec(), KEY)
    const b = signRecord(rec({ key: { ...key, recipient: 'gh:502' }, state: 'pending' }), KEY)
    const body = `Hello **students**\n${encodeRecord(a)}\nsome text\n${encodeRecord(b)}\n`
    const { mac: _a, ...plainA } = a
    const { mac: _b, ...plainB } = b
    expect(decodeRecords(body, KEY)).toEqual([
      { record: plainA, verified: true },
      { record: plainB, verified: true }
    ])
  })

  it.each(AWARD_KINDS)('reads back a record of kind %s (every award kind)', kind => {
    const r = rec({ key: { ...key, kind } })
    expect(decodeRecords(encodeRecord(signRecord(r, KEY)), KEY)).toEqual([
      { record: r, verified: true }
    ])
  })

  it('keeps a hostile value inside the HTML comment', () => {
    const evil = rec({ key: { ...key, recipient: 'login:--><script>alert(1)</script>&' } })
    const line = encodeRecord(signRecord(evil, KEY))
    expect(line.startsWith('<!-- moodle-xp-ledger {')).toBe(true)
    expect(line.indexOf('-->')).toBe(line.length - 3)
    expect(line.slice(4, -3)).not.toMatch(/[<>&]/)
    expect(decodeRecords(line, KEY)).toEqual([{ record: evil, verified: true }])
  })

  it('skips garbage, damaged JSON and records of the wrong shape', () => {
    const good = rec()
    const body = [
      '<!-- moodle-xp-ledger {not json} -->',
      '<!-- moodle-xp-ledger {"v":2,"key":{}} -->',
      `<!-- moodle-xp-ledger ${JSON.stringify({ ...good, state: 'maybe' })} -->`,
      `<!-- moodle-xp-ledger ${JSON.stringify({ ...good, points: '10' })} -->`,
      `<!-- moodle-xp-ledger ${JSON.stringify({ ...good, key: { ...key, kind: 'x' } })} -->`,
      `<!-- moodle-xp-ledger ${JSON.stringify({ ...good, nonce: undefined })} -->`,
      '<!-- moodle-xp-ledger <!-- moodle-xp-ledger',
      'random <!-- other comment --> text',
      encodeRecord(good)
    ].join('\n')
    expect(decodeRecords(body, KEY)).toEqual([{ record: good, verified: false }])
    expect(decodeRecords('', KEY)).toEqual([])
  })

  it('reads a record after an unterminated marker and inside long text', () => {
    const good = signRecord(rec(), KEY)
    const body = `${'x'.repeat(70000)}<!-- moodle-xp-ledger {"v":1 ${'y'.repeat(5000)} -->${encodeRecord(good)}`
    expect(decodeRecords(body, KEY).map(d => d.verified)).toEqual([true])
  })

  it('reads the unknown mark back only on a pending record, and the forced mark', () => {
    const [back] = decodeRecords(encodeRecord(rec({ state: 'pending', unknown: true })), KEY)
    expect(back?.record.unknown).toBe(true)
    const [notPending] = decodeRecords(encodeRecord(rec({ state: 'done', unknown: true })), KEY)
    expect(notPending?.record.unknown).toBeUndefined()
    const [forced] = decodeRecords(encodeRecord(rec({ forced: true })), KEY)
    expect(forced?.record.forced).toBe(true)
  })
})

describe('MAC', () => {
  it('verifies with the key of the same Moodle token only', () => {
    const line = encodeRecord(signRecord(rec(), KEY))
    expect(decodeRecords(line, recordKeyFrom('moodle-token'))[0]?.verified).toBe(true)
    expect(decodeRecords(line, recordKeyFrom('another-token'))[0]?.verified).toBe(false)
  })

  it.each([
    ['state', { state: 'failed' }],
    ['points', { points: 1000 }],
    ['person', { key: { ...key, recipient: 'gh:666' } }],
    ['nonce', { nonce: 'n2' }],
    ['Moodle user', { moodleUserId: 7 }]
  ])('fails when the %s is changed', (_what, change) => {
    const signed = signRecord(rec(), KEY)
    const [decoded] = decodeRecords(encodeRecord({ ...signed, ...change } as typeof signed), KEY)
    expect(decoded?.verified).toBe(false)
  })

  it('does not depend on the order of the fields', () => {
    const signed = signRecord(rec(), KEY)
    const reordered = Object.fromEntries(Object.entries(signed).reverse()) as typeof signed
    expect(decodeRecords(encodeRecord(reordered), KEY)[0]?.verified).toBe(true)
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}'
    )
  })

  it('signs again over the new content, never over an old mac', () => {
    const once = signRecord(rec(), KEY)
    expect(signRecord({ ...once, state: 'failed' }, KEY).mac).not.toBe(once.mac)
    expect(signRecord(once, KEY).mac).toBe(once.mac)
  })

  it('makes a fresh nonce each time', () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce))
    expect(nonces.size).toBe(100)
  })
})
