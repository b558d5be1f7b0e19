import { describe, expect, it } from '@jest/globals'
import { decodeRecords, recordKeyFrom } from '../../../src/ledger/records.js'
import type { StudentLevel } from '../../../src/level/level.js'
import { commentBody, escapeText, mention, unmappedBody } from '../../../src/ledger/text.js'
import { sampleRecord } from '../../fixtures/ledger-records.js'
import { PR } from '../../fixtures/subjects.js'

const record = sampleRecord()
const KEY = recordKeyFrom('moodle-token')

describe('escapeText', () => {
  it.each([
    ['--> <script>alert(1)</script>', /[<>]/],
    ['@everyone and @school/teachers', /@/],
    ['::error::boom', /::/],
    ['**bold** _it_ [link](https://evil.example) `code` ![img](x)', /[*_[\]()`!]/],
    ['#12 & &amp; | ~~strike~~', /[#&|~](?![#0-9]*;)/]
  ])('neutralises %j', (input, forbidden) => {
    const out = escapeText(input)
    expect(out).not.toMatch(forbidden)
    // Only numeric character references and zero-width spaces (after @ and #, which GitHub
    // would otherwise still read as mentions and references) were added.
    expect(out).not.toMatch(/&#(64|35);(?!\u200b)/)
    const decoded = out.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    expect(decoded.replace(/([@#])\u200b/g, '$1')).toBe(input)
  })

  it('puts everything on one line', () => {
    expect(escapeText('a\nb\r\nc\u2028d')).toBe('a b c d')
  })
})

describe('mention', () => {
  it('mentions valid logins and escapes anything else', () => {
    expect(mention('octo-cat', 1)).toBe('@octo-cat')
    expect(mention('evil<b>', 1)).toBe('evil&#60;b&#62;')
    expect(mention('a--b', 1)).not.toContain('@')
    expect(mention(null, 42)).toBe('Moodle user 42')
  })
})

describe('commentBody', () => {
  const subject = { ...PR, title: 'Fix --> <img src=x onerror=alert(1)> @everyone ::error::x' }

  it('congratulates each student with points and new total, and holds the records', () => {
    const body = commentBody({
      comment: true,
      subject,
      entries: [
        { login: 'alice', moodleUserId: 42, points: 10, xp: 120, state: 'done' },
        { login: 'bob', moodleUserId: 43, points: 10, xp: null, state: 'failed' },
        { login: 'carol', moodleUserId: 44, points: 5, xp: null, state: 'unknown' }
      ],
      records: [record]
    })
    expect(body).toContain('@alice earned **10 XP**')
    expect(body).toContain('**120 XP** in total')
    expect(body).toMatch(/@bob: the 10 XP could not be awarded/)
    expect(body).toMatch(/@carol: it is not certain/)
    expect(decodeRecords(body, KEY).map(d => d.record)).toEqual([record])
    const visible = body.split('\n').filter(l => !l.startsWith('<!-- moodle-xp-ledger'))
    expect(visible.join('\n')).not.toMatch(/<img|-->|@everyone|::error::/)
  })

  it('says it is awarding while pending and mentions the students already', () => {
    const body = commentBody({
      comment: true,
      subject,
      entries: [{ login: 'alice', moodleUserId: 42, points: 10, xp: null, state: 'pending' }],
      records: [{ ...record, state: 'pending', xp: null }]
    })
    expect(body).toMatch(/^⏳ Awarding XP in Moodle/)
    expect(body).toContain('@alice: awarding 10 XP')
  })

  it('with comment: false holds only a neutral line and the records', () => {
    const body = commentBody({
      comment: false,
      subject,
      entries: [{ login: 'alice', moodleUserId: 42, points: 10, xp: 120, state: 'done' }],
      records: [record]
    })
    expect(body).not.toContain('@')
    expect(body).not.toContain('Fix')
    expect(decodeRecords(body, KEY).map(d => d.record)).toEqual([record])
  })

  describe('with the level', () => {
    const done = (level: StudentLevel) =>
      commentBody({
        comment: true,
        subject,
        entries: [{ login: 'alice', moodleUserId: 42, points: 10, xp: 320, state: 'done', level }],
        records: [record]
      }).split('\n')[2]

    it('says the level and how far the next one is after the total', () => {
      expect(done({ number: 3, name: 'Rising star', xpToNext: 159, levelUp: false })).toBe(
        '- 🎉 @alice earned **10 XP** for this pull request and now has **320 XP** in total (level 3, Rising star; 159 XP to level 4). Well done!'
      )
    })

    it('celebrates the award that reached a new level', () => {
      expect(done({ number: 3, name: 'Rising star', xpToNext: 159, levelUp: true })).toBe(
        '- 🎉 @alice earned **10 XP** for this pull request and now has **320 XP** in total. ⬆️ New level: **level 3, Rising star**; 159 XP to level 4. Well done!'
      )
    })

    it('says the top level has no next', () => {
      expect(done({ number: 10, name: null, xpToNext: null, levelUp: false })).toContain(
        'in total (level 10; the top level). Well done!'
      )
    })

    it("escapes the teacher's level name as event text is escaped", () => {
      const line = done({
        number: 2,
        name: '<img src=x> @everyone [x](y) ::error::',
        xpToNext: 5,
        levelUp: true
      })
      expect(line).toContain(`**level 2, ${escapeText('<img src=x> @everyone [x](y) ::error::')}**`)
      expect(line).not.toMatch(/<img|@everyone|\[x\]|::error::/)
    })
  })
})

describe('unmappedBody', () => {
  const subject = { ...PR, title: 'Fix --> <img src=x onerror=alert(1)> @everyone ::error::x' }

  it('tells each student that they are not in the roster and whom to ask, then holds the markers', () => {
    const body = unmappedBody({ subject, logins: ['alice'], hidden: ['<!-- marker -->'] })
    expect(body.split('\n')).toEqual([
      '**Moodle XP** for this pull request: “Fix &#45;&#45;&#62; &#60;img src&#61;x onerror&#61;alert&#40;1&#41;&#62; &#64;\u200beveryone &#58;&#58;error&#58;&#58;x”',
      '',
      "- 👋 @alice: this pull request earns XP, but your GitHub account is not in the course roster yet (the list that links each student's GitHub account to their Moodle account), so no XP could be awarded. Ask your teacher to add you to the roster; they can then award the XP for this pull request.",
      '',
      '<!-- marker -->'
    ])
  })

  it('says issue on an issue, one line per student', () => {
    const body = unmappedBody({
      subject: { ...subject, kind: 'issue' },
      logins: ['alice', 'bob'],
      hidden: []
    })
    expect(body).toMatch(/^\*\*Moodle XP\*\* for this issue: /)
    expect(body.match(/this issue earns XP/g)).toHaveLength(2)
    expect(body).toContain('- 👋 @alice: ')
    expect(body).toContain('- 👋 @bob: ')
  })

  it('escapes a login that is not a valid GitHub login instead of mentioning it', () => {
    const body = unmappedBody({ subject, logins: ['evil<b>@team', 'x--y'], hidden: [] })
    expect(body).toContain('- 👋 evil&#60;b&#62;&#64;\u200bteam: ')
    expect(body).toContain('- 👋 x&#45;&#45;y: ')
    expect(body).not.toMatch(/<b>|@team|@x/)
  })
})
