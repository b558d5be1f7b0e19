/**
 * Runs the Moodle test server until SIGINT/SIGTERM:
 *   npx tsx test-servers/moodle/cli.ts [--port N] [--config site.json]
 * Prints `MOODLE_URL=http://127.0.0.1:PORT` and `MOODLE_TOKEN=...` (the first token of the
 * site) on stdout, then one line per request on stderr. The JSON config overrides the demo
 * site key by key (see MoodleServerConfig).
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { MoodleServer, type MoodleServerConfig, type RecordedRequest } from './server.js'

function fail(message: string): never {
  console.error(message)
  process.exit(2)
}

function readConfig(path: string | undefined): MoodleServerConfig {
  if (path === undefined) return {}
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    fail(`Cannot read --config ${path}: ${(err as Error).message}. Give the path of a JSON file.`)
  }
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      fail(`--config ${path} must hold a JSON object (MoodleServerConfig), not ${typeof parsed}.`)
    }
    return parsed as MoodleServerConfig
  } catch (err) {
    fail(`--config ${path} is not valid JSON (${(err as Error).message}): fix the file.`)
  }
}

function describe(r: RecordedRequest): string {
  const outcome =
    r.status === 0 ? 'no answer' : `${r.status}${r.errorcode ? ` ${r.errorcode}` : ''}`
  const extras = [r.applied ? 'applied' : '', r.fault ? `fault ${r.fault}` : ''].filter(Boolean)
  return `[moodle] ${r.method} ${r.path} ${r.wsfunction ?? '-'} -> ${outcome}${extras.length ? ` (${extras.join(', ')})` : ''}`
}

async function main(): Promise<void> {
  let values: { port?: string; config?: string }
  try {
    ;({ values } = parseArgs({
      options: { port: { type: 'string' }, config: { type: 'string' } },
      strict: true
    }))
  } catch (err) {
    fail(`${(err as Error).message}. Usage: cli.ts [--port N] [--config file.json]`)
  }
  const port = values.port === undefined ? 0 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail(`--port must be an integer from 0 to 65535 (0 = any free port), got ${values.port}`)
  }
  const server = new MoodleServer(readConfig(values.config))
  server.onRequest = r => console.error(describe(r))
  const url = await server.start(port).catch((err: Error) => fail(err.message))
  console.log(`MOODLE_URL=${url}`)
  console.log(`MOODLE_TOKEN=${server.config.tokens[0]?.token ?? ''}`)
  const shutdown = () => {
    void server.stop().then(() => process.exit(0))
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

void main()
