/**
 * End to end, what the bundle loads: the build leaves out the parts of its libraries that a run
 * never uses (HTTP/2 in undici, `@actions/core`'s OIDC client and shell helpers, `node:crypto`
 * for the outputs' delimiters), and undici itself loads only when a proxy carries the Moodle
 * request. These tests check that those modules stay unloaded on a direct award, and that the
 * outputs' delimiters are still fresh random UUIDs. Timings are measured by `npm run bench`,
 * never here.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { DEMO_TOKEN, MoodleServer } from '../../../test-servers/moodle/server.js'
import { type ActionResult, runAction } from '../../../test-servers/runner/run-action.js'
import { NODE_INTERNAL_UNDICI, recordingBuiltins } from '../../fixtures/builtins.js'

let moodle: MoodleServer

beforeAll(async () => {
  moodle = new MoodleServer()
  await moodle.start()
})

afterAll(async () => {
  await moodle.stop()
})

/** A direct award with the built-ins it loaded. */
async function awardLoading(
  env: Record<string, string> = {}
): Promise<{ result: ActionResult; builtins: string[] }> {
  const recording = recordingBuiltins()
  const result = await directAward({ ...env, ...recording.env })
  return { result, builtins: recording.loaded() }
}

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
    const { result, builtins } = await awardLoading()
    expect(result.code).toBe(0)
    expect(result.results[0]?.['status']).toBe('awarded')
    // The list is real: the Moodle request went over node:net and node:http.
    expect(builtins).toEqual(expect.arrayContaining(['net', 'http']))
    expect(builtins).not.toContain('http2')
    expect(builtins).not.toContain('crypto')
    expect(builtins).not.toContain('child_process')
  })

  it('loads node:http without reading its lazy exports: Node’s own undici stays unloaded', async () => {
    const { result, builtins } = await awardLoading()
    expect(result.results[0]?.['status']).toBe('awarded')
    expect(builtins).toContain('http')
    expect(builtins).not.toContain(NODE_INTERNAL_UNDICI)
  })

  it('loads undici only when the proxy applies to Moodle: not for a direct award, nor one NO_PROXY exempts', async () => {
    // undici loads node:assert, which nothing else on the award's path does: a proxied award
    // (through a proxy that is not there) shows the mark.
    const proxied = await awardLoading({ HTTP_PROXY: 'http://127.0.0.1:9' })
    expect(proxied.result.results[0]?.['status']).toBe('failed')
    expect(proxied.builtins).toContain('assert')

    const direct = await awardLoading()
    const exempt = await awardLoading({ HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: '127.0.0.1' })
    for (const { result, builtins } of [direct, exempt]) {
      expect(result.results[0]?.['status']).toBe('awarded')
      expect(builtins).not.toContain('assert')
    }
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
