import { describe, expect, it } from '@jest/globals'
import { fileURLToPath } from 'node:url'
import {
  loadRosterFile,
  parseInlineMapping,
  parseRoster,
  RosterError,
  RosterPathError
} from '../../../src/roster/index.js'

const FIXTURES = fileURLToPath(new URL('../../fixtures/rosters/', import.meta.url))

/** Runs `fn`, expects a RosterError at file/line whose one-line message matches every pattern. */
function expectRosterError(
  fn: () => unknown,
  file: string,
  line: number,
  ...patterns: RegExp[]
): RosterError {
  let caught: unknown
  try {
    fn()
  } catch (e) {
    caught = e
  }
  expect(caught).toBeInstanceOf(RosterError)
  const err = caught as RosterError
  expect({ file: err.file, line: err.line }).toEqual({ file, line })
  expect(err.message.startsWith(`${file} line ${line}: `)).toBe(true)
  expect(err.message).not.toContain('\n')
  expect(err.message).toContain(err.detail)
  for (const p of patterns) expect(err.message).toMatch(p)
  return err
}

const parse = (text: string, file: string) => () => parseRoster(text, file)

describe('fixtures named after their fault', () => {
  it('broken-syntax.yml: the parser message, its line and how to fix YAML', () => {
    expectRosterError(
      () => loadRosterFile(FIXTURES, 'broken-syntax.yml'),
      'broken-syntax.yml',
      5,
      /YAML syntax error/,
      /check indentation/
    )
  })

  it('broken-duplicate.yml: names both lines and says to keep one', () => {
    expectRosterError(
      () => loadRosterFile(FIXTURES, 'broken-duplicate.yml'),
      'broken-duplicate.yml',
      6,
      /"Octocat" is listed twice with different Moodle users/,
      /line 2: moodle_id 2; line 6: moodle_id 5/,
      /keep one record per student/
    )
  })

  it('broken-moodle-id.csv: says how to find the numeric Moodle id', () => {
    const err = expectRosterError(
      () => loadRosterFile(FIXTURES, 'broken-moodle-id.csv'),
      'broken-moodle-id.csv',
      3,
      /moodle_id "abc" is not a positive whole number/,
      /profile URL id=/
    )
    expect(err.detail).toBe(
      `moodle_id "abc" is not a positive whole number; write the student's numeric Moodle user id (Site administration > Users > the user's profile URL id=...)`
    )
  })

  it('broken-typo-column.csv: suggests the column meant', () => {
    expectRosterError(
      () => loadRosterFile(FIXTURES, 'broken-typo-column.csv'),
      'broken-typo-column.csv',
      1,
      /unknown column "moodle-id"; did you mean "moodle_id"\? Rename it to moodle_id/
    )
  })

  it('broken-typo-key.yml: suggests the key meant, on the key line', () => {
    expectRosterError(
      () => loadRosterFile(FIXTURES, 'broken-typo-key.yml'),
      'broken-typo-key.yml',
      4,
      /unknown key "githib"; did you mean "github"\? Rename it to github/
    )
  })

  it('broken-empty.yml: says there are no students and what to write', () => {
    expectRosterError(
      () => loadRosterFile(FIXTURES, 'broken-empty.yml'),
      'broken-empty.yml',
      1,
      /only comments, no students/,
      /github-login: moodle-user-id/
    )
  })

  it('broken-shape.json: a top-level list is told to go under users', () => {
    expectRosterError(
      () => loadRosterFile(FIXTURES, 'broken-shape.json'),
      'broken-shape.json',
      1,
      /the file is a list/,
      /\{"users": \[ \.\.\. \]\}/
    )
  })

  it('broken-unsupported.txt: names the supported extensions', () => {
    expect(() => loadRosterFile(FIXTURES, 'broken-unsupported.txt')).toThrow(RosterPathError)
    expect(() => loadRosterFile(FIXTURES, 'broken-unsupported.txt')).toThrow(
      /mapping-file "broken-unsupported.txt" has an unsupported extension; name the file \.yml, \.yaml, \.json or \.csv/
    )
  })
})

