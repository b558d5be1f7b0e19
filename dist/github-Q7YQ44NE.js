import{createRequire as __cr}from"node:module";const require=__cr(import.meta.url);
import{a as t,e as o,f as n}from"./chunk-6Q2EM5RA.js";import"./chunk-WNQQOHAH.js";import"./chunk-GHHJ3FXC.js";import"./chunk-CCY5WCMX.js";import"./chunk-73NU5E66.js";var x=new t;function s(e,i,...r){let c=o.plugin(...r);return new c(n(e,i))}export{x as context,s as getOctokit};
