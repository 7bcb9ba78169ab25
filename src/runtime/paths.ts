/**
 * Where the compiled sources are at run time. Worker threads, the web UI and package.json
 * are found from here rather than from each caller's own location, because the CLI also
 * runs as a bundle (dist/cli/, built by `npm run build`: a command line loads a few files
 * instead of dozens), where a caller's location is its bundle chunk's.
 */
const HERE = import.meta.url;

/** dist/src/ — this module is dist/src/runtime/paths.js, or a chunk of the bundle in dist/cli/. */
export const SRC_ROOT = new URL('.', HERE).pathname.endsWith('/dist/cli/') ? new URL('../src/', HERE) : new URL('../', HERE);

/** The package's root (holding package.json and web/). */
export const PACKAGE_ROOT = new URL('../../', SRC_ROOT);

/** A compiled module under dist/src/, e.g. `simulate/worker.js` (a worker thread's entry). */
export function compiledModule(path: string): URL {
  return new URL(path, SRC_ROOT);
}
