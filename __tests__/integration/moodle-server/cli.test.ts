import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultMoodleConfig } from '../../../test-servers/moodle/server.js'

const CLI = 'test-servers/moodle/cli.ts'

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: process.cwd(),
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  const ready = new Promise<Record<string, string>>((resolve, reject) => {
    child.stdout.on('data', () => {
      const vars = Object.fromEntries(
        [...stdout.matchAll(/^(MOODLE_\w+)=(.*)$/gm)].map(m => [m[1] as string, m[2] as string])
      )
      if (vars.MOODLE_URL && vars.MOODLE_TOKEN) resolve(vars)
    })
    void exited.then(code => reject(new Error(`cli exited with ${code}: ${stderr}`)))
  })
  return { child, ready, exited, output: () => ({ stdout, stderr }) }
}

describe('moodle test server cli', () => {
  it('serves the site from --config, prints URL and token, stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moodle-cli-'))
    const config = join(dir, 'site.json')
    writeFileSync(
      config,
      JSON.stringify({
        sitewide: true,
        tokens: [{ token: 'cli-token', userId: 100, functions: ['local_xp_award_points'] }]
      })
    )
    const cli = run(['--config', config])
    const vars = await cli.ready
    expect(vars.MOODLE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(vars.MOODLE_TOKEN).toBe('cli-token')
    const res = await fetch(`${vars.MOODLE_URL}/webservice/rest/server.php`, {
      method: 'POST',
      body: new URLSearchParams({
        wstoken: 'cli-token',
        wsfunction: 'local_xp_award_points',
        moodlewsrestformat: 'json',
        userid: '6',
        points: '3',
        courseid: '77'
      })
    })
    expect(await res.json()).toEqual({ xp: 3 })
    cli.child.kill('SIGTERM')
    expect(await cli.exited).toBe(0)
    expect(cli.output().stderr).toContain('local_xp_award_points -> 200 (applied)')
    expect(cli.output().stderr).not.toContain('cli-token')
  })

  it('refuses a bad --port with a usable message', async () => {
    const cli = run(['--port', 'abc'])
    cli.ready.catch(() => undefined)
    expect(await cli.exited).toBe(2)
    expect(cli.output().stderr).toMatch(/--port must be an integer from 0 to 65535/)
  })

  it('--help describes the options and lists every demo token with its user', async () => {
    const cli = run(['--help'])
    cli.ready.catch(() => undefined)
    expect(await cli.exited).toBe(0)
    const { stdout } = cli.output()
    expect(stdout).toMatch(/^Usage: npm run moodle-server -- \[--port N\] \[--config site\.json\]/)
    const site = defaultMoodleConfig()
    expect(site.tokens.length).toBeGreaterThan(1)
    for (const token of site.tokens) {
      const user = site.users.find(u => u.id === token.userId)
      expect(stdout).toContain(`  ${token.token}\n      ${user?.username} (user ${token.userId})`)
    }
    expect(stdout).not.toContain('MOODLE_URL=')
  })
})
