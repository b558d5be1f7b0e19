/**
 * The runner's proxy settings, and whether they apply to Moodle's address. A Moodle request goes
 * through undici's proxy agent when they do, and straight to Moodle over Node's own http when they
 * do not. Both the reading of the variables and the choice of proxy follow undici's
 * EnvHttpProxyAgent, so a runner's settings mean here what they mean to any undici client.
 */

export interface MoodleProxyOptions {
  httpProxy?: string
  httpsProxy?: string
  noProxy?: string
}

/**
 * The proxy settings of a self-hosted runner, read as undici's EnvHttpProxyAgent reads them: the
 * lower-case variable first, and a lower-case variable that is set, even empty, hides its
 * upper-case twin (the Actions toolkit and the runner also look at lower case first). Undefined
 * when no proxy is set, so requests go straight to Moodle.
 */
export function proxyFromEnv(env: NodeJS.ProcessEnv): MoodleProxyOptions | undefined {
  const proxy = {
    httpProxy: env['http_proxy'] ?? env['HTTP_PROXY'],
    httpsProxy: env['https_proxy'] ?? env['HTTPS_PROXY'],
    noProxy: env['no_proxy'] ?? env['NO_PROXY']
  }
  return proxy.httpProxy || proxy.httpsProxy ? proxy : undefined
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 }

/**
 * The proxy that undici 7's EnvHttpProxyAgent sends a request for `url` through, given these
 * settings, or null when it connects directly. Its rules, unchanged: an http address uses
 * `httpProxy`, an https address `httpsProxy` or else `httpProxy`; `noProxy` is a list separated
 * by commas or white space, `*` alone excludes every host, and an entry (a leading `.` or `*.`
 * ignored, an optional `:port`) excludes its host and every subdomain of it, on any port or on
 * the one given (an address without a port has its protocol's default). Pure.
 */
export function proxyFor(url: URL, proxy: MoodleProxyOptions | undefined): string | null {
  const through =
    url.protocol === 'https:' ? proxy?.httpsProxy || proxy?.httpProxy : proxy?.httpProxy
  if (!through) return null
  // The host without its port, brackets of an IPv6 address kept (as the agent compares it).
  const hostname = url.host.replace(/:\d*$/, '').toLowerCase()
  const port = Number.parseInt(url.port, 10) || DEFAULT_PORTS[url.protocol] || 0
  const noProxy = proxy?.noProxy ?? ''
  if (noProxy === '*') return null
  for (const entry of noProxy.split(/[,\s]/)) {
    if (!entry) continue
    const withPort = /^(.+):(\d+)$/.exec(entry)
    const host = (withPort?.[1] ?? entry).replace(/^\*?\./, '').toLowerCase()
    const entryPort = withPort?.[2] ? Number.parseInt(withPort[2], 10) : 0
    if (entryPort && entryPort !== port) continue
    if (hostname === host || hostname.endsWith(`.${host}`)) return null
  }
  return through
}

/** The proxy addresses undici's proxy agent accepts. */
const PROXY_PROTOCOLS = new Set(['http:', 'https:', 'socks:', 'socks5:'])

/**
 * Why the proxy that applies to `url` cannot carry a request (one line, saying what to fix), or
 * null when none applies or it can. Checked before anything is sent: a runner whose proxy
 * variable is not an address fails at once, never half-way through a run. The value is never
 * shown: a proxy address may hold a password.
 */
export function proxyProblem(url: URL, proxy: MoodleProxyOptions | undefined): string | null {
  const through = proxyFor(url, proxy)
  if (through === null) return null
  let protocol: string
  try {
    protocol = new URL(through).protocol
  } catch {
    protocol = ''
  }
  if (PROXY_PROTOCOLS.has(protocol)) return null
  const variable = url.protocol === 'https:' && proxy?.httpsProxy ? 'HTTPS_PROXY' : 'HTTP_PROXY'
  return (
    `the runner's ${variable} (or ${variable.toLowerCase()}), the proxy for ${url.host}, is not ` +
    'a proxy address: give it with its scheme, e.g. http://proxy.example.edu:3128, or list ' +
    `${url.hostname} in NO_PROXY. Nothing was sent`
  )
}
