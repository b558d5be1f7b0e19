/** The `file` of records and errors that come from the inline `mapping` input. */
export const INLINE_MAPPING_FILE = 'mapping'

/**
 * A roster that cannot be used: names the file and line, so the step's error can name them and
 * annotate that line. `message` is the full one-line text (`file line N: what; fix`), `detail` the part
 * after the location (for annotations, which show the location themselves).
 */
export class RosterError extends Error {
  override readonly name = 'RosterError'
  readonly file: string
  readonly line: number
  readonly detail: string

  constructor(file: string, line: number, detail: string) {
    super(`${file} line ${line}: ${detail}`)
    this.file = file
    this.line = line
    this.detail = detail
  }
}

/** The `mapping-file` input names a path that cannot be read safely (outside, missing...). */
export class RosterPathError extends Error {
  override readonly name = 'RosterPathError'
}
