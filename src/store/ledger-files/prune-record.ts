/**
 * Prune records: the log's own signed statement that the bodies of events [0, keepFrom)
 * were dropped on purpose (retention), not lost. Their leaf hashes stay in the hashes
 * file, so the tree, the checkpoint and every proof about later events still verify;
 * verify accepts missing segments only below the keepFrom of a prune record signed by
 * the trusted key and bound to this tree (its size and root must match the tree's).
 *
 * The record is a C2SP signed note, signed by the store's key, whose text is:
 *
 *   kubetrail/prune/v1
 *   <origin>
 *   <keepFrom: the first event still stored>
 *   <the tree size when pruned>
 *   <the tree's root hash at that size, base64>
 *   <reason, one line>
 *   <time, RFC 3339>
 *
 * The first line keeps it from ever parsing as a checkpoint (whose second line is a
 * number), so a signature on one cannot be passed off as the other.
 */
import { isLedgerError, openNote, signNote, type Signer, type Verifier } from '../../ledger/index.js';
import { StoreError } from '../errors.js';

export const PRUNE_FILE = 'prune';
const HEADER = 'kubetrail/prune/v1';

export interface PruneRecord {
  origin: string;
  /** Events before this one have no body in the store. */
  keepFrom: number;
  /** The tree size when the prune was made (≥ keepFrom). */
  treeSize: number;
  /** The root hash of the tree of treeSize events. */
  root: Uint8Array;
  reason: string;
  time: string;
}

export function signPruneRecord(record: PruneRecord, signer: Signer): string {
  if (!Number.isSafeInteger(record.keepFrom) || record.keepFrom < 0 || record.keepFrom > record.treeSize) {
    throw new StoreError('BAD_REQUEST', `a prune record keeps events from ${record.keepFrom}, outside the tree of ${record.treeSize}`);
  }
  const reason = record.reason.replace(/[\r\n]+/g, ' ');
  const text = [HEADER, record.origin, String(record.keepFrom), String(record.treeSize), Buffer.from(record.root).toString('base64'), reason, record.time].join('\n');
  return signNote(`${text}\n`, [signer]);
}

/**
 * Opens a prune record, trusting only `verifier`. Throws StoreError TAMPERED when it is
 * not a well-formed record signed by that key for this log.
 */
export function openPruneRecord(note: string, verifier: Verifier): PruneRecord {
  let text: string;
  try {
    text = openNote(note, [verifier]).text;
  } catch (err) {
    if (isLedgerError(err)) throw new StoreError('TAMPERED', `prune record: ${err.message} (trusted key ${verifier.name})`);
    throw err;
  }
  const lines = text.slice(0, -1).split('\n');
  const number = (s: string | undefined, what: string): number => {
    if (s === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(s) || !Number.isSafeInteger(Number(s))) throw new StoreError('TAMPERED', `prune record: ${what} ${JSON.stringify(s)} is not a number`);
    return Number(s);
  };
  if (lines.length !== 7 || lines[0] !== HEADER) throw new StoreError('TAMPERED', `prune record: expected 7 lines starting with ${HEADER}`);
  if (lines[1] !== verifier.name) throw new StoreError('TAMPERED', `prune record is for the log ${JSON.stringify(lines[1])}, not ${JSON.stringify(verifier.name)}`);
  const root = Buffer.from(lines[4], 'base64');
  if (root.length !== 32 || root.toString('base64') !== lines[4]) throw new StoreError('TAMPERED', 'prune record: the root hash is not 32 bytes of base64');
  const record: PruneRecord = { origin: lines[1], keepFrom: number(lines[2], 'keepFrom'), treeSize: number(lines[3], 'tree size'), root, reason: lines[5], time: lines[6] };
  if (record.keepFrom > record.treeSize) throw new StoreError('TAMPERED', `prune record keeps events from ${record.keepFrom}, beyond its tree of ${record.treeSize}`);
  return record;
}
