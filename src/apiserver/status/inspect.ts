/**
 * What a node says about audit: from the static-pod manifest and/or the running
 * kube-apiserver process (/proc/PID/cmdline). Reads only; paths are mapped from the
 * container's view to the node's (through hostPath volumes, or /proc/PID/root for the
 * running process) and resolved inside --root.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { APISERVER_LOG_DEFAULTS, auditFlagMap } from '../audit-flags.js';
import { resolveHostPath } from '../host-root.js';
import { isManifestError } from '../manifest/errors.js';
import { isApiserverArgv, readApiserverManifest, type ApiserverManifest } from '../manifest/locate.js';
import { isUnder } from '../manifest/patch.js';

export interface ApiserverProcess {
  pid: number;
  argv: string[];
}

/** Every process whose command line runs kube-apiserver, from `<root>/proc`. */
export function findApiserverProcesses(root: string): ApiserverProcess[] {
  const procDir = join(root, 'proc');
  if (!existsSync(procDir)) return [];
  const out: ApiserverProcess[] = [];
  for (const name of readdirSync(procDir)) {
    if (!/^[0-9]+$/.test(name)) continue;
    let raw: Buffer;
    try {
      raw = readFileSync(join(procDir, name, 'cmdline'));
    } catch {
      continue; // gone, or not ours to read
    }
    const argv = raw.toString('utf8').split('\0');
    if (argv.at(-1) === '') argv.pop();
    if (argv.length > 0 && isApiserverArgv(argv)) out.push({ pid: Number(name), argv });
  }
  return out.sort((a, b) => a.pid - b.pid);
}

export interface Mapping {
  /** Container path → path on this machine (inside --root), or null when not mounted from the host. */
  toLocal(containerPath: string): string | null;
}

/** Paths through the manifest's hostPath volumes. */
export function manifestMapping(root: string, m: ApiserverManifest): Mapping {
  return {
    toLocal(containerPath: string): string | null {
      const mount = m.mounts.items
        .filter((mt) => mt.mountPath !== null && isUnder(containerPath, mt.mountPath))
        .sort((a, b) => b.mountPath!.length - a.mountPath!.length)[0];
      const volume = mount && m.volumes.items.find((v) => v.name === mount.name);
      if (!volume?.hostPath) return null;
      const rest = containerPath.replace(/\/+$/, '').slice(mount!.mountPath!.replace(/\/+$/, '').length);
      try {
        return resolveHostPath(root, volume.hostPath.path.replace(/\/+$/, '') + rest, 'path');
      } catch {
        return null;
      }
    },
  };
}

/** Paths as the running process sees them: /proc/PID/root is its mount namespace's root. */
export function processMapping(root: string, pid: number): Mapping {
  return { toLocal: (p) => join(root, 'proc', String(pid), 'root', p) };
}

export interface FileFacts {
  path: string;
  /** Where it was read on this machine, or null when the path is not mounted from the node. */
  local: string | null;
  exists: boolean;
  size: number | null;
  modified: string | null;
}

export function fileFacts(mapping: Mapping, path: string): FileFacts {
  const local = mapping.toLocal(path);
  if (local === null) return { path, local, exists: false, size: null, modified: null };
  try {
    const st = statSync(local);
    return { path, local, exists: true, size: st.size, modified: st.mtime.toISOString() };
  } catch {
    return { path, local, exists: false, size: null, modified: null };
  }
}

export interface LogBackend {
  path: string;
  format: string;
  /** As set in the flags; null when unset. */
  maxAge: number | null;
  maxBackup: number | null;
  maxSize: number | null;
  compress: boolean;
  /** What kube-apiserver does with unset values (its defaults changed in 1.36). */
  effective: { maxAge: number; maxBackup: number; maxSize: number; defaultsOf: string };
  file: FileFacts | null;
  /** Rotated backups beside the log (audit-2006-01-02T15-04-05.000.log[.gz]). */
  backups: number;
}

export interface AuditFlagsView {
  flags: Record<string, string>;
  policyPath: string | null;
  log: LogBackend | null;
  webhookConfigPath: string | null;
  /** Audit is on: a policy file, and a log path or a webhook. */
  on: boolean;
}

/** `v1.29.15` from an image such as registry.k8s.io/kube-apiserver:v1.29.15. */
export function versionOfImage(image: string | null): { major: number; minor: number; text: string } | null {
  const m = /:v?(1)\.([0-9]+)(\.[0-9]+)?/.exec(image ?? '');
  return m ? { major: 1, minor: Number(m[2]), text: `1.${m[2]}${m[3] ?? ''}` } : null;
}

function rotatedBackups(local: string): number {
  const dir = dirname(local);
  const name = basename(local);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  const re = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3}${ext.replace('.', '\\.')}(\\.gz)?$`);
  try {
    return readdirSync(dir).filter((f) => re.test(f)).length;
  } catch {
    return 0;
  }
}

export function viewAuditFlags(argv: readonly string[], mapping: Mapping, version: { minor: number; text: string } | null): AuditFlagsView {
  const flags = auditFlagMap(argv);
  const int = (name: string): number | null => (flags.has(name) && /^[0-9]+$/.test(flags.get(name)!) ? Number(flags.get(name)) : null);
  const logPath = flags.get('audit-log-path') ?? null;
  let log: LogBackend | null = null;
  if (logPath !== null && logPath !== '') {
    const defaults = version !== null && version.minor >= 36 ? APISERVER_LOG_DEFAULTS.since136 : APISERVER_LOG_DEFAULTS.before136;
    const defaultsOf = version === null ? 'kube-apiserver before 1.36 (version unknown)' : `kube-apiserver ${version.text}`;
    const file = logPath === '-' ? null : fileFacts(mapping, logPath);
    log = {
      path: logPath,
      format: flags.get('audit-log-format') ?? 'json',
      maxAge: int('audit-log-maxage'),
      maxBackup: int('audit-log-maxbackup'),
      maxSize: int('audit-log-maxsize'),
      compress: flags.get('audit-log-compress') === 'true',
      effective: { maxAge: int('audit-log-maxage') ?? defaults.maxAge, maxBackup: int('audit-log-maxbackup') ?? defaults.maxBackup, maxSize: int('audit-log-maxsize') ?? defaults.maxSize, defaultsOf },
      file,
      backups: file?.local ? rotatedBackups(file.local) : 0,
    };
  }
  const policyPath = flags.get('audit-policy-file') || null;
  const webhookConfigPath = flags.get('audit-webhook-config-file') || null;
  return { flags: Object.fromEntries(flags), policyPath, log, webhookConfigPath, on: policyPath !== null && (log !== null || webhookConfigPath !== null) };
}

export interface ManifestSource {
  path: string;
  found: boolean;
  error: { message: string; line: number | null; column: number | null } | null;
  manifest: ApiserverManifest | null;
}

export function readManifestSource(root: string, path: string): ManifestSource {
  let text: string;
  try {
    text = readFileSync(resolveHostPath(root, path, '--manifest'), 'utf8');
  } catch (err) {
    if (isManifestError(err)) return { path, found: false, error: { message: err.message, line: null, column: null }, manifest: null };
    return { path, found: false, error: null, manifest: null };
  }
  try {
    return { path, found: true, error: null, manifest: readApiserverManifest(text) };
  } catch (err) {
    if (isManifestError(err)) return { path, found: true, error: { message: err.message, line: err.line, column: err.column }, manifest: null };
    throw err;
  }
}
