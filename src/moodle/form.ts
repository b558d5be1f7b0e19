/** A value Moodle's REST server can receive: scalars, lists and structures, nested. */
export type MoodleParam = string | number | boolean | MoodleParam[] | { [k: string]: MoodleParam }

/**
 * Encodes parameters as `application/x-www-form-urlencoded` in PHP's bracket syntax, the only
 * shape Moodle reads: `values[0]=a&users[0][id]=5`. Booleans become `1`/`0`. An empty list or
 * structure sends nothing (PHP cannot express it).
 */
export function encodeForm(params: Record<string, MoodleParam>): string {
  const form = new URLSearchParams()
  const add = (key: string, value: MoodleParam): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => add(`${key}[${index}]`, item))
    } else if (typeof value === 'object' && value !== null) {
      for (const [name, item] of Object.entries(value)) add(`${key}[${name}]`, item)
    } else if (typeof value === 'boolean') {
      form.append(key, value ? '1' : '0')
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new TypeError(`Parameter ${key} is not a finite number`)
      form.append(key, String(value))
    } else {
      form.append(key, value)
    }
  }
  for (const [key, value] of Object.entries(params)) add(key, value)
  return form.toString()
}
