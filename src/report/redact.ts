/**
 * Secrets (moodle-token, github-token) never reach anything the action writes. The runner masks a
 * registered secret only where it appears verbatim in the log; a server may echo it in other
 * shapes (an error page quoting the request, a JSON message, a base64 dump, a copy cut at some
 * length), and the job summary holds it Markdown-escaped, where the runner's mask cannot match.
 * A `Redactor` knows every such shape and replaces it with `***`, before anything is escaped or
 * cut (a cut leaves a piece too short to recognise).
 */
import { markdown } from './text.js'

/** What stands in for a secret. */
export const REDACTED = '***'

/**
 * A run of this many consecutive characters of a secret (or of one of its encodings) is treated as
 * a copy of it. Tokens are random: a Moodle token is 32 hex digits (128 bits), a GitHub token 36 or
 * more letters and digits after its prefix. Twelve characters of such a token occur in ordinary
 * text (words, URLs, ids) by chance with a probability of about 40 x 16^-12 (1e-13) per position,
 * so nothing the action writes is mangled; a piece shorter than that leaves at least 80 bits of
 * a Moodle token unknown. Shorter pieces cannot be told from ordinary text.
 */
export const MIN_PIECE = 12

/** Encoded forms shorter than this are not looked for: they would match ordinary text. */
const MIN_ENCODED = 8

/** ASCII letters folded to lower case, one code unit for one, so indexes stay valid. */
function fold(text: string): string {
  return text.replace(/[A-Z]/g, char => char.toLowerCase())
}

/**
 * The characters of `bytes` encoded at a given offset inside longer data: base64 turns 3 bytes
 * into 4 characters, so how the secret's bytes fall into those groups (its offset modulo 3)
 * changes every character. For each of the 3 alignments, the characters that depend on the
 * secret's bytes alone.
 */
function base64Alignments(bytes: Buffer): string[] {
  const forms: string[] = []
  for (const offset of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes])
    const start = Math.ceil((offset * 4) / 3)
    const end = Math.floor((padded.length * 4) / 3)
    for (const alphabet of ['base64', 'base64url'] as const) {
      forms.push(padded.toString(alphabet).slice(start, end))
    }
  }
  return forms
}

/**
 * Every shape a secret may take in text the action writes: raw, form- and percent-encoded (as in
 * an echoed request), JSON-escaped (also with `\/`, as PHP writes it), base64 of each of these at
 * any alignment, and each of them escaped for Markdown (the job summary, comments). Pure.
 */
export function secretForms(secret: string): string[] {
  if (secret === '') return []
  const json = JSON.stringify(secret).slice(1, -1)
  const texts = [
    secret,
    new URLSearchParams({ s: secret }).toString().slice(2),
    encodeURIComponent(secret),
    json,
    json.replaceAll('/', '\\/')
  ]
  const encoded = texts.flatMap(text => base64Alignments(Buffer.from(text, 'utf8')))
  const all = [...texts, ...encoded]
  const forms = new Set([...all, ...all.map(markdown)].map(fold))
  // The secret itself always counts, however short (as the runner masks it); a short encoding
  // would match ordinary text.
  return [...forms].filter(form => form === fold(secret) || form.length >= MIN_ENCODED)
}

/** Replaces every copy of the given secrets in a text with `***`. */
export class Redactor {
  readonly #secrets: readonly string[]
  /** Forms shorter than MIN_PIECE, looked for whole. */
  readonly #whole: string[]
  /** Every MIN_PIECE-character window of the longer forms. */
  readonly #pieces: Set<string>

  constructor(secrets: readonly string[]) {
    this.#secrets = secrets.filter(secret => secret !== '')
    const forms = [...new Set(this.#secrets.flatMap(secretForms))]
    this.#whole = forms.filter(form => form.length < MIN_PIECE)
    this.#pieces = new Set()
    for (const form of forms) {
      for (let i = 0; i + MIN_PIECE <= form.length; i++) {
        this.#pieces.add(form.slice(i, i + MIN_PIECE))
      }
    }
  }

  /** The secrets this redactor hides. */
  get secrets(): readonly string[] {
    return this.#secrets
  }

  /** A new redactor that also hides `more`. */
  with(...more: string[]): Redactor {
    return new Redactor([...this.#secrets, ...more])
  }

  /**
   * The text with each stretch made of copies of a secret (whole, or a piece of at least
   * MIN_PIECE characters, in any letter case) replaced by `replacement` (`***`; Markdown wants
   * it escaped). Linear in the text's length.
   */
  redact(text: string, replacement = REDACTED): string {
    if (this.#secrets.length === 0 || text === '') return text
    const folded = fold(text)
    // covered[i]: character i belongs to a copy; marked by every match, then merged into runs.
    const covered = new Uint8Array(text.length)
    let any = false
    const mark = (from: number, length: number) => {
      covered.fill(1, from, from + length)
      any = true
    }
    for (let i = 0; i + MIN_PIECE <= folded.length; i++) {
      if (this.#pieces.has(folded.slice(i, i + MIN_PIECE))) mark(i, MIN_PIECE)
    }
    for (const form of this.#whole) {
      for (let at = folded.indexOf(form); at !== -1; at = folded.indexOf(form, at + 1)) {
        mark(at, form.length)
      }
    }
    if (!any) return text
    const parts: string[] = []
    let kept = 0
    for (let i = 0; i < text.length; i++) {
      if (covered[i] === 0) continue
      parts.push(text.slice(kept, i), replacement)
      while (i < text.length && covered[i] === 1) i++
      kept = i
    }
    parts.push(text.slice(kept))
    return parts.join('')
  }
}

let current = new Redactor([])

/** Registers the run's secrets (at start, with the runner's mask); empty ones are ignored. */
export function registerSecrets(...secrets: string[]): void {
  current = current.with(...secrets)
}

/**
 * The text with every copy of the registered secrets replaced by `***`. Used by everything that
 * writes: the runner edge (log, annotations, outputs, job summary) and the ledger's comments.
 */
export function redactSecrets(text: string, replacement = REDACTED): string {
  return current.redact(text, replacement)
}

/** `***` as Markdown shows it, for text that was escaped before it was redacted. */
export const REDACTED_MARKDOWN = '\\*\\*\\*'
