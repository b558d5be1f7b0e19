import { describe, expect, it } from '@jest/globals'
import { markdown, plain } from '../../../src/report/text.js'

/** Every character the runner or a terminal could read as the end of a line or a command. */
const CONTROLS: string[] = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
  ...Array.from({ length: 0x9f - 0x7f + 1 }, (_, i) => String.fromCharCode(0x7f + i)),
  '\u2028',
  '\u2029'
]
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/
// eslint-disable-next-line no-control-regex -- the line breaks a log reader may honour
const LINE_BREAK = /\r\n|\r|\n|\u000b|\u000c|\u0085|\u2028|\u2029/

describe('plain', () => {
  it('leaves ordinary text, Unicode included, as it is', () => {
    const text = 'Fix the login page — café 🎉 ~ [x] <b> @octocat \\ \u00a0'
    expect(plain(text)).toBe(text)
  })

  it('writes newlines and carriage returns as visible escapes', () => {
    expect(plain('a\nb')).toBe('a\\nb')
    expect(plain('a\rb')).toBe('a\\rb')
    expect(plain('a\r\nb')).toBe('a\\r\\nb')
  })

  it('turns a tab into a space', () => {
    expect(plain('a\tb')).toBe('a b')
  })

  it('writes other control characters as \\u escapes', () => {
    expect(plain('\u0000')).toBe('\\u0000')
    expect(plain('\u001b[31mred')).toBe('\\u001b[31mred')
    expect(plain('\u007f')).toBe('\\u007f')
    expect(plain('\u0085')).toBe('\\u0085')
    expect(plain('\u009b')).toBe('\\u009b')
    expect(plain('a\u2028b\u2029c')).toBe('a\\u2028b\\u2029c')
  })

  it('replaces every control character, C1 and line/paragraph separators included', () => {
    for (const c of CONTROLS) {
      const hex = c.charCodeAt(0).toString(16).padStart(4, '0')
      const expected = c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? ' ' : `\\u${hex}`
      const out = plain(`x${c}y`)
      expect({ hex, out }).toEqual({ hex, out: `x${expected}y` })
      expect(out).not.toMatch(ANY_CONTROL)
    }
  })

  it('never lets a value start a new log line, so never a workflow command', () => {
    for (const c of CONTROLS) {
      const out = plain(`Fix it${c}::error::pwned${c}::add-mask::x`)
      expect(out.split(LINE_BREAK)).toHaveLength(1)
      expect(out.startsWith('Fix it')).toBe(true)
    }
  })
})

/** Undoes the escapes `markdown` adds: what a reader sees once GitHub renders the text. */
function rendered(text: string): string {
  return text
    .replace(/\\([\\`*_[\]|~!])/g, '$1')
    .replace(/@\u200b/g, '@')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
}

describe('markdown', () => {
  it('leaves readable text without Markdown syntax unchanged', () => {
    const text = 'Fix the login page (again): 3 files, 10 points. Café #12 — done?'
    expect(markdown(text)).toBe(text)
  })

  it('escapes HTML so no tag or entity survives', () => {
    expect(markdown('<img src=x onerror="alert(1)">')).toBe(
      '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    )
    expect(markdown('<details><summary>x</summary>')).not.toMatch(/[<>]/)
    expect(markdown('Tom &amp; Jerry &lt;b&gt;')).toBe('Tom &amp;amp; Jerry &amp;lt;b&amp;gt;')
  })

  it('escapes links and images', () => {
    expect(markdown('[click me](https://evil.example/)')).toBe(
      '\\[click me\\](https://evil.example/)'
    )
    expect(markdown('![pixel](https://evil.example/p.png)')).toBe(
      '\\!\\[pixel\\](https://evil.example/p.png)'
    )
    expect(markdown('[ref]: https://evil.example/')).toBe('\\[ref\\]: https://evil.example/')
    expect(markdown('<https://evil.example/>')).toBe('&lt;https://evil.example/&gt;')
  })

  it('escapes table pipes, so a value stays in its cell', () => {
    const out = markdown('a | b || c')
    expect(out).toBe('a \\| b \\|\\| c')
    expect(out).not.toMatch(/(^|[^\\])\|/)
  })

  it('escapes emphasis, strike-through and code', () => {
    expect(markdown('*bold* _it_ **b** __u__ ~~del~~ `code`')).toBe(
      '\\*bold\\* \\_it\\_ \\*\\*b\\*\\* \\_\\_u\\_\\_ \\~\\~del\\~\\~ \\`code\\`'
    )
  })

  it('escapes backslashes, so the input cannot cancel an escape', () => {
    expect(markdown('\\*x*')).toBe('\\\\\\*x\\*')
    expect(markdown('\\|')).toBe('\\\\\\|')
  })

  it('breaks mentions with a zero-width space after every @', () => {
    expect(markdown('@octocat and @github/security')).toBe(
      '@\u200boctocat and @\u200bgithub/security'
    )
    expect(markdown('mona@example.edu')).toBe('mona@\u200bexample.edu')
  })

  it('keeps the text on one line, with control characters visible', () => {
    const out = markdown('title\n\n# heading\r\n| a |\u2028<b>')
    expect(out).not.toMatch(ANY_CONTROL)
    expect(out).toBe('title\\\\n\\\\n# heading\\\\r\\\\n\\| a \\|\\\\u2028&lt;b&gt;')
  })

  it.each([
    'Fix <b>bold</b> & "quotes" | pipes | `code` *stars* _under_ ~tilde~',
    '![img](x) [link](y) @mention \\back\\slash',
    'multi\nline\ttext\u0000\u2029'
  ])('renders as the same text as plain(): %j', text => {
    expect(rendered(markdown(text))).toBe(plain(text))
  })
})
