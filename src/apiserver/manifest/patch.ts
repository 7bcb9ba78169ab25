/**
 * patchManifest / unpatchManifest: the audit flags, mounts and volumes of a kube-apiserver
 * static-pod manifest, edited as text so that every other byte stays. Flags are updated
 * in place (keeping `--flag=value` or `--flag value` and the quoting) or inserted as new
 * lines shaped like their neighbours; mounts and volumes are reused when an existing
 * hostPath mount already covers a path, else appended in the list's own key order and
 * indentation. Whatever enable adds, unpatch removes line for line, so enable then disable
 * gives back a manifest's exact bytes.
 */
import { auditFlagsFor, isAuditFlag, readFlags, type AuditSettings, type FoundFlag } from '../audit-flags.js';
import { ManifestError } from './errors.js';
import { readApiserverManifest, type ApiserverManifest, type ArgItem, type ArgList, type MountItem, type VolumeItem } from './locate.js';
import { applyEdits, insertLines, lineStart, removeLines, yamlScalar, type TextEdit } from './text.js';

export type PathRole = 'policy' | 'log' | 'webhook';

export interface PathNeed {
  role: PathRole;
  /** The path inside the container (a file, or the log's directory). */
  path: string;
  type: 'File' | 'DirectoryOrCreate';
  readOnly: boolean;
}

export interface ManifestChanges {
  flagsAdded: string[];
  flagsUpdated: Array<{ name: string; from: string; to: string }>;
  flagsRemoved: string[];
  mountsAdded: string[];
  mountsRemoved: string[];
  volumesAdded: string[];
  volumesRemoved: string[];
  /** Where each audit path lives on the node (through the hostPath volume that holds it). */
  hostPaths: Partial<Record<PathRole, string>>;
}

export interface PatchResult {
  text: string;
  changed: boolean;
  changes: ManifestChanges;
}

const BASE_NAMES: Record<PathRole, string> = { policy: 'audit-policy', log: 'audit-log', webhook: 'audit-webhook' };

function emptyChanges(): ManifestChanges {
  return { flagsAdded: [], flagsUpdated: [], flagsRemoved: [], mountsAdded: [], mountsRemoved: [], volumesAdded: [], volumesRemoved: [], hostPaths: {} };
}

