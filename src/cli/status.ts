/** `kubetrail status` and `kubetrail doctor`: is audit on, and if not, why (src/apiserver/status). */
import type { Command } from 'commander';
import { auditDoctor, auditStatus, DEFAULT_MANIFEST, type DoctorCheck, type StatusReport } from '../apiserver/index.js';
import { EXIT_ERROR, EXIT_NEGATIVE, EXIT_OK, parseBooleanFlag, parseOutputFormat, write, type CliContext } from './context.js';
import { formatBytes } from './files.js';

function renderStatus(r: StatusReport): string {
  const lines: string[] = [];
  lines.push(`audit: ${r.on ? 'ON' : 'OFF'} (from the ${r.source === 'none' ? 'nothing found' : r.source === 'process' ? `running kube-apiserver, pid ${r.process!.pid}` : `manifest ${r.manifest.path}`})`);
  if (r.manifest.error) lines.push(`manifest: ${r.manifest.path}${r.manifest.error.line ? `:${r.manifest.error.line}:${r.manifest.error.column}` : ''}: ${r.manifest.error.message}`);
  if (r.policy) {
    const p = r.policy;
    lines.push(`policy:  ${p.path} — ${!p.file.exists ? 'MISSING' : p.loadable ? `loads (${p.rules} rules)` : `does NOT load: ${p.errors.slice(0, 2).map((e) => `line ${e.line}: ${e.message}`).join('; ')}`}`);
  }
  if (r.log) {
    const l = r.log;
    const set = (v: number | null, eff: number) => (v === null ? `${eff} (default)` : String(v));
    lines.push(`log:     ${l.path} (${l.format}); maxage ${set(l.maxAge, l.effective.maxAge)}, maxbackup ${set(l.maxBackup, l.effective.maxBackup)}, maxsize ${set(l.maxSize, l.effective.maxSize)} MB${l.compress ? ', compressed' : ''}`);
    if (l.maxAge === null || l.maxBackup === null || l.maxSize === null) lines.push(`         defaults are those of ${l.effective.defaultsOf}`);
    if (l.file) lines.push(`         ${l.file.exists ? `${formatBytes(l.file.size ?? 0)}, last written ${l.file.modified}, ${l.backups} rotated backups` : l.file.local === null ? 'not on a hostPath volume: cannot look at it from here' : 'not written yet'}`);
  }
  if (r.webhook) lines.push(`webhook: ${r.webhook.configPath} → ${r.webhook.server ?? (r.webhook.file.exists ? 'no server named' : 'MISSING')}`);
  for (const c of r.cis) lines.push(`CIS ${c.id} ${c.pass ? 'PASS' : 'FAIL'}: ${c.title} (${c.detail})`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  return `${lines.join('\n')}\n`;
}

const MARK: Record<DoctorCheck['status'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

function renderDoctor(checks: readonly DoctorCheck[]): string {
  let text = '';
  for (const c of checks) {
    text += `[${MARK[c.status]}] ${c.id}: ${c.message}\n`;
    if (c.fix && c.status !== 'ok') text += `       fix: ${c.fix}\n`;
  }
  const fails = checks.filter((c) => c.status === 'fail').length;
  const warns = checks.filter((c) => c.status === 'warn').length;
  return `${text}${fails} failed, ${warns} warnings, ${checks.length} checks\n`;
}

export function registerStatusCommands(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('is audit on? From the manifest and (--proc) the running kube-apiserver: backends, policy, rotation, whether the log is written, CIS 1.2.16–1.2.19 (exit 0 on, 1 off)')
    .option('--root <dir>', "the node's filesystem root (e.g. /host in a pod)", '/')
    .option('--manifest <path>', 'the kube-apiserver static pod manifest on the node', DEFAULT_MANIFEST)
    .option('--proc [bool]', 'also read the running kube-apiserver from /proc (the truth about what runs now)', parseBooleanFlag('proc'), false)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (opts: { root: string; manifest: string; proc: boolean; output: string }) => {
      const format = parseOutputFormat(opts.output, ['text', 'json']);
      const report = auditStatus({ root: opts.root, manifest: opts.manifest, proc: opts.proc });
      await write(ctx.out, format === 'json' ? `${JSON.stringify(report, (k, v) => (k === 'local' ? undefined : v))}\n` : renderStatus(report));
      ctx.exitCode = report.source === 'none' && report.manifest.error !== null ? EXIT_ERROR : report.on ? EXIT_OK : EXIT_NEGATIVE;
    });

  program
    .command('doctor')
    .description('why audit is not working: manifest, mounts, hostPaths, policy, log directory, container state (crictl), kubelet errors (journalctl) — each with a fix (exit 1 when a check fails)')
    .option('--root <dir>', "the node's filesystem root (e.g. /host in a pod)", '/')
    .option('--manifest <path>', 'the kube-apiserver static pod manifest on the node', DEFAULT_MANIFEST)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (opts: { root: string; manifest: string; output: string }) => {
      const format = parseOutputFormat(opts.output, ['text', 'json']);
      const checks = auditDoctor({ root: opts.root, manifest: opts.manifest });
      await write(ctx.out, format === 'json' ? `${JSON.stringify({ ok: !checks.some((c) => c.status === 'fail'), checks })}\n` : renderDoctor(checks));
      ctx.exitCode = checks.some((c) => c.status === 'fail') ? EXIT_NEGATIVE : EXIT_OK;
    });
}
