/** A `moodle-url` that cannot be used. The message omits the input's name: the caller adds it. */
export class MoodleUrlError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MoodleUrlError'
  }
}

const SERVER_PATH = '/webservice/rest/server.php'
const EXAMPLE = 'e.g. https://moodle.example.edu'

/** Hosts where plain http never leaves the machine (a local test server, a tunnel). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase()
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  )
}

/**
 * Turns the site root (with or without a trailing slash, also a site in a sub-path such as
 * https://host/moodle) or the full `.../webservice/rest/server.php` URL into the REST endpoint.
 * https only; http for loopback hosts, or anywhere when `allowHttp`.
 */
export function moodleEndpoint(input: string, allowHttp: boolean): string {
  const text = input.trim()
  if (text === '') {
    throw new MoodleUrlError(`is empty: give the Moodle site root, ${EXAMPLE}`)
  }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new MoodleUrlError(`is not a URL: give the Moodle site root with https://, ${EXAMPLE}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    // "moodle.example.edu:8080" parses with the protocol "moodle.example.edu:": same advice.
    throw new MoodleUrlError(
      `must start with https:// (got "${url.protocol}"): give the Moodle site root, ${EXAMPLE}`
    )
  }
  // Not echoed: whatever sits in the credentials or the query may be a secret.
  if (url.username !== '' || url.password !== '') {
    throw new MoodleUrlError(
      'must not contain a user name or password: the token goes in moodle-token, remove "user:password@"'
    )
  }
  if (url.search !== '' || url.hash !== '' || text.includes('?') || text.includes('#')) {
    throw new MoodleUrlError(
      `must not contain a query (?...) or fragment (#...): give the Moodle site root, ${EXAMPLE}`
    )
  }
  if (url.protocol === 'http:' && !allowHttp && !isLoopbackHost(url.hostname)) {
    throw new MoodleUrlError(
      `uses plain http for ${url.host}, which would send the token unencrypted: use https://, ` +
        'or set allow-http: true if this network is trusted'
    )
  }
  let path = url.pathname.replace(/\/+$/, '')
  if (path.toLowerCase().endsWith(SERVER_PATH)) {
    path = path.slice(0, -SERVER_PATH.length)
  } else if (/\.php$/i.test(path)) {
    throw new MoodleUrlError(
      `points at a page (${path.slice(path.lastIndexOf('/') + 1)}), not the site root: ` +
        `give the address of the site's front page, ${EXAMPLE}`
    )
  }
  return `${url.origin}${path}${SERVER_PATH}`
}
