/**
 * GitHub's rate-limit answers, as its REST and GraphQL docs describe them:
 * - primary limit, REST: 403 or 429 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`
 *   (epoch seconds when the window resets);
 * - primary limit, GraphQL: HTTP 200 with an error of type RATE_LIMITED and the same headers;
 * - secondary limit: 403 or 429 whose message says "secondary rate limit", with `retry-after`
 *   (seconds to wait).
 */
import type { Answer } from './graphql.js'

const REST_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api'

/** The primary-limit answer; `status` 200 gives GraphQL's form. */
export function primaryLimit(status: number, resetInSeconds = 1): Answer {
  const message = 'API rate limit exceeded for installation ID 1.'
  const headers = {
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + resetInSeconds)
  }
  if (status === 200)
    return { status, body: { errors: [{ type: 'RATE_LIMITED', message }] }, headers }
  return { status, body: { message, documentation_url: REST_DOCS }, headers }
}

/** The secondary-limit answer (403 or 429) asking to wait `retryAfter` seconds. */
export function secondaryLimit(status: number, retryAfter = 1): Answer {
  return {
    status,
    body: {
      message:
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try ' +
        'again. If you reach out to GitHub Support for help, please include the request ID ' +
        'F00D:CAFE:1:2:3.',
      documentation_url: `${REST_DOCS}#about-secondary-rate-limits`
    },
    headers: { 'retry-after': String(retryAfter) }
  }
}
