/**
 * The record's commands: keygen, ingest, verify, reindex (query is in query.ts). Thin:
 * each parses its flags, calls src/store or src/ingest, and renders. A StoreError
 * TAMPERED is a negative answer (exit 1); every other store error is exit 2.
 */
import type { Command } from 'commander';
import { ingestFiles, orderLogFiles } from '../ingest/index.js';
import { INDEX_FILE, createStoreKeys, openStore, reindexStore, verifyStore, type Store } from '../store/index.js';
import { EXIT_NEGATIVE, EXIT_OK, diagnostic, parseOutputFormat, write, type CliContext } from './context.js';
import { formatBytes } from './files.js';
import { readKeyFile, signingKeyFrom, withStoreErrors } from './store-access.js';

export function registerStoreCommands(program: Command, ctx: CliContext): void {
  program
    .command('keygen')
    .description('create a store\'s signing key: the private key at --private-key (mode 0600, outside the store), the public key in the store')
    .requiredOption('--name <origin>', 'the log\'s origin, e.g. example.com/kubetrail/prod (no spaces or +)')
    .requiredOption('--private-key <path>', 'where to write the private key (outside the store directory)')
    .requiredOption('--store <dir>', 'the store directory (created if missing)')
    .action(async (opts: { name: string; privateKey: string; store: string }) => {
      await withStoreErrors(ctx, async () => {
        const { vkey } = createStoreKeys(opts.store, opts.name, opts.privateKey);
        await write(ctx.out, `private key: ${opts.privateKey} (keep it secret; ingest needs it)\npublic key:  ${vkey}\n`);
        ctx.exitCode = EXIT_OK;
      });
    });

  program
    .command('ingest')
    .description('commit audit events from files (JSON lines or EventList, plain or .gz, rotated backups in time order; - for stdin) to the store')
    .requiredOption('--store <dir>', 'the store directory')
    .option('--key <path>', 'the store\'s private key (default: $KUBETRAIL_SIGNING_KEY_FILE)')
    .option('-o, --output <format>', 'summary format: text or json', 'text')
    .argument('<files...>', 'audit log files, - for stdin')
    .action(async (files: string[], opts: { store: string; key?: string; output: string }) => {
      const format = parseOutputFormat(opts.output, ['text', 'json']);
      const key = signingKeyFrom(opts.key);
      await withStoreErrors(ctx, async () => {
        const store = await openStore(opts.store, { signingKey: key, purpose: 'kubetrail ingest' });
        let closed = false;
        try {
          // The index is written on a second thread behind the ledger; closing waits for it.
          await store.indexInBackground();
          const summary = await ingestFiles(store, orderLogFiles(files), {
            onProblem: (p) => ctx.err.write(diagnostic(p.file, p.line, p.column, p.message)),
          });
          const rate = summary.seconds > 0 ? Math.round(summary.committed / summary.seconds) : 0;
          const size = store.size;
          const started = performance.now();
          await store.close();
          closed = true;
          const indexSeconds = (performance.now() - started) / 1000;
          if (format === 'json') await write(ctx.out, `${JSON.stringify({ ...summary, eventsPerSecond: rate, size, indexCatchUpSeconds: indexSeconds })}\n`);
          else {
            await write(
              ctx.out,
              `committed ${summary.committed} events (${formatBytes(summary.bytes)}) in ${summary.batches} batches, ${rate} events/s; ` +
                `${summary.duplicates} duplicates dropped, ${summary.withoutKey} without auditID/stage kept, ${summary.bad} bad lines; the store holds ${size} events` +
                `${indexSeconds >= 0.05 ? ` (the index caught up ${indexSeconds.toFixed(1)} s after the last commit)` : ''}\n`,
            );
          }
          // Good lines are committed either way; a rejected line makes the answer negative (exit 1)
          // so scripts notice that part of the input is not in the record.
          ctx.exitCode = summary.bad > 0 ? EXIT_NEGATIVE : EXIT_OK;
        } finally {
          if (!closed) await store.close();
        }
      });
    });

  program
    .command('verify')
    .description('check every stored event against the signed checkpoint, and the index against the ledger (exit 1 when tampered)')
    .requiredOption('--store <dir>', 'the store directory')
    .option('--key <path>', 'trust only this public (verifier) key file, not the one in the store')
    .option('--checkpoint <file>', 'a checkpoint saved elsewhere earlier (a witness): the store must still contain that tree, unchanged')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (opts: { store: string; key?: string; checkpoint?: string; output: string }) => {
      const format = parseOutputFormat(opts.output, ['text', 'json']);
      const verifierKey = opts.key === undefined ? undefined : readKeyFile(opts.key, 'the public key');
      const witnessCheckpoint = opts.checkpoint === undefined ? undefined : readKeyFile(opts.checkpoint, 'the witness checkpoint');
      await withStoreErrors(ctx, async () => {
        const report = await verifyStore(opts.store, { verifierKey, witnessCheckpoint });
        if (format === 'json') await write(ctx.out, `${JSON.stringify(report)}\n`);
        else if (report.ok) await write(ctx.out, `intact: ${report.checked} events${report.pruned > 0 ? ` (and ${report.pruned} older ones pruned by a signed record, their hashes checked)` : ''} match the signed checkpoint (size ${report.size}); ${report.indexChecked} index rows agree\n`);
        for (const n of report.notes) ctx.err.write(`kubetrail: note: ${n}\n`);
        if (report.problem !== null) {
          const p = report.problem;
          ctx.err.write(`kubetrail: tampered: ${p.file}${p.leaf !== null ? ` (event ${p.leaf})` : ''}: ${p.message}\n`);
          // The index is derived from the ledger: when only it disagrees, it can be rebuilt.
          if (p.file === INDEX_FILE) ctx.err.write(`kubetrail: the ledger checked up to there is intact; the index is derived from it: kubetrail reindex --store ${opts.store} rebuilds it\n`);
        }
        ctx.exitCode = report.ok ? EXIT_OK : EXIT_NEGATIVE;
      });
    });

  program
    .command('reindex')
    .description('rebuild the store\'s index from its ledger')
    .requiredOption('--store <dir>', 'the store directory')
    .action(async (opts: { store: string }) => {
      await withStoreErrors(ctx, async () => {
        const { events } = await reindexStore(opts.store);
        await write(ctx.out, `reindexed ${events} events\n`);
        ctx.exitCode = EXIT_OK;
      });
    });
}

export type { Store };
