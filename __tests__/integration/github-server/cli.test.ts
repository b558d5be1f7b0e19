import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'

describe('github stand-in cli', () => {
  it('serves a Classroom course, prints the API URL, repository and tokens, stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test-servers/github/cli.ts', '--students', '4', '--since', '2026-09-01'],
      {
        cwd: process.cwd(),
        env: { ...process.env, NODE_OPTIONS: '' },
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
    const vars = await new Promise<Record<string, string>>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString()
        const found = Object.fromEntries(
          [...stdout.matchAll(/^(\w+)=(.*)$/gm)].map(m => [m[1]!, m[2]!])
        )
        if (found.GITHUB_TOKEN) resolve(found)
      })
      void exited.then(code => reject(new Error(`cli exited with ${code}: ${stderr}`)))
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
    expect(stderr).toContain('[github] POST /graphql -> 200')
  })
})
