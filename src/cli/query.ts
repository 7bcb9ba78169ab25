/**
 * `kubetrail query`: the stored events matching filters, oldest (or newest) first, as a
 * table, CSV, JSON objects of their index fields, or -o jsonl: the leaves byte for byte.
 */
import type { Command } from 'commander';
import { CSV_COLUMNS, TABLE_HEADER, csvRow, jsonRow, parseQueryString, QueryStringError, tableRow } from '../query/index.js';
import { openStore, parseTimeUs, type EventFilter, type IndexRow, type Store } from '../store/index.js';
import { openRecordSource } from './record-source.js';
import { EXIT_NEGATIVE, EXIT_OK, UsageError, parseBooleanFlag, parseOutputFormat, write, type CliContext } from './context.js';
import { withStoreErrors } from './store-access.js';

const NEWLINE = Buffer.from('\n');

/** Below this many events a full read is quick: no note. */
const SCAN_NOTE_EVENTS = 100_000;

async function writeBytes(ctx: CliContext, b: Buffer): Promise<void> {
  if (!ctx.out.write(b)) await new Promise<void>((resolve, reject) => {
    ctx.out.once('drain', resolve);
    ctx.out.once('error', reject);
  });
}

const UNITS: Record<string, number> = { s: 1e6, m: 60e6, h: 3600e6, d: 86400e6 };

/** An RFC 3339 time, or a duration before now (90s, 15m, 2h, 7d), as microseconds since the epoch. */
export function parseQueryTime(flag: string, text: string, nowUs = Date.now() * 1000): number {
  const d = /^(\d+)([smhd])$/.exec(text.trim());
  if (d !== null) return nowUs - Number(d[1]) * UNITS[d[2]];
  const t = parseTimeUs(text.trim());
  if (t === null) throw new UsageError(`${flag} ${JSON.stringify(text)}: expected an RFC 3339 time (2026-11-23T10:00:00Z) or a duration before now (15m, 2h, 7d)`);
  return t;
}

export type QueryFormat = 'text' | 'jsonl' | 'json' | 'csv';

export interface QueryArguments {
  filter: EventFilter;
  format: QueryFormat;
}

export function parseQueryArguments(opts: { user?: string; verb?: string; resource?: string; namespace?: string; name?: string; since?: string; until?: string; output: string; limit?: string }): QueryArguments {
  const filter: EventFilter = {};
  if (opts.user !== undefined) filter.user = opts.user;
  if (opts.verb !== undefined) filter.verb = opts.verb;
  if (opts.resource !== undefined) filter.resource = opts.resource;
  if (opts.namespace !== undefined) filter.namespace = opts.namespace;
  if (opts.name !== undefined) filter.name = opts.name;
  if (opts.since !== undefined) filter.sinceUs = parseQueryTime('--since', opts.since);
  if (opts.until !== undefined) filter.untilUs = parseQueryTime('--until', opts.until);
  if (opts.limit !== undefined) {
    if (!/^\d+$/.test(opts.limit)) throw new UsageError(`--limit ${JSON.stringify(opts.limit)}: expected a whole number`);
    filter.limit = Number(opts.limit);
  }
  return { filter, format: parseOutputFormat(opts.output, ['text', 'jsonl', 'json', 'csv']) as QueryFormat };
}

