/**
 * The PHP behaviour Moodle inherits and that clients meet on the wire: how `$_GET`/`$_POST`
 * are built from form data (bracket syntax), how Moodle validates parameters against a
 * function's description, how `json_encode` escapes, and the REST XML format.
 */

/** A PHP request value: a string or an array. PHP arrays keep insertion order, as a Map does. */
export type PhpValue = string | PhpArray
export type PhpArray = Map<string, PhpValue>

/** PHP's urldecode: `+` is a space, valid `%XX` sequences are bytes, anything else is kept. */
function urldecode(text: string): string {
  const input = Buffer.from(text.replace(/\+/g, ' '), 'utf8')
  const out: number[] = []
  const isHex = (b: number | undefined): boolean =>
    b !== undefined && ((b >= 48 && b <= 57) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102))
  for (let i = 0; i < input.length; i++) {
    const b = input[i] as number
    if (b === 0x25 && isHex(input[i + 1]) && isHex(input[i + 2])) {
      out.push(parseInt(String.fromCharCode(input[i + 1] as number, input[i + 2] as number), 16))
      i += 2
    } else {
      out.push(b)
    }
  }
  return Buffer.from(out).toString('utf8')
}

const PHP_INT_KEY = /^(0|-?[1-9]\d*)$/

function nextIndex(array: PhpArray): string {
  let next = 0
  for (const key of array.keys()) {
    if (PHP_INT_KEY.test(key)) next = Math.max(next, Number(key) + 1)
  }
  return String(next)
}

/**
 * Stores one decoded `name=value` pair the way PHP's php_register_variable_ex does:
 * `a.b` and `a b` become `a_b`, `a[x][y]` nests, `a[]` appends, an unmatched first `[`
 * becomes `_`, text after the last `]` is ignored, a later pair overwrites an earlier one.
 */
