/**
 * Host paths inside a root: `--root /host` lets kubetrail edit a node's files from a pod
 * that mounts the node at /host (and tests use a temp dir). Every host path must stay
 * inside the root after symlinks are followed, so a manifest cannot point kubetrail at
 * files elsewhere.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ManifestError } from './manifest/errors.js';

/** The real path of `p`, following symlinks as far as the path exists. */
function realPrefix(p: string): string {
  let head = resolve(p);
  const tail: string[] = [];
  while (!existsSync(head)) {
    const up = dirname(head);
    if (up === head) break;
    tail.unshift(head.slice(up.length + (up.endsWith('/') ? 0 : 1)));
    head = up;
  }
  return join(realpathSync(head), ...tail);
}

/** `hostPath` (absolute, as on the node) as a path on this machine, inside `root`. */
export function resolveHostPath(root: string, hostPath: string, what: string): string {
  if (!isAbsolute(hostPath)) throw new ManifestError('BAD_VALUE', `${what} ${JSON.stringify(hostPath)} must be an absolute path on the node`);
  const base = realPrefix(root);
  const full = realPrefix(join(base, hostPath));
  const rel = relative(base, full);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new ManifestError('BAD_VALUE', `${what} ${JSON.stringify(hostPath)} leads outside the root ${root} (through a symlink or '..')`);
  return full;
}
