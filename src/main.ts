/**
 * The action, top to bottom: read settings -> run the mode (award: plan who earns what from the
 * event -> resolve Moodle users -> consult the ledger -> award -> record; check: verify the
 * set-up; sync: the same over many repositories' history, `sync/run.ts`) -> write the mode's
 * report.
 */
import { awardAll } from './award/award.js'
import { resolveCandidates } from './award/resolve.js'
import { earningEvent, planAwards } from './events/plan.js'
import { levelsReader, type LevelsReader } from './level/reader.js'
import { MoodleClient } from './moodle/client.js'
import { proxyFromEnv } from './moodle/proxy.js'
import { outputsFrom } from './report/outcome.js'
import { awardReport, type RunReport } from './report/run-report.js'
import { readRoster } from './roster/read.js'
import { describeFailure } from './runner/failure.js'
import { annotateError, log, maskSecrets, setOutputs, writeSummary } from './runner/actions.js'
import { isForkPullRequest, readRunContext, type RunContext } from './runner/context.js'
import { readRawInputs } from './settings/inputs.js'
import { parseSettings, type Settings } from './settings/settings.js'

/** Whether an award request may have gone out: until then a failure means nothing was awarded. */
interface Progress {
  awarding: boolean
}

export async function run(): Promise<void> {
  const raw = readRawInputs(process.env)
  maskSecrets(raw['moodle-token'], raw['github-token'])
  let moodle: MoodleClient | null = null
  const progress: Progress = { awarding: false }
  try {
    const context = readRunContext(process.env)
    const settings = parseSettings(raw, {
      forkPullRequest: isForkPullRequest(context),
      threadEvent: earningEvent(context.eventName) !== undefined,
      repository: context.repository
    })
    moodle =
      settings.moodleToken === null
        ? null
        : new MoodleClient({
            endpoint: settings.moodleEndpoint,
            token: settings.moodleToken,
            timeoutMs: settings.timeoutMs,
            proxy: proxyFromEnv(process.env)
          })
    const levels: LevelsReader | undefined =
      moodle && settings.mode !== 'check'
        ? levelsReader({ moodle, courseId: settings.courseId, log })
        : undefined
    // Check mode's and sync mode's code load only in their modes: award runs, the frequent
    // ones, never parse them.
    const report =
      settings.mode === 'check'
        ? await (await import('./check/check.js')).runCheck(settings, context, moodle, log)
        : settings.mode === 'sync'
          ? await runSyncMode(settings, context, moodle, progress, levels)
          : await runAward(settings, context, moodle, progress, levels)
    await writeReport(report)
  } catch (error) {
    // Stopped before any award request: nothing was awarded, and the outputs say so.
    if (!progress.awarding) setOutputs(outputsFrom([]))
    const failure = describeFailure(error)
    annotateError(failure.message, failure.where)
  } finally {
    await moodle?.close()
  }
}

/** Writes a run's report: outputs, log lines, job summary, warnings, then the failures. */
async function writeReport(report: RunReport): Promise<void> {
  setOutputs(report.outputs)
  for (const line of report.log) log.info(line)
  await writeSummary(report.summary)
  for (const warning of report.warnings) log.warning(warning)
  for (const problem of report.problems) annotateError(problem.message, problem.where)
}

/** Award mode: the event's recipients, through the roster and the ledger, to Moodle. */
async function runAward(
  settings: Settings,
  context: RunContext,
  moodle: MoodleClient | null,
  progress: Progress,
  levels?: LevelsReader
): Promise<RunReport> {
  if (moodle === null) throw new Error('moodle-token is required in award mode')
  const plan = planAwards(context.eventName, context.payload, settings)
  log.info(plan.description)
  const roster = await readRoster(settings, context.workspace, log)
  const candidates = await resolveCandidates(plan, roster, moodle)
  progress.awarding = true
  const { results, notes } = await awardAll(plan, candidates, {
    settings,
    context,
    moodle,
    log,
    levels
  })
  return awardReport({
    event: plan.description,
    target: settings.courseId === 1 ? 'sitewide XP (course 1)' : `course ${settings.courseId}`,
    results,
    notes,
    failOnUnmapped: settings.failOnUnmapped
  })
}

/** Sync mode: many repositories' history, through the roster and the central ledger, to Moodle. */
async function runSyncMode(
  settings: Settings,
  context: RunContext,
  moodle: MoodleClient | null,
  progress: Progress,
  levels?: LevelsReader
): Promise<RunReport> {
  if (moodle === null) throw new Error('moodle-token is required in sync mode')
  const { runSync } = await import('./sync/run.js')
  return runSync({
    settings,
    context,
    moodle,
    log,
    levels,
    onAwarding: () => (progress.awarding = true)
  })
}
