/**
 * End to end, what the bundle loads: the build leaves out the parts of its libraries that a run
 * never uses (HTTP/2 in undici, `@actions/core`'s OIDC client and shell helpers, `node:crypto`
 * for the outputs' delimiters). These tests check that those built-ins stay unloaded on a direct
 * award, and that the outputs' delimiters are still fresh random UUIDs. Timings are measured by
 * `npm run bench`, never here.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { DEMO_TOKEN, MoodleServer } from '../../../test-servers/moodle/server.js'
import { type ActionResult, runAction } from '../../../test-servers/runner/run-action.js'

/** Writes the built-in modules Node loaded to XP_TEST_BUILTINS when the process exits. */
const RECORD_BUILTINS = `data:text/javascript,${encodeURIComponent(
  "import{writeFileSync}from'node:fs';process.on('exit',()=>writeFileSync(" +
    'process.env.XP_TEST_BUILTINS,JSON.stringify(process.moduleLoadList.filter(' +
    "m=>m.startsWith('NativeModule ')).map(m=>m.slice(13)))))"
)}`

let moodle: MoodleServer

beforeAll(async () => {
  moodle = new MoodleServer()
  await moodle.start()
})

afterAll(async () => {
  await moodle.stop()
})

function directAward(env: Record<string, string> = {}): Promise<ActionResult> {
  return runAction({
    inputs: {
      'moodle-url': moodle.url,
      'moodle-token': DEMO_TOKEN,
      'course-id': '30',
      'user-id': '2',
      ledger: 'off'
    },
    env
  })
}

describe('what a direct award loads', () => {
  it('awards without loading node:http2, node:crypto or node:child_process', async () => {
    const list = join(mkdtempSync(join(tmpdir(), 'xp-builtins-')), 'builtins.json')
    const result = await directAward({
      NODE_OPTIONS: `--import=${RECORD_BUILTINS}`,
      XP_TEST_BUILTINS: list
    })
    expect(result.code).toBe(0)
    expect(result.results[0]?.['status']).toBe('awarded')
    const builtins = JSON.parse(readFileSync(list, 'utf8')) as string[]
    // The list is real: the Moodle request went through undici, over node:net and node:http.
    expect(builtins).toEqual(expect.arrayContaining(['net', 'http']))
    expect(builtins).not.toContain('http2')
    expect(builtins).not.toContain('crypto')
    expect(builtins).not.toContain('child_process')
  })

  it('writes each output between fresh random version-4 UUID delimiters', async () => {
    const runs = [await directAward(), await directAward()]
    const delimiters = runs.flatMap(run =>
      [...run.outputText.matchAll(/^[a-z-]+<<(.*)$/gm)].map(match => match[1])
    )
    expect(runs[0]!.outputs['xp']).toBe(String(moodle.xp(30, 2) - 10))
    expect(delimiters.length).toBeGreaterThanOrEqual(4)
    for (const delimiter of delimiters) {
      expect(delimiter).toMatch(
        /^ghadelimiter_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
      )
    }
    expect(new Set(delimiters).size).toBe(delimiters.length)
  })
})
