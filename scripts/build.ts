/**
 * Builds the action bundle into a folder: `dist` for the committed bundle (`npm run build`), a
 * temporary folder for the tests (Jest global setup), the dist check and the bench. One command,
 * so what the tests run is built exactly as what users run.
 *
 * esbuild, minified ES modules: `index.js` holds what every run needs; what only some runs need
 * (Octokit for the ledger, the roster parsers) sits in chunks loaded by `import()` on the paths
 * that use them. The same sources always give the same bytes (the dist check compares them).
 * The plugins, and what each one saves, are explained in docs/speed.md.
 *
 * Usage: tsx scripts/build.ts <out-dir>
 */
import { build as esbuild, type Metafile, type Plugin } from 'esbuild'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { join, relative, resolve } from 'node:path'

const root = join(import.meta.dirname, '..')

/**
 * Every chunk gets a CommonJS `require`, through which Node's built-in modules are loaded (see
 * `builtinsThroughRequire`). The name cannot clash: nothing else in an ES module defines it.
 */
const BANNER = 'import{createRequire as __cr}from"node:module";const require=__cr(import.meta.url);'

/**
 * Built-in modules through `require`, never through `import`. Importing a built-in into an ES
 * module builds its namespace, which reads every export, lazy getters included: for `node:http`
 * that loads Node's own copy of undici (fetch, WebSocket) for nothing. A CommonJS wrapper
 * around `require('node:x')` gives the same exports, read only when used.
 */
const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(build) {
    build.onResolve({ filter: /.*/ }, args => {
      if (!isBuiltin(args.path)) return undefined
      if (args.kind === 'require-call' || args.namespace === 'builtin') {
        return { path: args.path, external: true }
      }
      const name = args.path.startsWith('node:') ? args.path : `node:${args.path}`
      return { path: name, namespace: 'builtin' }
    })
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, args => ({
      contents: `module.exports = require(${JSON.stringify(args.path)})`,
      loader: 'js'
    }))
  }
}

/**
 * `@actions/core` for the runner protocol only. Its index imports modules this action never
 * uses, and one it uses for a single call, each a large part of core's start-up cost:
 * - the OIDC client (for `getIDToken`), which imports `@actions/http-client` and with it all of
 *   undici: replaced by a stand-in that throws if ever called;
 * - `platform`, whose `getDetails` runs shell commands through `@actions/exec` (loading
 *   `child_process`): the stand-in keeps its constants, and `getDetails` throws;
 * - `node:crypto`, for the random delimiter of `setOutput` (`randomUUID`): loading it builds
 *   every cipher, key and certificate class. The stand-in reads the 16 random bytes from the
 *   operating system's generator (`/dev/urandom`, where OpenSSL gets its seed too), and uses
 *   `node:crypto` where there is no such device (Windows).
 */
const CORE_STAND_INS: Record<string, string> = {
  './oidc-utils.js':
    'export class OidcClient { static async getIDToken() { ' +
    "throw new Error('getIDToken: the OIDC client is not part of this bundle') } }",
  './platform.js':
    "import os from 'node:os'\n" +
    'export const platform = os.platform()\n' +
    'export const arch = os.arch()\n' +
    "export const isWindows = platform === 'win32'\n" +
    "export const isMacOS = platform === 'darwin'\n" +
    "export const isLinux = platform === 'linux'\n" +
    'export async function getDetails() { ' +
    "throw new Error('platform.getDetails: not part of this bundle') }",
  crypto: `import { closeSync, openSync, readSync } from 'node:fs'
export function randomUUID() {
  let bytes
  try {
    const fd = openSync('/dev/urandom', 'r')
    try {
      bytes = Buffer.alloc(16)
      if (readSync(fd, bytes, 0, 16, null) !== 16) bytes = undefined
    } finally {
      closeSync(fd)
    }
  } catch {
    bytes = undefined
  }
  if (!bytes) return require('node:crypto').randomUUID()
  bytes[6] = (bytes[6] & 0x0f) | 0x40 // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80 // variant 10
  const hex = bytes.toString('hex')
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-')
}
`
}

