/**
 * The action, top to bottom: read settings -> plan who earns what from the event -> resolve
 * Moodle users -> consult the ledger -> award -> record -> report.
 */
import { awardAll } from './award/award.js'
import { resolveCandidates } from './award/resolve.js'
import { runCheck } from './check/check.js'
import { planAwards } from './events/plan.js'
import { MoodleClient, proxyFromEnv } from './moodle/client.js'
import { failuresOf, outputsFrom, warningsOf } from './report/outcome.js'
import { awardSummary } from './report/summary.js'
import { readRoster } from './roster/read.js'
import { describeFailure } from './runner/failure.js'
import { annotateError, log, maskSecrets, setOutputs, writeSummary } from './runner/actions.js'
import { isForkPullRequest, readRunContext } from './runner/context.js'
import { readRawInputs } from './settings/inputs.js'
import { parseSettings } from './settings/settings.js'

export async function run(): Promise<void> {
  const raw = readRawInputs(process.env)
  maskSecrets(raw['moodle-token'], raw['github-token'])
  let moodle: MoodleClient | null = null
  let awarding = false
  try {
    const context = readRunContext(process.env)
    const settings = parseSettings(raw, {
      forkPullRequest: isForkPullRequest(context),
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
    if (settings.mode === 'check') {
      await runCheck(settings, context, moodle)
      return
    }
    if (moodle === null) throw new Error('moodle-token is required in award mode')
    if (settings.mode === 'sync') {
      // Sync mode's code loads only in sync mode.
      const { runSync } = await import('./sync/run.js')
      const report = await runSync({
        settings,
        context,
        moodle,
        log,
        onAwarding: () => (awarding = true)
      })
      setOutputs(report.outputs)
      await writeSummary(report.summary)
      for (const warning of report.warnings) log.warning(warning)
      for (const problem of report.problems) annotateError(problem.message)
      return
    }

    const plan = planAwards(context.eventName, context.payload, settings)
    log.info(plan.description)
    const roster = await readRoster(settings, context.workspace, log)
    const candidates = await resolveCandidates(plan, roster, moodle)
    awarding = true
    const { results, notes } = await awardAll(plan, candidates, { settings, context, moodle, log })

    setOutputs(outputsFrom(results))
    await writeSummary(
      awardSummary({
        event: plan.description,
        target: settings.courseId === 1 ? 'sitewide XP (course 1)' : `course ${settings.courseId}`,
        results,
        notes
      })
    )
    for (const warning of warningsOf(results, settings.failOnUnmapped)) log.warning(warning)
    for (const problem of failuresOf(results, settings.failOnUnmapped)) annotateError(problem)
  } catch (error) {
    // Stopped before any award request: nothing was awarded, and the outputs say so.
    if (!awarding) setOutputs(outputsFrom([]))
    const failure = describeFailure(error)
    annotateError(failure.message, failure.where)
  } finally {
    await moodle?.close()
  }
}
