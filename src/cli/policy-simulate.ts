/**
 * `kubetrail policy simulate` and `kubetrail policy diff`: a candidate policy replayed over
 * recorded traffic (log files, plain/.gz/EventList, or a store), streamed so a large log
 * is never held in memory.
 */
import type { Command } from 'commander';
import { compilePolicy, policyFeatures, type KubernetesVersion } from '../audit/policy/index.js';
import { PolicyDiff, Simulation, replay, type ReplayOptions, type ReplaySource, type SimulationReport, type WorkerSetup } from '../simulate/index.js';
import { EXIT_NEGATIVE, EXIT_OK, UsageError, diagnostic, parseOutputFormat, write, type CliContext } from './context.js';
import { formatBytes } from './files.js';
import { kubernetesVersionOption, loadPolicyForUse } from './policy-input.js';
import { withStoreErrors } from './store-access.js';

interface SourceFlags {
  log?: string[];
  store?: string;
  workers?: string;
  fullParse?: boolean;
}

function sourceOf(src: SourceFlags): ReplaySource {
  if ((src.log === undefined) === (src.store === undefined)) throw new UsageError('give --log FILE... or --store DIR (one of them)');
  return src.log !== undefined ? { log: src.log } : { store: src.store! };
}

function workersOf(src: SourceFlags): number | undefined {
  if (src.workers === undefined) return undefined;
  const n = Number(src.workers);
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new UsageError(`--workers: ${JSON.stringify(src.workers)} is not a whole number from 0 to 64`);
  return n;
}

/** Replay options: diagnostics for lines that are not events, progress on a terminal. */
function replayOptions(ctx: CliContext, src: SourceFlags): ReplayOptions {
  const tty = (ctx.err as { isTTY?: boolean }).isTTY === true;
  const started = Date.now();
  return {
    workers: workersOf(src),
    onProblem: (file, line, column, message) => ctx.err.write(diagnostic(file, line, column, message)),
    onProgress: tty
      ? (done, total) => {
          const secs = Math.max(0.001, (Date.now() - started) / 1000);
          const pctText = total ? ` (${((100 * done) / total).toFixed(0)}%)` : '';
          ctx.err.write(`\r\x1b[Kreplaying: ${formatBytes(done)}${total ? ` of ${formatBytes(total)}` : ''}${pctText}, ${formatBytes(done / secs)}/s`);
          if (total !== null && done >= total) ctx.err.write('\r\x1b[K');
        }
      : undefined,
  };
}

async function candidate(ctx: CliContext, file: string, version: KubernetesVersion | undefined) {
  const loaded = await loadPolicyForUse(ctx, file, version);
  if (loaded === null) return null;
  const wildcardGroup = policyFeatures(version).wildcardGroup;
  return { policy: loaded.policy!, wildcardGroup, compiled: compilePolicy(loaded.policy!, { wildcardGroup }) };
}

const pct = (a: number, b: number) => (b === 0 ? '0.0' : ((100 * a) / b).toFixed(1));

function renderReport(r: SimulationReport): string {
  let t = `input: ${r.input.events.toLocaleString('en')} events, ${formatBytes(r.input.bytes)}${r.span.from ? ` (${r.span.from} → ${r.span.to})` : ''}\n`;
  t += `kept:    ${r.kept.events.toLocaleString('en')} events (${pct(r.kept.events, r.input.events)}%), ${formatBytes(r.bytesAfter)} at the new levels${r.lowerBound ? ' (a lower bound: some events were recorded at a lower level than the new policy logs them)' : ''}\n`;
  t += `dropped: ${r.dropped.events.toLocaleString('en')} events (${pct(r.dropped.events, r.input.events)}%)\n`;
  if (r.rates) t += `rate: ${r.rates.before.eventsPerSecond.toFixed(1)} → ${r.rates.after.eventsPerSecond.toFixed(1)} events/s; ${r.rates.before.gbPerDay.toFixed(2)} → ${r.rates.after.gbPerDay.toFixed(2)} GB/day\n`;
  t += '\nper rule (recorded events that match it → kept at its level):\n';
  for (const row of r.byRule) t += `  ${row.matched.events.toLocaleString('en').padStart(9)} → ${row.kept.events.toLocaleString('en').padStart(9)}  ${formatBytes(row.matched.bytes).padStart(10)} → ${formatBytes(row.bytesAfter).padStart(10)}  ${row.description}\n`;
  for (const [title, rows] of [['per user', r.byUser], ['per resource', r.byResource]] as const) {
    t += `\n${title} (largest first: events and bytes before → after):\n`;
    for (const row of rows) t += `  ${row.before.events.toLocaleString('en').padStart(9)} → ${row.after.events.toLocaleString('en').padStart(9)}  ${formatBytes(row.before.bytes).padStart(10)} → ${formatBytes(row.after.bytes).padStart(10)}  ${row.key}\n`;
  }
  t += '\ncoverage:\n';
  if (r.coverage.length === 0) t += '  nothing a security team watches for is dropped\n';
  for (const c of r.coverage) t += `  ${c.id === 'secret-bodies-logged' ? 'LEAK' : 'GAP '} ${c.title}: ${c.events} events (e.g. auditID ${c.examples.join(', ')})\n`;
  if (r.skipped) t += `\n${r.skipped} lines or items were not audit events (see the diagnostics above)\n`;
  return t;
}

