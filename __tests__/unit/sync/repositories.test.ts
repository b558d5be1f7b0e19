import { describe, expect, it } from '@jest/globals'
import {
  inShard,
  matchesSpec,
  parseRepositories,
  parseShard,
  shardOf,
  SyncInputError
} from '../../../src/sync/repositories.js'

describe('repositories input', () => {
  it('reads lines and commas of names and patterns, each once, case-insensitively', () => {
    const specs = parseRepositories(
      ' classroom/hw1-* , octo/tools\n\nClassroom/HW1-*\nocto/Tools, octo/*',
      'school/course'
    )
    expect(specs).toEqual([
      { kind: 'pattern', owner: 'classroom', prefix: 'hw1-' },
      { kind: 'name', owner: 'octo', name: 'tools' },
      { kind: 'pattern', owner: 'octo', prefix: '' }
    ])
  })

  it('defaults to the running repository', () => {
    expect(parseRepositories('  \n , ', 'school/course')).toEqual([
      { kind: 'name', owner: 'school', name: 'course' }
    ])
  })

  it.each([
    ['hw1-*', /"hw1-\*", which is not a repository: write owner\/name/],
    ['classroom/', /"classroom\/", which is not a repository/],
    ['-bad/x', /"-bad\/x", which is not a repository/],
    ['classroom/hw*1', /"classroom\/hw\*1", but a pattern may hold one \* at its end only/],
    ['classroom/..', /"classroom\/\.\.", which is not a repository/],
    ['a/b/c', /"a\/b\/c", which is not a repository/]
  ])('refuses %j with the fix', (input, message) => {
    expect(() => parseRepositories(input, 'school/course')).toThrow(message)
    expect(() => parseRepositories(input, 'school/course')).toThrow(/^Input "repositories" names /)
  })

  it('names the line of a bad entry', () => {
    let error: unknown
    try {
      parseRepositories('classroom/hw1-*\nclassroom/hw2-*, nope', 'school/course')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(SyncInputError)
    expect((error as Error).message).toContain('names "nope" (line 2), which is not a repository')
  })

  it('matches names and prefixes case-insensitively, within the owner only', () => {
    const [pattern, name, all] = parseRepositories('classroom/hw1-*, octo/tools, octo/*', 'a/b')
    expect(matchesSpec(pattern!, 'Classroom/HW1-alice')).toBe(true)
    expect(matchesSpec(pattern!, 'classroom/hw2-alice')).toBe(false)
    expect(matchesSpec(pattern!, 'other/hw1-alice')).toBe(false)
    expect(matchesSpec(name!, 'OCTO/tools')).toBe(true)
    expect(matchesSpec(name!, 'octo/tools-2')).toBe(false)
    expect(matchesSpec(all!, 'octo/anything')).toBe(true)
  })
})

describe('shard input', () => {
  it('reads i/n, and nothing as one job for all', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 })
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 })
    expect(parseShard('')).toBeNull()
  })

  it.each(['0/4', '5/4', '1/0', '1/257', 'x', '1-4', '-1/4'])('refuses %j with the fix', input => {
    expect(() => parseShard(input)).toThrow(
      /^Input "shard" is ".*", which is not i\/n with 1 <= i <= n <= 256: write e\.g\. "\$\{\{ matrix\.shard \}\}\/4"/
    )
  })
})

describe('shards', () => {
  const names = Array.from({ length: 1000 }, (_, i) => `classroom/hw1-student${i}`)

  it('n shards are disjoint and together cover every repository', () => {
    for (const count of [1, 2, 4, 7, 16]) {
      const parts = Array.from({ length: count }, (_, i) => inShard(names, { index: i + 1, count }))
      const all = parts.flat()
      expect(all.length).toBe(names.length)
      expect(new Set(all)).toEqual(new Set(names))
    }
  })

  it('depend on the name alone: not on case, input order or the run', () => {
    const shuffled = [...names].reverse()
    for (let index = 1; index <= 4; index++) {
      const shard = { index, count: 4 }
      expect(new Set(inShard(shuffled, shard))).toEqual(new Set(inShard(names, shard)))
    }
    expect(shardOf('Classroom/HW1-Alice', 4)).toBe(shardOf('classroom/hw1-alice', 4))
    // Pinned: a change of hash would move repositories between the jobs of a running course.
    expect(
      ['classroom/hw1-alice', 'classroom/hw1-bob', 'octo/repo'].map(n => shardOf(n, 4))
    ).toEqual([3, 2, 4])
    expect(shardOf('classroom/hw1-alice', 16)).toBe(11)
  })

  it('spread a Classroom course evenly', () => {
    for (let index = 1; index <= 4; index++) {
      const size = inShard(names, { index, count: 4 }).length
      expect(size).toBeGreaterThan(200)
      expect(size).toBeLessThan(300)
    }
  })

  it('no shard keeps every repository in its order', () => {
    expect(inShard(names, null)).toEqual(names)
  })
})
