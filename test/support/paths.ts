/** Where tests find the repository, the built CLI and the shared data beside the checkout. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the test file');
    dir = parent;
  }
  return dir;
}

export const REPO_ROOT = findRepoRoot();
export const CLI_PATH = join(REPO_ROOT, 'bin', 'kubetrail.js');

/** ../shared beside the checkout (or KUBETRAIL_SHARED); null when it is absent. */
export const SHARED_DIR: string | null = (() => {
  const dir = process.env.KUBETRAIL_SHARED ?? resolve(REPO_ROOT, '..', 'shared');
  return existsSync(dir) ? dir : null;
})();

/** For node:test's `skip` option: a reason when ../shared is absent, false otherwise. */
export const SKIP_WITHOUT_SHARED: string | false = SHARED_DIR === null ? '../shared is absent: shared corpus tests skipped' : false;

export function sharedPath(...parts: string[]): string {
  if (SHARED_DIR === null) throw new Error('../shared is absent');
  return join(SHARED_DIR, ...parts);
}
