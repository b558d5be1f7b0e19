/**
 * `npm run bench`: what a teacher pays for on every run, measured on a fresh build of the sources
 * (`scripts/build.ts`, the same bytes as the committed dist/, which `npm run check-dist` checks).
 *
 * - Whole runs, started as the runner starts them (clean environment: no NODE_OPTIONS, no
 *   NODE_EXTRA_CA_CERTS), interleaved round by round so that a noisy machine slows every
 *   candidate alike: `node -e 0` and `curl` for scale, then the action's paths. Medians, and the
 *   ratio of medians to `node -e 0`: the ratios move much less with the machine than the times.
 * - The ledger path built a second time with the throttling plugin's default spacing of writes,
 *   to show what that spacing would cost.
 * - What each path loads: the bundle files a run actually reads (recorded by a loader hook in a
 *   separate, untimed run), and the Moodle and GitHub requests it makes.
 * - A 2,000-student GitHub Classroom roster: how much the roster adds to an award, and check mode.
 * - With BENCH_INSTRUCTIONS=N: the instructions the main runs execute, counted by valgrind (N
 *   runs each, median), which the machine's load does not change as it changes wall times.
 * - With BENCH_COMPARE=<another build's index.js>: the direct award with that build too, in the
 *   same rounds (e.g. a build of another commit, to see what a change saved).
 * Numbers, not assertions: the tests never time anything.
 *
 * Usage: npm run bench (BENCH_RUNS=N for another number of rounds; default 21).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { connect, type AddressInfo } from 'node:net'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { createServer as createTlsServer } from 'node:tls'
import type { Plugin } from 'esbuild'
import { joinSockets, startConnectProxy } from '../__tests__/fixtures/connect-proxy.js'
import { closedIssueCompleted, mergedPullRequest } from '../__tests__/fixtures/events.js'
import { localhostCertificate, TEST_CA_FILE } from '../__tests__/fixtures/tls.js'
import { GITHUB_ACTIONS, start as startGitHub } from '../test-servers/github/server.js'
import {
  AWARD_FUNCTION,
  DEMO_TOKEN,
  defaultMoodleConfig,
  MoodleServer,
  REST_PATH
} from '../test-servers/moodle/server.js'
import { type ActionRun, type Launch, runAction } from '../test-servers/runner/run-action.js'
import { build } from './build.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 21)
const INSTRUCTION_RUNS = Number(process.env.BENCH_INSTRUCTIONS ?? 0)
const COMPARED = process.env.BENCH_COMPARE
const STUDENTS = 2000
const COURSE = 30
/** The author of the example pull request, mapped to Moodle user 3 (enrolled in course 30). */
const AUTHOR = { login: 'Codertocat', moodleId: 3 }

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}
const ms = (value: number) => `${value.toFixed(0)} ms`
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`

/** Wall time of one child process, from spawn to exit; fails on a non-zero exit. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now()
    const child = spawn(command, args, { env, stdio: 'ignore' })
    child.on('error', fail)
    child.on('close', code =>
      code === 0 ? done(performance.now() - started) : fail(new Error(`${command} exited ${code}`))
    )
  })
}

async function timedAction(run: ActionRun, expectCode = 0): Promise<number> {
  const started = performance.now()
  const result = await runAction(run)
  const elapsed = performance.now() - started
  if (result.code !== expectCode) {
    throw new Error(`bench run exited ${result.code}, expected ${expectCode}:\n${result.stdout}`)
  }
  return elapsed
}

/**
 * A loader hook (Node 22.15+/24) that writes every file a run loads to XP_BENCH_LOADED. Passed
 * through NODE_OPTIONS in the recording runs only, never in timed runs.
 */
const RECORD_LOADED_FILES = `data:text/javascript,${encodeURIComponent(
  "import{registerHooks}from'node:module';import{writeFileSync}from'node:fs';" +
    'const seen=new Set();registerHooks({load(url,context,next){' +
    "if(url.startsWith('file:'))seen.add(url);return next(url,context)}});" +
    "process.on('exit',()=>writeFileSync(process.env.XP_BENCH_LOADED,[...seen].join('\\n')))"
)}`

/**
 * The same build with the throttling plugin's own limiter groups for writes (1 s between
 * writes, 3 s between requests that notify): the ledger's options for those two groups are
 * dropped before they reach the plugin. Only for comparison.
 */
const throttlingDefaults: Plugin = {
  name: 'throttling-defaults',
  setup(b) {
    b.onResolve({ filter: /^@octokit\/plugin-throttling$/ }, args =>
      args.namespace === 'throttling-defaults'
        ? undefined
        : { path: 'plugin-throttling', namespace: 'throttling-defaults' }
    )
    b.onLoad({ filter: /.*/, namespace: 'throttling-defaults' }, () => ({
      resolveDir: join(import.meta.dirname, '..'),
      contents:
        "import { throttling as plugin } from '@octokit/plugin-throttling'\n" +
        'export function throttling(octokit, options) {\n' +
        '  const { write, notifications, ...throttle } = options.throttle ?? {}\n' +
        '  return plugin(octokit, { ...options, throttle })\n' +
        '}\n'
    }))
  }
}

/** A Classroom export and the matching Moodle users, all enrolled in the course. */
function classroomRoster(count: number) {
  const lines = ['identifier,github_username,github_id,name']
  const users = defaultMoodleConfig().users
  for (let i = 0; i < count; i++) {
    lines.push(`student${i}@uni.example.edu,student-${i},${5_000_000 + i},Student ${i}`)
    users.push({ id: 1000 + i, username: `student${i}`, email: `student${i}@uni.example.edu` })
  }
  const enrolled = users.map(u => u.id)
  const courses = defaultMoodleConfig().courses.map(c => (c.id === COURSE ? { ...c, enrolled } : c))
  return { csv: `${lines.join('\n')}\n`, users, courses }
}

interface Scenario {
  name: string
  /** One whole run; resolves to its wall time. */
  time: () => Promise<number>
  /** One untimed run of the action, with extra environment (for the loader hook). */
  record?: (env: Record<string, string>) => Promise<unknown>
  /** One untimed run under valgrind; resolves to the instructions it executed. */
  count?: () => Promise<number>
}

const CALLGRIND = [
  '--tool=callgrind',
  '--callgrind-out-file=/dev/null',
  // V8 writes the code it runs: valgrind must notice code that changes.
  '--smc-check=all-non-file',
  '--trace-children=yes'
]

/** The instructions counted in valgrind's report (`==pid== Collected : N`). */
function collected(stderr: string): number {
  const counts = [...stderr.matchAll(/^==\d+== Collected : (\d+)$/gm)].map(m => Number(m[1]))
  if (counts.length === 0) throw new Error(`no instruction count in valgrind's output:\n${stderr}`)
  return counts.reduce((sum, n) => sum + n, 0)
}

