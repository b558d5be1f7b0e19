import { describe, expect, it } from '@jest/globals'
import { fileURLToPath } from 'node:url'
import { loadRosterFile, parseRoster, rosterFormat } from '../../../src/roster/index.js'
import { ROSTER_FORMATS, type RosterFormat } from '../../../src/roster/parse.js'
import type { RosterRecord } from '../../../src/roster/index.js'

const FIXTURES = fileURLToPath(new URL('../../fixtures/rosters/', import.meta.url))

/** A compact view of records: [login, githubId, moodle user (id or field:value), line]. */
function view(records: RosterRecord[]): [string | null, number | null, string, number][] {
  return records.map(r => [
    r.github,
    r.githubId,
    r.moodleId !== null ? `id:${r.moodleId}` : `${r.lookup?.field}:${r.lookup?.value}`,
    r.source.line
  ])
}

describe('YAML', () => {
  it('reads the flat form with comments, keeping the login as written', () => {
    const { roster, skipped } = loadRosterFile(FIXTURES, 'moodle-users-flat.yml')
    expect(skipped).toBe(0)
    expect(view(roster.records)).toEqual([
      ['octocat', null, 'id:2', 2],
      ['Codertocat', null, 'id:3', 3],
      ['hubot', null, 'id:4', 4],
      ['monalisa', null, 'id:5', 5]
    ])
    expect(roster.records[0]?.source.file).toBe('moodle-users-flat.yml')
  })

  it('reads the users form mixing moodle_id, email and an informational name', () => {
    const { roster } = loadRosterFile(FIXTURES, 'moodle-users.yml')
    expect(view(roster.records)).toEqual([
      ['Codertocat', 21031067, 'id:3', 4],
      ['octocat', null, 'email:octocat@students.example.edu', 7],
      ['hubot', null, 'id:4', 9],
      ['monalisa', null, 'email:monalisa@students.example.edu', 11]
    ])
  })

  it('reads username and idnumber look-ups, and a record with only github_id', () => {
    const text = [
      'users:',
      '  - github: codertocat',
      '    username: codertocat',
      '  - github_id: 583231',
      '    idnumber: S-0042'
    ].join('\n')
    expect(view(parseRoster(text, 'r.yaml').roster.records)).toEqual([
      ['codertocat', null, 'username:codertocat', 2],
      [null, 583231, 'idnumber:S-0042', 4]
    ])
  })

  it('keeps logins that YAML would read as numbers or booleans as written', () => {
    const text = '12345: 2\ntrue: 3\n0x1f: 4\n'
    expect(view(parseRoster(text, 'r.yml').roster.records).map(r => r[0])).toEqual([
      '12345',
      'true',
      '0x1f'
    ])
  })

  it('accepts a Moodle id written as a quoted number', () => {
    expect(view(parseRoster('octocat: "2"', 'r.yml').roster.records)).toEqual([
      ['octocat', null, 'id:2', 1]
    ])
  })

  it('drops an exact repeat of the same person and Moodle user', () => {
    const text =
      'users:\n  - {github: octocat, moodle_id: 2}\n  - {github: OctoCat, moodle_id: 2}\n'
    expect(view(parseRoster(text, 'r.yml').roster.records)).toEqual([['octocat', null, 'id:2', 2]])
  })

  it('completes a repeated record with the github_id the repeat adds', () => {
    const text =
      'users:\n  - {github: octocat, moodle_id: 2}\n  - {github: octocat, github_id: 583231, moodle_id: 2}\n'
    expect(view(parseRoster(text, 'r.yml').roster.records)).toEqual([
      ['octocat', 583231, 'id:2', 2]
    ])
  })

  it('treats the same email in another case as the same Moodle user', () => {
    const text =
      'users:\n  - {github: octocat, email: Octocat@students.example.edu}\n  - {github: octocat, email: octocat@students.example.edu}\n'
    expect(parseRoster(text, 'r.yml').roster.records).toHaveLength(1)
  })
})

describe('JSON', () => {
  it('reads the users form with a username look-up', () => {
    const { roster } = loadRosterFile(FIXTURES, 'moodle-users.json')
    expect(view(roster.records)).toEqual([
      ['Codertocat', 21031067, 'username:codertocat', 3],
      ['octocat', null, 'id:2', 4],
      ['hubot', null, 'id:4', 5],
      ['monalisa', null, 'email:monalisa@students.example.edu', 6]
    ])
  })

  it('reads the flat form', () => {
    const { roster } = loadRosterFile(FIXTURES, 'moodle-users-flat.json')
    expect(view(roster.records)).toEqual([
      ['octocat', null, 'id:2', 2],
      ['Codertocat', null, 'id:3', 3],
      ['hubot', null, 'id:4', 4],
      ['monalisa', null, 'id:5', 5]
    ])
  })

  it('reads JSON indented with tabs', () => {
    const text = '{\n\t"users": [\n\t\t{"github": "octocat", "moodle_id": 2}\n\t]\n}\n'
    expect(view(parseRoster(text, 'r.json').roster.records)).toEqual([['octocat', null, 'id:2', 3]])
  })
})

