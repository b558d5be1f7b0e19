/**
 * What every workflow the project shows a teacher (examples/, the README, docs/) must do beyond
 * passing the linters: the current checkout, one file checked out as one file, no expression
 * inside a script, one run at a time per pull request or issue, and never pull request code
 * where secrets are.
 */
import type { Workflow, WorkflowStep } from '../../../scripts/actionlint.js'

/** The action as the examples name it. */
export const ACTION_REF = /^OWNER\/REPO@v1$/

/** The current major version of actions/checkout. */
export const CHECKOUT = 'actions/checkout@v7'

/** The concurrency group: pull requests and issues share one number space per repository. */
export const CONCURRENCY_GROUP =
  'moodle-xp-${{ github.event.pull_request.number || github.event.issue.number }}'

const steps = (wf: Workflow): WorkflowStep[] => Object.values(wf.jobs).flatMap(job => job.steps)

/** The problems of `wf` against the rules above; empty when it keeps them all. */
export function workflowRuleProblems(wf: Workflow & { concurrency?: unknown }): string[] {
  const problems: string[] = []
  const all = steps(wf)
  for (const step of all) {
    if ((step.run ?? '').includes('${{')) {
      problems.push(`a run: script holds \${{ }}; pass the value through env: (${step.run})`)
    }
    const uses = step.uses ?? ''
    if (uses.startsWith('actions/checkout@') && uses !== CHECKOUT) {
      problems.push(`${uses}: use ${CHECKOUT}`)
    }
    if (uses.startsWith('actions/checkout@') && step.with?.['sparse-checkout'] !== undefined) {
      if (step.with['sparse-checkout-cone-mode'] !== false) {
        problems.push(
          'a sparse checkout of files needs sparse-checkout-cone-mode: false (cone mode takes every root file)'
        )
      }
    }
  }
  const on = wf.on
  const underTarget = 'pull_request_target' in on
  for (const options of underTarget ? all.map(step => step.with ?? {}) : []) {
    if (/head|merge|pull/.test(String(options.ref ?? ''))) {
      problems.push(`pull_request_target with a checkout of pull request code (${options.ref})`)
    }
    if (String(options.repository ?? '') !== '') {
      problems.push(`pull_request_target with a checkout of another repository`)
    }
  }
  const awards = all.some(s => ACTION_REF.test(s.uses ?? '') && s.with?.mode !== 'check')
  const onThreads = 'pull_request' in on || underTarget || 'issues' in on
  if (awards && onThreads) {
    const group = (wf.concurrency as { group?: string } | undefined)?.group
    if (group !== CONCURRENCY_GROUP) {
      problems.push(
        `an award on pull requests or issues needs concurrency.group: ${CONCURRENCY_GROUP}`
      )
    }
  }
  return problems
}
