/**
 * `kubetrail render kind|kubeadm|k0s|k3s`: audit settings as each tool's configuration,
 * fresh or merged into an existing file (--merge), checked against the tool's types
 * before anything is printed or written.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { currentAuditArgs, isManifestError, mergeConfig, RENDER_TARGETS, renderConfig, resolveSettings, validateConfig, type KubeadmApi, type RenderTarget } from '../apiserver/index.js';
import { addAuditSettingsOptions, auditSettingsFromFlags, readLocalFile, readValidPolicy, requestedAuditSettings, type AuditSettingsFlags } from './audit-options.js';
import { EXIT_OK, UsageError, diagnostic, parseBooleanFlag, write, type CliContext } from './context.js';

interface RenderFlags extends AuditSettingsFlags {
  merge?: string;
  write: boolean;
  kubeadmApi?: KubeadmApi;
  policyHostPath?: string;
  logHostDir?: string;
}

export function registerRenderCommand(program: Command, ctx: CliContext): void {
  addAuditSettingsOptions(program.command('render'), 'with --merge, the file\'s current value, else ')
    .description('print audit settings as a kind Cluster, kubeadm ClusterConfiguration, k0s ClusterConfig or k3s config.yaml; --merge adds them to an existing file, keeping its bytes')
    .argument('<target>', RENDER_TARGETS.join(', '))
    .option('--merge <file>', 'add the settings to this existing config instead of printing a new one')
    .option('--write [bool]', 'with --merge: replace the file (atomically) instead of printing the result', parseBooleanFlag('write'), false)
    .addOption(new Option('--kubeadm-api <version>', 'kubeadm config API for a new config (a merge keeps the file\'s own): v1beta3 (extraArgs map) or v1beta4 (name/value list; kubeadm ≥ 1.31)').choices(['v1beta3', 'v1beta4']))
    .option('--policy-host-path <path>', 'kind: the policy file on the machine running kind, mounted into the node (default: the --policy file)')
    .option('--log-host-dir <dir>', 'kind: a directory on the machine running kind to receive the audit logs')
    .action(async (target: string, opts: RenderFlags) => {
      if (!(RENDER_TARGETS as readonly string[]).includes(target)) throw new UsageError(`render ${target}: unknown target; use one of ${RENDER_TARGETS.join(', ')}`);
      const t = target as RenderTarget;
      if (opts.write && opts.merge === undefined) throw new UsageError('--write needs --merge FILE');
      if (readValidPolicy(ctx, opts.policy, opts.strict) === null) return;
      const render = { policyHostFile: resolve(opts.policyHostPath ?? opts.policy), logHostDir: opts.logHostDir && resolve(opts.logHostDir), webhookHostFile: opts.webhookConfig && resolve(opts.webhookConfig), kubeadmApi: opts.kubeadmApi };
      let out: string;
      const file = opts.merge ?? '<output>';
      try {
        if (opts.merge !== undefined) {
          const text = readLocalFile(opts.merge, 'the config to merge into', 16 * 1024 * 1024).toString('utf8');
          const settings = resolveSettings(requestedAuditSettings(opts), currentAuditArgs(t, text));
          out = mergeConfig(t, text, { ...render, settings }).text;
        } else {
          out = renderConfig(t, { ...render, settings: auditSettingsFromFlags(opts) });
        }
      } catch (err) {
        if (isManifestError(err)) {
          if (err.line !== null) ctx.err.write(diagnostic(file, err.line, err.column ?? 1, err.message));
          throw new UsageError(err.line !== null ? `${file}: cannot merge into it; nothing was written` : err.message);
        }
        throw err;
      }
      const problems = validateConfig(t, out);
      if (problems.length > 0) {
        for (const p of problems) ctx.err.write(diagnostic(file, p.line, p.column, `${p.path}: ${p.message}`));
        throw new UsageError(`the ${t} config would not be accepted by ${t} (see above); nothing was written`);
      }
      if (opts.write && opts.merge !== undefined) {
        const temp = join(dirname(opts.merge), `.${basename(opts.merge)}.kubetrail.tmp`);
        writeFileSync(temp, out);
        renameSync(temp, opts.merge);
        await write(ctx.out, `wrote ${opts.merge}\n`);
      } else {
        await write(ctx.out, out);
      }
      ctx.exitCode = EXIT_OK;
    });
}
