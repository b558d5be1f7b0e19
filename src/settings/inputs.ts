/**
 * The action's inputs and their defaults, as `action.yml` declares them (empty: required, or no
 * default). The action applies the defaults itself too, so `dist/index.js` run outside the
 * runner behaves the same as inside it.
 */
export const INPUT_DEFAULTS = {
  'moodle-url': '',
  'moodle-token': '',
  'course-id': '',
  points: '10',
  'label-points': '',
  'user-id': '',
  'github-login': '',
  'mapping-file': '',
  mapping: '',
  recipients: 'auto',
  'issue-close-reasons': 'completed',
  'ignore-users': '',
  'fail-on-unmapped': 'false',
  'dry-run': 'false',
  mode: 'award',
  'check-award-user-id': '',
  'github-token': '',
  ledger: 'comment',
  comment: 'true',
  force: 'false',
  'timeout-seconds': '30',
  'allow-http': 'false',
  repositories: '',
  since: '',
  'ledger-branch': 'moodle-xp-ledger',
  concurrency: '4',
  'max-awards': '500',
  'require-approval': 'false',
  shard: '',
  leaderboard: 'off'
} as const

export type InputName = keyof typeof INPUT_DEFAULTS
export type RawInputs = Record<InputName, string>

export const INPUT_NAMES = Object.keys(INPUT_DEFAULTS) as InputName[]

/**
 * Reads every input once, the way the runner passes them (`INPUT_<NAME>`, hyphens kept, upper
 * case), trimmed; an empty input takes its default.
 */
export function readRawInputs(env: NodeJS.ProcessEnv): RawInputs {
  const raw = {} as RawInputs
  for (const name of INPUT_NAMES) {
    const value = (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
    raw[name] = value === '' ? INPUT_DEFAULTS[name] : value
  }
  return raw
}
