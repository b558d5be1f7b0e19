/**
 * Builds the action bundle into a folder: `dist` for the committed bundle (`npm run build`), a
 * temporary folder for the tests (Jest global setup) and for the dist check. One command, so
 * what the tests run is built exactly as what users run.
 *
 * Usage: tsx scripts/build.ts <out-dir>
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')

export function build(outDir: string): void {
  const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js')
  execFileSync(
    process.execPath,
    [
      ncc,
      'build',
      'src/index.ts',
      '-o',
      outDir,
      '--minify',
      '--license',
      'licenses.txt',
      '--quiet'
    ],
    { cwd: root, stdio: 'inherit' }
  )
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const outDir = process.argv[2]
  if (!outDir) {
    console.error('usage: tsx scripts/build.ts <out-dir>')
    process.exit(2)
  }
  build(outDir)
}
