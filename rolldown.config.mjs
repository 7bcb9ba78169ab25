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
//
// Two dependencies every command loads are joined into the bundle too (they stay
// dependencies, and nothing else of them changes): commander, whose six files and
// node:child_process (loaded by commander for subcommands run as separate programs, which
// kubetrail has none of; here it loads when first used) took ~12 ms of every start, and
// better-sqlite3's JavaScript (~7 ms in a dozen files; its native addon is loaded by path,
// see src/store/sqlite/native.ts). The rest stay in node_modules.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const BUNDLED = ['commander', 'better-sqlite3'];
const dependencies = [...Object.keys(pkg.dependencies ?? {}).filter((d) => !BUNDLED.includes(d)), 'bindings'];

/** node:child_process for the bundled commander: required when first used, not at start. */
const lazyChildProcess = {
  name: 'kubetrail-lazy-child-process',
  resolveId(id, importer) {
    if ((id === 'node:child_process' || id === 'child_process') && importer?.includes('/node_modules/commander/')) return '\0lazy-child-process';
    return null;
  },
  load(id) {
    if (id !== '\0lazy-child-process') return null;
    return "let real; module.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });";
  },
};

export default {
  input: 'dist/src/cli/main.js',
  platform: 'node',
  plugins: [lazyChildProcess],
  external: (id, importer) => {
    if (id === '\0lazy-child-process') return false;
    if (/^node:/.test(id)) return !(id === 'node:child_process' && importer?.includes('/node_modules/commander/'));
    return dependencies.some((d) => id === d || id.startsWith(`${d}/`));
  },
  output: { dir: 'dist/cli', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name]-[hash].cjs', minify: true },
  logLevel: 'warn',
};
