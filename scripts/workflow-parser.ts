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

interface Bundle {
  parseWorkflow(file: { name: string; content: string }, trace: unknown): ParseResult
  parseAction(file: { name: string; content: string }, trace: unknown): ParseResult
  NoOperationTraceWriter: new () => unknown
}

export interface WorkflowParser {
  /** Error messages for a workflow file (empty when GitHub would accept it). */
  workflowErrors(name: string, content: string): string[]
  /** Error messages for an action's metadata file (`action.yml`). */
  actionErrors(name: string, content: string): string[]
}

const ROOT = join(import.meta.dirname, '..')

let loading: Promise<WorkflowParser> | null = null

async function load(): Promise<WorkflowParser> {
  const outfile = join(mkdtempSync(join(tmpdir(), 'workflow-parser-')), 'parser.cjs')
  await build({
    stdin: {
      contents: [
        "export { parseWorkflow, NoOperationTraceWriter } from '@actions/workflow-parser'",
        "export { parseAction } from '@actions/workflow-parser/actions/action-parser'"
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
    actionErrors: (name, content) =>
      messages(api.parseAction({ name, content }, new api.NoOperationTraceWriter()))
  }
}

/** Bundles the parser on first use (about a second) and reuses it afterwards. */
export function loadWorkflowParser(): Promise<WorkflowParser> {
  loading ??= load()
  return loading
}
