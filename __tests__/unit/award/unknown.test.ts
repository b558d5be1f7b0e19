import { describe, expect, it } from '@jest/globals'
import { unknownAwardReason } from '../../../src/award/unknown.js'
import {
  AWARD_FUNCTION,
  classifyNetworkError,
  classifyReply,
  type MoodleError,
  type ReplyInput
} from '../../../src/moodle/errors.js'

function replyError(over: Partial<ReplyInput>): MoodleError {
  const reply = classifyReply({
    status: 200,
    contentType: 'application/json',
    body: '',
    retryAfter: null,
    wsfunction: AWARD_FUNCTION,
    ...over
  })
  if (reply.ok) throw new Error('expected a failure')
  return reply.error
}

/** Real errors of awards whose outcome is unknown, as the client builds them. */
const errors = {
  'an unknown error code': replyError({
    body: JSON.stringify({
      exception: 'moodle_exception',
      errorcode: 'xpnotenabled',
      message: 'Level Up XP is not enabled in this course.'
    })
  }),
  'a timeout after sending': classifyNetworkError({
    code: 'TIMEOUT',
    sent: true,
    wsfunction: AWARD_FUNCTION,
    host: 'moodle.example.edu',
    timeoutMs: 30_000
  }),
  'a login page': replyError({
    contentType: 'text/html',
    body: '<html><body id="page-login-index"></body></html>'
  })
}

describe('unknownAwardReason', () => {
  it.each(Object.entries(errors))(
    'for %s: the cause, then the ledger’s advice once, in one sentence',
    (_name, error) => {
      const reason = unknownAwardReason(error, '4242')
      expect(reason.match(/check the student's XP log/g)).toHaveLength(1)
      expect(reason).toContain('MOODLE_XP_FORCE_RUN to 4242')
      expect(reason).not.toContain('; then ')
      expect(reason).not.toMatch(/\., /)
      expect(reason).toMatch(
        /; the points (may have been added|were most likely not added, but .*): check the student's XP log/
      )
    }
  )

  it('keeps the error code’s text as part of the sentence', () => {
    expect(unknownAwardReason(errors['an unknown error code'], '1')).toContain(
      'Moodle raised "xpnotenabled" (Level Up XP is not enabled in this course), an error code not known to come before the points are added; the points may have been added: check'
    )
  })

  it('keeps the diagnosis of a reply that is not Moodle’s, and what it means for the points', () => {
    expect(unknownAwardReason(errors['a login page'], '1')).toContain(
      "this looks like Moodle's login page: moodle-url must be the Moodle site root; the points were most likely not added, but a reply that is not Moodle's own cannot prove it: check"
    )
  })
})
