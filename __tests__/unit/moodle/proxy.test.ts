import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { EnvHttpProxyAgent } from 'undici'
import {
  proxyFor,
  proxyFromEnv,
  proxyProblem,
  type MoodleProxyOptions
} from '../../../src/moodle/proxy.js'
import { onRawRequest, startRawServer, type RawServer } from './server.js'

/**
 * Where undici's EnvHttpProxyAgent, reading the environment `env` itself, sends a request for
 * `url`: 'direct', or the name of the proxy (a raw server here) that got the connection.
 */
async function undiciRoute(
  url: string,
  env: Record<string, string>,
  proxies: Record<string, RawServer>
): Promise<string> {
  const names = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY']
  const saved = names.map(name => [name, process.env[name]] as const)
  const before = Object.fromEntries(
    Object.entries(proxies).map(([name, proxy]) => [name, proxy.connections()])
  )
  let direct: boolean
  try {
    for (const name of names) delete process.env[name]
    Object.assign(process.env, env)
    direct = await undiciGoesDirect(url)
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
  const used = Object.entries(proxies).filter(([name, p]) => p.connections() > before[name]!)
  return direct ? 'direct' : used.map(([name]) => name).join(',')
}

describe('proxyFromEnv reads the variables as undici’s EnvHttpProxyAgent does', () => {
  let proxies: Record<string, RawServer>
  /** The name of the proxy at `address`, or 'direct'. */
  let nameOf: (address: string | null) => string

  beforeAll(async () => {
    // Each proxy refuses the tunnel: the request fails at once, and the route is known.
    const refuse = (socket: Socket) =>
      onRawRequest(socket, () => socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n'))
    proxies = { A: await startRawServer(refuse), B: await startRawServer(refuse) }
    nameOf = address =>
      address === null
        ? 'direct'
        : (Object.entries(proxies).find(([, p]) => address === url(p))?.[0] ?? address)
  })
  afterAll(async () => {
    for (const proxy of Object.values(proxies)) await proxy.close()
  })
  const url = (proxy: RawServer) => `http://127.0.0.1:${proxy.port}`

  const cases: [string, (a: string, b: string) => Record<string, string>][] = [
    ['upper case alone', a => ({ HTTP_PROXY: a, HTTPS_PROXY: a })],
    ['lower case alone', a => ({ http_proxy: a, https_proxy: a })],
    ['lower case before upper case', (a, b) => ({ http_proxy: a, HTTP_PROXY: b })],
    ['lower case before upper case, https', (a, b) => ({ https_proxy: a, HTTPS_PROXY: b })],
    ['an empty lower case hides upper case', (a, b) => ({ https_proxy: '', HTTPS_PROXY: b })],
    [
      'an empty https_proxy falls back to HTTP_PROXY',
      (a, b) => ({ https_proxy: '', HTTPS_PROXY: b, HTTP_PROXY: a })
    ],
    ['HTTP_PROXY only, for both schemes', a => ({ HTTP_PROXY: a })],
    ['HTTPS_PROXY only, for https alone', (_a, b) => ({ HTTPS_PROXY: b })],
    ['NO_PROXY', a => ({ HTTP_PROXY: a, NO_PROXY: 'moodle.example.edu' })],
    ['no_proxy', a => ({ HTTP_PROXY: a, no_proxy: '.example.edu' })],
    [
      'no_proxy before NO_PROXY',
      a => ({ HTTP_PROXY: a, no_proxy: 'moodle.example.edu', NO_PROXY: 'other.edu' })
    ],
    [
      'an empty no_proxy hides NO_PROXY',
      a => ({ HTTP_PROXY: a, no_proxy: '', NO_PROXY: 'moodle.example.edu' })
    ],
    ['NO_PROXY alone is no proxy', () => ({ NO_PROXY: 'other.edu' })]
  ]

  it.each(cases)('%s', async (_name, envOf) => {
    const env = envOf(url(proxies['A']!), url(proxies['B']!))
    for (const moodle of ['http://moodle.example.edu/', 'https://moodle.example.edu/']) {
      const ours = nameOf(proxyFor(new URL(moodle), proxyFromEnv(env)))
      expect(`${moodle}: ${ours}`).toBe(`${moodle}: ${await undiciRoute(moodle, env, proxies)}`)
    }
  })

  it('is undefined without a proxy, so requests go straight to Moodle', () => {
    expect(proxyFromEnv({})).toBeUndefined()
    expect(proxyFromEnv({ NO_PROXY: 'moodle.example.edu' })).toBeUndefined()
    expect(proxyFromEnv({ HTTPS_PROXY: '' })).toBeUndefined()
    expect(proxyFromEnv({ http_proxy: '', HTTP_PROXY: 'http://p:3128' })).toBeUndefined()
  })
})

/** A proxy address where nothing listens: a request undici sends through it fails at once. */
const PROXY = 'http://127.0.0.1:9'

/**
 * Whether undici's EnvHttpProxyAgent, given these settings, sends a request for `url` through the
 * proxy: a direct request reaches the agent's own `connect` (which records it and stops there),
 * a proxied one goes to the proxy instead.
 */
async function undiciUsesProxy(url: string, options: MoodleProxyOptions): Promise<boolean> {
  return !(await undiciGoesDirect(url, {
    httpProxy: options.httpProxy ?? '',
    httpsProxy: options.httpsProxy ?? '',
    noProxy: options.noProxy ?? ''
  }))
}

/**
 * Whether undici's EnvHttpProxyAgent, made with `options` (what they leave out read from the
 * environment), connects straight to `url`'s host: a direct request reaches the agent's own
 * `connect` (which records it and stops there), a proxied one goes to a proxy instead.
 */
async function undiciGoesDirect(
  url: string,
  options: EnvHttpProxyAgent.Options = {}
): Promise<boolean> {
  let direct = false
  const agent = new EnvHttpProxyAgent({
    ...options,
    connect: (_options, callback) => {
      direct = true
      callback(new Error('a direct connection'), null)
    }
  })
  const { origin, pathname } = new URL(url)
  await agent.request({ origin, path: pathname, method: 'GET' }).catch(() => undefined)
  await agent.close()
  return direct
}

describe('proxyFor decides as undici’s EnvHttpProxyAgent, which carries proxied requests', () => {
  const host = 'https://moodle.example.edu/webservice/rest/server.php'
  const cases: [string, MoodleProxyOptions, 'proxy' | 'direct'][] = [
    [host, { httpsProxy: PROXY }, 'proxy'],
    [host, { httpProxy: PROXY }, 'proxy'], // https falls back to HTTP_PROXY
    ['http://moodle.example.edu/', { httpsProxy: PROXY }, 'direct'], // http uses HTTP_PROXY only
    ['http://moodle.example.edu/', { httpProxy: PROXY }, 'proxy'],
    [host, { httpsProxy: PROXY, noProxy: '' }, 'proxy'],
    [host, { httpsProxy: PROXY, noProxy: 'moodle.example.edu' }, 'direct'],
    [host, { httpsProxy: PROXY, noProxy: 'MOODLE.Example.edu' }, 'direct'],
    [host, { httpsProxy: PROXY, noProxy: 'example.edu' }, 'direct'], // subdomains too
    [host, { httpsProxy: PROXY, noProxy: '.example.edu' }, 'direct'],
    [host, { httpsProxy: PROXY, noProxy: '*.example.edu' }, 'direct'],
    [host, { httpsProxy: PROXY, noProxy: 'ample.edu' }, 'proxy'], // not a suffix at a dot
    [host, { httpsProxy: PROXY, noProxy: 'other.edu' }, 'proxy'],
    [host, { httpsProxy: PROXY, noProxy: 'other.edu, moodle.example.edu' }, 'direct'],
    [host, { httpsProxy: PROXY, noProxy: 'other.edu moodle.example.edu' }, 'direct'],
    [host, { httpsProxy: PROXY, noProxy: ',,moodle.example.edu,' }, 'direct'],
    [host, { httpsProxy: PROXY, noProxy: 'moodle.example.edu:443' }, 'direct'], // default port
    [host, { httpsProxy: PROXY, noProxy: 'moodle.example.edu:8443' }, 'proxy'],
    [
      'https://moodle.example.edu:8443/',
      { httpsProxy: PROXY, noProxy: 'moodle.example.edu:8443' },
      'direct'
    ],
    [
      'https://moodle.example.edu:8443/',
      { httpsProxy: PROXY, noProxy: 'moodle.example.edu' },
      'direct'
    ],
    [host, { httpsProxy: PROXY, noProxy: '*' }, 'direct'],
    [host, { httpsProxy: PROXY, noProxy: '*,other.edu' }, 'proxy'], // `*` only alone
    ['http://127.0.0.1:8080/', { httpProxy: PROXY, noProxy: '127.0.0.1' }, 'direct'],
    ['http://127.0.0.1:8080/', { httpProxy: PROXY, noProxy: '127.0.0.1:80' }, 'proxy'],
    ['http://127.0.0.1/', { httpProxy: PROXY, noProxy: '127.0.0.1:80' }, 'direct'],
    ['http://127.0.0.1:8080/', { httpProxy: PROXY, noProxy: '127.0.0.2' }, 'proxy'],
    ['http://[::1]:8080/', { httpProxy: PROXY, noProxy: '[::1]' }, 'direct'],
    ['http://[::1]:8080/', { httpProxy: PROXY, noProxy: '[::1]:8080' }, 'direct'],
    ['http://[::1]:8080/', { httpProxy: PROXY, noProxy: '::1' }, 'proxy'] // as undici reads it
  ]

  it.each(cases)('%s with %j: %s', async (url, options, expected) => {
    expect(proxyFor(new URL(url), options) === null ? 'direct' : 'proxy').toBe(expected)
    expect((await undiciUsesProxy(url, options)) ? 'proxy' : 'direct').toBe(expected)
  })

  it('names the proxy to use: HTTPS_PROXY for https, else HTTP_PROXY', () => {
    const both = { httpProxy: 'http://plain:3128', httpsProxy: 'http://secure:3128' }
    expect(proxyFor(new URL(host), both)).toBe('http://secure:3128')
    expect(proxyFor(new URL('http://moodle.example.edu/'), both)).toBe('http://plain:3128')
    expect(proxyFor(new URL(host), undefined)).toBeNull()
  })
})

describe('proxyProblem: a proxy that applies must be an address, checked before anything is sent', () => {
  const https = new URL('https://moodle.example.edu/webservice/rest/server.php')
  const http = new URL('http://127.0.0.1:8080/webservice/rest/server.php')

  it.each([
    'http://proxy.example.edu:3128',
    'https://proxy.example.edu',
    'http://user:secret@proxy.example.edu:3128',
    'socks5://127.0.0.1:1080'
  ])('%s is an address', proxy => {
    expect(proxyProblem(https, { httpsProxy: proxy })).toBeNull()
  })

  it.each(['proxy.example.edu:3128', '127.0.0.1:3128', 'not a url', 'ftp://proxy.example.edu'])(
    '%s is not: the message names the variable and the fix, never the value',
    proxy => {
      const problem = proxyProblem(https, { httpsProxy: proxy })
      expect(problem).toMatch(
        /^the runner's HTTPS_PROXY \(or https_proxy\), the proxy for moodle\.example\.edu, is not a proxy address: give it with its scheme, e\.g\. http:\/\/proxy\.example\.edu:3128, or list moodle\.example\.edu in NO_PROXY\. Nothing was sent$/
      )
    }
  )

  it('names HTTP_PROXY where that is the proxy used (an http address, or no HTTPS_PROXY)', () => {
    expect(proxyProblem(http, { httpProxy: 'p:1', httpsProxy: 'http://ok:1' })).toMatch(
      /^the runner's HTTP_PROXY \(or http_proxy\), the proxy for 127\.0\.0\.1:8080,/
    )
    expect(proxyProblem(https, { httpProxy: 'p:1' })).toMatch(/^the runner's HTTP_PROXY /)
  })

  it('a proxy that does not apply to Moodle is not checked', () => {
    expect(proxyProblem(https, { httpsProxy: 'p:1', noProxy: 'moodle.example.edu' })).toBeNull()
    expect(proxyProblem(http, { httpsProxy: 'p:1' })).toBeNull()
    expect(proxyProblem(https, { httpProxy: 'p:1', httpsProxy: 'http://ok:1' })).toBeNull()
    expect(proxyProblem(https, undefined)).toBeNull()
  })

  it('a password in the address is never shown', () => {
    expect(proxyProblem(https, { httpsProxy: 'user:secret@proxy:3128' })).not.toContain('secret')
  })
})
