import { describe, expect, it } from '@jest/globals'
import { proxyFromEnv } from '../../../src/moodle/client.js'

describe('proxyFromEnv', () => {
  it('is undefined without a proxy, so requests go straight to Moodle', () => {
    expect(proxyFromEnv({})).toBeUndefined()
    expect(proxyFromEnv({ NO_PROXY: 'moodle.example.edu' })).toBeUndefined()
    expect(proxyFromEnv({ HTTPS_PROXY: '' })).toBeUndefined()
  })

  it('reads upper- and lower-case variables, upper case first', () => {
    expect(
      proxyFromEnv({ HTTPS_PROXY: 'http://p:3128', https_proxy: 'http://q:1', no_proxy: '.edu' })
    ).toEqual({ httpProxy: undefined, httpsProxy: 'http://p:3128', noProxy: '.edu' })
    expect(proxyFromEnv({ http_proxy: 'http://q:8080' })).toEqual({
      httpProxy: 'http://q:8080',
      httpsProxy: undefined,
      noProxy: undefined
    })
  })
})
