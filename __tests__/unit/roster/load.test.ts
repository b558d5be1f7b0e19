import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  loadRoster,
  loadRosterFile,
  RosterError,
  RosterPathError,
  resolveRosterPath
} from '../../../src/roster/index.js'

let root: string
let ws: string
let outside: string

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-'))
  ws = path.join(root, 'workspace')
  outside = path.join(root, 'outside')
  fs.mkdirSync(path.join(ws, '.github', 'linked'), { recursive: true })
  fs.mkdirSync(outside)
  fs.writeFileSync(path.join(ws, '.github', 'moodle-users.yml'), 'octocat: 2\n')
  fs.writeFileSync(path.join(outside, 'secret.yml'), 'octocat: 9\n')
  fs.writeFileSync(path.join(outside, 'roster.csv'), 'github,moodle_id\noctocat,9\n')
  // Links inside the workspace: to a file inside (fine), to a file and a folder outside (not).
  fs.symlinkSync(path.join(ws, '.github', 'moodle-users.yml'), path.join(ws, 'inside-link.yml'))
  fs.symlinkSync(path.join(outside, 'secret.yml'), path.join(ws, '.github', 'escape.yml'))
  fs.symlinkSync(outside, path.join(ws, 'outdir'))
  fs.symlinkSync(path.join(ws, 'missing.yml'), path.join(ws, 'dangling.yml'))
})

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true })
})

function pathError(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(RosterPathError)
    const message = (e as Error).message
    expect(message).not.toContain('\n')
    expect(message).toContain('mapping-file')
    return message
  }
  throw new Error('expected a RosterPathError')
}

describe('resolveRosterPath', () => {
  it('resolves a path relative to the workspace', () => {
    expect(resolveRosterPath(ws, '.github/moodle-users.yml')).toBe(
      fs.realpathSync(path.join(ws, '.github', 'moodle-users.yml'))
    )
    expect(resolveRosterPath(ws, './.github/../.github/moodle-users.yml')).toBe(
      fs.realpathSync(path.join(ws, '.github', 'moodle-users.yml'))
    )
  })

  it('accepts an absolute path inside the workspace', () => {
    expect(resolveRosterPath(ws, path.join(ws, '.github', 'moodle-users.yml'))).toMatch(
      /moodle-users\.yml$/
    )
  })

  it('accepts a symbolic link that stays inside the workspace', () => {
    expect(resolveRosterPath(ws, 'inside-link.yml')).toBe(
      fs.realpathSync(path.join(ws, '.github', 'moodle-users.yml'))
    )
  })

  it('rejects an absolute path outside the workspace', () => {
    expect(pathError(() => resolveRosterPath(ws, path.join(outside, 'secret.yml')))).toMatch(
      /points outside the workspace .*; write a path inside the repository/
    )
  })

  it('rejects .. escapes', () => {
    expect(pathError(() => resolveRosterPath(ws, '../outside/secret.yml'))).toMatch(
      /points outside the workspace/
    )
    expect(pathError(() => resolveRosterPath(ws, '.github/../../outside/secret.yml'))).toMatch(
      /points outside/
    )
  })

  it('rejects the workspace itself', () => {
    expect(pathError(() => resolveRosterPath(ws, '.'))).toMatch(
      /names the workspace folder itself; name the roster file/
    )
  })

  it('rejects a symbolic link to a file outside the workspace', () => {
    expect(pathError(() => resolveRosterPath(ws, '.github/escape.yml'))).toMatch(
      /leads outside the workspace through a symbolic link.*commit the roster file itself/
    )
  })

  it('rejects a path through a linked folder that leads outside', () => {
    expect(pathError(() => resolveRosterPath(ws, 'outdir/secret.yml'))).toMatch(
      /through a symbolic link/
    )
  })

  it('rejects a workspace reached through a link when the file escapes it', () => {
    const linkedWs = path.join(root, 'ws-link')
    fs.symlinkSync(ws, linkedWs)
    expect(resolveRosterPath(linkedWs, '.github/moodle-users.yml')).toMatch(/moodle-users\.yml$/)
    expect(pathError(() => resolveRosterPath(linkedWs, '.github/escape.yml'))).toMatch(
      /symbolic link/
    )
  })

  it('says a missing file does not exist and hints at actions/checkout', () => {
    const message = pathError(() => resolveRosterPath(ws, '.github/students.yml'))
    expect(message).toMatch(
      /mapping-file "\.github\/students\.yml" does not exist in the workspace/
    )
    expect(message).toMatch(
      /actions\/checkout \(sparse-checkout: \.github\/students\.yml is enough\)/
    )
  })

  it('says a dangling link points nowhere', () => {
    expect(pathError(() => resolveRosterPath(ws, 'dangling.yml'))).toMatch(
      /symbolic link to a file that does not exist/
    )
  })

  it('rejects a directory', () => {
    expect(pathError(() => resolveRosterPath(ws, '.github'))).toMatch(/is a directory, not a file/)
  })

  it('rejects an empty input', () => {
    expect(pathError(() => resolveRosterPath(ws, '  '))).toMatch(/is empty/)
  })
})

