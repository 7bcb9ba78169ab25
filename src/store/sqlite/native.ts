/**
 * Where better-sqlite3's native addon is, for the Database option `nativeBinding`.
 * Without it better-sqlite3 asks the `bindings` package, which finds the calling package
 * by reading a stack trace and then tries a dozen paths (~1.7 ms of every command's
 * start); and in the CLI's bundle (rolldown.config.mjs) better-sqlite3's JavaScript no
 * longer sits in its own package, where `bindings` would look.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let found: string | undefined | null = null;

/** The addon node-gyp built (Release, else Debug), or undefined to let better-sqlite3 search. */
export function sqliteAddonPath(): string | undefined {
  if (found === null) {
    found = undefined;
    try {
      const root = dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
      found = ['Release', 'Debug'].map((c) => join(root, 'build', c, 'better_sqlite3.node')).find((p) => existsSync(p));
    } catch {
      // Not resolvable from here: better-sqlite3's own search decides.
    }
  }
  return found;
}
