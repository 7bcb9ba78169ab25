/**
 * `kubetrail prune`: retention for the record, like --audit-log-maxage/--audit-log-maxsize
 * for kube-apiserver's files. Old segments' event bodies are deleted behind a signed prune
 * record; their hashes stay, so verify and every later proof still pass, and verify tells
 * this authorised prune from events that went missing.
 */
import type { Command } from 'commander';
import { openStore, parseAge, parseSize } from '../store/index.js';
import { EXIT_OK, UsageError, parseBooleanFlag, parseOutputFormat, write, type CliContext } from './context.js';
import { formatBytes } from './files.js';
import { signingKeyFrom, withStoreErrors } from './store-access.js';

export function registerPruneCommand(program: Command, ctx: CliContext): void {
  program
    .command('prune')
    .description('apply retention: drop the bodies of old events (whole segments) behind a signed prune record; hashes stay, so verify still passes')
    .requiredOption('--store <dir>', 'the store directory')
    .option('--key <path>', "the store's private key (default: $KUBETRAIL_SIGNING_KEY_FILE)")
    .option('--max-age <age>', 'drop segments whose newest event is older than this: 30d, 12h, 90m')
    .option('--max-size <size>', 'drop the oldest segments until the stored ones total at most this: 10GiB, 500MB')
    .option('--dry-run [bool]', 'only say what would be dropped', parseBooleanFlag('dry-run'), false)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (opts: { store: string; key?: string; maxAge?: string; maxSize?: string; dryRun: boolean; output: string }) => {
      const format = parseOutputFormat(opts.output, ['text', 'json']);
      if (opts.maxAge === undefined && opts.maxSize === undefined) throw new UsageError('prune needs --max-age or --max-size (or both)');
      const maxAgeMs = opts.maxAge === undefined ? undefined : parseAge(opts.maxAge);
      if (maxAgeMs === null) throw new UsageError(`--max-age ${JSON.stringify(opts.maxAge)}: use a whole number of days, hours or minutes, e.g. 30d, 12h, 90m`);
      const maxBytes = opts.maxSize === undefined ? undefined : parseSize(opts.maxSize);
      if (maxBytes === null) throw new UsageError(`--max-size ${JSON.stringify(opts.maxSize)}: use a size such as 10GiB, 500MB or 1048576`);
      const key = signingKeyFrom(opts.key);
      await withStoreErrors(ctx, async () => {
        const store = await openStore(opts.store, { signingKey: key, purpose: 'kubetrail prune' });
        try {
          const result = await store.prune({ maxAgeMs, maxBytes, dryRun: opts.dryRun });
          if (format === 'json') {
            await write(ctx.out, `${JSON.stringify({ dryRun: opts.dryRun, keepFrom: result.keepFrom, segments: result.segments, events: result.events, bytes: result.bytes, reason: result.reason, firstStored: store.firstStored, size: store.size })}\n`);
          } else if (result.keepFrom === null) {
            await write(ctx.out, `nothing to prune: ${result.reason}\n`);
          } else {
            const verb = opts.dryRun ? 'would drop' : 'dropped';
            await write(ctx.out, `${verb} ${result.events} events in ${result.segments} segment(s), ${formatBytes(result.bytes)} (${result.reason}); events from ${result.keepFrom} on are kept\n`);
          }
          ctx.exitCode = EXIT_OK;
        } finally {
          await store.close();
        }
      });
    });
}
