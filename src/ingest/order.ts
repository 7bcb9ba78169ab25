/**
 * Rotated audit logs in time order. kube-apiserver (lumberjack) renames the active
 * `audit.log` to `audit-2026-11-23T10-00-00.000.log` (optionally gzipped later) and
 * starts a new `audit.log`. Given such files in any order, the backups of one log come
 * first, oldest first, then the active file; unrelated files keep their given order.
 */
import { basename, dirname, join } from 'node:path';

const BACKUP = /^(.*)-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3})(\.[^.]*)?(\.gz)?$/;

export function orderLogFiles(paths: readonly string[]): string[] {
  const keyed = paths.map((path, i) => {
    if (path === '-') return { path, group: `\u0000stdin${i}`, stamp: '', i };
    const name = basename(path);
    const m = BACKUP.exec(name);
    if (m !== null) return { path, group: join(dirname(path), `${m[1]}${m[3] ?? ''}`), stamp: m[2], i };
    const active = name.replace(/\.gz$/, '');
    return { path, group: join(dirname(path), active), stamp: '\uffff', i };
  });
  const firstSeen = new Map<string, number>();
  for (const k of keyed) if (!firstSeen.has(k.group)) firstSeen.set(k.group, k.i);
  return keyed
    .sort((a, b) => firstSeen.get(a.group)! - firstSeen.get(b.group)! || (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.i - b.i))
    .map((k) => k.path);
}
