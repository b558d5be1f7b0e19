import { describe, expect, it } from '@jest/globals'
import { eagerModuleFactories } from '../../../scripts/eager-modules.js'

describe('eagerModuleFactories', () => {
  it("puts the functions that hold esbuild's CommonJS modules in parentheses", () => {
    const chunk =
      'var a=A((e,t)=>{"use strict";t.exports=1});var b=A((e,t)=>{t.exports=a()+1});export{b};'
    expect(eagerModuleFactories(chunk)).toBe(
      'var a=A(((e,t)=>{"use strict";t.exports=1}));var b=A(((e,t)=>{t.exports=a()+1}));export{b};'
    )
  })

  it('leaves every other function alone', () => {
    const code = [
      'x.map((a,b)=>a+b)',
      'f(1,(a,b)=>a)',
      'g(a=>a)',
      'h(()=>0)',
      'new P((a,b)=>a(b))',
      'k(function(a,b){return a})'
    ].join(';')
    expect(eagerModuleFactories(code)).toBe(code)
  })

  it('keeps what the code computes', () => {
    const chunk = 'var m=w((e,t)=>{t.exports={n:41}});return m().n+1'
    const wrap = 'var w=f=>{let m;return()=>(m??(m={exports:{}},f(m.exports,m)),m.exports)};'
    const run = (code: string) => new Function(wrap + code)() as number
    expect(run(eagerModuleFactories(chunk))).toBe(run(chunk))
    expect(run(eagerModuleFactories(chunk))).toBe(42)
  })
})
