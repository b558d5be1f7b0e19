import type { Roster } from './types.js'

/**
 * The roster from the `mapping-file` and `mapping` inputs, or null when neither is set. The
 * parsers (yaml, csv-parse) load only here, so runs without a roster never pay for them.
 */
export async function readRoster(
  settings: { mappingFile: string | null; mapping: string | null },
  workspace: string,
  log: { info(message: string): void }
): Promise<Roster | null> {
  if (settings.mappingFile === null && settings.mapping === null) return null
  const { loadRoster } = await import('./load.js')
  return loadRoster(settings, workspace, log)
}
