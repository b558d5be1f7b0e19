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
import { createRequire, isBuiltin } from 'node:module'
import { join, relative, resolve } from 'node:path'
import { eagerModuleFactories } from './eager-modules.js'

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
 * undici's HTTP/1.1 request path, without two modules that only other uses of undici reach.
 * Each module in the main chunk costs start-up time to compile even when it never runs.
 * - The HTTP/2 client (with `node:http2` and `node:tls`, which it loads at start): undici speaks
 *   HTTP/2 only when a client sets `allowH2`, and neither the Moodle client nor Octokit does.
 * - fetch's body extraction (with WebIDL, FormData and their helpers), which the HTTP/1.1 client
 *   loads only to send a FormData body given straight to a dispatcher: the Moodle client sends
 *   a string, and fetch (Octokit) extracts its bodies itself, with its own copy of the module.
 * A stand-in throws if either is ever reached.
 */
const UNDICI_LEFT_OUT: Record<string, { importer: RegExp; contents: string }> = {
  './client-h2.js': {
    importer: /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/,
    contents:
      'module.exports = function connectH2() { ' +
      "throw new Error('undici: HTTP/2 is not part of this bundle') }"
  },
  '../web/fetch/body.js': {
    importer: /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client-h[12]\.js$/,
    contents:
      'module.exports = { extractBody() { ' +
      "throw new Error('undici: FormData bodies are not part of this bundle') } }"
  }
}

const undiciHttp1RequestPath: Plugin = {
  name: 'undici-http1-request-path',
  setup(build) {
    build.onResolve({ filter: /^(\.\/client-h2|\.\.\/web\/fetch\/body)\.js$/ }, args =>
      UNDICI_LEFT_OUT[args.path]?.importer.test(args.importer)
        ? { path: args.path, namespace: 'undici-left-out' }
        : undefined
    )
    build.onLoad({ filter: /.*/, namespace: 'undici-left-out' }, args => ({
      contents: UNDICI_LEFT_OUT[args.path]?.contents,
      loader: 'js'
    }))
  }
}

/**
 * undici's HTTP parser (llhttp, WebAssembly) as two files beside the chunks, read when the first
 * connection opens, instead of two base64 strings of 72 KiB in the main chunk: every run would
 * compile both strings, and use at most one (the SIMD build where the CPU has SIMD).
 */
const LLHTTP_FILES: Record<string, string> = {
  '../llhttp/llhttp_simd-wasm.js': 'llhttp-simd.wasm',
  '../llhttp/llhttp-wasm.js': 'llhttp.wasm'
}

const undiciParserFiles: Plugin = {
  name: 'undici-parser-files',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/llhttp\/llhttp(_simd)?-wasm\.js$/ }, args =>
      /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client-h1\.js$/.test(args.importer)
        ? { path: args.path, namespace: 'undici-parser-file' }
        : undefined
    )
    build.onResolve({ filter: /^\.\/llhttp(-simd)?\.wasm$/ }, args => ({
      path: args.path,
      external: true
    }))
    build.onLoad({ filter: /.*/, namespace: 'undici-parser-file' }, args => ({
      contents:
        "module.exports = require('node:fs').readFileSync(" +
        `require.resolve('./${LLHTTP_FILES[args.path]}'))`,
      loader: 'js'
    }))
  }
}

/** Writes the parser files that `undiciParserFiles` points to. */
function writeParserFiles(out: string): void {
  const load = createRequire(join(root, 'package.json'))
  for (const [module, file] of Object.entries(LLHTTP_FILES)) {
    const bytes = load(`undici/lib/llhttp/${module.slice('../llhttp/'.length)}`) as Buffer
    writeFileSync(join(out, file), bytes)
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
    plugins: [
      ...extraPlugins,
      undiciHttp1RequestPath,
      undiciParserFiles,
      coreRunnerProtocolOnly,
      builtinsThroughRequire
    ],
    metafile: true,
    write: false,
    logLevel: 'warning'
  })
  for (const file of result.outputFiles) {
    writeFileSync(
      file.path,
      file.path.endsWith('.js') ? eagerModuleFactories(file.text) : file.contents
    )
  }
  writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`)
  writeFileSync(join(out, 'licenses.txt'), licenses(result.metafile))
  writeParserFiles(out)
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const outDir = process.argv[2]
  if (!outDir) {
    console.error('usage: tsx scripts/build.ts <out-dir>')
    process.exit(2)
  }
  await build(outDir)
}
