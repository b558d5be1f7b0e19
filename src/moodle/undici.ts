/**
 * undici's request path, without the rest of undici. The package's index also builds fetch,
 * WebSocket, caches, cookies and mock agents when it is imported, which on a runner costs more
 * start-up time than the Moodle call itself; the Moodle client's proxied transport needs a proxy
 * agent and `request` (and the tests a plain agent). The modules below are undici's own, put
 * together as its index puts them together.
 */
import type { Dispatcher } from 'undici'
import api from 'undici/lib/api/index.js'
import AgentClass from 'undici/lib/dispatcher/agent.js'
import DispatcherClass from 'undici/lib/dispatcher/dispatcher.js'
import ProxyAgentClass from 'undici/lib/dispatcher/proxy-agent.js'

// As undici's index does: every dispatcher gets `request`, `connect`... The proxy agent opens
// its tunnel with `connect`, so this is needed even though the client only calls `request`.
Object.assign(DispatcherClass.prototype, api)

export const Agent = AgentClass
export const ProxyAgent = ProxyAgentClass

export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path'> & {
  dispatcher: Dispatcher
}

/** undici's `request(url, options)`, for a URL and an explicit dispatcher. */
export function request(url: URL, options: RequestOptions): Promise<Dispatcher.ResponseData> {
  const { dispatcher, ...rest } = options
  return dispatcher.request({ ...rest, origin: url.origin, path: `${url.pathname}${url.search}` })
}