describe('loadRosterFile', () => {
  it('reads the file and names it relative to the workspace in records', () => {
    const { roster, skipped } = loadRosterFile(ws, '.github/moodle-users.yml')
    expect(skipped).toBe(0)
    expect(roster.records[0]?.source).toEqual({ file: '.github/moodle-users.yml', line: 1 })
  })

  it('names the file relative to the workspace in errors', () => {
    fs.writeFileSync(path.join(ws, '.github', 'bad.yml'), 'octocat: 2\nhubot: x\n')
    expect(() => loadRosterFile(ws, '.github/bad.yml')).toThrow(
      expect.objectContaining({ file: '.github/bad.yml', line: 2 })
    )
    expect(() => loadRosterFile(ws, '.github/bad.yml')).toThrow(RosterError)
  })

  it('refuses to follow a link outside before reading anything', () => {
    expect(() => loadRosterFile(ws, 'outdir/roster.csv')).toThrow(RosterPathError)
  })

  it('reports an unsupported extension before looking for the file', () => {
    expect(() => loadRosterFile(ws, '.github/moodle-users.txt')).toThrow(/unsupported extension/)
  })

  it('tells to save UTF-16 files as UTF-8', () => {
    fs.writeFileSync(path.join(ws, 'excel.csv'), Buffer.from('\uFEFFgithub,moodle_id\n', 'utf16le'))
    expect(() => loadRosterFile(ws, 'excel.csv')).toThrow(
      /excel\.csv line 1: the file is saved as UTF-16; save it as UTF-8/
    )
  })
})

describe('loadRoster', () => {
  const logged: string[] = []
  const log = { info: (m: string) => void logged.push(m) }

  it('is null when neither input is set', () => {
    expect(loadRoster({ mappingFile: null, mapping: null }, ws, log)).toBeNull()
  })

  it('merges the file and the inline roster (mapping), inline winning', () => {
    const roster = loadRoster(
      { mappingFile: '.github/moodle-users.yml', mapping: 'octocat: 5\nhubot: 4' },
      ws,
      log
    )
    expect(roster?.records.map(r => [r.github, r.moodleId])).toEqual([
      ['octocat', 5],
      ['hubot', 4]
    ])
  })

  it('logs how many Classroom rows were skipped', () => {
    fs.writeFileSync(
      path.join(ws, 'classroom_roster.csv'),
      'identifier,github_username,github_id,name\na@example.edu,octocat,,\nb@example.edu,,,\nc@example.edu,,,\n'
    )
    logged.length = 0
    loadRoster({ mappingFile: 'classroom_roster.csv', mapping: null }, ws, log)
    expect(logged.join('\n')).toMatch(/skipped 2 row\(s\) without a GitHub username/)
  })
})
