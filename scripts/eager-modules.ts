/**
 * A compile hint for the bundle: the function that holds each CommonJS module (esbuild writes
 * `var x = wrap((exports, module) => { ...the module... })`) is wrapped in parentheses.
 *
 * V8 compiles a function lazily: when the chunk is compiled it only pre-parses the function's
 * body, and parses it again when the function first runs. Nearly every module of the main chunk
 * runs at start, so each was parsed twice. A function expression in parentheses is compiled at
 * once instead (V8's heuristic for functions that are called immediately); the parentheses do
 * not change what the code does.
 */
import ts from 'typescript'

/** `code` with every arrow function that is the sole argument of a plain call, in parentheses. */
export function eagerModuleFactories(code: string): string {
  const file = ts.createSourceFile('chunk.js', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS)
  const factories: Array<{ start: number; end: number }> = []
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
      const [only, ...rest] = node.arguments
      if (only && rest.length === 0 && ts.isArrowFunction(only) && only.parameters.length === 2) {
        factories.push({ start: only.getStart(file), end: only.getEnd() })
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  let result = code
  for (const { start, end } of factories.sort((a, b) => b.start - a.start)) {
    result = `${result.slice(0, start)}(${result.slice(start, end)})${result.slice(end)}`
  }
  return result
}