describe('syntax errors carry the parser line', () => {
  it('YAML: tabs as indentation', () => {
    expectRosterError(parse('users:\n\t- github: x\n', 'r.yml'), 'r.yml', 2, /Tabs/, /not tabs/)
  })

  it('YAML: several documents', () => {
    expectRosterError(
      parse('octocat: 2\n---\nhubot: 4\n', 'r.yml'),
      'r.yml',
      2,
      /multiple documents/
    )
  })

  it('JSON: a missing comma', () => {
    expectRosterError(
      parse('{\n  "octocat": 2\n  "hubot": 4\n}\n', 'r.json'),
      'r.json',
      2,
      /JSON syntax error/,
      /check commas, brackets and quotes/
    )
  })

  it('CSV: a quote never closed', () => {
    expectRosterError(
      parse('github,moodle_id\noctocat,"2\nhubot,4\n', 'r.csv'),
      'r.csv',
      3, // csv-parse reports where the input ended, hence "on or before this line"
      /quote .* is never closed; add the closing quote/
    )
  })

  it('CSV: a row with more values than columns', () => {
    expectRosterError(
      parse('github,moodle_id\noctocat,2\nhubot,4,5\n', 'r.csv'),
      'r.csv',
      3,
      /different number of values than the header has columns; give every row one value per column/
    )
  })
})

describe('Moodle id', () => {
  it.each([
    ['abc', /not a positive whole number/],
    ['0', /not a positive whole number/],
    ['-3', /not a positive whole number/],
    ['2.5', /not a positive whole number/],
    ['12345678901', /too large for a Moodle user id \(at most 10 digits\)/]
  ])('rejects %s with the fix', (value, what) => {
    expectRosterError(
      parse(`users:\n  - github: octocat\n    moodle_id: ${value}\n`, 'r.yml'),
      'r.yml',
      3,
      what,
      /write the student's numeric Moodle user id/
    )
  })

  it('flat form: names the login and the id', () => {
    expectRosterError(
      parse('octocat: 2\nhubot: four\n', 'r.yml'),
      'r.yml',
      2,
      /the Moodle user id for hubot "four" is not a positive whole number; write/
    )
  })

  it('flat form: an email is pointed to the users form', () => {
    expectRosterError(
      parse('octocat: octocat@students.example.edu\n', 'r.yml'),
      'r.yml',
      1,
      /is an email address/,
      /use the users: list form with "github: octocat" and "email: octocat@students.example.edu"/
    )
  })

  it('flat form: a login without a value', () => {
    expectRosterError(
      parse('octocat:\n', 'r.yml'),
      'r.yml',
      1,
      /octocat has no Moodle user id; write "octocat: <Moodle user id>"/
    )
  })

  it('flat form: a map as value', () => {
    expectRosterError(
      parse('octocat:\n  moodle_id: 2\n', 'r.yml'),
      'r.yml',
      1,
      /list or map/,
      /users: list/
    )
  })
})

