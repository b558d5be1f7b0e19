/**
 * GitHub's own parser for workflows and action metadata (`@actions/workflow-parser`), loadable
 * on Node 20 and 22. Its JSON imports lack import attributes, so plain `import` fails there:
 * it is bundled once with esbuild into a temporary CommonJS file and loaded from that.
 * Shared by the tests of `action.yml` and of `examples/`.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'

interface ParseResult {
  context: { errors: { getErrors(): Array<{ message: string }> } }
  value: unknown
}

/** An action's metadata as GitHub reads it (the parts the tests look at). */
export interface ActionTemplate {
  name: string
  description: string
  inputs?: Array<{
    id: string
    description?: string
    required?: boolean
    default?: { toString(): string }
  }>
  outputs?: Array<{ id: string; description?: string }>
  runs: { using: string; main?: string }
  branding?: { icon?: string; color?: string }
}

interface Bundle {
  parseWorkflow(file: { name: string; content: string }, trace: unknown): ParseResult
  parseAction(file: { name: string; content: string }, trace: unknown): ParseResult
  convertActionTemplate(context: ParseResult['context'], root: unknown): ActionTemplate
  NoOperationTraceWriter: new () => unknown
}

export interface WorkflowParser {
  /** Error messages for a workflow file (empty when GitHub would accept it). */
  workflowErrors(name: string, content: string): string[]
  /** An action's metadata file (`action.yml`): its errors, and what GitHub reads from it. */
  parseAction(
    name: string,
    content: string
  ): { errors: string[]; template: ActionTemplate | undefined }
}

const ROOT = join(import.meta.dirname, '..')

let loading: Promise<WorkflowParser> | null = null

async function load(): Promise<WorkflowParser> {
  const outfile = join(mkdtempSync(join(tmpdir(), 'workflow-parser-')), 'parser.cjs')
  await build({
    stdin: {
      contents: [
        "export { parseWorkflow, NoOperationTraceWriter } from '@actions/workflow-parser'",
        "export { parseAction, convertActionTemplate } from '@actions/workflow-parser/actions/index'"
      ].join('\n'),
      resolveDir: ROOT,
      loader: 'js'
    },
    bundle: true,
    platform: 'node',
    // CommonJS: the parser's YAML library uses require('process'), which an ESM bundle cannot.
    format: 'cjs',
    outfile,
    logLevel: 'error'
  })
  const bundle = (await import(pathToFileURL(outfile).href)) as Bundle & { default?: Bundle }
  const api: Bundle = bundle.default ?? bundle
  const messages = (result: ParseResult) => result.context.errors.getErrors().map(e => e.message)
  return {
    workflowErrors: (name, content) =>
      messages(api.parseWorkflow({ name, content }, new api.NoOperationTraceWriter())),
    parseAction: (name, content) => {
      const result = api.parseAction({ name, content }, new api.NoOperationTraceWriter())
      const template =
        result.value === undefined
          ? undefined
          : api.convertActionTemplate(result.context, result.value)
      return { errors: messages(result), template }
    }
  }
}

/** Bundles the parser on first use (about a second) and reuses it afterwards. */
export function loadWorkflowParser(): Promise<WorkflowParser> {
  loading ??= load()
  return loading
}
