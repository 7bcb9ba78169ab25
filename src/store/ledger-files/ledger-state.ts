/** Reading a store's durable state without opening it: its segments and its signed checkpoint. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isLedgerError, openCheckpoint, type Verifier } from '../../ledger/index.js';
import { StoreError } from '../errors.js';
import { CHECKPOINT_FILE, LEDGER_DIR } from './layout.js';

/** Lists segment numbers present in the ledger directory, ascending. */
export function listSegments(dir: string): number[] {
  const ledgerDir = join(dir, LEDGER_DIR);
  if (!existsSync(ledgerDir)) return [];
  return readdirSync(ledgerDir)
    .map((f) => /^seg-(\d{6})\.klog$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Reads and opens the store's checkpoint; size 0 and the empty root when there is none yet. */
export function readCheckpoint(dir: string, verifier: Verifier): { size: number; root: Uint8Array | null; text: string | null } {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) return { size: 0, root: null, text: null };
  const text = readFileSync(path, 'utf8');
  try {
    const { checkpoint } = openCheckpoint(text, [verifier], { origin: verifier.name });
    return { size: checkpoint.size, root: checkpoint.root, text };
  } catch (err) {
    if (isLedgerError(err)) throw new StoreError('TAMPERED', `checkpoint: ${err.message} (trusted key ${verifier.name})`);
    throw err;
  }
}
