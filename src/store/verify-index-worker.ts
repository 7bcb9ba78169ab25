/**
 * One part of verify's index check on its own thread: opens the ledger and the index
 * read-only, compares the rows of leaves [from, to) with rows derived from the events,
 * and posts the outcome (see verify-index.ts).
 */
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { newVerifier } from '../ledger/index.js';
import { INDEX_FILE } from './ledger-files/layout.js';
import { openSqliteIndex } from './sqlite/sqlite-index.js';
import type { EventIndex } from './types.js';
import { checkStoreIndexRange, unchecked, type IndexRangeResult } from './verify-index.js';

if (parentPort !== null && workerData?.kubetrailVerifyIndex) {
  const port = parentPort;
  const { dir, verifierKey, from, to } = workerData.kubetrailVerifyIndex as { dir: string; verifierKey: string; from: number; to: number };
  let result: IndexRangeResult;
  let index: EventIndex | null = null;
  try {
    index = openSqliteIndex(join(dir, INDEX_FILE), { readonly: true });
    result = await checkStoreIndexRange(dir, newVerifier(verifierKey), index, from, to);
  } catch (err) {
    result = unchecked(from, to, (err as Error).message);
  } finally {
    await index?.close();
  }
  port.postMessage(result);
}