function normalise(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** True when `path` is `dir` or lies under it. */
export function isUnder(path: string, dir: string): boolean {
  const d = normalise(dir);
  const p = normalise(path);
  return p === d || p.startsWith(d === '/' ? '/' : `${d}/`);
}

/** The container paths audit settings need mounted. */
export function pathNeeds(settings: Pick<AuditSettings, 'policyPath' | 'logPath' | 'webhookConfigPath'>): PathNeed[] {
  const needs: PathNeed[] = [{ role: 'policy', path: settings.policyPath, type: 'File', readOnly: true }];
  if (settings.logPath !== null && settings.logPath !== '-') needs.push({ role: 'log', path: dirname(settings.logPath), type: 'DirectoryOrCreate', readOnly: false });
  if (settings.webhookConfigPath !== null) needs.push({ role: 'webhook', path: settings.webhookConfigPath, type: 'File', readOnly: true });
  return needs;
}

interface FlagAt extends FoundFlag {
  item: ArgItem;
  valueItem: ArgItem | null;
}

function flagsOf(m: ApiserverManifest): FlagAt[] {
  const items = [...(m.command?.items ?? []), ...(m.args?.items ?? [])];
  return readFlags(m.argv).map((f) => ({ ...f, item: items[f.index], valueItem: f.form === 'separate' ? items[f.index + 1] : null }));
}

/** The paths in non-audit flags (`--tls-cert-file=/etc/kubernetes/pki/…`, comma lists too). */
function otherFlagPaths(flags: readonly FlagAt[]): string[] {
  return flags.filter((f) => !isAuditFlag(f.name) && f.value !== null).flatMap((f) => f.value!.split(',').filter((v) => v.startsWith('/')));
}

function auditPathsIn(flags: readonly FlagAt[]): string[] {
  const out: string[] = [];
  for (const f of flags) {
    if (f.value === null) continue;
    if (f.name === 'audit-policy-file' || f.name === 'audit-webhook-config-file') out.push(f.value);
    if (f.name === 'audit-log-path' && f.value !== '-') out.push(f.value, dirname(f.value));
  }
  return out.filter((p) => p.startsWith('/'));
}

function volumeOf(m: ApiserverManifest, mount: MountItem): VolumeItem | undefined {
  return m.volumes.items.find((v) => v.name !== null && v.name === mount.name);
}

/**
 * Mounts that exist only for audit: mounted exactly at an audit path (a policy or webhook
 * file, the log's file or directory), with no other flag's path beneath. These are what
 * disable removes, and what enable replaces when the paths change.
 */
function auditOnlyMounts(m: ApiserverManifest, flags: readonly FlagAt[]): MountItem[] {
  const auditPaths = auditPathsIn(flags).map(normalise);
  const others = otherFlagPaths(flags);
  return m.mounts.items.filter((mount) => {
    if (mount.mountPath === null) return false;
    const mp = normalise(mount.mountPath);
    return auditPaths.includes(mp) && !others.some((p) => isUnder(p, mp));
  });
}

function lineIndent(text: string, item: { start: number }): string {
  return text.slice(lineStart(text, item.start), item.start);
}

/** A new argument line shaped like `like`'s line (its indentation and `- `). */
function argLine(text: string, like: ArgItem, value: string): string {
  return `${lineIndent(text, like)}${like.quoted ? JSON.stringify(value) : yamlScalar(value)}\n`;
}

function isSortedFlags(items: readonly ArgItem[]): boolean {
  const flags = items.filter((a) => a.value.startsWith('--')).map((a) => a.value);
  return flags.length > 1 && flags.every((v, i) => i === 0 || flags[i - 1] <= v);
}

function checkPath(what: string, path: string): void {
  if (!path.startsWith('/')) throw new ManifestError('BAD_VALUE', `${what} ${JSON.stringify(path)} must be an absolute path`);
  if (/\s/.test(path)) {
    throw new ManifestError('BAD_VALUE', `${what} ${JSON.stringify(path)} contains whitespace: kube-apiserver would take it, but kubeadm, kind, shells and most log shippers split on spaces; choose a path without spaces`);
  }
  if (path.split('/').includes('..')) throw new ManifestError('BAD_VALUE', `${what} ${JSON.stringify(path)} contains '..'`);
}

interface Builder {
  edits: TextEdit[];
  changes: ManifestChanges;
}

function removeFlag(m: ApiserverManifest, b: Builder, f: FlagAt): void {
  const last = f.valueItem ?? f.item;
  b.edits.push(removeLines(m.text, f.item.start, last.end));
  b.changes.flagsRemoved.push(f.name);
}

/** Sets the flags; inserts the missing ones where a person (or kubeadm) would have put them. */
function setFlags(m: ApiserverManifest, b: Builder, flags: readonly FlagAt[], desired: ReadonlyArray<[string, string]>, remove: ReadonlySet<string>): void {
  for (const f of flags) if (remove.has(f.name)) removeFlag(m, b, f);
  const target: ArgList | null = m.args !== null && !m.args.flow && m.args.items.length > 0 ? m.args : m.command;
  const missing: Array<[string, string]> = [];
  for (const [name, value] of desired) {
    const found = flags.filter((f) => f.name === name);
    if (found.length === 0) {
      missing.push([name, value]);
      continue;
    }
    for (const f of found) {
      const current = f.value ?? 'true';
      if (current === value) continue;
      if (f.form === 'separate' && f.valueItem !== null) {
        b.edits.push({ start: f.valueItem.start, end: f.valueItem.end, text: f.valueItem.quoted ? JSON.stringify(value) : yamlScalar(value) });
      } else {
        b.edits.push({ start: f.item.start, end: f.item.end, text: f.item.quoted ? JSON.stringify(`--${name}=${value}`) : yamlScalar(`--${name}=${value}`) });
      }
      b.changes.flagsUpdated.push({ name, from: current, to: value });
    }
  }
  if (missing.length === 0) return;
  if (target === null || target.items.length === 0) throw new ManifestError('UNSUPPORTED', 'the kube-apiserver container has no command or args list to add flags to');
  if (target.flow) throw new ManifestError('UNSUPPORTED', `the kube-apiserver ${target.key} is a flow-style [ … ] list; rewrite it as a block list (one "- item" per line) first`);
  const items = target.items;
  const kept = flags.filter((f) => !remove.has(f.name) && items.includes(f.item));
  const lastAudit = [...kept].reverse().find((f) => isAuditFlag(f.name));
  // Group the new lines by where they go, so flags inserted at one place keep their order.
  const groups = new Map<string, { anchor: ArgItem; before: boolean; lines: string }>();
  const sorted = isSortedFlags(items);
  for (const [name, value] of missing) {
    const text = `--${name}=${value}`;
    let anchor: ArgItem;
    let before = false;
    if (sorted) {
      const next = items.find((a, i) => i > 0 && a.value.startsWith('--') && a.value > text);
      if (next !== undefined) {
        anchor = next;
        before = true;
      } else anchor = items[items.length - 1];
    } else {
      anchor = lastAudit?.valueItem ?? lastAudit?.item ?? items[items.length - 1];
    }
    const key = `${anchor.start}:${before}`;
    const g = groups.get(key) ?? { anchor, before, lines: '' };
    g.lines += argLine(m.text, anchor, text);
    groups.set(key, g);
    b.changes.flagsAdded.push(name);
  }
  for (const g of groups.values()) b.edits.push(insertLines(m.text, g.before ? g.anchor.start : g.anchor.end, g.lines, g.before));
}

function mountText(m: ApiserverManifest, name: string, need: PathNeed, dash: number, key: number): string {
  const pad = ' '.repeat(dash);
  const kpad = ' '.repeat(key);
  const nameFirst = m.mounts.items[0]?.firstKey === 'name';
  const lines = nameFirst ? [`name: ${yamlScalar(name)}`, `mountPath: ${yamlScalar(need.path)}`] : [`mountPath: ${yamlScalar(need.path)}`, `name: ${yamlScalar(name)}`];
  if (need.readOnly) lines.push('readOnly: true');
  return `${pad}- ${' '.repeat(Math.max(0, key - dash - 2))}${lines[0]}\n${lines.slice(1).map((l) => `${kpad}${l}\n`).join('')}`;
}

function volumeText(m: ApiserverManifest, name: string, need: PathNeed, dash: number, key: number): string {
  const pad = ' '.repeat(dash);
  const kpad = ' '.repeat(key);
  const nameFirst = m.volumes.items[0]?.firstKey === 'name';
  const hostPath = [`hostPath:`, `  path: ${yamlScalar(need.path)}`, `  type: ${need.type}`];
  const lines = nameFirst ? [`name: ${yamlScalar(name)}`, ...hostPath] : [...hostPath, `name: ${yamlScalar(name)}`];
  return `${pad}- ${' '.repeat(Math.max(0, key - dash - 2))}${lines[0]}\n${lines.slice(1).map((l) => `${kpad}${l}\n`).join('')}`;
}

/** Appends items to a block list, or adds the list under its parent when it is absent. */
function appendItems(m: ApiserverManifest, b: Builder, list: ApiserverManifest['mounts'] | ApiserverManifest['volumes'], parent: { end: number; keyColumn: number }, key: string, make: (dash: number, keyCol: number) => string): void {
  if (list.items.length > 0) {
    b.edits.push(insertLines(m.text, list.items[list.items.length - 1].end, make(list.dashColumn!, list.keyColumn!)));
  } else {
    // kubeadm's style: list items at the key's own indentation.
    const col = parent.keyColumn;
    b.edits.push(insertLines(m.text, parent.end, `${' '.repeat(col)}${key}:\n${make(col, col + 2)}`));
  }
}

function chooseName(m: ApiserverManifest, role: PathRole, taken: Set<string>): string {
  for (const name of [BASE_NAMES[role], `kubetrail-${BASE_NAMES[role]}`]) if (!taken.has(name)) return name;
  throw new ManifestError('UNSUPPORTED', `volume names ${BASE_NAMES[role]} and kubetrail-${BASE_NAMES[role]} are both taken by volumes kubetrail did not make; rename one of them`);
}

/**
 * Adds or updates the audit settings. Throws ManifestError (the manifest is left as it
 * was) for a manifest that is not a kube-apiserver Pod or that cannot be edited safely.
 */
export function patchManifest(text: string, settings: AuditSettings): PatchResult {
  checkPath('--policy-path', settings.policyPath);
  if (settings.logPath !== null && settings.logPath !== '-') checkPath('--log-path', settings.logPath);
  if (settings.webhookConfigPath !== null) checkPath('--webhook-config-path', settings.webhookConfigPath);
  const m = readApiserverManifest(text);
  const flags = flagsOf(m);
  const b: Builder = { edits: [], changes: emptyChanges() };
  setFlags(m, b, flags, auditFlagsFor(settings), new Set(settings.logCompress ? [] : ['audit-log-compress']));

  // Mounts: reuse what covers each path, add what is missing, drop audit-only leftovers.
  const needs = pathNeeds(settings);
  const keep = new Set<MountItem>();
  const toAdd: Array<{ need: PathNeed }> = [];
  for (const need of needs) {
    const cover = m.mounts.items
      .filter((mt) => mt.mountPath !== null && isUnder(need.path, mt.mountPath) && (!mt.readOnly || need.readOnly))
      .map((mt) => ({ mt, vol: volumeOf(m, mt) }))
      .filter((x) => x.vol?.hostPath != null)
      .sort((a, b2) => b2.mt.mountPath!.length - a.mt.mountPath!.length)[0];
    if (cover !== undefined) {
      keep.add(cover.mt);
      const rest = normalise(need.path).slice(normalise(cover.mt.mountPath!).length);
      b.changes.hostPaths[need.role] = normalise(cover.vol!.hostPath!.path) + rest;
    } else {
      const clash = m.mounts.items.find((mt) => mt.mountPath !== null && normalise(mt.mountPath) === normalise(need.path));
      if (clash !== undefined && !auditOnlyMounts(m, flags).includes(clash)) {
        throw new ManifestError('UNSUPPORTED', `a volumeMount at ${need.path} already exists (${clash.name ?? 'unnamed'}) but ${clash.readOnly && !need.readOnly ? 'is readOnly, and the audit log must be written' : 'is not a hostPath volume'}; fix it or choose another path`);
      }
      toAdd.push({ need });
      b.changes.hostPaths[need.role] = need.path;
    }
  }
  const stale = auditOnlyMounts(m, flags).filter((mt) => !keep.has(mt));
  removeMounts(m, b, stale);
  const removedVolumes = new Set(b.changes.volumesRemoved);
  const taken = new Set<string>([...m.volumes.items, ...m.mounts.items].map((x) => x.name).filter((n): n is string => n !== null && !removedVolumes.has(n)));
  for (const { need } of toAdd) {
    const name = chooseName(m, need.role, taken);
    taken.add(name);
    appendItems(m, b, m.mounts, m.container, 'volumeMounts', (d, k) => mountText(m, name, need, d, k));
    appendItems(m, b, m.volumes, m.spec, 'volumes', (d, k) => volumeText(m, name, need, d, k));
    b.changes.mountsAdded.push(name);
    b.changes.volumesAdded.push(name);
  }
  return finish(m, b, (patched) => selfCheck(patched, settings));
}

function removeMounts(m: ApiserverManifest, b: Builder, mounts: readonly MountItem[]): void {
  const gone = new Set(mounts);
  for (const mt of mounts) {
    b.edits.push(removeLines(m.text, mt.start, mt.end));
    b.changes.mountsRemoved.push(mt.name ?? mt.mountPath ?? '');
  }
  for (const mt of mounts) {
    if (mt.name === null || m.mounts.items.some((o) => !gone.has(o) && o.name === mt.name)) continue;
    const vol = volumeOf(m, mt);
    if (vol === undefined || b.changes.volumesRemoved.includes(mt.name)) continue;
    b.edits.push(removeLines(m.text, vol.start, vol.end));
    b.changes.volumesRemoved.push(mt.name);
  }
}

/** Removes every `--audit-*` flag and the mounts and volumes that served only them. */
export function unpatchManifest(text: string): PatchResult {
  const m = readApiserverManifest(text);
  const flags = flagsOf(m);
  const b: Builder = { edits: [], changes: emptyChanges() };
  for (const f of flags) if (isAuditFlag(f.name)) removeFlag(m, b, f);
  removeMounts(m, b, auditOnlyMounts(m, flags));
  return finish(m, b, (patched) => {
    if (flagsOf(patched).some((f) => isAuditFlag(f.name))) throw new ManifestError('SELF_CHECK', 'internal: audit flags remain after disable');
  });
}

function finish(m: ApiserverManifest, b: Builder, check: (patched: ApiserverManifest) => void): PatchResult {
  const out = applyEdits(m.text, b.edits);
  if (out === m.text) return { text: out, changed: false, changes: b.changes };
  let patched: ApiserverManifest;
  try {
    patched = readApiserverManifest(out);
  } catch (err) {
    throw new ManifestError('SELF_CHECK', `internal: the edited manifest would not be a valid kube-apiserver Pod (${(err as Error).message}); nothing was written`);
  }
  check(patched);
  return { text: out, changed: true, changes: b.changes };
}

/** The written manifest must say exactly what was asked, with every path mounted. */
function selfCheck(p: ApiserverManifest, settings: AuditSettings): void {
  const flags = flagsOf(p);
  for (const [name, value] of auditFlagsFor(settings)) {
    const got = flags.filter((f) => f.name === name).map((f) => f.value ?? 'true');
    if (got.length === 0 || got.some((v) => v !== value)) throw new ManifestError('SELF_CHECK', `internal: --${name} is ${got.join(',') || 'missing'} after the edit, expected ${value}; nothing was written`);
  }
  for (const need of pathNeeds(settings)) {
    const ok = p.mounts.items.some((mt) => mt.mountPath !== null && isUnder(need.path, mt.mountPath) && (!mt.readOnly || need.readOnly) && volumeOf(p, mt)?.hostPath != null);
    if (!ok) throw new ManifestError('SELF_CHECK', `internal: ${need.path} is not mounted after the edit; nothing was written`);
  }
  const names = p.volumes.items.map((v) => v.name).filter((n) => n !== null);
  if (new Set(names).size !== names.length) throw new ManifestError('SELF_CHECK', 'internal: the edit would duplicate a volume name; nothing was written');
  const paths = p.mounts.items.map((mt) => mt.mountPath && normalise(mt.mountPath)).filter((x) => x !== null);
  if (new Set(paths).size !== paths.length) throw new ManifestError('SELF_CHECK', 'internal: the edit would duplicate a mountPath; nothing was written');
}