/**
 * A run of the action under valgrind. valgrind leaves variables whose names hold a `-` (such as
 * `INPUT_MOODLE-URL`) out of the environment it starts a program with: `/usr/bin/env`, started
 * inside it, sets them all before it starts Node.
 */
function underValgrind(plain: Launch): Launch {
  return {
    command: 'valgrind',
    args: [
      ...CALLGRIND,
      '/usr/bin/env',
      ...Object.entries(plain.env).map(([name, value]) => `${name}=${value}`),
      plain.command,
      ...plain.args
    ],
    env: { PATH: process.env.PATH ?? '' }
  }
}

/** Instructions of one run of `command`, under valgrind. */
function countedCommand(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done, fail) => {
    let stderr = ''
    const child = spawn('valgrind', [...CALLGRIND, command, ...args], { env })
    child.stderr.on('data', chunk => (stderr += chunk))
    child.on('error', fail)
    child.on('close', () => {
      try {
        done(collected(stderr))
      } catch (error) {
        fail(error)
      }
    })
  })
}

async function countedAction(run: ActionRun): Promise<number> {
  const result = await runAction({ ...run, launch: underValgrind })
  return collected(result.stderr)
}

interface Footprint {
  files: string[]
  bytes: number
  moodle: string
  github: string
}

const out = mkdtempSync(join(tmpdir(), 'xp-action-bench-'))
const dist = join(out, 'dist')
const spacedDist = join(out, 'dist-spaced')
/** Where the bundles measured here live (the loader hook's list is filtered by them). */
const bundleDirs = [dist, ...(COMPARED ? [dirname(resolve(COMPARED))] : [])]
const moodle = new MoodleServer()
const moodleUrl = await moodle.start()
const { fake: github, apiUrl } = await startGitHub([
  { token: 'ghs_default', identity: GITHUB_ACTIONS, installation: true }
])
const cleanEnv = { PATH: process.env.PATH ?? '' }
const base = { 'moodle-url': moodleUrl, 'moodle-token': DEMO_TOKEN, 'course-id': String(COURSE) }
// Moodle over https, as real sites are reached: a TLS front with a certificate of the tests'
// authority, which the runs trust through NODE_EXTRA_CA_CERTS (read at the first TLS connection,
// so `node -e 0` does not pay for it).
const tlsFront = createTlsServer(localhostCertificate(), socket =>
  joinSockets(socket, connect(Number(new URL(moodleUrl).port), '127.0.0.1'))
)
await new Promise<void>(done => tlsFront.listen(0, '127.0.0.1', done))
const httpsUrl = `https://127.0.0.1:${(tlsFront.address() as AddressInfo).port}`
// A runner's proxy, which undici carries the award through.
const proxy = await startConnectProxy()
let pullRequest = 1000

