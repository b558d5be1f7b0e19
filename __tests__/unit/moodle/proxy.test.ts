import { describe, expect, it } from '@jest/globals'
import { EnvHttpProxyAgent } from '../../../src/moodle/undici.js'
import { proxyFor, proxyFromEnv, type MoodleProxyOptions } from '../../../src/moodle/proxy.js'

describe('proxyFromEnv', () => {
  it('is undefined without a proxy, so requests go straight to Moodle', () => {
    expect(proxyFromEnv({})).toBeUndefined()
    expect(proxyFromEnv({ NO_PROXY: 'moodle.example.edu' })).toBeUndefined()
    expect(proxyFromEnv({ HTTPS_PROXY: '' })).toBeUndefined()
  })

  it('reads upper- and lower-case variables, upper case first', () => {
    expect(
      proxyFromEnv({ HTTPS_PROXY: 'http://p:3128', https_proxy: 'http://q:1', no_proxy: '.edu' })
    ).toEqual({ httpProxy: undefined, httpsProxy: 'http://p:3128', noProxy: '.edu' })
    expect(proxyFromEnv({ http_proxy: 'http://q:8080' })).toEqual({
      httpProxy: 'http://q:8080',
      httpsProxy: undefined,
      noProxy: undefined
    })
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
  let direct = false
  const agent = new EnvHttpProxyAgent({
    httpProxy: options.httpProxy ?? '',
    httpsProxy: options.httpsProxy ?? '',
    noProxy: options.noProxy ?? '',
    connect: (_options, callback) => {
      direct = true
      callback(new Error('a direct connection'), null)
    }
  })
  const { origin, pathname } = new URL(url)
  await agent.request({ origin, path: pathname, method: 'GET' }).catch(() => undefined)
  await agent.close()
  return !direct
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
