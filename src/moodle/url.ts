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
  const page = sitePage(url)
  if (page !== null) throw new MoodleUrlError(page)
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
  if (path.toLowerCase().endsWith(SERVER_PATH)) path = path.slice(0, -SERVER_PATH.length)
  return `${url.origin}${path}${SERVER_PATH}`
}

/**
 * Folders at the top of every Moodle site: in a page's address, what comes before the first of
 * them is the site root.
 */
const SITE_FOLDERS = new Set([
  'admin',
  'auth',
  'badges',
  'blocks',
  'calendar',
  'course',
  'enrol',
  'grade',
  'group',
  'local',
  'login',
  'message',
  'mod',
  'my',
  'question',
  'report',
  'user'
])

/**
 * When the URL is a page of the site rather than its root (copied from the browser's address
 * bar): what to write instead. Null for a root or the REST endpoint. Only the origin, the path
 * before the page and a course's numeric id are echoed: a query may hold a secret.
 */
function sitePage(url: URL): string | null {
  const path = url.pathname.replace(/\/+$/, '')
  if (path.toLowerCase().endsWith(SERVER_PATH)) return null
  const segments = path.split('/').filter(segment => segment !== '')
  const folder = segments.findIndex(segment => SITE_FOLDERS.has(segment.toLowerCase()))
  const last = segments.at(-1)?.toLowerCase() ?? ''
  // A .php file anywhere in the path: Moodle pages take slash arguments (.../index.php/log/30).
  const isPage =
    segments.some(segment => segment.toLowerCase().endsWith('.php')) ||
    last === 'login' ||
    last === 'my'
  if (!isPage) return null
  if (folder === -1 && last === 'index.php') {
    return `is the front page's file: use the site root ${[url.origin, ...segments.slice(0, -1)].join('/')}`
  }
  if (folder === -1) {
    return (
      `points at a page (${segments.find(segment => segment.toLowerCase().endsWith('.php'))}), not the site root: ` +
      `give the address of the site's front page, ${EXAMPLE}`
    )
  }
  const root = [url.origin, ...segments.slice(0, folder)].join('/')
  const section = segments[folder]?.toLowerCase()
  const courseId = /^\d+$/.exec(url.searchParams.get('id') ?? '')?.[0]
  if (section === 'course' && last === 'view.php' && courseId !== undefined) {
    return `is a course page: use ${root} as moodle-url and course-id: ${courseId}`
  }
  if (section === 'login') return `is the login page: use the site root ${root}`
  return `is a page of the site, not its root: use ${root}`
}