function ledgerRun(bundle: string, env: Record<string, string> = {}): ActionRun {
  const payload = mergedPullRequest()
  // A new pull request each time: a second run on the same one would find it already awarded.
  payload.number = payload.pull_request.number = ++pullRequest
  return {
    dist: bundle,
    eventName: 'pull_request_target',
    payload,
    apiUrl,
    env,
    inputs: {
      ...base,
      mapping: `${AUTHOR.login}: ${AUTHOR.moodleId}`,
      'github-token': 'ghs_default'
    }
  }
}

/** Requests since `since`, counted by what they are. */
function moodleCalls(server: MoodleServer, since: number): string {
  const counts = new Map<string, number>()
  for (const r of server.requests.slice(since)) {
    const name = r.path === REST_PATH ? (r.wsfunction ?? '?') : r.path
    counts.set(name, (counts.get(name) ?? 0) + 1)
  }
  return [...counts].map(([name, n]) => `${n} ${name}`).join(', ') || 'none'
}

function githubCalls(since: number): string {
  const counts = new Map<string, number>()
  for (const r of github.requests.slice(since)) {
    const what =
      r.path === '/graphql'
        ? 'GraphQL viewer'
        : `${r.method} ${r.path.replace(/\/repos\/[^/]+\/[^/]+/, '').replace(/\d+/g, 'N')}`
    counts.set(what, (counts.get(what) ?? 0) + 1)
  }
  return [...counts].map(([what, n]) => `${n} ${what}`).join(', ') || 'none'
}

async function footprint(scenario: Scenario, server = moodle): Promise<Footprint | null> {
  if (!scenario.record) return null
  const listFile = join(out, 'loaded.txt')
  const [moodleSince, githubSince] = [server.requests.length, github.requests.length]
  await scenario.record({
    NODE_OPTIONS: `--import=${RECORD_LOADED_FILES}`,
    XP_BENCH_LOADED: listFile
  })
  const files = readFileSync(listFile, 'utf8')
    .split('\n')
    .filter(url => bundleDirs.some(dir => url.startsWith(`file://${dir}/`)))
    .map(url => new URL(url).pathname)
  rmSync(listFile)
  return {
    files: files.map(file => basename(file)),
    bytes: files.reduce((sum, file) => sum + statSync(file).size, 0),
    moodle: moodleCalls(server, moodleSince),
    github: githubCalls(githubSince)
  }
}

/** Interleaved rounds: each round runs every scenario once, in order. */
async function measure(scenarios: Scenario[], rounds: number): Promise<number[]> {
  const times = scenarios.map(() => [] as number[])
  for (let round = 0; round < rounds; round++) {
    for (const [i, scenario] of scenarios.entries()) times[i]!.push(await scenario.time())
  }
  return times.map(median)
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`
  const rule = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`
  return [line(headers), rule, ...rows.map(line)].join('\n')
}

/** Files a set of footprints loaded, minus those in `without`. */
function filesOf(footprints: Array<Footprint | null>, without: Set<string> = new Set()): string[] {
  return [...new Set(footprints.flatMap(f => f?.files ?? []))].filter(f => !without.has(f))
}

const ratio = (value: number, baseline: number) => `${(value / baseline).toFixed(2)}x`

