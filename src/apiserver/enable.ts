/**
 * enableAudit / disableAudit / rollbackManifest: the safe way to change the file the
 * kubelet runs kube-apiserver from. The kubelet restarts the apiserver from whatever it
 * finds, so the manifest is replaced in one rename of a complete, re-checked file; the
 * previous bytes are kept as a timestamped backup OUTSIDE the manifests directory (the
 * kubelet would start a second apiserver from a backup left beside the manifest); and
 * a failure at any step leaves the manifest byte-identical and undoes what was installed.
 */
import { closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, statSync, accessSync, writeSync } from 'node:fs';
import { basename, dirname, join, relative, isAbsolute } from 'node:path';
import { auditFlagMap, CIS_DEFAULTS, defaultAuditSettings, type AuditSettings } from './audit-flags.js';
import { ManifestError } from './manifest/errors.js';
import { readApiserverManifest } from './manifest/locate.js';
import { patchManifest, unpatchManifest, type ManifestChanges } from './manifest/patch.js';
import { resolveHostPath } from './host-root.js';

export const DEFAULT_MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';
export const DEFAULT_BACKUP_DIR = '/var/lib/kubetrail/backups';

/** The steps that write, in order; tests make each one fail in turn. */
export const WRITE_STEPS = ['check-writable', 'install-policy', 'install-webhook-config', 'create-log-dir', 'write-backup', 'write-temp', 'sync-temp', 'rename', 'sync-dir'] as const;
export type WriteStep = (typeof WRITE_STEPS)[number];

export interface HostOptions {
  /** The node's filesystem root ('/' on the node; a mount such as /host from a pod). */
  root: string;
  /** The manifest's path on the node. */
  manifest?: string;
  /** Where backups go on the node (never inside the manifests directory). */
  backupDir?: string;
  dryRun?: boolean;
  now?: Date;
  /** Tests: throw at this step, to prove nothing is half-written. */
  failAt?: WriteStep;
}

export interface EnableOptions extends HostOptions {
  /** What the caller asked for; unset fields keep the manifest's current values, else CIS defaults. */
  settings: Partial<AuditSettings>;
  /** The policy's bytes (already validated by the caller). */
  policy: Uint8Array;
  /** The webhook kubeconfig's bytes, to install at settings.webhookConfigPath. */
  webhookConfig?: Uint8Array;
}

export interface FileChange {
  /** Path on the node. */
  path: string;
  changed: boolean;
}

export interface ManifestResult {
  manifest: string;
  changed: boolean;
  changes: ManifestChanges;
  before: string;
  after: string;
  /** The backup written (a path on the node), or null when nothing was written. */
  backup: string | null;
  settings?: AuditSettings;
  installed: FileChange[];
  dryRun: boolean;
}

class InjectedFailure extends Error {}

function step(opts: Pick<HostOptions, 'failAt'>, name: WriteStep): void {
  if (opts.failAt === name) throw new InjectedFailure(`injected failure at step ${name}`);
}

/**
 * The settings to write: explicit values first, then what the manifest already says (so
 * re-running enable on a cluster with audit on keeps its paths), then the CIS defaults.
 * Rotation values already in the manifest are kept only when they meet CIS.
 */
export function resolveSettings(requested: Partial<AuditSettings>, current: ReadonlyMap<string, string>): AuditSettings {
  const number = (flag: string, min: number): number | undefined => {
    const v = current.get(flag);
    return v !== undefined && /^[0-9]+$/.test(v) && Number(v) >= min ? Number(v) : undefined;
  };
  const webhookConfigPath = requested.webhookConfigPath !== undefined ? requested.webhookConfigPath : (current.get('audit-webhook-config-file') ?? null);
  let logPath = requested.logPath;
  if (logPath === undefined) logPath = current.get('audit-log-path') ?? (requested.webhookConfigPath != null ? null : CIS_DEFAULTS.logPath);
  const format = current.get('audit-log-format');
  return defaultAuditSettings({
    policyPath: requested.policyPath ?? current.get('audit-policy-file') ?? CIS_DEFAULTS.policyPath,
    logPath,
    logMaxAge: requested.logMaxAge ?? number('audit-log-maxage', CIS_DEFAULTS.logMaxAge) ?? CIS_DEFAULTS.logMaxAge,
    logMaxBackup: requested.logMaxBackup ?? number('audit-log-maxbackup', CIS_DEFAULTS.logMaxBackup) ?? CIS_DEFAULTS.logMaxBackup,
    logMaxSize: requested.logMaxSize ?? number('audit-log-maxsize', CIS_DEFAULTS.logMaxSize) ?? CIS_DEFAULTS.logMaxSize,
    logCompress: requested.logCompress ?? current.get('audit-log-compress') === 'true',
    logFormat: requested.logFormat ?? (format === 'legacy' ? 'legacy' : 'json'),
    webhookConfigPath,
  });
}

