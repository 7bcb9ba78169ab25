/**
 * `kubetrail prove` and `kubetrail verify-proof`: one event, exported with its inclusion
 * proof and the signed checkpoint, checked offline by anyone holding only the public key.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { checkProofBundle, isLedgerError, makeProofBundle, MAX_PROOF_BUNDLE_BYTES, newVerifier } from '../ledger/index.js';
import { openStore } from '../store/index.js';
import { EXIT_NEGATIVE, EXIT_OK, UsageError, write, type CliContext } from './context.js';
import { describeFsError } from './files.js';
import { withStoreErrors } from './store-access.js';

const STAGE_PREFERENCE = ['ResponseComplete', 'ResponseStarted', 'Panic', 'RequestReceived'];

export function registerProveCommands(program: Command, ctx: CliContext): void {
  program
    .command('prove')
    .description('export an event with its inclusion proof and the signed checkpoint, for checking offline with kubetrail verify-proof')
    .requiredOption('--store <dir>', 'the store directory')
    .requiredOption('--audit-id <id>', 'the event\'s auditID')
    .option('--stage <stage>', 'which stage\'s event (default: ResponseComplete when there is one)')
    .option('-o, --output <file>', 'write the bundle to this file instead of stdout')
    .action(async (opts: { store: string; auditId: string; stage?: string; output?: string }) => {
      await withStoreErrors(ctx, async () => {
        const store = await openStore(opts.store);
        try {
          const rows = [];
          for await (const r of store.queryRows({ auditID: opts.auditId, stage: opts.stage, limit: 16 })) rows.push(r);
          if (rows.length === 0) {
            ctx.err.write(`kubetrail: no event with auditID ${opts.auditId}${opts.stage ? ` at stage ${opts.stage}` : ''} in ${opts.store}\n`);
            ctx.exitCode = EXIT_NEGATIVE;
            return;
          }
          rows.sort((a, b) => STAGE_PREFERENCE.indexOf(a.stage ?? '') - STAGE_PREFERENCE.indexOf(b.stage ?? ''));
          const row = rows[0];
          // Size, checkpoint and proof from one synchronous moment: they describe one tree.
          const size = store.size;
          const bundle = makeProofBundle(store.origin, row.leaf, size, store.readLeaf(row.leaf), store.proveInclusion(row.leaf, size), store.checkpoint ?? '');
          const text = `${JSON.stringify(bundle, null, 2)}\n`;
          if (opts.output !== undefined) {
            writeFileSync(opts.output, text);
            await write(ctx.out, `wrote ${opts.output}: event ${row.leaf} (${row.stage ?? 'no stage'}) of ${size}; check it with kubetrail verify-proof ${opts.output} --key PUBLIC_KEY\n`);
          } else await write(ctx.out, text);
          ctx.exitCode = EXIT_OK;
        } finally {
          await store.close();
        }
      });
    });

  program
    .command('verify-proof')
    .description('check a proof bundle offline with only the log\'s public key (exit 0 valid, 1 invalid)')
    .argument('<bundle>', 'the file kubetrail prove wrote')
    .requiredOption('--key <file>', 'the public (verifier) key to trust')
    .action(async (bundlePath: string, opts: { key: string }) => {
      let text: string;
      let key: string;
      try {
        text = readFileSync(bundlePath, 'utf8');
        key = readFileSync(opts.key, 'utf8');
      } catch (err) {
        throw new UsageError(`${(err as NodeJS.ErrnoException).path ?? bundlePath}: ${describeFsError(err)}`);
      }
      if (text.length > MAX_PROOF_BUNDLE_BYTES) throw new UsageError(`${bundlePath}: larger than ${MAX_PROOF_BUNDLE_BYTES} bytes`);
      try {
        newVerifier(key.trim());
      } catch (err) {
        if (isLedgerError(err)) throw new UsageError(`${opts.key}: not a public key: ${err.message}`);
        throw err;
      }
      try {
        const ok = checkProofBundle(text, key);
        let what = `event ${ok.leafIndex}`;
        try {
          const e = JSON.parse(ok.event.toString('utf8')) as { auditID?: string; verb?: string; user?: { username?: string } };
          what = `event ${ok.leafIndex} (auditID ${e.auditID}, ${e.user?.username ?? '?'} ${e.verb ?? '?'})`;
        } catch {
          // not JSON: the leaf is still proven
        }
        await write(ctx.out, `valid: ${what} is in the log ${ok.origin} of ${ok.treeSize} events, signed by ${ok.signer}\n`);
        ctx.exitCode = EXIT_OK;
      } catch (err) {
        if (!isLedgerError(err)) throw err;
        ctx.err.write(`kubetrail: invalid: ${err.message}\n`);
        ctx.exitCode = EXIT_NEGATIVE;
      }
    });
}
