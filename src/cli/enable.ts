/**
 * `kubetrail enable`, `disable`, `rollback`: audit on and off in a kube-apiserver static
 * pod manifest, safely (src/apiserver/enable.ts). Thin: flags in, library call, report out.
 */
import type { Command } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { DEFAULT_BACKUP_DIR, DEFAULT_MANIFEST, disableAudit, enableAudit, isManifestError, rollbackManifest, type ManifestResult } from '../apiserver/index.js';
import { addAuditSettingsOptions, readLocalFile, readValidPolicy, requestedAuditSettings, type AuditSettingsFlags } from './audit-options.js';
import { EXIT_OK, UsageError, diagnostic, parseBooleanFlag, parseOutputFormat, write, type CliContext } from './context.js';

interface HostFlags {
  root: string;
  manifest: string;
  backupDir: string;
  dryRun: boolean;
  output: string;
}

function addHostOptions(command: Command): Command {
  return command
    .option('--root <dir>', "the node's filesystem root: host paths (--manifest, --policy-path, --log-path, …) resolve inside it (e.g. /host in a pod)", '/')
    .option('--manifest <path>', 'the kube-apiserver static pod manifest on the node', DEFAULT_MANIFEST)
    .option('--backup-dir <path>', 'where backups go on the node (never the manifests directory: the kubelet would run them)', DEFAULT_BACKUP_DIR)
    .option('--dry-run [bool]', 'print the change as a unified diff; write nothing', parseBooleanFlag('dry-run'), false)
    .option('-o, --output <format>', 'text or json', 'text');
}

/** ManifestErrors become `manifest:line:column: message` and exit 2; the file was not touched. */
function manifestErrors(ctx: CliContext, manifest: string, action: () => Promise<void> | void): Promise<void> {
  return Promise.resolve()
    .then(action)
    .catch((err: unknown) => {
      if (isManifestError(err)) {
        if (err.line !== null) ctx.err.write(diagnostic(manifest, err.line, err.column ?? 1, err.message));
        throw new UsageError(err.line !== null ? `${manifest}: refused; the file was left as it was` : `${err.message}`);
      }
      throw err;
    });
}

async function report(ctx: CliContext, verb: string, flags: HostFlags, result: ManifestResult, extra: Record<string, unknown> = {}): Promise<void> {
  const format = parseOutputFormat(flags.output, ['text', 'json']);
  if (format === 'json') {
    const { before: _b, after: _a, ...rest } = result;
    await write(ctx.out, `${JSON.stringify({ ...rest, ...extra })}\n`);
  } else if (flags.dryRun) {
    await write(ctx.out, result.changed ? createTwoFilesPatch(result.manifest, result.manifest, result.before, result.after, '', '', { context: 3 }) : `${result.manifest}: no change\n`);
    for (const f of result.installed.filter((i) => i.changed)) await write(ctx.out, `would write ${f.path}\n`);
  } else {
    const c = result.changes;
    const parts = [
      c.flagsAdded.length && `added ${c.flagsAdded.map((f) => `--${f}`).join(', ')}`,
      c.flagsUpdated.length && `updated ${c.flagsUpdated.map((f) => `--${f.name} (${f.from} → ${f.to})`).join(', ')}`,
      c.flagsRemoved.length && `removed ${c.flagsRemoved.map((f) => `--${f}`).join(', ')}`,
      c.mountsAdded.length && `mounted ${c.mountsAdded.join(', ')}`,
      c.mountsRemoved.length && `unmounted ${c.mountsRemoved.join(', ')}`,
      c.volumesRemoved.length && `removed volumes ${c.volumesRemoved.join(', ')}`,
    ].filter(Boolean);
    let text = result.changed ? `${verb} ${result.manifest}: ${parts.join('; ') || 'updated'}\nbackup: ${result.backup}\n` : `${result.manifest}: already as asked; nothing changed\n`;
    for (const f of result.installed.filter((i) => i.changed)) text += `wrote ${f.path}\n`;
    if (result.changed) text += 'the kubelet restarts kube-apiserver from the new manifest within a minute; check with: kubetrail status\n';
    await write(ctx.out, text);
  }
}

export function registerEnableCommands(program: Command, ctx: CliContext): void {
  addHostOptions(addAuditSettingsOptions(program.command('enable'), 'the manifest\'s current value, else '))
    .description('turn audit on in the kube-apiserver static pod manifest: install the policy, set the --audit-* flags, mount what they need; atomic, with a backup outside the manifests directory')
    .action(async (opts: HostFlags & AuditSettingsFlags) => {
      parseOutputFormat(opts.output, ['text', 'json']);
      const policy = readValidPolicy(ctx, opts.policy, opts.strict);
      if (policy === null) return;
      const webhookConfig = opts.webhookConfig === undefined ? undefined : readLocalFile(opts.webhookConfig, 'the webhook kubeconfig', 1024 * 1024);
      const settings = requestedAuditSettings(opts);
      await manifestErrors(ctx, opts.manifest, async () => {
        const result = enableAudit({ root: opts.root, manifest: opts.manifest, backupDir: opts.backupDir, dryRun: opts.dryRun, settings, policy, webhookConfig });
        await report(ctx, 'enabled audit in', opts, result);
        ctx.exitCode = EXIT_OK;
      });
    });

  addHostOptions(program.command('disable'))
    .description('remove every --audit-* flag and the mounts and volumes that served only them (enable then disable gives back the original bytes)')
    .action(async (opts: HostFlags) => {
      await manifestErrors(ctx, opts.manifest, async () => {
        const result = disableAudit({ root: opts.root, manifest: opts.manifest, backupDir: opts.backupDir, dryRun: opts.dryRun });
        await report(ctx, 'disabled audit in', opts, result);
        ctx.exitCode = EXIT_OK;
      });
    });

  addHostOptions(program.command('rollback'))
    .description('restore the newest backup of the manifest (the current file is backed up first, so a second rollback undoes the first)')
    .action(async (opts: HostFlags) => {
      await manifestErrors(ctx, opts.manifest, async () => {
        const result = rollbackManifest({ root: opts.root, manifest: opts.manifest, backupDir: opts.backupDir, dryRun: opts.dryRun });
        await report(ctx, `restored ${result.restored} to`, opts, result, { restored: result.restored });
        ctx.exitCode = EXIT_OK;
      });
    });
}
