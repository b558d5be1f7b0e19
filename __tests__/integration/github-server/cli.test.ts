import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { DEMO_REPOSITORY, DEMO_TOKENS } from '../../../test-servers/github/cli.js'

/** Starts the command line: the child, its exit, and its output so far. */
function start(args: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test-servers/github/cli.ts', ...args],
    {
      cwd: process.cwd(),
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  const out = { stdout: '', stderr: '' }
  child.stdout.on('data', (c: Buffer) => (out.stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (out.stderr += c.toString()))
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  return { child, exited, out }
}

/** Runs the command line to its end: exit code and output. */
async function runToEnd(args: string[]) {
  const cli = start(args)
  const code = await cli.exited
  return { code, ...cli.out }
}

describe('github stand-in cli', () => {
  it('serves a Classroom course, prints the API URL, repository and tokens, stops on SIGTERM', async () => {
    const { child, exited, out } = start(['--students', '4', '--since', '2026-09-01'])
    const vars = await new Promise<Record<string, string>>((resolve, reject) => {
      child.stdout.on('data', () => {
        const found = Object.fromEntries(
          [...out.stdout.matchAll(/^(\w+)=(.*)$/gm)].map(m => [m[1]!, m[2]!])
        )
        if (found.GITHUB_TOKEN) resolve(found)
      })
      void exited.then(code => reject(new Error(`cli exited with ${code}: ${out.stderr}`)))
    })
    expect(vars).toMatchObject({
      GITHUB_API_URL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      GITHUB_REPOSITORY: 'classroom/course-xp',
      SYNC_REPOSITORIES: 'classroom/hw1-*',
      GITHUB_APP_TOKEN: 'ghs_app'
    })
    const res = await fetch(`${vars.GITHUB_API_URL}/graphql`, {
      method: 'POST',
      headers: { authorization: `bearer ${vars.GITHUB_APP_TOKEN}` },
      body: JSON.stringify({
        query:
          'query { organization(login: "classroom") { repositories(first: 10, orderBy: {field: NAME, direction: ASC}) { nodes { name } } } }'
      })
    })
    const names = (
      (await res.json()) as {
        data: { organization: { repositories: { nodes: Array<{ name: string }> } } }
      }
    ).data.organization.repositories.nodes.map(n => n.name)
    expect(names).toEqual([
      'course-xp',
      'hw1-student001',
      'hw1-student002',
      'hw1-student003',
      'hw1-student004'
    ])
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(out.stderr).toContain('[github] POST /graphql -> 200')
  })

  it('--help describes the options, the demo course and every token, and starts nothing', async () => {
    const { code, stdout } = await runToEnd(['--help'])
    expect(code).toBe(0)
    expect(stdout).toMatch(
      /^Usage: npm run github-server -- \[--port N\] \[--students N\] \[--since ISO-date\] \[--help\]\n/
    )
    for (const option of ['--port N', '--students N', '--since ISO-date', '--help'])
      expect(stdout).toContain(`\n  ${option} `)
    expect(stdout).toContain(DEMO_REPOSITORY)
    expect(stdout).toContain('classroom/hw1-*')
    expect(DEMO_TOKENS.length).toBeGreaterThan(1)
    for (const token of DEMO_TOKENS)
      expect(stdout).toContain(
        `  ${token.token}\n      ${token.purpose}\n      ${token.identity.login}, `
      )
    expect(stdout).not.toContain('GITHUB_API_URL=')
  })

  it('refuses an unknown option with the usage', async () => {
    const { code, stdout, stderr } = await runToEnd(['--nope'])
    expect(code).toBe(2)
    expect(stderr).toContain("Unknown option '--nope'. Usage: npm run github-server -- ")
    expect(stdout).toBe('')
  })
})
