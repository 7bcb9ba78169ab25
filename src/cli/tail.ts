/** `kubetrail tail`: follow the live audit log into the store across rotations (src/ingest/tail.ts). */
import type { Command } from 'commander';
import { LogTailer } from '../ingest/index.js';
import { openStore } from '../store/index.js';
import { EXIT_NEGATIVE, EXIT_OK, diagnostic, parseBooleanFlag, write, type CliContext } from './context.js';
import { signingKeyFrom, withStoreErrors } from './store-access.js';

export function registerTailCommand(program: Command, ctx: CliContext): void {
  program
    .command('tail')
    .description("follow kube-apiserver's audit log into the store across rotations (rename, gzip, copytruncate), resuming from the saved position after a restart")
    .requiredOption('--store <dir>', 'the store directory')
    .option('--key <path>', "the store's private key (default: $KUBETRAIL_SIGNING_KEY_FILE)")
    .option('--once [bool]', 'read what is there now and stop, instead of following', parseBooleanFlag('once'), false)
    .option('--poll <ms>', 'how often to look for new lines and rotations', '200')
    .argument('<file>', 'the live log, e.g. /var/log/kubernetes/audit/audit.log')
    .action(async (file: string, opts: { store: string; key?: string; once: boolean; poll: string }) => {
      const key = signingKeyFrom(opts.key);
      await withStoreErrors(ctx, async () => {
        const store = await openStore(opts.store, { signingKey: key, purpose: 'kubetrail tail' });
        await store.indexInBackground();
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          const tailer = new LogTailer(store, file, {
            once: opts.once,
            signal: stop.signal,
            pollMs: Math.max(10, Number(opts.poll) || 200),
            onProblem: (p) => ctx.err.write(diagnostic(p.file, p.line, p.column, p.message)),
            onNote: (m) => ctx.err.write(`kubetrail: ${m}\n`),
          });
          const s = await tailer.run();
          await write(ctx.out, `committed ${s.committed} events; ${s.duplicates} duplicates dropped, ${s.bad} bad lines, ${s.rotations} rotations followed; the store holds ${store.size} events\n`);
          ctx.exitCode = s.bad > 0 ? EXIT_NEGATIVE : EXIT_OK;
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          await store.close();
        }
      });
    });
}