const coreRunnerProtocolOnly: Plugin = {
  name: 'core-runner-protocol-only',
  setup(build) {
    build.onResolve({ filter: /^(\.\/(oidc-utils|platform)\.js|crypto)$/ }, args =>
      /[\\/]@actions[\\/]core[\\/]/.test(args.importer)
        ? { path: args.path, namespace: 'core-stand-in' }
        : undefined
    )
    build.onLoad({ filter: /.*/, namespace: 'core-stand-in' }, args => ({
      contents: CORE_STAND_INS[args.path],
      resolveDir: root,
      loader: 'js'
    }))
  }
}

/**
 * undici without HTTP/2. Its client module loads `node:http2` (and with it `node:tls`) at start
 * only to read constants for HTTP/2 sessions, which undici opens only with `allowH2`; neither
 * the Moodle client nor Octokit sets it, so every request is HTTP/1.1. undici already handles a
 * Node built without http2: the `require` fails and the constants stay undefined.
 */
const undiciWithoutHttp2: Plugin = {
  name: 'undici-without-http2',
  setup(build) {
    build.onResolve({ filter: /^node:http2$/ }, args =>
      /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client-h2\.js$/.test(args.importer)
        ? { path: 'http2', namespace: 'left-out' }
        : undefined
    )
    build.onLoad({ filter: /^http2$/, namespace: 'left-out' }, () => ({
      contents: "throw new Error('node:http2 is not part of this bundle')",
      loader: 'js'
    }))
  }
}

/** The packages whose code is in the bundle, each with its license file. */
function licenses(metafile: Metafile): string {
  const packages = new Set<string>()
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      // The innermost node_modules folder names the package (nested copies included).
      const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)
      if (match?.[1] && bytesInOutput > 0) packages.add(resolve(root, match[1]))
    }
  }
  const entries = [...packages].map(dir => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string
      license?: string
    }
    const file = readdirSync(dir)
      .filter(name => /^(licen[cs]e|copying)(\.[a-z]+)?$/i.test(name))
      .sort()[0]
    const text = file ? readFileSync(join(dir, file), 'utf8').trim() : ''
    return { name: manifest.name, text: [manifest.name, manifest.license ?? '', text].join('\n') }
  })
  const byName = new Map(entries.map(entry => [entry.name, entry.text]))
  return [...byName.keys()]
    .sort()
    .map(name => `${byName.get(name)}\n`)
    .join('\n')
}

/**
 * Builds into `outDir` (emptied first). `extraPlugins` run before the build's own; only the
 * bench uses them, to build a variant for comparison.
 */
export async function build(outDir: string, extraPlugins: Plugin[] = []): Promise<void> {
  const out = resolve(outDir)
  if (relative(out, root) === '' || !relative(out, root).startsWith('..')) {
    throw new Error(`refusing to build into ${out}: it would empty the repository`)
  }
  // Emptied first: chunk names change with their content, and stale chunks must not linger.
  if (existsSync(out)) rmSync(out, { recursive: true })
  mkdirSync(out, { recursive: true })
  const result = await esbuild({
    absWorkingDir: root,
    entryPoints: ['src/index.ts'],
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    splitting: true,
    chunkNames: '[name]-[hash]',
    minify: true,
    legalComments: 'none',
    banner: { js: BANNER },
    // builtinsThroughRequire last: it claims every built-in the others have not replaced.
    plugins: [...extraPlugins, undiciWithoutHttp2, coreRunnerProtocolOnly, builtinsThroughRequire],
    metafile: true,
    logLevel: 'warning'
  })
  writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`)
  writeFileSync(join(out, 'licenses.txt'), licenses(result.metafile))
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const outDir = process.argv[2]
  if (!outDir) {
    console.error('usage: tsx scripts/build.ts <out-dir>')
    process.exit(2)
  }
  await build(outDir)
}
