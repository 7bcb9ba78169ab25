/**
 * One part of verify's index check on its own thread: opens the ledger and the index
 * read-only, compares the rows of leaves [from, to) with rows derived from the events,
 * and posts the outcome (see verify-index.ts).
 */
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { newVerifier } from '../ledger/index.js';
import { FileLedger } from './ledger-files/file-ledger.js';
import { INDEX_FILE } from './ledger-files/layout.js';
import { openSqliteIndex } from './sqlite/sqlite-index.js';
import type { EventIndex } from './types.js';
import { checkIndexRange, type IndexRangeResult } from './verify-index.js';

if (parentPort !== null && workerData?.kubetrailVerifyIndex) {
  const port = parentPort;
  const { dir, verifierKey, from, to } = workerData.kubetrailVerifyIndex as { dir: string; verifierKey: string; from: number; to: number };
  let result: IndexRangeResult;
  let ledger: FileLedger | null = null;
  let index: EventIndex | null = null;
  try {
    ledger = FileLedger.open(dir, { verifier: newVerifier(verifierKey) });
    index = openSqliteIndex(join(dir, INDEX_FILE), { readonly: true });
    result = await checkIndexRange(index, ledger.readRange(from, to), from, to);
  } catch (err) {
    // Not a disagreement: the ledger pass on verify's thread names the cause when it is the ledger's.
    result = { checked: 0, problem: null, failed: { file: INDEX_FILE, leaf: from, message: `the index rows of events ${from}–${to - 1} could not be checked: ${(err as Error).message}` } };
  } finally {
    ledger?.close();
    await index?.close();
  }
  port.postMessage(result);
}
