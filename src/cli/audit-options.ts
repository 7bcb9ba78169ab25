/**
 * The audit settings flags that `enable` and `render` share, and their parsing into
 * AuditSettings. One definition so both commands spell, default and document them alike.
 */
import { Option, type Command } from 'commander';
import { APISERVER_LOG_DEFAULTS, CIS_DEFAULTS, defaultAuditSettings, type AuditSettings } from '../apiserver/index.js';
import { UsageError, parseBooleanFlag } from './context.js';

export interface AuditSettingsFlags {
  policy: string;
  policyPath: string;
  logPath?: string;
  logMaxage: string;
  logMaxbackup: string;
  logMaxsize: string;
  logCompress: boolean;
  logFormat: string;
  webhookConfig?: string;
}

const apiserverDefaults =
  `kube-apiserver's own defaults are maxage ${APISERVER_LOG_DEFAULTS.before136.maxAge}, maxbackup ${APISERVER_LOG_DEFAULTS.before136.maxBackup}, ` +
  `maxsize ${APISERVER_LOG_DEFAULTS.before136.maxSize} (never rotate) up to 1.35, and maxage ${APISERVER_LOG_DEFAULTS.since136.maxAge}, ` +
  `maxbackup ${APISERVER_LOG_DEFAULTS.since136.maxBackup}, maxsize ${APISERVER_LOG_DEFAULTS.since136.maxSize} since 1.36; kubetrail writes the CIS values explicitly so the result does not depend on the version`;

/** Adds --policy, --policy-path, --log-*, --webhook-config to a command. */
export function addAuditSettingsOptions(command: Command): Command {
  return command
    .requiredOption('--policy <file>', 'the audit policy to install (a local file; validated first, an invalid one is refused)')
    .option('--policy-path <path>', 'where kube-apiserver reads the policy (--audit-policy-file)', CIS_DEFAULTS.policyPath)
    .option('--log-path <path>', `the audit log (--audit-log-path); - logs to stdout (default ${CIS_DEFAULTS.logPath}, or none when only --webhook-config is given)`)
    .option('--log-maxage <days>', `days to keep rotated logs (CIS 1.2.17: ≥ 30). ${apiserverDefaults}`, String(CIS_DEFAULTS.logMaxAge))
    .option('--log-maxbackup <n>', 'rotated logs to keep (CIS 1.2.18: ≥ 10)', String(CIS_DEFAULTS.logMaxBackup))
    .option('--log-maxsize <MB>', 'rotate at this size in megabytes (CIS 1.2.19: ≥ 100; 0 never rotates)', String(CIS_DEFAULTS.logMaxSize))
    .addOption(new Option('--log-compress [bool]', 'gzip rotated logs (--audit-log-compress)').argParser(parseBooleanFlag('log-compress')).default(false))
    .addOption(new Option('--no-log-compress', 'do not gzip rotated logs'))
    .addOption(new Option('--log-format <format>', '--audit-log-format').choices(['json', 'legacy']).default('json'))
    .option('--webhook-config <file>', 'a kubeconfig for the webhook backend (--audit-webhook-config-file), as kube-apiserver sees it');
}

function nonNegativeInteger(flag: string, value: string): number {
  if (!/^(0|[1-9][0-9]{0,8})$/.test(value)) throw new UsageError(`--${flag} ${JSON.stringify(value)}: expected a whole number ≥ 0`);
  return Number(value);
}

function absoluteHostPath(flag: string, value: string): string {
  if (!value.startsWith('/')) throw new UsageError(`--${flag} ${JSON.stringify(value)}: must be an absolute path as kube-apiserver sees it`);
  if (/[\0\n\r]/.test(value)) throw new UsageError(`--${flag}: the path contains a NUL or line break`);
  return value;
}

/** Turns the parsed flags into settings; every bad value is a UsageError naming its flag. */
export function auditSettingsFromFlags(flags: AuditSettingsFlags): AuditSettings {
  const webhookConfigPath = flags.webhookConfig === undefined ? null : absoluteHostPath('webhook-config', flags.webhookConfig);
  let logPath: string | null;
  if (flags.logPath === undefined) logPath = webhookConfigPath === null ? CIS_DEFAULTS.logPath : null;
  else if (flags.logPath === '-') logPath = '-';
  else logPath = absoluteHostPath('log-path', flags.logPath);
  return defaultAuditSettings({
    policyPath: absoluteHostPath('policy-path', flags.policyPath),
    logPath,
    logMaxAge: nonNegativeInteger('log-maxage', flags.logMaxage),
    logMaxBackup: nonNegativeInteger('log-maxbackup', flags.logMaxbackup),
    logMaxSize: nonNegativeInteger('log-maxsize', flags.logMaxsize),
    logCompress: flags.logCompress,
    logFormat: flags.logFormat === 'legacy' ? 'legacy' : 'json',
    webhookConfigPath,
  });
}