describe('CSV', () => {
  it.each([
    {
      name: 'the project columns, with empty cells and an informational name',
      fixture: 'moodle-users.csv',
      skipped: 0,
      records: [
        ['Codertocat', 21031067, 'id:3', 2],
        ['octocat', null, 'id:2', 3],
        ['hubot', null, 'email:hubot@students.example.edu', 4],
        ['monalisa', null, 'id:5', 5]
      ]
    },
    {
      name: 'a GitHub Classroom export by email, skipping students not linked yet',
      fixture: 'classroom_roster.csv',
      skipped: 1,
      records: [
        ['octocat', null, 'email:octocat@students.example.edu', 2],
        ['Codertocat', 21031067, 'email:codertocat@students.example.edu', 3],
        ['hubot', null, 'email:hubot@students.example.edu', 4],
        ['monalisa', null, 'email:monalisa@students.example.edu', 5]
      ]
    },
    {
      name: 'a GitHub Classroom export by username',
      fixture: 'classroom_roster_usernames.csv',
      skipped: 1,
      records: [
        ['octocat', null, 'username:octocat', 2],
        ['Codertocat', 21031067, 'username:codertocat', 3],
        ['hubot', null, 'username:hubot', 4],
        ['monalisa', null, 'username:monalisa', 5]
      ]
    },
    {
      name: 'a moodle_id column, preferred over the Classroom identifier',
      fixture: 'classroom_roster_moodle_id.csv',
      skipped: 0,
      records: [
        ['octocat', null, 'id:2', 2],
        ['Codertocat', 21031067, 'id:3', 3],
        ['hubot', null, 'id:4', 4],
        ['monalisa', null, 'id:5', 5]
      ]
    }
  ])('reads $name', ({ fixture, skipped, records }) => {
    const parsed = loadRosterFile(FIXTURES, fixture)
    expect(parsed.skipped).toBe(skipped)
    expect(view(parsed.roster.records)).toEqual(records)
  })

  it('falls back to the identifier where the moodle_id cell is empty', () => {
    const text = 'identifier,github_username,github_id,name,moodle_id\nhubot@example.edu,hubot,,,\n'
    expect(view(parseRoster(text, 'r.csv').roster.records)).toEqual([
      ['hubot', null, 'email:hubot@example.edu', 2]
    ])
  })

  it('handles a BOM, CRLF, capitalised headers, padding, blank and empty rows', () => {
    const text = '\uFEFFGitHub , Moodle_ID\r\n\r\n octocat , 2 \r\n,\r\nhubot,4\r\n'
    expect(view(parseRoster(text, 'r.csv').roster.records)).toEqual([
      ['octocat', null, 'id:2', 3],
      ['hubot', null, 'id:4', 5]
    ])
  })

  it('numbers rows by their first line when a quoted value spans lines', () => {
    const text = 'github,moodle_id,name\r\noctocat,2,"The\r\nOctocat"\r\nhubot,4,Hubot\r\n'
    expect(view(parseRoster(text, 'r.csv').roster.records)).toEqual([
      ['octocat', null, 'id:2', 2],
      ['hubot', null, 'id:4', 4]
    ])
  })

  it('reads spreadsheet exports separated by semicolons', () => {
    const text = 'github;moodle_id\noctocat;2\n'
    expect(view(parseRoster(text, 'r.csv').roster.records)).toEqual([['octocat', null, 'id:2', 2]])
  })

  // One small roster per format of the table: a new format needs its sample here.
  const samples: Record<RosterFormat, { text: string; line: number }> = {
    yaml: { text: 'octocat: 2', line: 1 },
    json: { text: '{"octocat": 2}', line: 1 },
    csv: { text: 'github,moodle_id\noctocat,2', line: 2 }
  }
  it.each(ROSTER_FORMATS.flatMap(spec => spec.extensions.map(ext => [ext, spec.format] as const)))(
    'reads a %s file as %s',
    (extension, format) => {
      expect(rosterFormat(`roster${extension}`)).toBe(format)
      const { text, line } = samples[format]
      expect(view(parseRoster(text, `roster${extension}`).roster.records)).toEqual([
        ['octocat', null, 'id:2', line]
      ])
    }
  )

  it('names every extension of the table when the extension is unknown', () => {
    const all = ROSTER_FORMATS.flatMap(spec => spec.extensions)
    expect(all).toEqual(['.yml', '.yaml', '.json', '.csv'])
    expect(() => rosterFormat('roster.txt')).toThrow(
      'name the file .yml, .yaml, .json or .csv (the format follows the extension)'
    )
  })

  it('takes the format from the extension, case-insensitively', () => {
    expect(parseRoster('octocat: 2', 'ROSTER.YML').roster.records).toHaveLength(1)
    expect(parseRoster('github,moodle_id\noctocat,2', 'Roster.CSV').roster.records).toHaveLength(1)
  })
})

// Large rosters parse completely; their speed is for `npm run bench` to measure, not a timed test.
describe('size', () => {
  const rows = 2000

  it(`parses a ${rows}-row GitHub Classroom export`, () => {
    const lines = ['"identifier","github_username","github_id","name"']
    for (let i = 0; i < rows; i++) {
      const linked = i % 10 !== 0 // every tenth student has not joined yet
      lines.push(
        `"student${i}@students.example.edu","${linked ? `student-${i}` : ''}","${linked ? 1000 + i : ''}","Student ${i}"`
      )
    }
    const { roster, skipped } = parseRoster(lines.join('\n'), 'classroom_roster.csv')
    expect(skipped).toBe(rows / 10)
    expect(roster.records).toHaveLength(rows - rows / 10)
    expect(roster.records.at(-1)?.source.line).toBe(rows + 1)
  })

  it(`parses a ${rows}-record YAML users list`, () => {
    const lines = ['users:']
    for (let i = 0; i < rows; i++)
      lines.push(`  - github: student-${i}`, `    moodle_id: ${100 + i}`)
    const { roster } = parseRoster(lines.join('\n'), 'moodle-users.yml')
    expect(roster.records).toHaveLength(rows)
  })
})
