/** Jest global teardown: removes the bundle that the global setup built. */
import { rmSync } from 'node:fs'

export default function removeBundle() {
  const dir = process.env.XP_ACTION_TEST_DIST_DIR
  if (dir) rmSync(dir, { recursive: true, force: true })
}
