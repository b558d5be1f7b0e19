/**
 * A Moodle-compatible web service endpoint for tests and demos (never bundled into the action).
 *
 * It answers `{root}/webservice/rest/server.php` as Moodle's REST server does: PHP form
 * parsing, Moodle's order of checks, JSON or XML replies, errors with HTTP 200, error codes and
 * messages from the action's own table (src/moodle/error-codes.ts). See CONTRIBUTING.md.
 * Tests can queue transport faults, read what each request carried and inspect the XP store.
 *
 * Runtime changes: `server.config` is the live site configuration; change it between calls
 * (`server.config.maintenance = true`, `server.config.tokens.push(...)`,
 * `server.config.installedFunctions = [...]`). Each request reads it afresh.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  escapeHtml,
  parseFormEncoded,
  phpJsonEncode,
  phpToJs,
  xmlException,
  xmlResponse
} from './php.js'
import {
  AWARD_FUNCTION,
  type CallResult,
  invalidResponse,
  MoodleSite,
  type MoodleServerConfig,
  type ResolvedMoodleConfig,
  resolveConfig,
  siteMaintenance
} from './site.js'

export {
  ALL_FUNCTIONS,
  AWARD_FUNCTION,
  DEMO_NO_AWARD_TOKEN,
  DEMO_STUDENT_TOKEN,
  DEMO_TOKEN,
  defaultMoodleConfig,
  ENROLLED_USERS_FUNCTION,
  LADDER_FUNCTION,
  LEVELS_INFO_FUNCTION,
  SITE_INFO_FUNCTION,
  USER_STATE_FUNCTION,
  USERS_BY_FIELD_FUNCTION,
  WsException,
  XP_READ_FUNCTIONS
} from './site.js'
export type {
  MoodleCourseConfig,
  MoodleLevelConfig,
  MoodleServerConfig,
  MoodleTokenConfig,
  MoodleUserConfig,
  ResolvedMoodleConfig
} from './site.js'

export const REST_PATH = '/webservice/rest/server.php'

/** Something going wrong around one request; see queueFault. */
export type Fault =
  /** Answer normally after `ms`. */
  | { type: 'delay'; ms: number }
  /** Destroy the socket before anything is applied. */
  | { type: 'close-before-apply' }
  /** Run the call (the award is applied if it succeeds), then destroy the socket unanswered. */
  | { type: 'close-after-apply' }
  /** Run the call, never answer (the socket is released by stop()). */
  | { type: 'hang-after-apply' }
  /** Answer this HTTP status (e.g. 503 + Retry-After, 502, 504, 429); nothing applied. */
  | {
      type: 'http-status'
      status: number
      retryAfter?: string
      body?: string
      contentType?: string
    }
  /** HTTP 403 with an empty body, as when web services or REST are disabled. */
  | { type: 'forbidden-empty' }
  /** An HTML login page (default status 200), as when the URL is not a Moodle site root. */
  | { type: 'html-page'; status?: number }
  /** Moodle's `sitemaintenance` error envelope; nothing applied. */
  | { type: 'sitemaintenance' }
  /** Run the call, then answer `invalidresponse` instead of its result (if it succeeded). */
  | { type: 'invalidresponse-after-apply' }
  /**
   * Run the call (the award is applied if it succeeds), then send another reply instead of its
   * result, as a proxy or firewall that replaces replies does: `body` (default empty) with
   * `status` (default 200) and `contentType` (default none), or with `truncateTo` the real
   * reply cut to that many characters (a connection cut mid-reply, with an honest length).
   */
  | {
      type: 'reply-after-apply'
      status?: number
      contentType?: string
      body?: string
      truncateTo?: number
    }

