/**
 * Jest global setup of the integration tests: builds the action from the sources once per test
 * run, into a temporary folder, and points the tests at it (XP_ACTION_DIST, inherited by the
 * workers). So an edit to src/ is tested at once; whether the committed dist/ equals a fresh
 * build is the separate `npm run check-dist`. With XP_ACTION_DIST already set (e.g. to test
 * the committed bundle), nothing is built.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..', '..')

export default function buildBundle() {
  if (process.env.XP_ACTION_DIST) return
  const out = mkdtempSync(join(tmpdir(), 'xp-action-test-dist-'))
  const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs')
  execFileSync(process.execPath, [tsx, join(root, 'scripts', 'build.ts'), out], {
    cwd: root,
    stdio: 'inherit'
  })
  process.env.XP_ACTION_DIST = join(out, 'index.js')
  process.env.XP_ACTION_TEST_DIST_DIR = out
}
