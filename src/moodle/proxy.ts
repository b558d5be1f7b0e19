/**
 * The runner's proxy settings, and whether they apply to Moodle's address. A Moodle request goes
 * through undici's EnvHttpProxyAgent when they do, and straight to Moodle over Node's own http
 * when they do not; `proxyFor` decides by the agent's own rules, so the two never disagree about
 * which requests the proxy must see.
 */

export interface MoodleProxyOptions {
  httpProxy?: string
  httpsProxy?: string
  noProxy?: string
}

/**
 * The proxy settings of a self-hosted runner, read as the Actions toolkit reads them (upper or
 * lower case); undefined when no proxy is set, so requests go straight to Moodle.
 */
export function proxyFromEnv(env: NodeJS.ProcessEnv): MoodleProxyOptions | undefined {
  const read = (name: string) => env[name] || env[name.toLowerCase()] || undefined
  const proxy = {
    httpProxy: read('HTTP_PROXY'),
    httpsProxy: read('HTTPS_PROXY'),
    noProxy: read('NO_PROXY')
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
