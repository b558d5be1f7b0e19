import { describe, expect, it } from '@jest/globals'
import { unknownAwardReason } from '../../../src/award/unknown.js'
import { AWARD_FUNCTION, classifyNetworkError, classifyReply } from '../../../src/moodle/errors.js'

/** Real messages of awards whose outcome is unknown, as the client builds them. */
const messages = {
  'an unknown error code': (() => {
    const reply = classifyReply({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({
        exception: 'moodle_exception',
        errorcode: 'xpnotenabled',
        message: 'Level Up XP is not enabled in this course.'
      }),
      retryAfter: null,
      wsfunction: AWARD_FUNCTION
    })
    if (reply.ok) throw new Error('expected a failure')
    return reply.error.message
  })(),
  'a timeout after sending': classifyNetworkError({
    code: 'TIMEOUT',
    sent: true,
    wsfunction: AWARD_FUNCTION,
    host: 'moodle.example.edu',
    timeoutMs: 30_000
  }).message
}

describe('unknownAwardReason', () => {
  it.each(Object.entries(messages))(
    'for %s: the cause, then the ledger’s advice once, in one sentence',
    (_name, message) => {
      const reason = unknownAwardReason(message, '4242')
      expect(reason.match(/check the student's XP log/g)).toHaveLength(1)
      expect(reason).toContain('MOODLE_XP_FORCE_RUN to 4242')
      expect(reason).not.toContain('; then ')
      expect(reason).not.toMatch(/\., /)
      expect(reason).toMatch(/; the points may have been added: check the student's XP log/)
    }
  )

  it('keeps the error code’s text as part of the sentence', () => {
    expect(unknownAwardReason(messages['an unknown error code'], '1')).toContain(
      'Moodle raised "xpnotenabled": Level Up XP is not enabled in this course, an error that may come after'
    )
  })

  it('appends the advice to a message without the general advice', () => {
    expect(unknownAwardReason('Moodle local_xp_award_points: something odd', '7')).toMatch(
      /^Moodle local_xp_award_points: something odd; the points may have been added: check/
    )
  })
})
