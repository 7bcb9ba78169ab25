/** `kubetrail policy lint`: leaks, blind spots, noise and dead rules, as text, JSON or SARIF. */
import type { Command } from 'commander';
import { hasFindingAtLeast, lintPolicySource, toSarif, type CisControl, type LintFinding, type LintSeverity } from '../audit/policy/lint/index.js';
import { diagnostic, EXIT_NEGATIVE, EXIT_OK, parseOutputFormat, UsageError, write, type CliContext } from './context.js';
import { kubernetesVersionOption, readPolicyBytes } from './policy-input.js';
import { VERSION } from './version.js';

const SEVERITIES: readonly LintSeverity[] = ['error', 'warning', 'info'];

export function registerLintCommand(policy: Command, ctx: CliContext): void {
  policy
    .command('lint')
    .description('find secrets logged with bodies, security requests dropped, noise, shadowed and dead rules; CIS 3.2.1/3.2.2 (exit 0 clean, 1 findings at or above --fail-on, 2 unreadable)')
    .requiredOption('-f, --filename <file>', 'policy file (YAML or JSON; - for stdin)')
    .option('-o, --output <format>', 'text|json|sarif (SARIF 2.1.0, for GitHub code scanning)', 'text')
    .option('--kubernetes-version <version>', "follow this release's behaviour (default: the newest, 1.36)")
    .option('--fail-on <severity>', 'exit 1 when a finding is at least this severe: error|warning|info', 'error')
    .action(async (opts: { filename: string; output: string; kubernetesVersion?: string; failOn: string }) => {
      const format = parseOutputFormat(opts.output, ['text', 'json', 'sarif']);
      if (!(SEVERITIES as readonly string[]).includes(opts.failOn)) throw new UsageError(`--fail-on ${opts.failOn}: use one of ${SEVERITIES.join(', ')}`);
      const failOn = opts.failOn as LintSeverity;
      const kubernetesVersion = kubernetesVersionOption(opts.kubernetesVersion);
      const bytes = await readPolicyBytes(opts.filename);
      const result = lintPolicySource(bytes, { kubernetesVersion });
      const file = opts.filename;

      // Diagnostics for editors and CI annotators. On one interactive terminal the text
      // report already shows the same lines, so they are not printed twice.
      const sameTerminal = format === 'text' && isTTY(ctx.out) && isTTY(ctx.err);
      if (!sameTerminal) for (const f of result.findings) ctx.err.write(diagnostic(file, f.line, f.column, `${f.severity}: [${f.id}] ${f.message}`));
      if (!result.loadable) ctx.err.write(`kubetrail: ${file}: kube-apiserver would refuse this policy\n`);

      if (format === 'json') {
        await write(ctx.out, `${JSON.stringify({ file, loadable: result.loadable, findings: result.findings, cis: result.cis, summary: counts(result.findings) })}\n`);
      } else if (format === 'sarif') {
        await write(ctx.out, `${JSON.stringify(toSarif(result.findings, { file, toolVersion: VERSION, cis: result.cis }), null, 2)}\n`);
      } else {
        await write(ctx.out, renderText(file, result.findings, result.cis));
      }
      ctx.exitCode = !result.loadable || hasFindingAtLeast(result.findings, failOn) ? EXIT_NEGATIVE : EXIT_OK;
    });
}

function isTTY(stream: unknown): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

function counts(findings: readonly LintFinding[]): Record<LintSeverity, number> {
  return { error: findings.filter((f) => f.severity === 'error').length, warning: findings.filter((f) => f.severity === 'warning').length, info: findings.filter((f) => f.severity === 'info').length };
}

function renderText(file: string, findings: readonly LintFinding[], cis: readonly CisControl[]): string {
  let text = findings.map((f) => diagnostic(file, f.line, f.column, `${f.severity}: [${f.id}] ${f.message}`)).join('');
  for (const control of cis) text += `${control.title}: ${control.passed ? 'pass' : `FAIL (see [${control.id}])`}\n`;
  const n = counts(findings);
  const plural = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  text += `${file}: ${plural(n.error, 'error')}, ${plural(n.warning, 'warning')}, ${plural(n.info, 'info')}\n`;
  return text;
}
