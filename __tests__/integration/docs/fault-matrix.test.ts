/**
 * `docs/fault-matrix.md` stays in step with the tests: every test it names exists (the exact
 * string passed to `it(...)` in that file), and every test of the exactly-once end-to-end file
 * has its row.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const MATRIX = 'docs/fault-matrix.md'
const HEADER = '| Scenario | What the action does | Test |'
const EXACTLY_ONCE = '__tests__/integration/e2e/exactly-once.test.ts'

interface Row {
  line: number
  cells: string[]
}

function rows(text: string): Row[] {
  const lines = text.split('\n')
  const start = lines.findIndex(l => l.replace(/\s+/g, ' ').trim() === HEADER)
  if (start < 0) throw new Error(`${MATRIX} has no table with the header ${HEADER}`)
  const out: Row[] = []
  for (let i = start + 2; i < lines.length && lines[i]!.startsWith('|'); i++)
    out.push({
      line: i + 1,
      cells: lines[i]!.slice(1, -1)
        .split(/(?<!\\)\|/)
        .map(c => c.trim())
    })
  return out
}

/** The names passed to `it(...)` / `it.each(...)(...)` in a test file. */
function testNames(source: string): string[] {
  const re = /\bit(?:\.each\([\s\S]*?\))?\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g
  return [...source.matchAll(re)].map(m => (m[2] as string).replace(/\\(.)/g, '$1'))
}

/** `` `path` › name `` -> [path, name] */
function reference(cell: string): [string, string] | null {
  const m = /^`([^`]+\.test\.ts)` › (.+)$/.exec(cell)
  return m ? [m[1] as string, m[2] as string] : null
}

const table = rows(readFileSync(join(ROOT, MATRIX), 'utf8'))

describe('docs/fault-matrix.md', () => {
  it('is a table of scenario, what the action does, and a test, in every row', () => {
    expect(table.length).toBeGreaterThan(20)
    const malformed = table.filter(
      r => r.cells.length !== 3 || r.cells.some(c => c === '') || !reference(r.cells[2]!)
    )
    expect(malformed.map(r => `line ${r.line}`)).toEqual([])
  })

  it('names only tests that exist', () => {
    const missing = table.flatMap(r => {
      const [path, name] = reference(r.cells[2]!)!
      const file = join(ROOT, path)
      if (!existsSync(file)) return [`line ${r.line}: no file ${path}`]
      const names = testNames(readFileSync(file, 'utf8'))
      return names.includes(name) ? [] : [`line ${r.line}: no test "${name}" in ${path}`]
    })
    expect(missing).toEqual([])
  })

  it(`has a row for every test of ${EXACTLY_ONCE}`, () => {
    const listed = new Set(
      table
        .map(r => reference(r.cells[2]!))
        .filter(ref => ref?.[0] === EXACTLY_ONCE)
        .map(ref => ref![1])
    )
    const names = testNames(readFileSync(join(ROOT, EXACTLY_ONCE), 'utf8'))
    expect(names.length).toBeGreaterThan(10)
    expect(names.filter(n => !listed.has(n))).toEqual([])
  })

  it('reads test names the way they are written', () => {
    const source = [
      "it('plain', () => {})",
      'it(\n  "wrapped \\"quoted\\"",',
      'it.each([1, 2])(`each %i`, n => {})',
      "describe('not a test', () => {})"
    ].join('\n')
    expect(testNames(source)).toEqual(['plain', 'wrapped "quoted"', 'each %i'])
  })
})