export interface RecordedRequest {
  method: string
  /** Request path, slashes collapsed. */
  path: string
  wsfunction: string | null
  /** Function parameters after removing wstoken, wsfunction, moodlewsrestformat, moodlewssetting*. */
  params: Record<string, unknown>
  /** The raw `moodlewsrestformat` value. */
  format: string | null
  /** A non-empty `wstoken` was sent (query or body). The token itself is never recorded. */
  tokenPresent: boolean
  /** `wstoken` appeared in the query string (where access logs would see it). */
  tokenInQuery: boolean
  contentType: string | undefined
  /** Points were added by this request. */
  applied: boolean
  /** The fault this request consumed. */
  fault: Fault['type'] | null
  /** HTTP status sent; 0 when no answer was sent (socket closed, hanging). */
  status: number
  /** Moodle errorcode of the reply (or of the result that was never sent). */
  errorcode: string | null
}

interface QueuedFault {
  fault: Fault
  wsfunction?: string
}

const MOODLE_HEADERS = {
  'Cache-Control': 'private, must-revalidate, pre-check=0, post-check=0, max-age=0',
  Expires: 'Thu, 01 Jan 1970 00:00:00 GMT',
  Pragma: 'no-cache',
  'Accept-Ranges': 'none',
  'Access-Control-Allow-Origin': '*'
}

const MAX_BODY_BYTES = 8 * 1024 * 1024

const STATUS_TEXT = (status: number) => http.STATUS_CODES[status] ?? 'Unknown'

