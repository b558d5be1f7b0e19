import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { MIN_PIECE, Redactor, secretForms } from '../../../src/report/redact.js'
import { markdown } from '../../../src/report/text.js'

/** A Moodle token (32 hex digits) and a GitHub token with characters that encodings change. */
const MOODLE = '3f9a2c7e5b1d48e6a0c4f7b2d9e1a5c8'
const GITHUB = 'ghs_Tok/en+With_Odd=Chars"and\\8f3a'
const redactor = new Redactor([MOODLE, GITHUB])
const hidden = (text: string) => redactor.redact(text)

/** Every piece of `text` of MIN_PIECE characters or more is gone from `seen`. */
function expectNoPiece(seen: string, text: string): void {
  for (let i = 0; i + MIN_PIECE <= text.length; i++) {
    expect(seen.toLowerCase()).not.toContain(text.slice(i, i + MIN_PIECE).toLowerCase())
  }
}

describe('Redactor', () => {
  it.each([
    ['raw', (t: string) => t],
    ['upper case', (t: string) => t.toUpperCase()],
    ['lower case', (t: string) => t.toLowerCase()],
    ['form-encoded', (t: string) => new URLSearchParams({ wstoken: t }).toString().slice(8)],
    ['percent-encoded', encodeURIComponent],
    ['percent-encoded, lower-case hex', (t: string) => encodeURIComponent(t).toLowerCase()],
    ['JSON-escaped', (t: string) => JSON.stringify(t).slice(1, -1)],
    [
      'JSON-escaped as PHP writes it',
      (t: string) => JSON.stringify(t).slice(1, -1).replaceAll('/', '\\/')
    ],
    ['Markdown-escaped', markdown]
  ])('hides a token %s, whole and every cut of it', (_form, encode) => {
    for (const token of [MOODLE, GITHUB]) {
      const copy = encode(token)
      const seen = hidden(`before ${copy} after`)
      expect(seen).toBe('before *** after')
      // A server that cut the copy at any point, from either end.
      for (let n = MIN_PIECE; n < copy.length; n++) {
        expect(hidden(`x ${copy.slice(0, n)}…`)).toBe('x ***…')
        expect(hidden(`…${copy.slice(copy.length - n)} y`)).toBe('…*** y')
      }
    }
  })

  it.each([0, 1, 2, 3, 4, 5])(
    'hides a token base64-encoded inside longer text (%i bytes before it)',
    before => {
      for (const token of [MOODLE, GITHUB]) {
        const data = Buffer.from(`${'p'.repeat(before)}wstoken=${token}&wsfunction=local_xp`)
        for (const encoding of ['base64', 'base64url'] as const) {
          const text = data.toString(encoding)
          const seen = hidden(`dump: ${text}`)
          expect(seen).toContain('***')
          expectNoPiece(seen, Buffer.from(token).toString(encoding))
          // What is left decodes to no piece of the token either.
          expectNoPiece(Buffer.from(seen.slice(6), encoding).toString('latin1'), token)
        }
      }
    }
  )

  it('hides a cut copy in the middle of other text, and several copies in one text', () => {
    const text = `a${MOODLE.slice(5, 5 + MIN_PIECE)}b ${GITHUB} c ${MOODLE.toUpperCase()}`
    expect(hidden(text)).toBe('a***b *** c ***')
  })

  it(`leaves a piece shorter than ${MIN_PIECE} characters (it cannot be told from ordinary text)`, () => {
    const piece = MOODLE.slice(0, MIN_PIECE - 1)
    expect(hidden(`id ${piece}.`)).toBe(`id ${piece}.`)
  })

  it('leaves ordinary text alone', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8')
    expect(hidden(readme)).toBe(readme)
    const ids = 'commit 0b62198a, run 4242, sha 3f9a2c7e, user 21031067, 🎉 ünïcode İstanbul'
    expect(hidden(ids)).toBe(ids)
  })

  it('keeps the length of text with characters whose lower case is longer', () => {
    expect(hidden(`İİ ${MOODLE} İ`)).toBe('İİ *** İ')
  })

  it('hides a short secret whole, in any case, but not its short encodings', () => {
    const short = new Redactor(['ghs_default'])
    expect(short.redact('token GHS_DEFAULT and ghs\\_default')).toBe('token *** and ***')
    expect(short.redact('Z2hz is base64 of ghs')).toBe('Z2hz is base64 of ghs')
  })

  it('ignores empty secrets and redacts nothing without any', () => {
    expect(new Redactor(['']).redact('some text')).toBe('some text')
    expect(secretForms('')).toEqual([])
  })

  it('puts the given replacement, e.g. one escaped for Markdown', () => {
    expect(redactor.redact(`| ${markdown(GITHUB)} |`, '\\*\\*\\*')).toBe('| \\*\\*\\* |')
  })

  it('with() adds secrets', () => {
    const both = new Redactor([MOODLE]).with(GITHUB)
    expect(both.secrets).toEqual([MOODLE, GITHUB])
    expect(both.redact(`${MOODLE} ${GITHUB}`)).toBe('*** ***')
  })
})