describe('record contents', () => {
  it('github_id must be a positive whole number', () => {
    expectRosterError(
      parse('github,github_id,moodle_id\noctocat,abc,2\n', 'r.csv'),
      'r.csv',
      2,
      /github_id "abc" is not a positive whole number/,
      /api\.github\.com\/users\/LOGIN/
    )
  })

  it('github_id too large', () => {
    expectRosterError(
      parse(
        'users:\n  - {github: octocat, github_id: 99999999999999999999, moodle_id: 2}\n',
        'r.yml'
      ),
      'r.yml',
      2,
      /github_id "99999999999999999999" is too large/
    )
  })

  it('a record with neither github nor github_id', () => {
    expectRosterError(
      parse('users:\n  - moodle_id: 2\n    email: x@example.edu\n', 'r.yml'),
      'r.yml',
      2,
      /neither github nor github_id; add the student's GitHub login as github/
    )
  })

  it('a CSV row with neither github nor github_id', () => {
    expectRosterError(
      parse('github,github_id,moodle_id\noctocat,,2\n,,3\n', 'r.csv'),
      'r.csv',
      3,
      /neither github nor github_id/
    )
  })

  it('a record that names no Moodle user', () => {
    expectRosterError(
      parse('users:\n  - github: octocat\n    name: The Octocat\n', 'r.yml'),
      'r.yml',
      2,
      /does not say which Moodle user/,
      /add moodle_id .*or email, username or idnumber/
    )
  })

  it('a record that names the Moodle user twice', () => {
    expectRosterError(
      parse('github,moodle_id,email\noctocat,2,octocat@students.example.edu\n', 'r.csv'),
      'r.csv',
      2,
      /names the Moodle user more than once \(moodle_id, email\); keep only one/
    )
  })

  it('a Classroom row with no identifier and no moodle_id', () => {
    expectRosterError(
      parse('identifier,github_username,github_id,name\n,octocat,,\n', 'classroom.csv'),
      'classroom.csv',
      2,
      /no identifier and no moodle_id; fill in the student's email or Moodle username/
    )
  })

  it('an email that is not one', () => {
    expectRosterError(
      parse('users:\n  - github: octocat\n    email: octocat.example.edu\n', 'r.yml'),
      'r.yml',
      3,
      /email "octocat.example.edu" is not an email address; write the email address/
    )
  })

  it.each([
    ['@octocat', /starts with @; write the login without it \(octocat\)/],
    ['https://github.com/octocat', /is a profile URL; write only the login \(octocat\)/],
    ['octocat@students.example.edu', /looks like an email address, not a GitHub login/],
    ['dependabot[bot]', /is a bot account; bots never earn XP/],
    [
      'octo cat',
      /is not a valid GitHub login; write the login exactly as on the student's GitHub profile/
    ],
    ['-octocat', /is not a valid GitHub login/],
    ['a'.repeat(40), /is not a valid GitHub login/]
  ])('rejects the login %s with the fix', (login, what) => {
    expectRosterError(parse(`github,moodle_id\n"${login}",2\n`, 'r.csv'), 'r.csv', 2, what)
  })

  it('accepts Enterprise Managed User logins', () => {
    expect(parseRoster('octocat_acme: 2', 'r.yml').roster.records[0]?.github).toBe('octocat_acme')
  })

  it('a value that is a list', () => {
    expectRosterError(
      parse('users:\n  - github: octocat\n    moodle_id: [2, 3]\n', 'r.yml'),
      'r.yml',
      3,
      /moodle_id must be a single value, not a list or map/
    )
  })

  it('a key written twice in one record', () => {
    expectRosterError(
      parse('users:\n  - github: octocat\n    moodle_id: 2\n    moodle_id: 3\n', 'r.yml'),
      'r.yml',
      4,
      /key "moodle_id" appears twice in this record; keep one/
    )
  })
})

describe('unknown names', () => {
  it.each([
    ['moodle-id', 'moodle_id'],
    ['Moodle ID', 'moodle_id'],
    ['githib', 'github'],
    ['emial', 'email'],
    ['login', 'github'],
    ['user_id', 'moodle_id']
  ])('suggests %s -> %s in YAML', (written, meant) => {
    expectRosterError(
      parse(`users:\n  - github: octocat\n    "${written}": 2\n`, 'r.yml'),
      'r.yml',
      3,
      new RegExp(`unknown key "${written}"; did you mean "${meant}"\\? Rename it to ${meant}`)
    )
  })

  it('lists the known names when nothing is close', () => {
    expectRosterError(
      parse('users:\n  - github: octocat\n    moodle_id: 2\n    favourite_colour: blue\n', 'r.yml'),
      'r.yml',
      4,
      /unknown key "favourite_colour"; use only github, github_id, moodle_id, email, username, idnumber, name/
    )
  })

  it('a CSV column typo in the header line', () => {
    expectRosterError(
      parse('\n\ngithib,moodle_id\noctocat,2\n', 'r.csv'),
      'r.csv',
      3,
      /unknown column "githib"; did you mean "github"\?/
    )
  })

  it('a CSV without a header row', () => {
    expectRosterError(
      parse('octocat,2\nhubot,4\n', 'r.csv'),
      'r.csv',
      1,
      /not a header row/,
      /github,moodle_id/
    )
  })

  it('two columns for the login', () => {
    expectRosterError(
      parse('github,github_username,moodle_id\noctocat,octocat,2\n', 'r.csv'),
      'r.csv',
      1,
      /columns "github" and "github_username" both give the GitHub login; keep one/
    )
  })

  it('a value under a column without a name', () => {
    expectRosterError(
      parse('github,moodle_id,\noctocat,2,\nhubot,4,x\n', 'r.csv'),
      'r.csv',
      3,
      /value "x" is in column 3, which has no name in the header/
    )
  })

  it('a top-level key next to users', () => {
    expectRosterError(
      parse('course: 30\nusers:\n  - github: octocat\n    moodle_id: 2\n', 'r.yml'),
      'r.yml',
      1,
      /unknown top-level key "course" next to users; put every student in the users list/
    )
  })
})