function proxyPage(status: number): string {
  const title = `${status} ${STATUS_TEXT(status)}`
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`
}

/** The body as text; 'too-large' past MAX_BODY_BYTES; null when the client went away. */
function readBody(req: IncomingMessage): Promise<string | 'too-large' | null> {
  return new Promise(resolve => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    req.on('end', () =>
      resolve(size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks).toString())
    )
    req.on('error', () => resolve(null))
  })
}

function isFormBody(contentType: string | undefined): boolean {
  return (
    (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded'
  )
}

export class MoodleServer {
  /** Every request in arrival order (pushed on arrival, completed when answered). */
  readonly requests: RecordedRequest[] = []
  /** Called when a request has been answered, closed or left hanging (e.g. for logging). */
  onRequest?: (request: RecordedRequest) => void

  private readonly site: MoodleSite
  private server: http.Server | undefined
  private root: string | undefined
  private faults: QueuedFault[] = []
  private readonly sleepers = new Set<() => void>()
  private readonly hanging = new Set<ServerResponse>()

  /** Missing keys take the demo site's values (see defaultMoodleConfig). */
  constructor(config: MoodleServerConfig = {}) {
    this.site = new MoodleSite(resolveConfig(config))
  }

  /** The live site configuration (mutable). */
  get config(): ResolvedMoodleConfig {
    return this.site.config
  }

  /** The site root, `http://127.0.0.1:PORT`. */
  get url(): string {
    if (this.root === undefined) throw new Error('MoodleServer is not started: call start() first')
    return this.root
  }

  /** Listens on 127.0.0.1 (`port` 0 = a free port) and resolves to the site root URL. */
  async start(port = 0): Promise<string> {
    if (this.server)
      throw new Error(`MoodleServer already listens at ${this.root}: stop() it first`)
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch(() => {
        // A bug here must not kill the test run: answer like a crashed PHP would.
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/html' })
        res.end()
      })
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', err =>
        reject(
          new Error(
            `Cannot listen on 127.0.0.1:${port} (${err.message}): choose another port, or 0 for a free one`
          )
        )
      )
      server.listen(port, '127.0.0.1', () => resolve())
    })
    this.server = server
    this.root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return this.root
  }

  /** Closes the listener and every connection, hanging and delayed ones included. */
  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    this.root = undefined
    for (const wake of this.sleepers) wake()
    this.sleepers.clear()
    for (const res of this.hanging) res.socket?.destroy()
    this.hanging.clear()
    const closed = new Promise<void>(resolve => server.close(() => resolve()))
    server.closeAllConnections()
    await closed
  }

  /** Queues a fault for the next request (for `wsfunction` only, if given). Faults apply in order. */
  queueFault(fault: Fault, opts: { wsfunction?: string } = {}): void {
    if (fault.type === 'http-status' && !(fault.status >= 200 && fault.status <= 599)) {
      throw new Error(`Fault http-status needs a status from 200 to 599, got ${fault.status}`)
    }
    this.faults.push({
      fault,
      ...(opts.wsfunction === undefined ? {} : { wsfunction: opts.wsfunction })
    })
  }

  /** Faults not yet consumed. */
  pendingFaults(): Fault[] {
    return this.faults.map(q => q.fault)
  }

  /** How many requests added points. */
  awardsApplied(): number {
    return this.requests.filter(r => r.applied).length
  }

  /** A user's XP total in a course (any course id maps to 1 in sitewide mode). */
  xp(courseId: number, userId: number): number {
    return this.site.xp(courseId, userId)
  }

  setXp(courseId: number, userId: number, xp: number): void {
    this.site.setXp(courseId, userId, xp)
  }

  requestsFor(wsfunction: string): RecordedRequest[] {
    return this.requests.filter(r => r.wsfunction === wsfunction)
  }

  /** Clears the request log and queued faults; site data and XP stay. */
  reset(): void {
    this.requests.length = 0
    this.faults = []
  }

  private takeFault(wsfunction: string | null): Fault | null {
    const index = this.faults.findIndex(
      q => q.wsfunction === undefined || q.wsfunction === wsfunction
    )
    if (index === -1) return null
    const [queued] = this.faults.splice(index, 1)
    return queued?.fault ?? null
  }

  private sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      const wake = () => {
        clearTimeout(timer)
        this.sleepers.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      this.sleepers.add(wake)
    })
  }

  private finish(rec: RecordedRequest): void {
    this.onRequest?.(rec)
  }

  private send(
    res: ServerResponse,
    rec: RecordedRequest,
    status: number,
    headers: Record<string, string>,
    body: string
  ): void {
    rec.status = status
    res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) })
    res.end(body)
    this.finish(rec)
  }

  private sendHtml(res: ServerResponse, rec: RecordedRequest, status: number, html: string): void {
    this.send(res, rec, status, { 'Content-Type': 'text/html; charset=utf-8' }, html)
  }

  private loginPage(): string {
    const name = escapeHtml(this.config.siteName)
    return (
      `<!DOCTYPE html>\n<html dir="ltr" lang="en" xml:lang="en">\n<head>\n` +
      `<title>Log in to the site | ${name}</title>\n</head>\n<body id="page-login-index">\n` +
      `<h1>${name}</h1>\n<form action="${this.root ?? ''}/login/index.php" method="post" id="login">\n` +
      '<input type="text" name="username" id="username">\n' +
      '<input type="password" name="password" id="password">\n' +
      '<button type="submit" id="loginbtn">Log in</button>\n</form>\n</body>\n</html>\n'
    )
  }

  private sendMoodle(
    res: ServerResponse,
    rec: RecordedRequest,
    json: boolean,
    result: CallResult
  ): void {
    const type = json ? 'application/json; charset=utf-8' : 'application/xml; charset=utf-8'
    let body: string
    if (result.ok) {
      body = json ? phpJsonEncode(result.value) : xmlResponse(result.value)
    } else {
      const { exception, errorcode, message } = result.error
      const debuginfo = this.config.debug ? result.error.debuginfo : undefined
      rec.errorcode = errorcode
      body = json
        ? phpJsonEncode({ exception, errorcode, message, ...(debuginfo ? { debuginfo } : {}) })
        : xmlException(exception, errorcode, message, debuginfo || undefined)
    }
    this.send(res, rec, 200, { ...MOODLE_HEADERS, 'Content-Type': type }, body)
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname.replace(/\/{2,}/g, '/'),
      wsfunction: null,
      params: {},
      format: null,
      tokenPresent: false,
      tokenInQuery: false,
      contentType: req.headers['content-type'],
      applied: false,
      fault: null,
      status: 0,
      errorcode: null
    }
    this.requests.push(rec)
    const body = await readBody(req)
    if (body === null) return this.finish(rec)
    if (body === 'too-large') return this.sendHtml(res, rec, 413, proxyPage(413))

    if (rec.path !== REST_PATH) {
      if (rec.path === '/' || rec.path === '/index.php') {
        const name = escapeHtml(this.config.siteName)
        const page = `<!DOCTYPE html>\n<html lang="en">\n<head><title>${name}</title></head>\n<body id="page-site-index"><h1>${name}</h1></body>\n</html>\n`
        return this.sendHtml(res, rec, 200, page)
      }
      if (rec.path === '/login/index.php') return this.sendHtml(res, rec, 200, this.loginPage())
      const notFound = `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n`
      return this.sendHtml(res, rec, 404, notFound)
    }

    // webservice_rest_server::parse_request: $_GET merged with $_POST, the body winning.
    const query = parseFormEncoded(url.search.slice(1))
    const post =
      req.method === 'POST' && isFormBody(rec.contentType) ? parseFormEncoded(body) : new Map()
    const params = new Map([...query, ...post])
    const take = (key: string) => {
      const value = params.get(key)
      params.delete(key)
      return typeof value === 'string' ? value : null
    }
    const format = take('moodlewsrestformat')
    const token = take('wstoken')
    const wsfunction = take('wsfunction')
    for (const key of [...params.keys()]) if (key.startsWith('moodlewssetting')) params.delete(key)
    const json = format === 'json'
    rec.format = format
    rec.tokenPresent = token !== null && token !== ''
    rec.tokenInQuery = query.has('wstoken')
    rec.wsfunction = wsfunction === '' ? null : wsfunction
    rec.params = Object.fromEntries([...params].map(([k, v]) => [k, phpToJs(v)]))

    const fault = this.takeFault(rec.wsfunction)
    rec.fault = fault?.type ?? null
    switch (fault?.type) {
      case 'delay':
        await this.sleep(fault.ms)
        if (res.destroyed || !this.server) return
        break
      case 'close-before-apply':
        req.socket.destroy()
        return this.finish(rec)
      case 'http-status': {
        const headers: Record<string, string> = {
          'Content-Type': fault.contentType ?? 'text/html; charset=utf-8'
        }
        if (fault.retryAfter !== undefined) headers['Retry-After'] = fault.retryAfter
        const silent = fault.status === 204 || fault.status === 304
        return this.send(
          res,
          rec,
          fault.status,
          headers,
          silent ? '' : (fault.body ?? proxyPage(fault.status))
        )
      }
      case 'forbidden-empty':
        return this.send(res, rec, 403, {}, '')
      case 'html-page':
        return this.sendHtml(res, rec, fault.status ?? 200, this.loginPage())
      case 'sitemaintenance':
        return this.sendMoodle(res, rec, json, {
          ok: false,
          error: siteMaintenance(),
          applied: false
        })
    }

    // webservice/rest/server.php refuses before any parsing when the protocol is off.
    if (!this.config.webservicesEnabled) return this.send(res, rec, 403, {}, '')

    let result = this.site.call({
      token,
      wsfunction: rec.wsfunction,
      params,
      remoteAddress: req.socket.remoteAddress ?? '127.0.0.1',
      siteUrl: this.root ?? ''
    })
    rec.applied = result.applied
    switch (fault?.type) {
      case 'close-after-apply':
        if (!result.ok) rec.errorcode = result.error.errorcode
        req.socket.destroy()
        return this.finish(rec)
      case 'hang-after-apply':
        if (!result.ok) rec.errorcode = result.error.errorcode
        this.hanging.add(res)
        res.on('close', () => this.hanging.delete(res))
        return this.finish(rec)
      case 'reply-after-apply': {
        const real = json && result.ok ? phpJsonEncode(result.value) : ''
        const headers: Record<string, string> =
          fault.contentType === undefined ? {} : { 'Content-Type': fault.contentType }
        const body =
          fault.truncateTo === undefined ? (fault.body ?? '') : real.slice(0, fault.truncateTo)
        return this.send(res, rec, fault.status ?? 200, headers, body)
      }
      case 'invalidresponse-after-apply':
        if (result.ok) {
          const shown = rec.wsfunction === AWARD_FUNCTION ? 'xp => ' : ''
          result = {
            ok: false,
            applied: false,
            error: invalidResponse(
              `${shown}Invalid external api response: the value is "", the server was expecting "int" type`
            )
          }
        }
        break
    }
    this.sendMoodle(res, rec, json, result)
  }
}
