/**
 * Checks that the committed dist/ is exactly what a fresh build of the sources produces, so what
 * users run is what the tests ran. Builds with the same code as `npm run build` (scripts/build.ts), into a
 * temporary folder, and compares every file.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'

import { build } from './build.js'

const root = join(import.meta.dirname, '..')

const fresh = mkdtempSync(join(tmpdir(), 'dist-check-'))
try {
  await build(fresh)

  const files = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter(entry => entry.isFile())
      .map(entry => relative(dir, join(entry.parentPath, entry.name)))
      .sort()

  const committed = files(join(root, 'dist'))
  const built = files(fresh)
  const problems: string[] = []
  for (const file of new Set([...committed, ...built])) {
    if (!committed.includes(file)) problems.push(`missing from dist/: ${file}`)
    else if (!built.includes(file)) problems.push(`not produced by the build: dist/${file}`)
    else if (!readFileSync(join(root, 'dist', file)).equals(readFileSync(join(fresh, file)))) {
      problems.push(`differs from a fresh build: dist/${file}`)
    }
  }
  if (problems.length > 0) {
    console.error(problems.join('\n'))
    console.error('dist/ is stale: run `npm run build` and commit dist/.')
    process.exit(1)
  }
  console.log(`dist/ matches a fresh build (${built.length} files).`)
} finally {
  rmSync(fresh, { recursive: true, force: true })
}