function timestamp(now: Date): string {
  return now.toISOString().replace(/:/g, '-');
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

interface Paths {
  manifestHost: string;
  manifest: string;
  backupDirHost: string;
  backupDir: string;
}

function paths(opts: HostOptions): Paths {
  const manifestHost = opts.manifest ?? DEFAULT_MANIFEST;
  const backupDirHost = opts.backupDir ?? DEFAULT_BACKUP_DIR;
  const manifest = resolveHostPath(opts.root, manifestHost, '--manifest');
  const backupDir = resolveHostPath(opts.root, backupDirHost, '--backup-dir');
  const rel = relative(dirname(manifest), backupDir);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw new ManifestError('BAD_VALUE', `backups must not go inside the manifests directory ${dirname(manifestHost)}: the kubelet runs every manifest there, so a backup would start a second kube-apiserver`);
  }
  return { manifestHost, manifest, backupDirHost, backupDir };
}

function readManifest(p: Paths): string {
  try {
    return readFileSync(p.manifest, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ManifestError('BAD_VALUE', `${p.manifestHost}: cannot read the manifest (${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message}); use --manifest PATH${p.manifest !== p.manifestHost ? ' (resolved inside --root)' : ''}`);
  }
}

/** Writes `data` to `path` through a hidden temp file in the same directory, fsync, rename, directory fsync. */
function writeAtomically(path: string, data: string | Uint8Array, mode: number, opts: Pick<HostOptions, 'failAt'>, steps?: { temp: WriteStep; sync: WriteStep; rename: WriteStep; syncDir: WriteStep }): void {
  const dir = dirname(path);
  // A dot-file: the kubelet ignores hidden files in the manifests directory.
  const temp = join(dir, `.${basename(path)}.kubetrail-${process.pid}.tmp`);
  let renamed = false;
  try {
    if (steps) step(opts, steps.temp);
    const fd = openSync(temp, 'wx', mode);
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      if (steps) step(opts, steps.sync);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (steps) step(opts, steps.rename);
    renameSync(temp, path);
    renamed = true;
    if (steps) step(opts, steps.syncDir);
    fsyncDir(dir);
  } finally {
    if (!renamed) rmSync(temp, { force: true });
  }
}

/** Undo log for what a run installed before the manifest was replaced. */
type Undo = () => void;

function installFile(root: string, hostPath: string, bytes: Uint8Array, what: string, opts: HostOptions, name: WriteStep, undo: Undo[]): FileChange {
  const path = resolveHostPath(root, hostPath, what);
  const before = existsSync(path) ? readFileSync(path) : null;
  if (before !== null && Buffer.compare(before, Buffer.from(bytes)) === 0) return { path: hostPath, changed: false };
  step(opts, name);
  if (opts.dryRun) return { path: hostPath, changed: true };
  const createdDirs = mkdirsTracked(dirname(path), 0o755);
  undo.push(() => {
    if (before === null) rmSync(path, { force: true });
    else writeAtomically(path, before, 0o600, {});
    for (const d of createdDirs.reverse()) rmdirSafe(d);
  });
  writeAtomically(path, bytes, 0o600, opts);
  return { path: hostPath, changed: true };
}

function rmdirSafe(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty or gone: leave it
  }
}

