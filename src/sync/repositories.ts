/**
 * Which repositories a sync run covers: the `repositories` input (names and `owner/prefix*`
 * patterns) and the `shard` input (`i/n`: the i-th of n disjoint parts). Pure.
 */

/** A bad sync input: names the input and says how to fix it. */
export class SyncInputError extends Error {
  constructor(
    readonly input: 'repositories' | 'shard',
    detail: string
  ) {
    super(`Input "${input}" ${detail}`)
    this.name = 'SyncInputError'
  }
}

/** One entry of `repositories`: a repository, or every repository of `owner` named `prefix…`. */
export type RepositorySpec =
  { kind: 'name'; owner: string; name: string } | { kind: 'pattern'; owner: string; prefix: string }

/** A GitHub account name: letters, digits and single hyphens, at most 39 characters. */
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/
/** A repository name (or the start of one): letters, digits, `.`, `_`, `-`. */
const NAME = /^[A-Za-z0-9._-]{1,100}$/

function shown(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)
}

function parseEntry(entry: string, where: string): RepositorySpec {
  const fix = 'write owner/name (e.g. my-course/hw1-alice) or owner/prefix* (e.g. my-course/hw1-*)'
  const slash = entry.indexOf('/')
  const owner = slash < 0 ? '' : entry.slice(0, slash)
  const rest = slash < 0 ? '' : entry.slice(slash + 1)
  if (!OWNER.test(owner) || rest === '') {
    throw new SyncInputError(
      'repositories',
      `names ${shown(entry)}${where}, which is not a repository: ${fix}.`
    )
  }
  if (rest.includes('*')) {
    const prefix = rest.slice(0, -1)
    if (!rest.endsWith('*') || (prefix !== '' && !NAME.test(prefix))) {
      throw new SyncInputError(
        'repositories',
        `names ${shown(entry)}${where}, but a pattern may hold one * at its end only; ${fix}.`
      )
    }
    return { kind: 'pattern', owner, prefix }
  }
  if (!NAME.test(rest) || rest === '.' || rest === '..') {
    throw new SyncInputError(
      'repositories',
      `names ${shown(entry)}${where}, which is not a repository: ${fix}.`
    )
  }
  return { kind: 'name', owner, name: rest }
}

/** The same entry, compared case-insensitively as GitHub names are. */
function specKey(s: RepositorySpec): string {
  return s.kind === 'name'
    ? `${s.owner}/${s.name}`.toLowerCase()
    : `${s.owner}/${s.prefix}*`.toLowerCase()
}

/**
 * Parses `repositories`: lines or commas of `owner/name` and `owner/prefix*`. Empty: the
 * running repository (`GITHUB_REPOSITORY`). Each entry once.
 *
 * @throws SyncInputError naming the entry and its line.
 */
export function parseRepositories(input: string, runningRepository: string): RepositorySpec[] {
  const specs: RepositorySpec[] = []
  const seen = new Set<string>()
  const lines = input.split(/\r?\n/)
  lines.forEach((line, i) => {
    for (const raw of line.split(',')) {
      const entry = raw.trim()
      if (entry === '') continue
      const spec = parseEntry(entry, lines.length > 1 ? ` (line ${i + 1})` : '')
      if (!seen.has(specKey(spec))) specs.push(spec)
      seen.add(specKey(spec))
    }
  })
  if (specs.length > 0) return specs
  return [parseEntry(runningRepository, ' (the running repository, GITHUB_REPOSITORY)')]
}

/** True when `fullName` (`owner/name`) is what `spec` names or matches. */
export function matchesSpec(spec: RepositorySpec, fullName: string): boolean {
  const [owner = '', name = ''] = fullName.toLowerCase().split('/')
  if (owner !== spec.owner.toLowerCase()) return false
  return spec.kind === 'name'
    ? name === spec.name.toLowerCase()
    : name.startsWith(spec.prefix.toLowerCase())
}

export function describeSpec(spec: RepositorySpec): string {
  return spec.kind === 'name' ? `${spec.owner}/${spec.name}` : `${spec.owner}/${spec.prefix}*`
}

/** `shard: i/n`: this job handles part `index` (1 to `count`) of `count`. */
export interface Shard {
  index: number
  count: number
}

export const MAX_SHARDS = 256

/**
 * Parses `shard`; empty means one job handles every repository.
 *
 * @throws SyncInputError with the fix.
 */
export function parseShard(input: string): Shard | null {
  const text = input.trim()
  if (text === '') return null
  const m = /^(\d+)\s*\/\s*(\d+)$/.exec(text)
  const index = m ? Number(m[1]) : NaN
  const count = m ? Number(m[2]) : NaN
  if (!m || count < 1 || count > MAX_SHARDS || index < 1 || index > count) {
    throw new SyncInputError(
      'shard',
      `is ${shown(text)}, which is not i/n with 1 <= i <= n <= ${MAX_SHARDS}: write e.g. ` +
        '"${{ matrix.shard }}/4" with shard: [1, 2, 3, 4] in the job matrix.'
    )
  }
  return { index, count }
}

/** FNV-1a, 32 bits, over the UTF-8 bytes: small, fast and the same on every runner. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/** The part (1 to `count`) that a repository belongs to: from its lower-cased name alone. */
export function shardOf(fullName: string, count: number): number {
  return (fnv1a(fullName.toLowerCase()) % count) + 1
}

/** The repositories of this shard (all of them without a shard), in their given order. */
export function inShard(fullNames: string[], shard: Shard | null): string[] {
  if (!shard) return fullNames
  return fullNames.filter(name => shardOf(name, shard.count) === shard.index)
}
