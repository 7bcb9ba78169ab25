/**
 * `kubetrail policy simulate` and `kubetrail policy diff`: a candidate policy replayed over
 * recorded traffic (log files, plain/.gz/EventList, or a store), streamed so a large log
 * is never held in memory.
 */
import type { Command } from 'commander';
import { compilePolicy, policyFeatures, type KubernetesVersion } from '../audit/policy/index.js';
import { orderLogFiles, readCandidates } from '../ingest/index.js';
import { Simulation, type SimulationReport } from '../simulate/index.js';
import { openStore } from '../store/index.js';
import { EXIT_NEGATIVE, EXIT_OK, UsageError, diagnostic, parseOutputFormat, write, type CliContext } from './context.js';
import { formatBytes } from './files.js';
import { kubernetesVersionOption, loadPolicyForUse } from './policy-input.js';
import { withStoreErrors } from './store.js';

interface SourceFlags {
  log?: string[];
  store?: string;
}

/** Every recorded event of the source, with its exact byte length. */
async function* recorded(ctx: CliContext, src: SourceFlags, onSkip: () => void): AsyncGenerator<{ length: number; event: Record<string, unknown> }> {
  if ((src.log === undefined) === (src.store === undefined)) throw new UsageError('give --log FILE... or --store DIR (one of them)');
  if (src.log !== undefined) {
    for (const file of orderLogFiles(src.log)) {
      for await (const c of readCandidates(file)) {
        if (c.kind === 'problem') {
          onSkip();
          ctx.err.write(diagnostic(file, c.line, c.column, c.message));
          continue;
        }
        yield { length: c.bytes.length, event: c.value };
      }
    }
    return;
  }
  const store = await openStore(src.store!, { index: false });
  try {
    for (const bytes of store.readRange()) {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      } catch {
        onSkip();
        continue;
      }
      yield { length: bytes.length, event };
    }
  } finally {
    await store.close();
  }
}

async function candidate(ctx: CliContext, file: string, version: KubernetesVersion | undefined) {
  const loaded = await loadPolicyForUse(ctx, file, version);
  if (loaded === null) return null;
  return { policy: loaded.policy!, compiled: compilePolicy(loaded.policy!, { wildcardGroup: policyFeatures(version).wildcardGroup }) };
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
      const sim = new Simulation(c.policy, c.compiled);
      await withStoreErrors(ctx, async () => {
        for await (const { length, event } of recorded(ctx, opts, () => sim.skipped++)) sim.add(length, event);
      });
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
      const cells = new Map<string, { from: string; to: string; events: number; bytes: number; groups: Map<string, number> }>();
      let total = 0;
      let skipped = 0;
      await withStoreErrors(ctx, async () => {
        for await (const { length, event } of recorded(ctx, opts, () => skipped++)) {
          total++;
          const attrs = (await import('../audit/request.js')).attributesFromEvent(event as never);
          const stage = String(event.stage ?? 'ResponseComplete');
          const level = (d: { level: string; omitStages: readonly string[] }) => (d.level !== 'None' && d.omitStages.includes(stage) ? 'None (stage omitted)' : d.level);
          const la = level(pa.compiled.evaluate(attrs));
          const lb = level(pb.compiled.evaluate(attrs));
          const key = `${la}→${lb}`;
          const cell = cells.get(key) ?? { from: la, to: lb, events: 0, bytes: 0, groups: new Map<string, number>() };
          cell.events++;
          cell.bytes += length;
          if (la !== lb) {
            const ev = event as { user?: { username?: string }; verb?: string; objectRef?: { resource?: string } };
            const g = `${ev.user?.username ?? '?'} ${ev.verb ?? '?'} ${ev.objectRef?.resource ?? '(non-resource)'}`;
            cell.groups.set(g, (cell.groups.get(g) ?? 0) + 1);
          }
          cells.set(key, cell);
        }
      });
      const rows = [...cells.values()].sort((x, y) => y.events - x.events).map((c) => ({ from: c.from, to: c.to, events: c.events, bytes: c.bytes, top: [...c.groups.entries()].sort((x, y) => y[1] - x[1]).slice(0, 5).map(([group, events]) => ({ group, events })) }));
      const changed = rows.filter((r) => r.from !== r.to).reduce((s, r) => s + r.events, 0);
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
