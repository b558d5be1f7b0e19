/**
 * `package.json` says what the project runs on and which version it is: `engines.node` admits
 * the runtime action.yml declares and no Node version that a dependency refuses (the lock file
 * records each dependency's own `engines`), and the version is the newest in CHANGELOG.md.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import semver from 'semver'
import { parse } from 'yaml'

const ROOT = join(import.meta.dirname, '..', '..')
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')

interface LockPackage {
  version?: string
  dev?: boolean
  engines?: { node?: string }
}

const pkg = JSON.parse(read('package.json')) as {
  version: string
  engines: { node: string }
  devDependencies: Record<string, string>
}
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockPackage> }
const engines = pkg.engines.node

/** Every installed package that declares the Node versions it supports. */
const declaring = Object.entries(lock.packages)
  .filter(([path, p]) => path !== '' && typeof p.engines?.node === 'string')
  .map(([path, p]) => ({
    name: path.replace(/^(.*\/)?node_modules\//, ''),
    dev: p.dev === true,
    range: p.engines?.node as string
  }))

describe('package.json', () => {
  it('engines.node admits the Node of action.yml and of the npm scripts (the node dev dependency)', () => {
    const using = (parse(read('action.yml')) as { runs: { using: string } }).runs.using
    expect(using).toBe('node24')
    expect(semver.satisfies('24.0.0', engines)).toBe(true)
    const scriptsNode = lock.packages['node_modules/node']?.version ?? ''
    expect(semver.major(scriptsNode)).toBe(24)
    expect(semver.satisfies(scriptsNode, engines)).toBe(true)
  })

  it('engines.node admits no Node version that a runtime or dev dependency refuses', () => {
    expect(declaring.filter(p => !p.dev).length).toBeGreaterThan(0)
    const refusing = declaring.filter(p => !semver.subset(engines, p.range))
    expect(refusing).toEqual([])
  })

  it('the check above would notice a dependency that needs a newer Node', () => {
    expect(semver.subset(engines, '>=26')).toBe(false)
  })

  it('has the version of the newest CHANGELOG.md entry', () => {
    const newest = /^## (\d+\.\d+\.\d+)\b/m.exec(read('CHANGELOG.md'))?.[1]
    expect(newest).toBe(pkg.version)
  })
})