/** mkdir -p, returning the directories it created (to remove them on undo). */
function mkdirsTracked(dir: string, mode: number): string[] {
  const created: string[] = [];
  let d = dir;
  while (!existsSync(d)) {
    created.unshift(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const c of created) mkdirSync(c, { mode });
  return created;
}

function checkWritable(p: Paths, opts: HostOptions): void {
  step(opts, 'check-writable');
  try {
    accessSync(p.manifest, constants.W_OK);
    accessSync(dirname(p.manifest), constants.W_OK);
  } catch {
    throw new ManifestError('BAD_VALUE', `${p.manifestHost}: the manifest or its directory is not writable (run as root on the node, or mount the host read-write)`);
  }
}

/** Backup, then the atomic replace. */
function replaceManifest(p: Paths, before: string, after: string, opts: HostOptions): string {
  step(opts, 'write-backup');
  mkdirSync(p.backupDir, { recursive: true, mode: 0o700 });
  const name = `${basename(p.manifest)}.${timestamp(opts.now ?? new Date())}`;
  const backup = join(p.backupDir, name);
  writeAtomically(backup, before, 0o600, {});
  const mode = statSync(p.manifest).mode & 0o7777;
  writeAtomically(p.manifest, after, mode, opts, { temp: 'write-temp', sync: 'sync-temp', rename: 'rename', syncDir: 'sync-dir' });
  return join(p.backupDirHost, name);
}

function runWrites(p: Paths, result: ManifestResult, opts: HostOptions, installs: (undo: Undo[]) => FileChange[]): ManifestResult {
  const undo: Undo[] = [];
  try {
    if (!opts.dryRun) checkWritable(p, opts);
    result.installed = installs(undo);
    if (result.changed && !opts.dryRun) result.backup = replaceManifest(p, result.before, result.after, opts);
    return result;
  } catch (err) {
    // The manifest was not replaced (a failure after the rename is reported, not undone:
    // the new manifest is complete by then). Take back what this run installed.
    if (!existsSync(p.manifest) || readFileSync(p.manifest, 'utf8') === result.before) {
      for (const u of undo.reverse()) {
        try {
          u();
        } catch {
          // best effort: the manifest itself is intact, which is what matters
        }
      }
    }
    if (err instanceof InjectedFailure || err instanceof ManifestError) throw err;
    throw new ManifestError('BAD_VALUE', `writing failed: ${(err as Error).message}; ${p.manifestHost} was left as it was`);
  }
}

export function enableAudit(opts: EnableOptions): ManifestResult {
  const p = paths(opts);
  const before = readManifest(p);
  const settings = resolveSettings(opts.settings, auditFlagMap(readApiserverManifest(before).argv));
  if (settings.webhookConfigPath !== null && opts.settings.webhookConfigPath !== undefined && opts.webhookConfig === undefined) {
    throw new ManifestError('BAD_VALUE', '--webhook-config-path needs --webhook-config FILE (the kubeconfig to install there)');
  }
  const patched = patchManifest(before, settings);
  // The kubelet runs every file in the manifests directory: a policy, kubeconfig or log
  // there would be read as a pod manifest (and a log dir there would fill it).
  for (const [role, hostPath] of Object.entries(patched.changes.hostPaths)) {
    const local = resolveHostPath(opts.root, hostPath, role);
    const rel = relative(dirname(p.manifest), local);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
      throw new ManifestError('BAD_VALUE', `the ${role} path ${hostPath} is inside the manifests directory ${dirname(p.manifestHost)}: the kubelet would read it as a pod manifest; choose a path outside it`);
    }
  }
  const result: ManifestResult = { manifest: p.manifestHost, changed: patched.changed, changes: patched.changes, before, after: patched.text, backup: null, settings, installed: [], dryRun: opts.dryRun === true };
  return runWrites(p, result, opts, (undo) => {
    const installed: FileChange[] = [];
    installed.push(installFile(opts.root, patched.changes.hostPaths.policy!, opts.policy, '--policy-path', opts, 'install-policy', undo));
    if (opts.webhookConfig !== undefined && patched.changes.hostPaths.webhook !== undefined) {
      installed.push(installFile(opts.root, patched.changes.hostPaths.webhook, opts.webhookConfig, '--webhook-config-path', opts, 'install-webhook-config', undo));
    }
    const logDir = patched.changes.hostPaths.log;
    if (logDir !== undefined) {
      const path = resolveHostPath(opts.root, logDir, '--log-path');
      if (!existsSync(path)) {
        step(opts, 'create-log-dir');
        if (!opts.dryRun) {
          const created = mkdirsTracked(path, 0o700);
          undo.push(() => created.reverse().forEach(rmdirSafe));
        }
        installed.push({ path: logDir, changed: true });
      }
    }
    return installed;
  });
}

export function disableAudit(opts: HostOptions): ManifestResult {
  const p = paths(opts);
  const before = readManifest(p);
  const patched = unpatchManifest(before);
  const result: ManifestResult = { manifest: p.manifestHost, changed: patched.changed, changes: patched.changes, before, after: patched.text, backup: null, installed: [], dryRun: opts.dryRun === true };
  return runWrites(p, result, opts, () => []);
}

/** The newest backup of the manifest, or null. */
export function latestBackup(opts: HostOptions): string | null {
  const p = paths(opts);
  if (!existsSync(p.backupDir)) return null;
  const prefix = `${basename(p.manifest)}.`;
  const names = readdirSync(p.backupDir).filter((n) => n.startsWith(prefix) && /\d{4}-\d\d-\d\dT/.test(n.slice(prefix.length))).sort();
  return names.length === 0 ? null : join(p.backupDirHost, names[names.length - 1]);
}

/** Restores the newest backup (itself backing up the current manifest first). */
export function rollbackManifest(opts: HostOptions): ManifestResult & { restored: string } {
  const p = paths(opts);
  const newest = latestBackup(opts);
  if (newest === null) throw new ManifestError('BAD_VALUE', `no backup of ${p.manifestHost} in ${p.backupDirHost}: nothing to roll back to`);
  const restoredText = readFileSync(resolveHostPath(opts.root, newest, 'backup'), 'utf8');
  readApiserverManifest(restoredText); // refuse to restore something the kubelet could not run
  const before = readManifest(p);
  const result: ManifestResult = { manifest: p.manifestHost, changed: before !== restoredText, changes: { flagsAdded: [], flagsUpdated: [], flagsRemoved: [], mountsAdded: [], mountsRemoved: [], volumesAdded: [], volumesRemoved: [], hostPaths: {} }, before, after: restoredText, backup: null, installed: [], dryRun: opts.dryRun === true };
  runWrites(p, result, opts, () => []);
  if (!opts.dryRun && result.changed) rmSync(resolveHostPath(opts.root, newest, 'backup'));
  return { ...result, restored: newest };
}
