/**
 * Runs the bundled action (`dist/index.js`) the way the runner does: inputs as `INPUT_*`
 * variables, an event file, `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files, in a child process
 * with a clean environment. Asynchronous on purpose: the test servers live in this process.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

/** The bundle under test: `dist/index.js`, or another build named by XP_ACTION_DIST. */
export const DIST =
  process.env.XP_ACTION_DIST ?? resolve(import.meta.dirname, '../../dist/index.js')

export interface ActionRun {
  inputs: Record<string, string>
  eventName?: string
  payload?: unknown
  /** Files to create in the workspace, path relative to it -> content. */
  files?: Record<string, string>
  env?: Record<string, string>
  runAttempt?: number
  runId?: string
  apiUrl?: string
  /** Reuse a workspace (e.g. to re-run the same event). */
  workspace?: string
  /** Another bundle than DIST (the bench compares builds). */
  dist?: string
  /**
   * Starts the bundle through another program (the bench counts instructions under valgrind):
   * given what would be spawned, returns what to spawn instead.
   */
  launch?: (plain: Launch) => Launch
  /** Called with the child process once started (e.g. to kill it, as a runner that dies). */
  onSpawn?: (child: ChildProcess) => void
}

/** A program to spawn, with its arguments and its whole environment. */
export interface Launch {
  command: string
  args: string[]
  env: Record<string, string>
}

export interface ActionResult {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  /** The `GITHUB_OUTPUT` file as written, delimiters included. */
  outputText: string
  summary: string
  /** `::error...::` lines. */
  errors: string[]
  /** `::warning...::` lines. */
  warnings: string[]
  workspace: string
  /** Parsed `results` output, when set. */
  results: Array<Record<string, unknown>>
}

/** Parses the runner's `name<<DELIMITER` blocks from a `GITHUB_OUTPUT` file. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '')
    if (!match) continue
    const [, name, delimiter] = match as unknown as [string, string, string]
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '')
    outputs[name] = value.join('\n')
  }
  return outputs
}

export async function runAction(run: ActionRun): Promise<ActionResult> {
  const root = mkdtempSync(join(tmpdir(), 'xp-action-'))
  const workspace = run.workspace ?? join(root, 'workspace')
  mkdirSync(workspace, { recursive: true })
  for (const [path, content] of Object.entries(run.files ?? {})) {
    mkdirSync(dirname(join(workspace, path)), { recursive: true })
    writeFileSync(join(workspace, path), content)
  }
  const eventPath = join(root, 'event.json')
  writeFileSync(eventPath, JSON.stringify(run.payload ?? {}))
  const outputPath = join(root, 'output.txt')
  const summaryPath = join(root, 'summary.md')
  writeFileSync(outputPath, '')
  writeFileSync(summaryPath, '')
  mkdirSync(join(root, 'temp'))

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? root,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: run.eventName ?? 'workflow_dispatch',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: 'Codertocat/Hello-World',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_RUN_ID: run.runId ?? '4242',
    GITHUB_RUN_ATTEMPT: String(run.runAttempt ?? 1),
    GITHUB_API_URL: run.apiUrl ?? 'http://127.0.0.1:9/unused-github-api',
    RUNNER_TEMP: join(root, 'temp')
  }
  for (const [name, value] of Object.entries(run.inputs)) {
    env[`INPUT_${name.toUpperCase()}`] = value
  }
  Object.assign(env, run.env)

  const plain: Launch = { command: process.execPath, args: [run.dist ?? DIST], env }
  const launch = run.launch?.(plain) ?? plain
  const child = spawn(launch.command, launch.args, { env: launch.env, cwd: workspace })
  run.onSpawn?.(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', chunk => (stdout += chunk))
  child.stderr.on('data', chunk => (stderr += chunk))
  const code = await new Promise<number | null>(done => child.on('close', done))

  const outputText = readFileSync(outputPath, 'utf8')
  const outputs = parseOutputFile(outputText)
  const lines = stdout.split('\n')
  return {
    code,
    stdout,
    stderr,
    outputs,
    outputText,
    summary: readFileSync(summaryPath, 'utf8'),
    errors: lines.filter(line => line.startsWith('::error')),
    warnings: lines.filter(line => line.startsWith('::warning')),
    workspace,
    results: outputs.results ? (JSON.parse(outputs.results) as ActionResult['results']) : []
  }
}

/** Every line of captured output, without the runner's own `::add-mask::` lines. */
export function visibleOutput(result: ActionResult): string {
  return (result.stdout + '\n' + result.stderr)
    .split('\n')
    .filter(line => !line.startsWith('::add-mask::'))
    .join('\n')
}
