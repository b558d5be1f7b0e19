import{createRequire as __cr}from"node:module";const require=__cr(import.meta.url);
import{a as t,e as o,f as n}from"./chunk-CUDQKCRO.js";import"./chunk-4HLQRXND.js";import"./chunk-GHHJ3FXC.js";import"./chunk-L23HZQ6K.js";import"./chunk-CCY5WCMX.js";import"./chunk-73NU5E66.js";var x=new t;function s(e,i,...r){let c=o.plugin(...r);return new c(n(e,i))}export{x as context,s as getOctokit};
