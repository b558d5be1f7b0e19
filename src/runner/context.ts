import { readFileSync } from 'node:fs'

/** What the runner tells the action about this run, read from its environment. */
export interface RunContext {
  eventName: string
  payload: Record<string, unknown>
  workspace: string
  repository: string
  runId: string
  runAttempt: number
  apiUrl: string
  /** GitHub's web address (`GITHUB_SERVER_URL`), for links to what the action wrote. */
  serverUrl: string
  /**
   * Factor applied to the action's own waits (retry back-offs, rate-limit waits, the spacing of
   * sync's notifications): 1 normally. A test and debugging setting only, read from
   * `XP_ACTION_WAIT_SCALE` (e.g. `0.001` so that tests against the stand-ins do not sleep).
   */
  waitScale: number
}

/** The event payload could not be read: a runner problem, not a teacher's. */
export class RunContextError extends Error {}

/**
 * Reads the runner's environment. Deliberately not `@actions/github`'s `context`: importing that
 * module loads Octokit, which most runs never need.
 */
export function readRunContext(env: NodeJS.ProcessEnv): RunContext {
  const eventName = env.GITHUB_EVENT_NAME ?? ''
  if (eventName === '') {
    throw new RunContextError(
      'GITHUB_EVENT_NAME is not set: run this action as a step of a GitHub Actions workflow.'
    )
  }
  let payload: Record<string, unknown> = {}
  const path = env.GITHUB_EVENT_PATH ?? ''
  if (path !== '') {
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'))
      if (parsed !== null && typeof parsed === 'object') payload = parsed as Record<string, unknown>
    } catch (error) {
      throw new RunContextError(
        `Could not read the event payload at GITHUB_EVENT_PATH: ${(error as Error).message}`
      )
    }
  }
  const attempt = Number(env.GITHUB_RUN_ATTEMPT ?? '1')
  const scale = Number(env.XP_ACTION_WAIT_SCALE ?? '1')
  return {
    eventName,
    payload,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    repository: env.GITHUB_REPOSITORY ?? '',
    runId: env.GITHUB_RUN_ID ?? '0',
    runAttempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1,
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    serverUrl: (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, ''),
    waitScale: Number.isFinite(scale) && scale >= 0 && scale <= 1 ? scale : 1
  }
}

/** A `pull_request` run from a fork gets no secrets: worth saying when the token is empty. */
export function isForkPullRequest(context: RunContext): boolean {
  if (context.eventName !== 'pull_request') return false
  const pr = context.payload.pull_request as
    | { head?: { repo?: { full_name?: string } | null }; base?: { repo?: { full_name?: string } } }
    | undefined
  const head = pr?.head?.repo?.full_name
  const base = pr?.base?.repo?.full_name
  return head !== undefined && base !== undefined && head !== base
}
