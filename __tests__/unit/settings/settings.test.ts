import { describe, expect, it } from '@jest/globals'
import { INPUT_DEFAULTS, readRawInputs, type RawInputs } from '../../../src/settings/inputs.js'
import { InputError, parseSettings } from '../../../src/settings/settings.js'

const base: RawInputs = {
  ...INPUT_DEFAULTS,
  'moodle-url': 'https://moodle.example.edu/',
  'moodle-token': 'abc123',
  'course-id': '30'
}
const noFork = { forkPullRequest: false }

function parse(inputs: Partial<RawInputs>, hints = noFork) {
  return parseSettings({ ...base, ...inputs }, hints)
}

function failure(inputs: Partial<RawInputs>, hints = noFork): InputError {
  try {
    parse(inputs, hints)
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError')
}

describe('readRawInputs', () => {
  it('reads INPUT_ variables with hyphens kept, trims them, and applies defaults', () => {
    const raw = readRawInputs({ 'INPUT_MOODLE-URL': ' https://m.example ', INPUT_POINTS: '' })
    expect(raw['moodle-url']).toBe('https://m.example')
    expect(raw.points).toBe('10')
    expect(raw['issue-close-reasons']).toBe('completed')
  })
})

describe('parseSettings', () => {
  it('gives the documented defaults', () => {
    const s = parse({})
    expect(s).toMatchObject({
      moodleEndpoint: 'https://moodle.example.edu/webservice/rest/server.php',
      courseId: 30,
      points: 10,
      recipients: 'auto',
      failOnUnmapped: false,
      dryRun: false,
      mode: 'award',
      ledger: 'comment',
      comment: true,
      force: false,
      timeoutMs: 30000,
      userId: null,
      githubLogin: null,
      checkAwardUserId: null
    })
    expect([...s.issueCloseReasons]).toEqual(['completed'])
  })

  it.each(['0', '-1', '1.5', 'abc', '1000001'])('rejects points %j', points => {
    const error = failure({ points })
    expect(error.input).toBe('points')
    expect(error.message).toMatch(/^Input "points" must be a whole number from 1 to 1000000/)
  })

  it('parses label-points, lower-casing labels, and names the bad line', () => {
    const s = parse({ 'label-points': 'Good First Issue: 5\n# comment\n\n"big: feature": 50' })
    expect([...s.labelPoints]).toEqual([
      ['good first issue', 5],
      ['big: feature', 50]
    ])
    expect(failure({ 'label-points': 'bug: 5\nfeature' }).message).toMatch(/line 2 "feature"/)
    expect(failure({ 'label-points': 'bug: 0' }).input).toBe('label-points')
  })

  it('reads lists: recipients, close reasons, ignore-users', () => {
    const s = parse({
      recipients: 'assignees, author, assignees',
      'issue-close-reasons': 'completed,NOT_PLANNED',
      'ignore-users': '@Teacher, ta-one\nta-two'
    })
    expect(s.recipients).toEqual(['assignees', 'author'])
    expect([...s.issueCloseReasons]).toEqual(['completed', 'not_planned'])
    expect([...s.ignoreUsers]).toEqual(['teacher', 'ta-one', 'ta-two'])
    expect(failure({ recipients: 'reviewers' }).input).toBe('recipients')
    expect(failure({ 'issue-close-reasons': 'reopened' }).input).toBe('issue-close-reasons')
    expect(failure({ 'ignore-users': 'not a login' }).input).toBe('ignore-users')
  })

  it('accepts true/false in any case and nothing else for booleans', () => {
    expect(parse({ 'dry-run': 'TRUE' }).dryRun).toBe(true)
    expect(failure({ 'dry-run': 'yes' }).message).toBe(
      'Input "dry-run" must be true or false, got "yes".'
    )
  })

  it('explains an empty token, with the fork case named', () => {
    expect(failure({ 'moodle-token': '' }).message).toMatch(/secrets\.MOODLE_TOKEN/)
    expect(failure({ 'moodle-token': '' }, { forkPullRequest: true }).message).toMatch(
      /no secrets to workflows triggered by pull_request from a fork; .*pull_request_target/
    )
  })

  it('allows an empty token only in check mode on a fork pull request', () => {
    const fork = { forkPullRequest: true }
    expect(parse({ 'moodle-token': '', mode: 'check' }, fork).moodleToken).toBeNull()
    expect(failure({ 'moodle-token': '', mode: 'check' }).input).toBe('moodle-token')
    expect(failure({ 'moodle-token': '', mode: 'award' }, fork).input).toBe('moodle-token')
  })

  it('needs github-token for the ledger on a pull request or issue event, unless ledger: off', () => {
    const thread = { forkPullRequest: false, threadEvent: true }
    const error = failure({ 'github-token': '' }, thread)
    expect(error.input).toBe('github-token')
    expect(error.message).toMatch(/ledger: comment.*\$\{\{ github\.token \}\}.*ledger: off/)
    expect(parse({ 'github-token': '', ledger: 'off' }, thread).githubToken).toBeNull()
    expect(parse({ 'github-token': '', mode: 'check' }, thread).githubToken).toBeNull()
    // Other events keep no ledger: nothing needs the token.
    expect(parse({ 'github-token': '' }).githubToken).toBeNull()
  })

  it('refuses http to a public host unless allow-http', () => {
    expect(failure({ 'moodle-url': 'http://moodle.example.edu' }).input).toBe('moodle-url')
    expect(
      parse({ 'moodle-url': 'http://moodle.example.edu', 'allow-http': 'true' }).moodleEndpoint
    ).toBe('http://moodle.example.edu/webservice/rest/server.php')
  })

  it('requires course-id: an empty one would silently mean sitewide', () => {
    const error = failure({ 'course-id': '' })
    expect(error.input).toBe('course-id')
    expect(error.message).toMatch(/^Input "course-id" is required: /)
    expect(error.message).toContain('sitewide XP is written course-id: 1')
    expect(parse({ 'course-id': '1' }).courseId).toBe(1)
  })

  it('reads the course id out of a course address pasted into course-id', () => {
    expect(
      failure({ 'course-id': 'https://moodle.example.edu/course/view.php?id=30' }).message
    ).toBe('Input "course-id" is a course address; write only its id: course-id: 30.')
  })

  it('refuses user-id together with github-login, naming both', () => {
    const error = failure({ 'user-id': '5', 'github-login': 'octocat' })
    expect(error.input).toBe('user-id')
    expect(error.message).toMatch(/^Input "user-id" and input "github-login" are both set: /)
    expect(parse({ 'user-id': '5' }).userId).toBe(5)
    expect(parse({ 'github-login': '@octocat' }).githubLogin).toBe('octocat')
  })

  it('takes check-award-user-id in check mode only', () => {
    expect(parse({ mode: 'check', 'check-award-user-id': '6' }).checkAwardUserId).toBe(6)
    const error = failure({ 'check-award-user-id': '6' })
    expect(error.input).toBe('check-award-user-id')
    expect(error.message).toContain('only used with mode: check')
    expect(failure({ mode: 'check', 'check-award-user-id': 'me' }).input).toBe(
      'check-award-user-id'
    )
  })

  it('never quotes the token back', () => {
    const error = failure({ 'moodle-token': 'tok-7f3a 9c' })
    expect(error.message).not.toContain('7f3a')
  })
})

describe('every input error is one sentence that starts with the input', () => {
  const sync = {
    mode: 'sync',
    since: '2026-09-01',
    mapping: 'alice: 2',
    'github-token': 'x',
    repositories: 'classroom/hw1-*'
  }
  // `hints` has a default rather than being a plain third parameter: Jest would take that for a
  // `done` callback on the rows that have two cells, and wait for it.
  it.each<[string, Partial<RawInputs>, { forkPullRequest: boolean }?]>([
    ['points', { points: 'ten' }],
    ['dry-run', { 'dry-run': 'yes' }],
    ['mode', { mode: 'checks' }],
    ['label-points', { 'label-points': 'bug = 5' }],
    ['label-points', { 'label-points': 'bug: 0' }],
    ['recipients', { recipients: 'me' }],
    ['issue-close-reasons', { 'issue-close-reasons': 'done' }],
    ['github-login', { 'github-login': 'a b' }],
    ['ignore-users', { 'ignore-users': 'teacher, a b' }],
    ['course-id', { 'course-id': '' }],
    ['course-id', { 'course-id': 'https://moodle.example.edu/course/view.php?id=30' }],
    ['course-id', { 'course-id': 'Software Engineering' }],
    ['course-id', { 'course-id': '0' }],
    ['user-id', { 'user-id': '5', 'github-login': 'octocat' }],
    ['user-id', { 'user-id': 'bob' }],
    ['check-award-user-id', { 'check-award-user-id': '6' }],
    ['moodle-token', { 'moodle-token': '' }],
    ['moodle-token', { 'moodle-token': '' }, { forkPullRequest: true }],
    ['moodle-token', { 'moodle-token': 'ab c' }],
    ['moodle-url', { 'moodle-url': '' }],
    ['moodle-url', { 'moodle-url': 'moodle.example.edu' }],
    ['moodle-url', { 'moodle-url': 'https://moodle.example.edu/course/view.php?id=30' }],
    ['timeout-seconds', { 'timeout-seconds': '0' }],
    ['ledger-branch', { 'ledger-branch': 'a b' }],
    ['since', { since: '2026-09-01' }],
    ['since', { ...sync, since: '' }],
    ['since', { ...sync, since: '1 September' }],
    ['mapping-file', { ...sync, mapping: '' }],
    ['github-login', { ...sync, 'github-login': 'alice' }],
    ['ledger', { ...sync, ledger: 'off' }],
    ['force', { ...sync, force: 'true' }],
    ['repositories', { ...sync, repositories: 'nope' }],
    ['repositories', { ...sync, repositories: 'classroom/hw*1' }],
    ['shard', { ...sync, shard: '5/4' }],
    ['concurrency', { ...sync, concurrency: '17' }],
    ['github-token', { ...sync, 'github-token': '' }],
    ['leaderboard', { ...sync, leaderboard: 'top10' }],
    ['leaderboard', { mode: 'award', leaderboard: 'issue' }]
  ])('%s: %j', (input, inputs, hints = noFork) => {
    const error = failure(inputs, hints)
    expect(error.input).toBe(input)
    // `Input "name" is ...`, `Input "a" and input "b" are ...`: never `Input "name": ...`.
    expect(error.message).toMatch(
      new RegExp(
        `^Input "${input}"(?: (?:and|or) input "[a-z-]+")? (?:is|are|must|has|lists|names|contains|cannot|uses|points) `
      )
    )
    expect(error.message).not.toMatch(/\bit is\b/)
    expect(error.message.split('\n')).toHaveLength(1)
  })
})
