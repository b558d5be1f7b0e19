import { describe, expect, it } from '@jest/globals'
import { moodleEndpoint, MoodleUrlError } from '../../../src/moodle/url.js'

const END = '/webservice/rest/server.php'

/** What `run` throws; fails the test when it throws nothing. */
function thrownBy(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}

describe('moodleEndpoint', () => {
  it('accepts the site root with or without a trailing slash', () => {
    expect(moodleEndpoint('https://moodle.example.edu', false)).toBe(
      `https://moodle.example.edu${END}`
    )
    expect(moodleEndpoint('https://moodle.example.edu/', false)).toBe(
      `https://moodle.example.edu${END}`
    )
    expect(moodleEndpoint('  https://moodle.example.edu//  ', false)).toBe(
      `https://moodle.example.edu${END}`
    )
  })

  it('accepts the full server.php URL as is', () => {
    expect(moodleEndpoint(`https://moodle.example.edu${END}`, false)).toBe(
      `https://moodle.example.edu${END}`
    )
    expect(moodleEndpoint(`https://host.edu/moodle${END}`, false)).toBe(
      `https://host.edu/moodle${END}`
    )
  })

  it('keeps a sub-path and a port', () => {
    expect(moodleEndpoint('https://host.edu/moodle', false)).toBe(`https://host.edu/moodle${END}`)
    expect(moodleEndpoint('https://host.edu:8443/lms/moodle/', false)).toBe(
      `https://host.edu:8443/lms/moodle${END}`
    )
  })

  it('allows http for loopback hosts only', () => {
    expect(moodleEndpoint('http://127.0.0.1:8080', false)).toBe(`http://127.0.0.1:8080${END}`)
    expect(moodleEndpoint('http://127.1.2.3', false)).toBe(`http://127.1.2.3${END}`)
    expect(moodleEndpoint('http://localhost:9000/', false)).toBe(`http://localhost:9000${END}`)
    expect(moodleEndpoint('http://[::1]:9000', false)).toBe(`http://[::1]:9000${END}`)
    expect(() => moodleEndpoint('http://moodle.example.edu', false)).toThrow(/allow-http/)
    expect(() => moodleEndpoint('http://10.0.0.5', false)).toThrow(MoodleUrlError)
    expect(() => moodleEndpoint('http://127.0.0.1.example.com', false)).toThrow(MoodleUrlError)
  })

  it('allows http anywhere with allowHttp', () => {
    expect(moodleEndpoint('http://moodle.example.edu', true)).toBe(
      `http://moodle.example.edu${END}`
    )
  })

  it('refuses other protocols', () => {
    expect(() => moodleEndpoint('ftp://moodle.example.edu', true)).toThrow(/https:\/\//)
    expect(() => moodleEndpoint('moodle.example.edu:8080', false)).toThrow(MoodleUrlError)
  })

  it('refuses garbage and empty input', () => {
    expect(() => moodleEndpoint('not a url', false)).toThrow(/not a URL/)
    expect(() => moodleEndpoint('moodle.example.edu', false)).toThrow(/https:\/\//)
    expect(() => moodleEndpoint('', false)).toThrow(/empty/)
  })

  it('refuses credentials without echoing them', () => {
    const error = thrownBy(() => moodleEndpoint('https://admin:s3cret@moodle.example.edu', false))
    expect(error).toBeInstanceOf(MoodleUrlError)
    const message = (error as Error).message
    expect(message).toMatch(/user name or password/)
    expect(message).not.toContain('s3cret')
  })

  it('refuses a query or fragment without echoing it', () => {
    expect(() => moodleEndpoint(`https://m.edu${END}?wstoken=abc123`, false)).toThrow(/query/)
    expect(() => moodleEndpoint('https://m.edu/?', false)).toThrow(/query/)
    expect(() => moodleEndpoint('https://m.edu/#top', false)).toThrow(/fragment/)
    const error = thrownBy(() => moodleEndpoint(`https://m.edu${END}?wstoken=abc123`, false))
    expect((error as Error).message).not.toContain('abc123')
  })

  it('refuses a page URL other than server.php', () => {
    expect(() => moodleEndpoint('https://m.edu/lms/view.php', false)).toThrow(
      /points at a page \(view\.php\), not the site root/
    )
  })

  it.each([
    [
      'https://m.edu/course/view.php?id=30',
      'is a course page: use https://m.edu as moodle-url and course-id: 30'
    ],
    [
      'https://host.edu/moodle/course/view.php?id=7#section-2',
      'is a course page: use https://host.edu/moodle as moodle-url and course-id: 7'
    ],
    ['https://m.edu/login/index.php', 'is the login page: use the site root https://m.edu'],
    ['https://m.edu/moodle/login', 'is the login page: use the site root https://m.edu/moodle'],
    ['https://m.edu/my/', 'is a page of the site, not its root: use https://m.edu'],
    [
      'https://m.edu/blocks/xp/index.php/log/30?page=2',
      'is a page of the site, not its root: use https://m.edu'
    ],
    [
      'https://m.edu/moodle/index.php',
      "is the front page's file: use the site root https://m.edu/moodle"
    ]
  ])('says what to write instead of the page %s', (input, message) => {
    expect(() => moodleEndpoint(input, false)).toThrow(message)
  })

  it('keeps a course page query out of the message, except the course id', () => {
    expect(() => moodleEndpoint('https://m.edu/course/view.php?id=abc123', false)).toThrow(
      'is a page of the site, not its root: use https://m.edu'
    )
    const error = thrownBy(() =>
      moodleEndpoint('https://m.edu/user/profile.php?id=5&wstoken=s3cret', false)
    )
    expect((error as Error).message).not.toContain('s3cret')
  })

  it('accepts a site root whose path only looks like a folder', () => {
    expect(moodleEndpoint('https://m.edu/course', false)).toBe(`https://m.edu/course${END}`)
  })

  it('leaves the input name to the caller', () => {
    expect(() => moodleEndpoint('ftp://x', false)).not.toThrow(/moodle-url/)
  })
})
