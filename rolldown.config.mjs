// The CLI as a bundle (dist/cli/): `npm run build` compiles with tsc first, then this joins
// the compiled modules a command needs into a few chunks, one per command group (they are
// still loaded on demand), so a command line reads a handful of files instead of dozens.
// Dependencies stay in node_modules; worker threads run from dist/src (see src/runtime/paths.ts).
//
// The bundle is CommonJS although the sources are ES modules: a quick answer (`who`) is
// mostly start-up, and Node's ES module loader resolves, links and wraps every import
// (a facade per built-in module, a pre-parse of each CommonJS dependency for its export
// names) where require() just loads. Measured on `who` at 10 M events, median of 21
// alternating runs: 182 ms as ES modules, 161 ms as CommonJS (a bare `node` is 102 ms).
// Every dependency loads with require(); nothing in the sources awaits at top level.
//
// Minified, for the same reason: V8 reads every byte of a chunk before running it (the
// chunks `who` loads are 0.4 MB with comments); measured 168 → 162 ms. The sources and
// their compiled form in dist/src (what the tests and worker threads run) stay readable.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const dependencies = Object.keys(pkg.dependencies ?? {});

export default {
  input: 'dist/src/cli/main.js',
  platform: 'node',
  external: [/^node:/, ...dependencies.map((d) => new RegExp(`^${d.replace(/[/.]/g, '\\$&')}(/|$)`))],
  output: { dir: 'dist/cli', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name]-[hash].cjs', minify: true },
  logLevel: 'warn',
};
