import{createRequire as __cr}from"node:module";const require=__cr(import.meta.url);
import{b as a,c as b,d as c,e as d,f as e}from"./chunk-CUDQKCRO.js";import"./chunk-4HLQRXND.js";import"./chunk-GHHJ3FXC.js";import"./chunk-L23HZQ6K.js";import"./chunk-CCY5WCMX.js";import"./chunk-73NU5E66.js";export{d as GitHub,b as context,c as defaults,e as getOctokitOptions,a as getUserAgentWithOrchestrationId};
