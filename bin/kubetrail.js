#!/usr/bin/env node
// The installed entry point: a thin shim over the CLI's bundle (dist/cli, from npm run build).
// CommonJS, like the bundle (bin/package.json says so): starting Node's ES module loader
// for this one file would cost a quick command a few milliseconds for nothing.
'use strict';
const { main } = require('../dist/cli/main.cjs');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // main answers every command's own errors; this is what it could not (a command group
    // that failed to load, a native module built for another Node): never exit 0 then.
    process.stderr.write(`kubetrail: internal error: ${err && err.stack ? err.stack : String(err)}\n`);
    process.stderr.write('kubetrail: its installed files may be incomplete or built for another Node.js: rebuild them (npm run build in a checkout) or install kubetrail again\n');
    process.exitCode = 1;
  },
);
