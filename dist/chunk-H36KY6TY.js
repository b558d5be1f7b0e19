import{createRequire as __cr}from"node:module";const require=__cr(import.meta.url);
var i="mapping",s=class extends Error{name="RosterError";file;line;detail;constructor(r,e,n){super(`${r} line ${e}: ${n}`),this.file=r,this.line=e,this.detail=n}},t=class extends Error{name="RosterPathError"};export{i as a,s as b,t as c};
