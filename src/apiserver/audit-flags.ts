/**
 * The `--audit-*` flags of kube-apiserver and the settings kubetrail turns them into.
 * Facts from k8s.io/apiserver pkg/server/options/audit.go: flags are pflag flags, so a
 * value may follow as `--flag=value` or as the next argument, except for booleans, which
 * take only `--flag` or `--flag=value` (a following word is a positional argument).
 *
 * This file is pure (no I/O): enable, render, status and doctor all build on it, so every
 * command agrees on which flags exist, what they default to and in which order they go.
 */

/** Every `--audit-*` flag kube-apiserver knows (1.19 and later), without the dashes. */
export const AUDIT_FLAG_NAMES: readonly string[] = [
  'audit-policy-file',
  'audit-log-path',
  'audit-log-maxage',
  'audit-log-maxbackup',
  'audit-log-maxsize',
  'audit-log-compress',
  'audit-log-format',
  'audit-log-version',
  ...backendTuningFlags('log'),
  'audit-webhook-config-file',
  'audit-webhook-initial-backoff',
  'audit-webhook-batch-initial-backoff',
  'audit-webhook-version',
  ...backendTuningFlags('webhook'),
];

function backendTuningFlags(plugin: 'log' | 'webhook'): string[] {
  return [
    'mode',
    'batch-buffer-size',
    'batch-max-size',
    'batch-max-wait',
    'batch-throttle-enable',
    'batch-throttle-qps',
    'batch-throttle-burst',
    'truncate-enabled',
    'truncate-max-batch-size',
    'truncate-max-event-size',
  ].map((suffix) => `audit-${plugin}-${suffix}`);
}

/** pflag booleans: they never consume the next argument as their value. */
export const AUDIT_BOOLEAN_FLAGS: ReadonlySet<string> = new Set([
  'audit-log-compress',
  'audit-log-batch-throttle-enable',
  'audit-log-truncate-enabled',
  'audit-webhook-batch-throttle-enable',
  'audit-webhook-truncate-enabled',
]);

/** True for any flag name starting with `audit-` (unknown future ones included, so disable removes them too). */
export function isAuditFlag(name: string): boolean {
  return name.startsWith('audit-');
}

export type AuditLogFormat = 'json' | 'legacy';

/** What kubetrail asks kube-apiserver to do. Paths are as kube-apiserver (inside its container) sees them. */
export interface AuditSettings {
  /** --audit-policy-file */
  policyPath: string;
  /** --audit-log-path; '-' logs to stdout; null leaves the log backend off (webhook only). */
  logPath: string | null;
  logMaxAge: number;
  logMaxBackup: number;
  logMaxSize: number;
  logCompress: boolean;
  logFormat: AuditLogFormat;
  /** --audit-webhook-config-file, or null. */
  webhookConfigPath: string | null;
}

/** CIS Kubernetes Benchmark 1.2.16–1.2.19: a log path, maxage ≥ 30, maxbackup ≥ 10, maxsize ≥ 100. */
export const CIS_DEFAULTS = {
  policyPath: '/etc/kubernetes/audit-policy.yaml',
  logPath: '/var/log/kubernetes/audit/audit.log',
  logMaxAge: 30,
  logMaxBackup: 10,
  logMaxSize: 100,
} as const;

/**
 * kube-apiserver's own rotation defaults. Until 1.35 all three were 0 (keep every file
 * forever, never rotate); 1.36 changed them to maxage 366, maxbackup 100, maxsize 100 MB.
 * maxsize 0 still means "never rotate".
 */
export const APISERVER_LOG_DEFAULTS = {
  before136: { maxAge: 0, maxBackup: 0, maxSize: 0 },
  since136: { maxAge: 366, maxBackup: 100, maxSize: 100 },
} as const;

export function defaultAuditSettings(overrides: Partial<AuditSettings> = {}): AuditSettings {
  return {
    policyPath: CIS_DEFAULTS.policyPath,
    logPath: CIS_DEFAULTS.logPath,
    logMaxAge: CIS_DEFAULTS.logMaxAge,
    logMaxBackup: CIS_DEFAULTS.logMaxBackup,
    logMaxSize: CIS_DEFAULTS.logMaxSize,
    logCompress: false,
    logFormat: 'json',
    webhookConfigPath: null,
    ...overrides,
  };
}

/**
 * The flags for these settings, in the order kubetrail writes them (kubeadm sorts flags by
 * name, so this order is alphabetical too). Rotation flags are left out when the log goes
 * to stdout ('-'), where kube-apiserver ignores them; `--audit-log-compress` appears only
 * when true, as pflag booleans are usually written.
 */
export function auditFlagsFor(settings: AuditSettings): Array<[name: string, value: string]> {
  const flags: Array<[string, string]> = [];
  if (settings.logPath !== null) {
    if (settings.logPath !== '-' && settings.logCompress) flags.push(['audit-log-compress', 'true']);
    flags.push(['audit-log-format', settings.logFormat]);
    if (settings.logPath !== '-') {
      flags.push(['audit-log-maxage', String(settings.logMaxAge)]);
      flags.push(['audit-log-maxbackup', String(settings.logMaxBackup)]);
      flags.push(['audit-log-maxsize', String(settings.logMaxSize)]);
    }
    flags.push(['audit-log-path', settings.logPath]);
  }
  flags.push(['audit-policy-file', settings.policyPath]);
  if (settings.webhookConfigPath !== null) flags.push(['audit-webhook-config-file', settings.webhookConfigPath]);
  return flags;
}

/** One flag as found in a container's command line. */
export interface FoundFlag {
  name: string;
  /** null for a bare boolean (`--audit-log-compress`). */
  value: string | null;
  /** Index of the argument holding `--name`. */
  index: number;
  /** 'equals' = `--name=value`; 'separate' = value in the next argument; 'bare' = no value. */
  form: 'equals' | 'separate' | 'bare';
}

/**
 * Reads `--flag=value` / `--flag value` / `--flag` from an argument list the way pflag
 * does for kube-apiserver's flags. `isBoolean` decides whether a flag may take the next
 * argument as its value (default: the audit booleans above; any other `--x` followed by a
 * non-flag word is taken as `--x word`). Stops at `--`.
 */
export function readFlags(argv: readonly string[], isBoolean: (name: string) => boolean = (n) => AUDIT_BOOLEAN_FLAGS.has(n)): FoundFlag[] {
  const found: FoundFlag[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (!arg.startsWith('--') || arg.length === 2) continue;
    const eq = arg.indexOf('=');
    if (eq > 0) {
      found.push({ name: arg.slice(2, eq), value: arg.slice(eq + 1), index: i, form: 'equals' });
      continue;
    }
    const name = arg.slice(2);
    const next = argv[i + 1];
    if (!isBoolean(name) && next !== undefined && !next.startsWith('-')) {
      found.push({ name, value: next, index: i, form: 'separate' });
      i++;
    } else {
      found.push({ name, value: null, index: i, form: 'bare' });
    }
  }
  return found;
}

/** The audit flags in an argument list, last one winning as in pflag. */
export function auditFlagMap(argv: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const flag of readFlags(argv)) {
    if (isAuditFlag(flag.name)) map.set(flag.name, flag.value ?? 'true');
  }
  return map;
}