export function registerVariable(target: PhpArray, rawName: string, value: string): void {
  const name = rawName.replace(/^ +/, '')
  const open = name.indexOf('[')
  let base = (open === -1 ? name : name.slice(0, open)).replace(/[ .]/g, '_')
  const indexes: (string | null)[] = []
  if (open !== -1) {
    let rest = name.slice(open)
    while (rest.startsWith('[')) {
      const inner = rest.slice(1)
      const close = inner.indexOf(']')
      if (close === -1) {
        if (indexes.length === 0) base += '_' + inner.replace(/[ .[]/g, '_')
        break
      }
      const index = inner.slice(0, close)
      indexes.push(index === '' || index === ' ' ? null : index)
      rest = inner.slice(close + 1)
    }
  }
  if (base === '') return
  let container = target
  let key = base
  for (const index of indexes) {
    let child = container.get(key)
    if (!(child instanceof Map)) {
      child = new Map()
      container.set(key, child)
    }
    container = child
    key = index ?? nextIndex(container)
  }
  container.set(key, value)
}

/** Parses a query string or an `application/x-www-form-urlencoded` body into PHP arrays. */
export function parseFormEncoded(encoded: string, into: PhpArray = new Map()): PhpArray {
  for (const pair of encoded.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const name = urldecode(eq === -1 ? pair : pair.slice(0, eq))
    registerVariable(into, name, eq === -1 ? '' : urldecode(pair.slice(eq + 1)))
  }
  return into
}

/** A PHP array as JSON-like data: lists (keys 0..n-1 in order) become arrays. */
export function phpToJs(value: PhpValue): unknown {
  if (typeof value === 'string') return value
  const keys = [...value.keys()]
  if (keys.every((key, i) => key === String(i))) return [...value.values()].map(phpToJs)
  return Object.fromEntries([...value].map(([key, v]) => [key, phpToJs(v)]))
}

/** PHP's print_r, which Moodle puts in some parameter error texts. */
function printR(value: PhpValue, indent = ''): string {
  if (typeof value === 'string') return value
  const lines = [...value].map(
    ([k, v]) => `${indent}    [${k}] => ${printR(v, indent + '        ')}`
  )
  return `Array\n${indent}(\n${lines.join('\n')}${lines.length ? '\n' : ''}${indent})\n`
}

/** json_encode without flags, as Moodle's REST server uses it: `\/` and `\uXXXX` escapes. */
export function phpJsonEncode(value: unknown): string {
  return (JSON.stringify(value) ?? 'null')
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
}

/** htmlspecialchars with ENT_COMPAT. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

function xmlizeValue(value: unknown): string {
  if (value === null || value === undefined) return '<VALUE null="null"/>\n'
  if (Array.isArray(value)) return `<MULTIPLE>\n${value.map(xmlizeValue).join('')}</MULTIPLE>\n`
  if (typeof value === 'object') {
    const keys = Object.entries(value).map(([k, v]) => `<KEY name="${k}">${xmlizeValue(v)}</KEY>\n`)
    return `<SINGLE>\n${keys.join('')}</SINGLE>\n`
  }
  if (typeof value === 'boolean') return `<VALUE>${value ? 1 : 0}</VALUE>\n`
  return `<VALUE>${escapeHtml(String(value))}</VALUE>\n`
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" ?>\n'

/** Moodle's REST XML reply; a function that returns nothing (null) gives an empty RESPONSE. */
export function xmlResponse(value: unknown): string {
  return `${XML_HEAD}<RESPONSE>\n${value === null ? '' : xmlizeValue(value)}</RESPONSE>\n`
}

export function xmlException(
  exception: string,
  errorcode: string,
  message: string,
  debuginfo?: string
): string {
  const debug = debuginfo === undefined ? '' : `<DEBUGINFO>${escapeHtml(debuginfo)}</DEBUGINFO>\n`
  return (
    `${XML_HEAD}<EXCEPTION class="${exception}">\n<ERRORCODE>${escapeHtml(errorcode)}</ERRORCODE>\n` +
    `<MESSAGE>${escapeHtml(message)}</MESSAGE>\n${debug}</EXCEPTION>\n`
  )
}

// ---------------------------------------------------------------------------------------------
// Parameter validation (core_external\external_api::validate_parameters)

export type ParamType = 'int' | 'raw' | 'alpha' | 'alphanumext'

export type ParamDesc =
  | { kind: 'value'; type: ParamType; optional?: boolean }
  | { kind: 'single'; keys: Record<string, ParamDesc>; optional?: boolean }
  | { kind: 'multiple'; content: ParamDesc; optional?: boolean }

/** Raised for `invalidparameter`; `debuginfo` is Moodle's explanation. */
export class InvalidParameter extends Error {
  constructor(readonly debuginfo: string) {
    super('Invalid parameter value detected')
  }
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** Whether PHP's `(string)(int)$v === $v` holds: canonical decimal within 64 bits. */
function isPhpInt(value: string): boolean {
  if (!PHP_INT_KEY.test(value)) return false
  const big = BigInt(value)
  return big >= INT64_MIN && big <= INT64_MAX
}

function cleanValue(type: ParamType, value: string): { ok: boolean; cleaned: unknown } {
  switch (type) {
    case 'int':
      return { ok: isPhpInt(value), cleaned: Number(value) }
    case 'alpha':
      return { ok: value.replace(/[^a-zA-Z]/g, '') === value, cleaned: value }
    case 'alphanumext':
      return { ok: value.replace(/[^a-zA-Z0-9_-]/g, '') === value, cleaned: value }
    case 'raw':
      return { ok: true, cleaned: value }
  }
}

/** Validates request data against a description, with Moodle's exception texts. */
export function validateParameters(desc: ParamDesc, value: PhpValue): unknown {
  if (desc.kind === 'value') {
    if (typeof value !== 'string') {
      throw new InvalidParameter('Scalar type expected, array or object received.')
    }
    const { ok, cleaned } = cleanValue(desc.type, value)
    if (!ok) {
      throw new InvalidParameter(
        `Invalid external api parameter: the value is "${value}", the server was expecting "${desc.type}" type`
      )
    }
    return cleaned
  }
  if (typeof value === 'string') {
    throw new InvalidParameter(`Only arrays accepted. The bad value is: '${printR(value)}'`)
  }
  if (desc.kind === 'multiple')
    return [...value.values()].map(v => validateParameters(desc.content, v))
  const rest = new Map(value)
  const result: Record<string, unknown> = {}
  for (const [key, sub] of Object.entries(desc.keys)) {
    const given = rest.get(key)
    rest.delete(key)
    if (given === undefined) {
      if (sub.optional) {
        if (sub.kind === 'multiple') result[key] = []
        continue
      }
      throw new InvalidParameter(`Missing required key in single structure: ${key}`)
    }
    try {
      result[key] = validateParameters(sub, given)
    } catch (err) {
      if (!(err instanceof InvalidParameter)) throw err
      throw new InvalidParameter(`${key} => ${err.message}: ${err.debuginfo}`)
    }
  }
  if (rest.size > 0) {
    throw new InvalidParameter(
      `Unexpected keys (${[...rest.keys()].join(', ')}) detected in parameter array.`
    )
  }
  return result
}
