/**
 * The audit settings flags that `enable` and `render` share, and their parsing. One
 * definition so both commands spell, default and document them alike. Unset values stay
 * undefined here: enable fills them from the manifest's current flags (so re-running it
 * keeps a cluster's paths), render from the CIS defaults.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { APISERVER_LOG_DEFAULTS, CIS_DEFAULTS, defaultAuditSettings, type AuditSettings } from '../apiserver/index.js';
import { loadPolicy, formatIssue } from '../audit/policy/index.js';
import { EXIT_NEGATIVE, UsageError, diagnostic, parseBooleanFlag, type CliContext } from './context.js';
import { describeFsError, MAX_POLICY_BYTES } from './files.js';

export const DEFAULT_WEBHOOK_CONFIG_PATH = '/etc/kubernetes/audit-webhook-kubeconfig.yaml';

export interface AuditSettingsFlags {
  policy: string;
  policyPath?: string;
  logPath?: string;
  logMaxage?: string;
  logMaxbackup?: string;
  logMaxsize?: string;
  logCompress?: boolean;
  logFormat?: string;
  webhookConfig?: string;
  webhookConfigPath?: string;
  strict: boolean;
}

const apiserverDefaults =
  `kube-apiserver's own defaults: maxage ${APISERVER_LOG_DEFAULTS.before136.maxAge}, maxbackup ${APISERVER_LOG_DEFAULTS.before136.maxBackup}, ` +
  `maxsize ${APISERVER_LOG_DEFAULTS.before136.maxSize} (never rotate, keep forever) up to 1.35; maxage ${APISERVER_LOG_DEFAULTS.since136.maxAge}, ` +
  `maxbackup ${APISERVER_LOG_DEFAULTS.since136.maxBackup}, maxsize ${APISERVER_LOG_DEFAULTS.since136.maxSize} since 1.36 — kubetrail writes the CIS values explicitly so the result does not depend on the version`;

/** Adds --policy, --policy-path, --log-*, --webhook-config[-path], --strict to a command. */
export function addAuditSettingsOptions(command: Command, existingNote = ''): Command {
  return command
    .requiredOption('--policy <file>', 'the audit policy (a local file; validated first, an invalid one is refused)')
    .option('--policy-path <path>', `where kube-apiserver reads the policy (--audit-policy-file; default ${existingNote}${CIS_DEFAULTS.policyPath})`)
    .option('--log-path <path>', `the audit log (--audit-log-path); - logs to stdout (default ${existingNote}${CIS_DEFAULTS.logPath}, or none when only a webhook is configured)`)
    .option('--log-maxage <days>', `days to keep rotated logs (default ${existingNote}${CIS_DEFAULTS.logMaxAge}, CIS 1.2.17: ≥ 30). ${apiserverDefaults}`)
    .option('--log-maxbackup <n>', `rotated logs to keep (default ${existingNote}${CIS_DEFAULTS.logMaxBackup}, CIS 1.2.18: ≥ 10)`)
    .option('--log-maxsize <MB>', `rotate at this size in megabytes (default ${existingNote}${CIS_DEFAULTS.logMaxSize}, CIS 1.2.19: ≥ 100; 0 never rotates)`)
    .addOption(new Option('--log-compress [bool]', 'gzip rotated logs (--audit-log-compress)').argParser(parseBooleanFlag('log-compress')))
    .addOption(new Option('--no-log-compress', 'do not gzip rotated logs'))
    .addOption(new Option('--log-format <format>', '--audit-log-format (default json)').choices(['json', 'legacy']))
    .option('--webhook-config <file>', 'a local kubeconfig for the webhook backend (see kubetrail webhook-config), installed at --webhook-config-path')
    .option('--webhook-config-path <path>', `where kube-apiserver reads the webhook kubeconfig (--audit-webhook-config-file; default ${DEFAULT_WEBHOOK_CONFIG_PATH})`)
    .option('--strict [bool]', 'refuse a policy with unknown or repeated fields, which kube-apiserver silently drops (--strict=false accepts what kube-apiserver accepts)', parseBooleanFlag('strict'), true);
}

function nonNegativeInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^(0|[1-9][0-9]{0,8})$/.test(value)) throw new UsageError(`--${flag} ${JSON.stringify(value)}: expected a whole number ≥ 0`);
  return Number(value);
}

function absolutePath(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!value.startsWith('/')) throw new UsageError(`--${flag} ${JSON.stringify(value)}: must be an absolute path as kube-apiserver sees it`);
  if (/[\0\n\r]/.test(value)) throw new UsageError(`--${flag}: the path contains a NUL or line break`);
  return value;
}

/** Only what was given on the command line (enable fills the rest from the manifest). */
export function requestedAuditSettings(flags: AuditSettingsFlags): Partial<AuditSettings> {
  const out: Partial<AuditSettings> = {};
  const set = <K extends keyof AuditSettings>(k: K, v: AuditSettings[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('policyPath', absolutePath('policy-path', flags.policyPath));
  set('logPath', flags.logPath === '-' ? '-' : absolutePath('log-path', flags.logPath));
  set('logMaxAge', nonNegativeInteger('log-maxage', flags.logMaxage));
  set('logMaxBackup', nonNegativeInteger('log-maxbackup', flags.logMaxbackup));
  set('logMaxSize', nonNegativeInteger('log-maxsize', flags.logMaxsize));
  set('logCompress', flags.logCompress);
  if (flags.logFormat !== undefined) out.logFormat = flags.logFormat === 'legacy' ? 'legacy' : 'json';
  if (flags.webhookConfig !== undefined || flags.webhookConfigPath !== undefined) {
    out.webhookConfigPath = absolutePath('webhook-config-path', flags.webhookConfigPath) ?? DEFAULT_WEBHOOK_CONFIG_PATH;
  }
  return out;
}

/** Complete settings: what was given, else the CIS defaults (render, which has no manifest to read). */
export function auditSettingsFromFlags(flags: AuditSettingsFlags): AuditSettings {
  const requested = requestedAuditSettings(flags);
  return defaultAuditSettings({ ...requested, logPath: requested.logPath !== undefined ? requested.logPath : requested.webhookConfigPath !== undefined ? null : CIS_DEFAULTS.logPath });
}

export function readLocalFile(path: string, what: string, limit = MAX_POLICY_BYTES): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UsageError(`${path}: cannot read ${what}: ${describeFsError(err)}`);
  }
  if (bytes.length > limit) throw new UsageError(`${path}: ${what} is ${bytes.length} bytes, more than the ${limit} accepted`);
  return bytes;
}

/**
 * Reads and validates the policy as kube-apiserver would load it. Returns null (after
 * printing each error as file:line:column and setting exit 1) when it is refused.
 */
export function readValidPolicy(ctx: CliContext, path: string, strict: boolean): Buffer | null {
  const bytes = readLocalFile(path, 'the policy');
  const loaded = loadPolicy(bytes, { strict });
  if (loaded.valid) return bytes;
  for (const e of loaded.errors) ctx.err.write(diagnostic(path, e.line, e.column, formatIssue(e)));
  ctx.err.write(`kubetrail: ${path}: the policy is invalid${loaded.loadable ? ' under --strict (kube-apiserver would load it, silently dropping what is flagged; fix it or pass --strict=false)' : ' (kube-apiserver would refuse to start with it)'}; nothing was changed\n`);
  ctx.exitCode = EXIT_NEGATIVE;
  return null;
}
