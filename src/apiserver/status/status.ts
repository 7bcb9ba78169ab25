/**
 * auditStatus: is audit on, where does it go, does the policy load, is the log being
 * written, and do the CIS controls 1.2.16–1.2.19 pass. The running process is the truth
 * about what runs now; the manifest is what the kubelet will run next. Both are shown
 * when both are there, with a note when they disagree.
 */
import { readFileSync } from 'node:fs';
import { loadPolicy } from '../../audit/policy/index.js';
import { CIS_DEFAULTS } from '../audit-flags.js';
import { fileFacts, findApiserverProcesses, manifestMapping, processMapping, readManifestSource, versionOfImage, viewAuditFlags, type ApiserverProcess, type AuditFlagsView, type FileFacts, type ManifestSource, type Mapping } from './inspect.js';

export interface PolicyFacts {
  path: string;
  file: FileFacts;
  /** Loads in kube-apiserver; null when the file could not be read. */
  loadable: boolean | null;
  errors: Array<{ message: string; line: number; column: number }>;
  rules: number | null;
}

export interface CisResult {
  id: string;
  title: string;
  pass: boolean;
  detail: string;
}

export interface StatusReport {
  /** Which source the answer comes from. */
  source: 'process' | 'manifest' | 'none';
  on: boolean;
  manifest: { path: string; found: boolean; error: ManifestSource['error']; audit: AuditFlagsView | null; image: string | null };
  process: (ApiserverProcess & { audit: AuditFlagsView }) | null;
  policy: PolicyFacts | null;
  log: AuditFlagsView['log'];
  webhook: { configPath: string; file: FileFacts; server: string | null } | null;
  cis: CisResult[];
  notes: string[];
}

export interface StatusOptions {
  root: string;
  manifest: string;
  /** Look at running kube-apiserver processes too. */
  proc: boolean;
}

function policyFacts(mapping: Mapping, path: string): PolicyFacts {
  const file = fileFacts(mapping, path);
  if (!file.exists || file.local === null) return { path, file, loadable: null, errors: [], rules: null };
  let bytes: Buffer;
  try {
    bytes = readFileSync(file.local);
  } catch {
    return { path, file, loadable: null, errors: [], rules: null };
  }
  const loaded = loadPolicy(bytes, { strict: false });
  return { path, file, loadable: loaded.loadable, errors: loaded.errors.map((e) => ({ message: e.field ? `${e.field}: ${e.message}` : e.message, line: e.line, column: e.column })), rules: loaded.policy?.rules.length ?? null };
}

function webhookServer(local: string | null): string | null {
  if (local === null) return null;
  try {
    return /^\s*server:\s*["']?([^"'\s]+)/m.exec(readFileSync(local, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** CIS 1.2.16–1.2.19 as kube-bench checks them: on the flags themselves, whatever else is set. */
export function cisChecks(view: AuditFlagsView | null): CisResult[] {
  const flags = view?.flags ?? {};
  const int = (name: string): number | null => (flags[name] !== undefined && /^[0-9]+$/.test(flags[name]) ? Number(flags[name]) : null);
  const atLeast = (name: string, min: number): { pass: boolean; detail: string } => {
    const v = int(name);
    return { pass: v !== null && v >= min, detail: flags[name] === undefined ? 'not set' : flags[name] };
  };
  const path = flags['audit-log-path'];
  return [
    { id: '1.2.16', title: 'Ensure that the --audit-log-path argument is set', pass: path !== undefined && path !== '' && path !== '-', detail: path === undefined ? 'not set' : path === '-' ? '- (stdout, not a file)' : path },
    { id: '1.2.17', title: `Ensure that the --audit-log-maxage argument is set to ${CIS_DEFAULTS.logMaxAge} or as appropriate`, ...atLeast('audit-log-maxage', CIS_DEFAULTS.logMaxAge) },
    { id: '1.2.18', title: `Ensure that the --audit-log-maxbackup argument is set to ${CIS_DEFAULTS.logMaxBackup} or as appropriate`, ...atLeast('audit-log-maxbackup', CIS_DEFAULTS.logMaxBackup) },
    { id: '1.2.19', title: `Ensure that the --audit-log-maxsize argument is set to ${CIS_DEFAULTS.logMaxSize} or as appropriate`, ...atLeast('audit-log-maxsize', CIS_DEFAULTS.logMaxSize) },
  ];
}

export function auditStatus(opts: StatusOptions): StatusReport {
  const notes: string[] = [];
  const src = readManifestSource(opts.root, opts.manifest);
  const m = src.manifest;
  const version = versionOfImage(m?.image ?? null);
  const manifestMap = m === null ? null : manifestMapping(opts.root, m);
  const manifestAudit = m === null ? null : viewAuditFlags(m.argv, manifestMap!, version);
  let process: StatusReport['process'] = null;
  if (opts.proc) {
    const procs = findApiserverProcesses(opts.root);
    if (procs.length > 1) notes.push(`${procs.length} kube-apiserver processes run (pids ${procs.map((p) => p.pid).join(', ')}); showing the first. Two on one node often means a second manifest (a backup?) in the manifests directory.`);
    if (procs.length > 0) process = { ...procs[0], audit: viewAuditFlags(procs[0].argv, processMapping(opts.root, procs[0].pid), version) };
    else notes.push('no kube-apiserver process found in /proc');
  }
  const view = process?.audit ?? manifestAudit;
  const mapping = process !== null ? processMapping(opts.root, process.pid) : manifestMap;
  if (process !== null && manifestAudit !== null && JSON.stringify(process.audit.flags) !== JSON.stringify(manifestAudit.flags)) {
    notes.push('the running kube-apiserver has other audit flags than the manifest: the kubelet has not restarted it since the manifest changed (or could not: see kubetrail doctor)');
  }
  if (!src.found && src.error === null) notes.push(`no manifest at ${opts.manifest}`);
  const policy = view?.policyPath && mapping ? policyFacts(mapping, view.policyPath) : null;
  const webhook = view?.webhookConfigPath && mapping ? (() => {
    const file = fileFacts(mapping, view.webhookConfigPath!);
    return { configPath: view.webhookConfigPath!, file, server: webhookServer(file.exists ? file.local : null) };
  })() : null;
  return {
    source: process !== null ? 'process' : m !== null ? 'manifest' : 'none',
    on: view?.on ?? false,
    manifest: { path: opts.manifest, found: src.found, error: src.error, audit: manifestAudit, image: m?.image ?? null },
    process,
    policy,
    log: view?.log ?? null,
    webhook,
    cis: cisChecks(view),
    notes,
  };
}