export function registerSimulateCommands(policy: Command, ctx: CliContext): void {
  policy
    .command('simulate')
    .description('replay recorded traffic through a candidate policy: what it keeps and drops per rule, user and resource, the volume before and after, and the coverage a security team needs')
    .requiredOption('-f, --filename <file>', 'the candidate policy')
    .option('--log <files...>', 'audit logs (plain, .gz, JSON lines or EventList; rotated backups in time order)')
    .option('--store <dir>', 'a store instead of log files')
    .option('--workers <n>', 'worker threads (default: one per core; 0: none)')
    .option('--full-parse', 'read every event with the full JSON parser (slower; the reference the fast scanner is checked against)')
    .option('--top <n>', 'rows per user and resource', '10')
    .option('--kubernetes-version <version>', "follow this release's behaviour (default: the newest)")
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (opts: SourceFlags & { filename: string; top: string; kubernetesVersion?: string; output: string }) => {
      const format = parseOutputFormat(opts.output, ['text', 'json']);
      const c = await candidate(ctx, opts.filename, kubernetesVersionOption(opts.kubernetesVersion));
      if (c === null) {
        ctx.exitCode = EXIT_NEGATIVE;
        return;
      }
      const source = sourceOf(opts);
      const sim = new Simulation(c.policy, c.compiled);
      const setup: WorkerSetup = { mode: 'simulate', policies: [c.policy], wildcardGroup: c.wildcardGroup, fullParse: opts.fullParse === true };
      await withStoreErrors(ctx, () => replay(sim, setup, source, replayOptions(ctx, opts)));
      const report = sim.report(Math.max(1, Number(opts.top) || 10));
      await write(ctx.out, format === 'json' ? `${JSON.stringify(report)}\n` : renderReport(report));
      ctx.exitCode = EXIT_OK;
    });

  policy
    .command('diff')
    .description('which recorded traffic two policies log at different levels')
    .argument('<a>', 'the current policy')
    .argument('<b>', 'the candidate policy')
    .option('--log <files...>', 'audit logs')
    .option('--store <dir>', 'a store instead of log files')
    .option('--workers <n>', 'worker threads (default: one per core; 0: none)')
    .option('--full-parse', 'read every event with the full JSON parser (slower; the reference the fast scanner is checked against)')
    .option('--kubernetes-version <version>', "follow this release's behaviour (default: the newest)")
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (a: string, b: string, opts: SourceFlags & { kubernetesVersion?: string; output: string }) => {
      const format = parseOutputFormat(opts.output, ['text', 'json']);
      const version = kubernetesVersionOption(opts.kubernetesVersion);
      const pa = await candidate(ctx, a, version);
      const pb = await candidate(ctx, b, version);
      if (pa === null || pb === null) {
        ctx.exitCode = EXIT_NEGATIVE;
        return;
      }
      const source = sourceOf(opts);
      const diff = new PolicyDiff(pa.compiled, pb.compiled);
      const setup: WorkerSetup = { mode: 'diff', policies: [pa.policy, pb.policy], wildcardGroup: pa.wildcardGroup, fullParse: opts.fullParse === true };
      await withStoreErrors(ctx, () => replay(diff, setup, source, replayOptions(ctx, opts)));
      const { events: total, changed, skipped, cells: rows } = diff.report();
      if (format === 'json') await write(ctx.out, `${JSON.stringify({ events: total, changed, skipped, cells: rows })}\n`);
      else {
        let t = `${total.toLocaleString('en')} events; ${changed.toLocaleString('en')} (${pct(changed, total)}%) change level from ${a} to ${b}\n`;
        for (const r of rows) {
          t += `  ${r.from.padEnd(20)} → ${r.to.padEnd(20)} ${r.events.toLocaleString('en').padStart(9)} events ${formatBytes(r.bytes).padStart(10)}\n`;
          for (const g of r.top) t += `      ${g.events.toLocaleString('en').padStart(7)}  ${g.group}\n`;
        }
        await write(ctx.out, t);
      }
      ctx.exitCode = EXIT_OK;
    });
}
