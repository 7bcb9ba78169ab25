// The CLI as a bundle (dist/cli/): `npm run build` compiles with tsc first, then this joins
// the compiled modules a command needs into a few chunks, one per command group (they are
// still loaded on demand), so a command line reads a handful of files instead of dozens.
// Dependencies stay in node_modules; worker threads run from dist/src (see src/runtime/paths.ts).
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const dependencies = Object.keys(pkg.dependencies ?? {});

export default {
  input: 'dist/src/cli/main.js',
  platform: 'node',
  external: [/^node:/, ...dependencies.map((d) => new RegExp(`^${d.replace(/[/.]/g, '\\$&')}(/|$)`))],
  output: { dir: 'dist/cli', format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
  logLevel: 'warn',
};
