/**
 * What every command that opens a store shares: store and file errors turned into the
 * CLI's exit codes, and key files read with a message naming them. Kept apart from the
 * store commands so that `who`, `query` and `stats` do not load the ingest pipeline.
 */
import { readFileSync } from 'node:fs';
import { StoreError } from '../store/errors.js';
import { EXIT_NEGATIVE, UsageError, type CliContext } from './context.js';
import { describeFsError } from './files.js';

/** Runs a store action, turning store and file errors into the CLI's exit codes. */
export async function withStoreErrors(ctx: CliContext, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (err instanceof StoreError) {
      if (err.code === 'TAMPERED') {
        ctx.err.write(`kubetrail: tampered: ${err.message}\n`);
        ctx.exitCode = EXIT_NEGATIVE;
        return;
      }
      throw new UsageError(err.message);
    }
    const code = (err as NodeJS.ErrnoException)?.code;
    if (typeof code === 'string' && code !== 'EPIPE' && /^E[A-Z]+$/.test(code)) throw new UsageError(`${(err as NodeJS.ErrnoException).path ?? ''}${(err as NodeJS.ErrnoException).path ? ': ' : ''}${describeFsError(err)}`);
    throw err;
  }
}

export function readKeyFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${path}: cannot read ${what}: ${describeFsError(err)}`);
  }
}

/** The signing key from --key or KUBETRAIL_SIGNING_KEY_FILE. */
export function signingKeyFrom(flag: string | undefined): string {
  const path = flag ?? process.env.KUBETRAIL_SIGNING_KEY_FILE;
  if (path === undefined || path === '') throw new UsageError('ingest needs the store\'s private key: --key PATH (or KUBETRAIL_SIGNING_KEY_FILE); create one with kubetrail keygen');
  return readKeyFile(path, 'the private key');
}
