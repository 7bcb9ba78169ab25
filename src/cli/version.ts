import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from '../runtime/paths.js';

/** The package version, read once from package.json next to the compiled code. */
export const VERSION: string = (() => {
  try {
    const url = new URL('package.json', PACKAGE_ROOT);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();