describe('duplicates', () => {
  it('one login, different Moodle users, case-insensitive, in a flat map', () => {
    expectRosterError(
      parse('octocat: 2\nhubot: 4\nOctoCat: 5\n', 'r.yml'),
      'r.yml',
      3,
      /GitHub login "OctoCat" is listed twice with different Moodle users \(line 1: moodle_id 2; line 3: moodle_id 5\)/
    )
  })

  it('one github_id, different Moodle users, under two logins', () => {
    expectRosterError(
      parse(
        'github,github_id,moodle_id,email\noldname,583231,2,\nnewname,583231,,other@example.edu\n',
        'r.csv'
      ),
      'r.csv',
      3,
      /github_id 583231 is listed twice with different Moodle users \(line 2: moodle_id 2; line 3: email other@example.edu\)/
    )
  })

  it('one github_id, same Moodle user, under two logins is allowed', () => {
    const { roster } = parseRoster(
      'github,github_id,moodle_id\noldname,583231,2\nnewname,583231,2\n',
      'r.csv'
    )
    expect(roster.records.map(r => r.github)).toEqual(['oldname', 'newname'])
  })

  it('a Classroom export with the same student twice by different identifiers', () => {
    expectRosterError(
      parse(
        'identifier,github_username,github_id,name\na@example.edu,octocat,,\nb@example.edu,octocat,,\n',
        'c.csv'
      ),
      'c.csv',
      3,
      /listed twice/,
      /line 2: email a@example.edu; line 3: email b@example.edu/
    )
  })
})

describe('empty input', () => {
  it.each([
    ['r.yml', ''],
    ['r.json', '  \n'],
    ['r.csv', '\uFEFF\n\n']
  ])('%s with nothing in it says it is empty', (file, text) => {
    expectRosterError(parse(text, file), file, 1, /the file is empty;/)
  })

  it('a CSV with only a header says to add rows', () => {
    expectRosterError(
      parse('github,moodle_id\n', 'r.csv'),
      'r.csv',
      1,
      /header row but no students; add one row per student/
    )
  })

  it('an empty users list', () => {
    expectRosterError(parse('users: []\n', 'r.yml'), 'r.yml', 1, /no students/)
  })

  it('a scalar file', () => {
    expectRosterError(parse('just some text\n', 'r.yml'), 'r.yml', 1, /not a map of students/)
  })
})

describe('inline mapping input', () => {
  it('reads login: id lines with blank lines and comments', () => {
    const roster = parseInlineMapping(
      '# teachers excluded\noctocat: 2\n\n  # late joiner\nCodertocat: 3 # lab B\n'
    )
    expect(roster.records.map(r => [r.github, r.moodleId, r.source.file, r.source.line])).toEqual([
      ['octocat', 2, 'mapping', 2],
      ['Codertocat', 3, 'mapping', 5]
    ])
  })

  it('an empty or comment-only input is an empty roster, not an error', () => {
    expect(parseInlineMapping('').records).toEqual([])
    expect(parseInlineMapping('# nobody yet\n').records).toEqual([])
  })

  it('names the input and the line in errors', () => {
    expectRosterError(
      () => parseInlineMapping('octocat: 2\nhubot: x\n'),
      'mapping',
      2,
      /the Moodle user id for hubot "x" is not a positive whole number/
    )
  })

  it('does not accept the users form, and says what to write', () => {
    expectRosterError(
      () => parseInlineMapping('users:\n  - github: octocat\n    moodle_id: 2\n'),
      'mapping',
      1,
      /write one "github-login: moodle-user-id" per line/
    )
  })

  it('a line without a colon', () => {
    expectRosterError(
      () => parseInlineMapping('octocat 2\n'),
      'mapping',
      1,
      /write one "github-login: moodle-user-id" per line/
    )
  })
})