try {
  await build(dist)
  await build(spacedDist, [throttlingDefaults])
  const entry = join(dist, 'index.js')
  const awardBody = new URLSearchParams({
    wstoken: DEMO_TOKEN,
    wsfunction: AWARD_FUNCTION,
    moodlewsrestformat: 'json',
    userid: '2',
    points: '10',
    courseid: String(COURSE)
  }).toString()
  const direct: ActionRun = { dist: entry, inputs: { ...base, 'user-id': '2', ledger: 'off' } }
  const overHttps: ActionRun = {
    ...direct,
    inputs: { ...direct.inputs, 'moodle-url': httpsUrl },
    env: { NODE_EXTRA_CA_CERTS: TEST_CA_FILE }
  }
  const proxied: ActionRun = { ...direct, env: { HTTP_PROXY: proxy.url } }
  const invalid: ActionRun = { dist: entry, inputs: { ...base, points: '0' } }
  /** The scenario of one action run; `expectCode` is its exit code. */
  const actionScenario = (name: string, run: ActionRun, expectCode = 0): Scenario => ({
    name,
    time: () => timedAction(run, expectCode),
    record: env => runAction({ ...run, env: { ...run.env, ...env } }),
    count: () => countedAction(run)
  })
  const nodeBaseline: Scenario = {
    name: '`node -e 0`, for scale',
    time: () => timed(process.execPath, ['-e', '0'], cleanEnv),
    count: () => countedCommand(process.execPath, ['-e', '0'], cleanEnv)
  }
  const invalidRun = actionScenario('invalid input (fails before any request)', invalid, 1)
  const directRun = actionScenario('direct award (`user-id`, `ledger: off`)', direct)
  const ledgerPath: Scenario = {
    name: 'ledger path (merged pull request: list, claim, award, settle)',
    time: () => timedAction(ledgerRun(entry)),
    record: env => runAction(ledgerRun(entry, env)),
    count: () => countedAction(ledgerRun(entry))
  }
  const proxiedRun = actionScenario('the direct award through a proxy (undici)', proxied)

  const scenarios: Scenario[] = [
    nodeBaseline,
    {
      name: '`curl`, the same award POST',
      time: () =>
        timed(
          'curl',
          ['-sf', '-o', '/dev/null', '--data', awardBody, `${moodleUrl}${REST_PATH}`],
          cleanEnv
        )
    },
    invalidRun,
    directRun,
    ...(COMPARED
      ? [actionScenario(`the direct award, with ${COMPARED}`, { ...direct, dist: COMPARED })]
      : []),
    actionScenario('the direct award over https', overHttps),
    proxiedRun,
    ledgerPath
  ]

  console.log(
    `Node ${process.version}, ${availableParallelism()} CPUs, load average ` +
      `${loadavg()[0]!.toFixed(1)} at start; ${RUNS} interleaved rounds, clean environment.\n`
  )
  const medians = await measure(scenarios, RUNS)
  const footprints: Array<Footprint | null> = []
  for (const scenario of scenarios) footprints.push(await footprint(scenario))
  console.log('Whole runs (median; ratio of medians to `node -e 0`):\n')
  console.log(
    table(
      ['Run', 'Median', 'Ratio', 'Bundle loaded', 'Moodle requests', 'GitHub requests'],
      scenarios.map((s, i) => {
        const f = footprints[i]
        return [
          s.name,
          ms(medians[i]!),
          ratio(medians[i]!, medians[0]!),
          f ? `${kib(f.bytes)} (${f.files.length} files)` : '',
          f?.moodle ?? (s.name.startsWith('`curl`') ? `1 ${AWARD_FUNCTION}` : ''),
          f?.github ?? ''
        ]
      })
    )
  )

  if (INSTRUCTION_RUNS > 0) {
    const counted = scenarios.filter(s => s.count)
    const counts: number[] = []
    for (const scenario of counted) {
      const runs: number[] = []
      for (let i = 0; i < INSTRUCTION_RUNS; i++) runs.push(await scenario.count!())
      counts.push(median(runs))
    }
    console.log(
      `\nInstructions, counted by valgrind (median of ${INSTRUCTION_RUNS}; ratio to \`node -e 0\`):\n`
    )
    console.log(
      table(
        ['Run', 'Instructions', 'Ratio'],
        counted.map((s, i) => [
          s.name,
          `${(counts[i]! / 1e6).toFixed(0)} M`,
          ratio(counts[i]!, counts[0]!)
        ])
      )
    )
  }

  const spacedRounds = Math.max(3, Math.round(RUNS / 4))
  const [unspaced, spaced] = await measure(
    [
      { name: 'ledger path', time: () => timedAction(ledgerRun(entry)) },
      {
        name: 'ledger path, spaced',
        time: () => timedAction(ledgerRun(join(spacedDist, 'index.js')))
      }
    ],
    spacedRounds
  )
  console.log(
    `\nThe ledger's writes (${spacedRounds} interleaved rounds): not spaced, as built, ` +
      `${ms(unspaced!)}; with the throttling plugin's default spacing ${ms(spaced!)} ` +
      `(+${ms(spaced! - unspaced!)}).`
  )

  const roster = classroomRoster(STUDENTS)
  const big = new MoodleServer({ users: roster.users, courses: roster.courses })
  const bigUrl = await big.start()
  const rosterRounds = Math.max(3, Math.round(RUNS / 2))
  const rosterFootprints: Array<Footprint | null> = []
  try {
    const files = { '.github/classroom_roster.csv': roster.csv }
    const rosterInputs = {
      ...base,
      'moodle-url': bigUrl,
      'mapping-file': '.github/classroom_roster.csv',
      ledger: 'off'
    }
    const payload = closedIssueCompleted({
      assignees: [
        { login: 'student-7', id: 5_000_007 },
        { login: 'student-1999', id: 5_001_999 }
      ]
    })
    const inline: ActionRun = {
      dist: entry,
      eventName: 'issues',
      payload,
      inputs: {
        ...rosterInputs,
        'mapping-file': '',
        mapping: 'student-7: 1007\nstudent-1999: 2999'
      }
    }
    const fromRoster: ActionRun = {
      dist: entry,
      eventName: 'issues',
      payload,
      inputs: rosterInputs,
      files
    }
    const check: ActionRun = { ...fromRoster, inputs: { ...rosterInputs, mode: 'check' } }
    const rosterScenarios: Scenario[] = [
      nodeBaseline,
      {
        name: 'closed issue, two assignees, inline roster',
        time: () => timedAction(inline),
        record: env => runAction({ ...inline, env })
      },
      {
        name: `the same, ${STUDENTS}-student Classroom roster file`,
        time: () => timedAction(fromRoster),
        record: env => runAction({ ...fromRoster, env })
      },
      {
        name: `check mode, the whole ${STUDENTS}-student roster`,
        time: () => timedAction(check),
        record: env => runAction({ ...check, env })
      }
    ]
    const rosterMedians = await measure(rosterScenarios, rosterRounds)
    for (const scenario of rosterScenarios) rosterFootprints.push(await footprint(scenario, big))
    console.log(`\nAwards from a roster, ledger off (${rosterRounds} interleaved rounds):\n`)
    console.log(
      table(
        ['Run', 'Median', 'Ratio', 'Bundle loaded', 'Moodle requests'],
        rosterScenarios.map((s, i) => {
          const f = rosterFootprints[i]
          return [
            s.name,
            ms(rosterMedians[i]!),
            ratio(rosterMedians[i]!, rosterMedians[0]!),
            f ? `${kib(f.bytes)} (${f.files.length} files)` : '',
            f?.moodle ?? ''
          ]
        })
      )
    )
  } finally {
    await big.stop()
  }

  const sizeOf = (file: string) => statSync(join(dist, file)).size
  const footprintOf = (scenario: Scenario) => footprints[scenarios.indexOf(scenario)] ?? null
  const start = new Set(filesOf([footprintOf(invalidRun)]))
  const rosterOnly = filesOf(rosterFootprints, start)
  const proxyOnly = filesOf([footprintOf(proxiedRun)], start)
  const ledgerOnly = filesOf(
    [footprintOf(ledgerPath)],
    new Set([...start, ...rosterOnly, ...proxyOnly])
  )
  const jsFiles = readdirSync(dist).filter(file => file.endsWith('.js'))
  const unused = jsFiles.filter(
    f =>
      !start.has(f) && !rosterOnly.includes(f) && !proxyOnly.includes(f) && !ledgerOnly.includes(f)
  )
  const row = (what: string, files: string[]) => [
    what,
    kib(files.reduce((sum, file) => sum + sizeOf(file), 0)),
    files.join(' ')
  ]
  console.log('\nThe bundle, by the runs that load it:\n')
  console.log(
    table(
      ['Loaded by', 'Size', 'Files'],
      [
        row('every run: the main chunk and what it imports', [...start]),
        row("Moodle requests through a proxy: undici's request path", proxyOnly),
        row('runs with the ledger: Octokit, its plugins, the rest of undici', ledgerOnly),
        row("proxied Moodle requests and the ledger: undici's HTTP parser", ['llhttp-simd.wasm']),
        row('runs with a roster: the YAML and CSV parsers', rosterOnly),
        row('only where the CPU lacks SIMD: the same parser without it', ['llhttp.wasm']),
        ...(unused.length > 0 ? [row('no run measured here', unused)] : [])
      ]
    )
  )
  const total = readdirSync(dist).reduce((sum, file) => sum + sizeOf(file), 0)
  console.log(`\ndist/ in all: ${kib(total)} in ${readdirSync(dist).length} files.`)
} finally {
  await moodle.stop().catch(() => undefined)
  await github.stop()
  await proxy.close()
  await new Promise(done => tlsFront.close(done))
  rmSync(out, { recursive: true, force: true })
}
