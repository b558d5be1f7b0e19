import { CsvError, parse } from 'csv-parse/sync'
import { RosterError } from './errors.js'
import { RECORD_KEYS, RosterCollector, toRecord, unknownNameDetail } from './record.js'
import type { RawRecord, RecordField } from './record.js'
import type { ParsedRoster } from './types.js'

/** Column names a CSV roster may use (matched case-insensitively). */
export const CSV_COLUMNS: readonly string[] = [
  ...RECORD_KEYS,
  // GitHub Classroom roster export
  'identifier',
  'github_username'
]

const HEADER_FIX =
  'start the file with a header row such as "github,moodle_id" or "github,email" (or use a GitHub Classroom roster export)'

interface CsvRow {
  record: string[]
  info: { lines: number }
}

/** Spreadsheets in some locales save with `;` or tabs: follow the header line's separator. */
function sniffDelimiter(text: string): string {
  const first = text.split('\n').find(l => l.trim() !== '') ?? ''
  if (first.includes(',')) return ','
  if (first.includes(';')) return ';'
  if (first.includes('\t')) return '\t'
  return ','
}

function csvErrorDetail(e: CsvError): string {
  switch (e.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return 'this row has a different number of values than the header has columns; give every row one value per column (leave a value empty between the commas)'
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quote (") opened on or before this line is never closed; add the closing quote'
    default:
      return `CSV syntax error (${e.message.replace(/ (?:at|on) line \d+.*$/, '')}); fix the quoting on this line: put quotes around a whole value only`
  }
}

/** Parses a CSV roster: the project's column names, or a GitHub Classroom roster export. */
export function parseCsvRoster(text: string, file: string): ParsedRoster {
  // csv-parse counts a CRLF inside a quoted value as two lines; LF-only keeps line numbers true.
  const source = text.replace(/\r\n?/g, '\n')
  if (source.replace(/^\uFEFF/, '').trim() === '') {
    throw new RosterError(file, 1, `the file is empty; ${HEADER_FIX}`)
  }
  let rows: CsvRow[]
  try {
    rows = parse(source, {
      // info: each record comes as { record, info } (csv-parse's typings do not model it)
      bom: true,
      trim: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      info: true,
      delimiter: sniffDelimiter(source)
    }) as unknown as CsvRow[]
  } catch (e) {
    if (e instanceof CsvError) {
      const line = typeof e.lines === 'number' && e.lines > 0 ? e.lines : 1
      throw new RosterError(file, line, csvErrorDetail(e))
    }
    throw e
  }
  // info.lines is where a record ends; values may span lines inside quotes.
  const startLine = (row: CsvRow): number =>
    row.info.lines - row.record.reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0)

  const header = rows[0]
  if (!header) throw new RosterError(file, 1, `the file is empty; ${HEADER_FIX}`)
  const headerLine = startLine(header)
  const names = header.record.map(h => h.toLowerCase())
  const fail: (line: number, detail: string) => never = (line, detail) => {
    throw new RosterError(file, line, detail)
  }
  if (!names.some(n => CSV_COLUMNS.includes(n))) {
    fail(
      headerLine,
      `the first row is not a header row (no known column name in it); ${HEADER_FIX}`
    )
  }

  const classroom = names.includes('github_username') || names.includes('identifier')
  const columns: (RecordField | null)[] = []
  const seen = new Map<RecordField, string>()
  header.record.forEach((written, i) => {
    const name = names[i] ?? ''
    if (name === '') {
      columns.push(null) // checked per row: a value under no header is an error
      return
    }
    if (!CSV_COLUMNS.includes(name))
      fail(headerLine, unknownNameDetail('column', written, CSV_COLUMNS))
    const field = (name === 'github_username' ? 'github' : name) as RecordField
    const before = seen.get(field)
    if (before !== undefined) {
      fail(
        headerLine,
        before === written
          ? `column "${written}" appears twice in the header; keep one`
          : `columns "${before}" and "${written}" both give the GitHub login; keep one`
      )
    }
    seen.set(field, written)
    columns.push(field)
  })

  const collector = new RosterCollector(file)
  let skipped = 0
  for (const row of rows.slice(1)) {
    const line = startLine(row)
    const raw: RawRecord = { line, fields: {} }
    row.record.forEach((value, i) => {
      if (value === '') return
      const field = columns[i]
      if (field === null || field === undefined) {
        fail(
          line,
          `value "${value}" is in column ${i + 1}, which has no name in the header; name the column or delete the value`
        )
      }
      raw.fields[field] = { text: value, line }
    })
    // A Classroom roster lists students who have not linked a GitHub account yet: not an error.
    if (classroom && !raw.fields.github && !raw.fields.github_id) {
      skipped++
      continue
    }
    collector.add(toRecord(file, raw, classroom))
  }
  if (collector.records.length === 0 && skipped === 0) {
    fail(headerLine, `the file has a header row but no students; add one row per student below it`)
  }
  return { roster: { records: collector.records }, skipped }
}
