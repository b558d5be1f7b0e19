import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml'
import type { Node, Pair, YAMLMap } from 'yaml'
import { RosterError } from './errors.js'
import { RECORD_KEYS, RosterCollector, toRecord, unknownNameDetail } from './record.js'
import type { RawRecord, RawValue, RecordField } from './record.js'
import type { ParsedRoster } from './types.js'

export type YamlMode = 'yaml' | 'json' | 'inline'

const SHAPE_FIX =
  'write either one "github-login: moodle-user-id" line per student, or a users: list of records (github plus moodle_id, email, username or idnumber)'
const INLINE_FIX = 'write one "github-login: moodle-user-id" per line'

/**
 * Parses a YAML or JSON roster (JSON is YAML 1.2, so one parser gives line numbers for both),
 * or the inline `mapping` input (flat form only).
 */
export function parseYamlRoster(text: string, file: string, mode: YamlMode): ParsedRoster {
  const source = text.replace(/^\uFEFF/, '')
  const empty: ParsedRoster = { roster: { records: [] }, skipped: 0 }
  const emptyFile = (): never => {
    throw new RosterError(file, 1, `the file is empty; ${SHAPE_FIX}`)
  }
  if (source.trim() === '') return mode === 'inline' ? empty : emptyFile()

  const lc = new LineCounter()
  const doc = parseDocument(source, { lineCounter: lc, uniqueKeys: false, prettyErrors: true })
  const lineOf = (
    node: { range?: [number, number, number] | null } | null | undefined,
    fallback = 1
  ): number => (node?.range ? lc.linePos(node.range[0]).line : fallback)
  const err = doc.errors[0]
  if (err) {
    const what = err.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? err.code
    const fix =
      mode === 'json'
        ? 'fix the JSON (check commas, brackets and quotes)'
        : 'fix the YAML (check indentation, colons and quotes; indent with spaces, not tabs)'
    throw new RosterError(
      file,
      err.linePos?.[0].line ?? 1,
      `${mode === 'json' ? 'JSON' : 'YAML'} syntax error: ${what}; ${fix}`
    )
  }

  const top = doc.contents
  if (top === null || (isScalar(top) && (top.value === null || top.value === ''))) {
    if (mode === 'inline') return empty
    throw new RosterError(file, 1, `the file has only comments, no students; ${SHAPE_FIX}`)
  }
  const collector = new RosterCollector(file)
  const fail: (line: number, detail: string) => never = (line, detail) => {
    throw new RosterError(file, line, detail)
  }

  /** The text of a scalar as written (numbers keep their source: `007` stays `007`). */
  const scalarText = (node: unknown, what: string, line: number): string | null => {
    if (!isScalar(node)) {
      return node === null || node === undefined
        ? null
        : fail(
            lineOf(node, line),
            `${what} must be a single value, not a list or map; write it on one line`
          )
    }
    const v = node.value
    if (v === null || v === undefined) return null
    // A parsed scalar carries its source text (so `007` stays `007`).
    const t = typeof v === 'string' ? v : (node.source ?? JSON.stringify(v))
    return t.trim() === '' ? null : t.trim()
  }

  const parseUsers = (users: Node | null, usersLine: number): void => {
    if (users === null || (isScalar(users) && users.value === null)) return
    if (!isSeq(users)) {
      fail(
        lineOf(users, usersLine),
        'users must be a list of records; start each student with "- github: LOGIN" on its own line'
      )
    }
    for (const item of users.items) {
      const itemLine = lineOf(item as Node, usersLine)
      if (!isMap(item)) {
        fail(
          itemLine,
          'each entry under users must be a record like "- github: octocat" with moodle_id: 2 on the next line'
        )
      }
      collector.add(toRecord(file, recordFromMap(item, itemLine), false))
    }
  }

  const recordFromMap = (map: YAMLMap, line: number): RawRecord => {
    const fields: RawRecord['fields'] = {}
    for (const pair of map.items) {
      const keyLine = lineOf(pair.key as Node, line)
      const name = scalarText(pair.key, 'a key', keyLine)
      if (name === null) fail(keyLine, `a key is empty; ${SHAPE_FIX}`)
      if (!(RECORD_KEYS as readonly string[]).includes(name)) {
        fail(keyLine, unknownNameDetail('key', name, RECORD_KEYS))
      }
      const key = name as RecordField
      if (fields[key]) fail(keyLine, `key "${key}" appears twice in this record; keep one`)
      const text = scalarText(pair.value, key, keyLine)
      if (text !== null) fields[key] = { text, line: lineOf(pair.value as Node, keyLine) }
    }
    return { line, fields }
  }

  if (isMap(top)) {
    const usersPair = (top.items as Pair<unknown, unknown>[]).find(
      p =>
        isScalar(p.key) && p.key.value === 'users' && (!isScalar(p.value) || p.value.value === null)
    )
    if (usersPair && mode !== 'inline') {
      for (const p of top.items as Pair<unknown, unknown>[]) {
        if (p !== usersPair) {
          const k = isScalar(p.key) ? String(p.key.value) : '?'
          fail(
            lineOf(p.key as Node),
            `unknown top-level key "${k}" next to users; put every student in the users list`
          )
        }
      }
      parseUsers(usersPair.value as Node | null, lineOf(usersPair.key as Node))
    } else {
      for (const pair of top.items as Pair<unknown, unknown>[]) {
        const line = lineOf(pair.key as Node)
        const login = scalarText(pair.key, 'a GitHub login', line)
        if (login === null)
          fail(
            line,
            `a line has no GitHub login before the colon; ${mode === 'inline' ? INLINE_FIX : SHAPE_FIX}`
          )
        if (pair.value !== null && !isScalar(pair.value)) {
          fail(
            line,
            mode === 'inline'
              ? `the value for ${login} is a list or map; ${INLINE_FIX}`
              : `the value for ${login} is a list or map, but the short form is "${login}: <Moodle user id>"; for more fields use a users: list of records`
          )
        }
        const text = scalarText(pair.value, login, line)
        if (text === null)
          fail(line, `${login} has no Moodle user id; write "${login}: <Moodle user id>"`)
        const github: RawValue = { text: login, line }
        const moodleId: RawValue = { text, line: lineOf(pair.value, line) }
        collector.add(
          toRecord(file, { line, fields: { github, moodle_id: moodleId }, flat: true }, false)
        )
      }
    }
  } else if (isSeq(top) && mode !== 'inline') {
    fail(
      lineOf(top),
      mode === 'json'
        ? 'the file is a list; wrap it as {"users": [ ... ]} so each record sits under the users key'
        : 'the file is a list; put it under a users: key (write "users:" on the first line and indent the list below it)'
    )
  } else {
    fail(
      lineOf(top),
      `the ${mode === 'inline' ? 'input' : 'file'} is not a map of students; ${mode === 'inline' ? INLINE_FIX : SHAPE_FIX}`
    )
  }

  if (collector.records.length === 0 && mode !== 'inline') {
    fail(1, `the file has no students; ${SHAPE_FIX}`)
  }
  return { roster: { records: collector.records }, skipped: 0 }
}
