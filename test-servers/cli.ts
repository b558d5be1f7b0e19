/**
 * What the two test servers' command lines share: options with `--help`, the port, failing with
 * the usage, and stopping on Ctrl+C.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'

export function fail(message: string): never {
  console.error(message)
  process.exit(2)
}

/**
 * The values of the string options `names` and of `--port`, or null after printing the help
 * (`--help`, `-h`); an unknown option fails with the usage.
 */
export function readOptions<N extends string>(
  names: readonly N[],
  usage: string,
  helpText: () => string
): Partial<Record<N | 'port', string>> | null {
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } }
  for (const name of [...names, 'port']) options[name] = { type: 'string' }
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>
  try {
    ;({ values } = parseArgs({ options, strict: true }))
  } catch (err) {
    fail(`${(err as Error).message}. ${usage}`)
  }
  if (values.help === true) {
    process.stdout.write(helpText())
    return null
  }
  return values as Partial<Record<N | 'port', string>>
}

/** `--port`: 0 (any free port) when not given. */
export function portOption(value: string | undefined): number {
  const port = value === undefined ? 0 : Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`--port must be an integer from 0 to 65535 (0 = any free port), got ${value}`)
  return port
}

/** Stops the server on Ctrl+C or SIGTERM, then exits. */
export function stopOnSignal(stop: () => Promise<void>): void {
  const shutdown = () => {
    void stop().then(() => process.exit(0))
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}