export function registerQueryCommand(program: Command, ctx: CliContext): void {
  program
    .command('query')
    .description('print the stored events that match, oldest first (-o jsonl: the exact stored bytes; json, csv: their fields)')
    .option('--store <dir>', 'the store directory')
    .option('--log <files...>', 'audit log files instead of a store (read into a temporary index; slower)')
    .option('--user <name>', 'user.username')
    .option('--verb <verb>', 'verb (get, list, create, …)')
    .option('--resource <resource>', 'objectRef.resource (pods, secrets, …)')
    .option('--namespace <ns>', 'objectRef.namespace')
    .option('--name <name>', 'objectRef.name')
    .option('--since <time>', 'at or after this time (RFC 3339, or a duration before now: 2h)')
    .option('--until <time>', 'before this time')
    .option('--limit <n>', 'at most this many events')
    .option('-o, --output <format>', 'text, jsonl (the stored events, byte for byte), json or csv (their fields)', 'text')
    .option('--newest-first', 'newest events first (default: oldest first)')
    .option('--follow [bool]', 'after the matches so far, keep printing new ones as they are committed (with --store; Ctrl-C stops)', parseBooleanFlag('follow'), false)
    .option('--poll <ms>', 'with --follow: how often to look for new events', '500')
    .argument('[query]', "a query string: 'user=alice verb=create resource=pods ns=prod since=2h' (combined with the flags)")
    .action(async (query: string | undefined, opts: { store?: string; log?: string[]; output: string; follow: boolean; newestFirst?: boolean; poll: string; user?: string; verb?: string; resource?: string; namespace?: string; name?: string; since?: string; until?: string; limit?: string }) => {
      const args = parseQueryArguments(opts);
      if (query !== undefined) {
        try {
          const fromString = parseQueryString(query);
          for (const [k, v] of Object.entries(fromString)) {
            const key = k as keyof EventFilter;
            if (args.filter[key] !== undefined && args.filter[key] !== v) throw new UsageError(`the query string and a flag both set ${k}, differently`);
            (args.filter as Record<string, unknown>)[key] = v;
          }
        } catch (err) {
          if (err instanceof QueryStringError) throw new UsageError(`query ${JSON.stringify(query)}, column ${err.column}: ${err.message}`);
          throw err;
        }
      }
      if (opts.follow && opts.store === undefined) throw new UsageError('--follow needs --store (a log file is read once; follow it into a store with kubetrail tail)');
      if (opts.follow && opts.newestFirst) throw new UsageError('--follow prints events as they come: it cannot go newest first');
      if (opts.follow && args.format === 'json') throw new UsageError('--follow cannot write one JSON document that never ends: use -o jsonl or csv');
      await withStoreErrors(ctx, async () => {
        const source = await openRecordSource(ctx, opts);
        let found = 0;
        let last = -1;
        let firstJson = true;
        const print = async (store: Store, row: IndexRow) => {
          found++;
          last = Math.max(last, row.leaf);
          if (args.format === 'jsonl') {
            // The exact stored bytes, never decoded (a leaf need not be valid UTF-8).
            for (const bytes of store.readRange(row.leaf, row.leaf + 1)) await writeBytes(ctx, Buffer.concat([bytes, NEWLINE]));
          } else if (args.format === 'csv') await write(ctx.out, csvRow(row));
          else if (args.format === 'json') {
            await write(ctx.out, `${firstJson ? '' : ',\n'}${JSON.stringify(jsonRow(row))}`);
            firstJson = false;
          } else await write(ctx.out, `${tableRow(row)}\n`);
        };
        try {
          if (args.format === 'text') await write(ctx.out, `${TABLE_HEADER.join('\t')}\n`);
          if (args.format === 'csv') await write(ctx.out, `${CSV_COLUMNS.join(',')}\r\n`);
          if (args.format === 'json') await write(ctx.out, '[\n');
          const narrowed = Object.entries(args.filter).some(([k, v]) => v !== undefined && k !== 'limit');
          if (narrowed && source.store.size > SCAN_NOTE_EVENTS && (await source.store.readsEverything(args.filter))) {
            ctx.err.write(`kubetrail: note: no index narrows this query (globs in the middle, groups, codes, decisions and user agents are tested row by row): it reads all ${source.store.size.toLocaleString('en')} events\n`);
          }
          for await (const row of source.store.queryRows({ ...args.filter, newestFirst: opts.newestFirst === true })) await print(source.store, row);
          if (args.format === 'json') await write(ctx.out, `${firstJson ? '' : '\n'}]\n`);
          // Only as far as the index reaches: events committed but not yet indexed are found by the next look.
          last = Math.max(last, Math.min(source.store.size, await source.store.indexedSize()) - 1);
        } finally {
          await source.close();
        }
        if (opts.follow) {
          // Another process (serve, tail, ingest) commits; each look opens the store afresh
          // so it sees the newest signed checkpoint.
          const stop = new AbortController();
          const onSignal = () => stop.abort();
          process.once('SIGINT', onSignal);
          process.once('SIGTERM', onSignal);
          const { limit: _limit, ...filter } = args.filter;
          try {
            while (!stop.signal.aborted) {
              await new Promise((r) => setTimeout(r, Math.max(50, Number(opts.poll) || 500)));
              if (stop.signal.aborted) break;
              const store = await openStore(opts.store!);
              try {
                for await (const row of store.queryRows({ ...filter, afterLeaf: last })) await print(store, row);
                last = Math.max(last, Math.min(store.size, await store.indexedSize()) - 1);
              } finally {
                await store.close();
              }
            }
          } finally {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
          }
          ctx.exitCode = EXIT_OK;
          return;
        }
        ctx.exitCode = found > 0 ? EXIT_OK : EXIT_NEGATIVE;
      });
    });
}
