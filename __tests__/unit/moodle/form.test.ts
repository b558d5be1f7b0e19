import { describe, expect, it } from '@jest/globals'
import { encodeForm } from '../../../src/moodle/form.js'

/** Decoded pairs, in order: easier to read than percent-encoded brackets. */
const pairs = (form: string): [string, string][] => [...new URLSearchParams(form)]

describe('encodeForm', () => {
  it('encodes scalars, booleans as 1/0', () => {
    expect(pairs(encodeForm({ userid: 5, name: 'x', on: true, off: false }))).toEqual([
      ['userid', '5'],
      ['name', 'x'],
      ['on', '1'],
      ['off', '0']
    ])
  })

  it('encodes lists with PHP indexes', () => {
    expect(pairs(encodeForm({ field: 'email', values: ['a@x.org', 'b@x.org'] }))).toEqual([
      ['field', 'email'],
      ['values[0]', 'a@x.org'],
      ['values[1]', 'b@x.org']
    ])
  })

  it('encodes nested lists and structures', () => {
    const form = encodeForm({ users: [{ id: 5, prefs: [{ k: 'a', v: true }] }, { id: 6 }] })
    expect(pairs(form)).toEqual([
      ['users[0][id]', '5'],
      ['users[0][prefs][0][k]', 'a'],
      ['users[0][prefs][0][v]', '1'],
      ['users[1][id]', '6']
    ])
    // Brackets are percent-encoded on the wire; PHP decodes them before parsing.
    expect(form).toContain('users%5B0%5D%5Bid%5D=5')
  })

  it('escapes reserved characters and unicode', () => {
    const form = encodeForm({ q: 'a&b=c+d é 😀', 'key with space': '%' })
    expect(form).not.toMatch(/[^A-Za-z0-9%=&*._+-]/)
    expect(pairs(form)).toEqual([
      ['q', 'a&b=c+d é 😀'],
      ['key with space', '%']
    ])
  })

  it('sends nothing for an empty list', () => {
    expect(encodeForm({ values: [], a: 1 })).toBe('a=1')
  })

  it('refuses non-finite numbers', () => {
    expect(() => encodeForm({ points: Number.NaN })).toThrow(/points/)
  })
})
