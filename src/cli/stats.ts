/** `kubetrail stats`: top talkers, events per minute as a terminal chart, and --health (src/query/stats.ts). */
import type { Command } from 'commander';
import { formatBytes } from './files.js';
import { computeStats, parseQueryString, QueryStringError, sparkline, type StatsReport } from '../query/index.js';
import { openRecordSource, type RecordSourceFlags } from './record-source.js';
import { EXIT_NEGATIVE, EXIT_OK, UsageError, parseBooleanFlag, parseOutputFormat, write, type CliContext } from './context.js';
import { withStoreErrors } from './store-access.js';

function shortKey(key: string): string {
  // source IPs are stored as a JSON list; show them as a list.
  if (key.startsWith('[')) {
    try {
      return (JSON.parse(key) as string[]).join(', ');
    } catch {
      return key;
    }
  }
  return key.length > 70 ? `${key.slice(0, 67)}…` : key;
}

function render(r: StatsReport): string {
  let text = `${r.events.toLocaleString('en')} events\n`;
  if (r.perMinute.start !== null) {
    const minutes = r.perMinute.counts.length;
    const peak = Math.max(...r.perMinute.counts);
    text += `\nevents per minute, ${new Date(r.perMinute.start * 1000).toISOString()} + ${minutes} min (peak ${peak.toLocaleString('en')}/min):\n  ${sparkline(r.perMinute.counts, 72)}\n`;
  }
  for (const t of r.top) {
    text += `\ntop ${t.dimension}:\n`;
    const width = Math.max(...t.rows.map((x) => x.events.toLocaleString('en').length), 1);
    for (const row of t.rows) text += `  ${row.events.toLocaleString('en').padStart(width)}  ${((100 * row.events) / Math.max(1, r.events)).toFixed(1).padStart(5)}%  ${formatBytes(row.bytes).padStart(10)}  ${shortKey(row.key)}\n`;
  }
  if (r.health) {
    const h = r.health;
    text += `\nhealth (${h.requests.toLocaleString('en')} requests):\n`;
    text += `  gaps of 5+ minutes without events: ${h.gaps.length === 0 ? 'none' : h.gaps.map((g) => `${g.from} → ${g.to} (${g.minutes} min)`).join('; ')}\n`;
    text += `  requests without a final stage (ResponseComplete/Panic): ${h.missingFinalStage.count}${h.missingFinalStage.count ? ` (long watches and exec sessions still open, or events lost), e.g. ${h.missingFinalStage.examples.join(', ')}` : ''}\n`;
    text += `  (auditID, stage) stored more than once: ${h.duplicated.count}${h.duplicated.count ? `, e.g. ${h.duplicated.examples.join('; ')}` : ''}\n`;
  }
  return text;
}

export function registerStatsCommand(program: Command, ctx: CliContext): void {
  program
    .command('stats')
    .description('top users, verbs, resources, namespaces, user agents, source IPs and codes; events per minute; --health: gaps, requests missing a stage, duplicates')
    .option('--store <dir>', 'the store directory')
    .option('--log <files...>', 'audit log files instead of a store (read into a temporary index; slower)')
    .argument('[query]', "only events matching a query string, e.g. 'ns=prod since=24h'")
    .option('--top <n>', 'rows per dimension', '10')
    .option('--health [bool]', 'also report gaps in time, requests without a final stage and duplicated auditIDs', parseBooleanFlag('health'), false)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (query: string | undefined, opts: RecordSourceFlags & { top: string; health: boolean; output: string }) => {
      const format = parseOutputFormat(opts.output, ['text', 'json']);
      const top = Number(opts.top);
      if (!Number.isSafeInteger(top) || top < 1 || top > 1000) throw new UsageError('--top: a whole number from 1 to 1000');
      let filter = {};
      try {
        filter = query === undefined ? {} : parseQueryString(query);
      } catch (err) {
        if (err instanceof QueryStringError) throw new UsageError(`query ${JSON.stringify(query)}, column ${err.column}: ${err.message}`);
        throw err;
      }
      await withStoreErrors(ctx, async () => {
        const source = await openRecordSource(ctx, opts);
        try {
          const report = await computeStats(source.store, filter, { top, health: opts.health });
          await write(ctx.out, format === 'json' ? `${JSON.stringify(report)}\n` : render(report));
          ctx.exitCode = report.events > 0 ? EXIT_OK : EXIT_NEGATIVE;
        } finally {
          await source.close();
        }
      });
    });
}
